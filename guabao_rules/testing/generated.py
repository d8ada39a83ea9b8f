"""The value the strategies build: a dataset as plain records, with its judging day."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import yaml

from guabao_rules.config import Config

Record = dict[str, Any]
"""One record as it is written to YAML: plain ``str``/``int``/``bool``/``date``/list/dict values."""

SHARED = "shared"
"""The home of records that belong to no county (province, top leaders, upstream funds)."""


@dataclass(frozen=True, repr=False)
class GeneratedDataset:
    """A dataset as plain records, ready to be written to YAML files and checked.

    Attributes:
        records: Collection name → its records, in order. Ids are strings
            (``"533300"``, never ``533300``), dates :class:`datetime.date`,
            amounts strings with at most two decimals (or whole ``int`` yuan).
        as_of: The day the data is judged at.
        params: Rule parameters (profile-like values: Q001, Q002, Q008 and M005 apply).
        start: The first day of the generated history (pairings start on or after it).
        homes: Record id → the county id it belongs to, or :data:`SHARED`; the
            file layouts use it to split the data per county.
        raw_files: Extra files written byte for byte (relative path → bytes),
            for inputs no YAML dumper writes (syntax errors, duplicate keys).
        waivers: Entries of ``guabao-rules-waivers.yaml`` (none: no waiver file).
    """

    records: dict[str, list[Record]]
    as_of: date
    params: dict[str, Any]
    start: date
    homes: dict[str, str] = field(default_factory=dict)
    raw_files: dict[str, bytes] = field(default_factory=dict)
    waivers: list[Record] = field(default_factory=list)

    def __repr__(self) -> str:
        # Short on purpose: failure reports show the data as YAML (:meth:`to_yaml`).
        counts = ", ".join(f"{k}={len(v)}" for k, v in self.records.items() if v)
        extra = f", raw_files={sorted(self.raw_files)}" if self.raw_files else ""
        extra += f", waivers={len(self.waivers)}" if self.waivers else ""
        return f"GeneratedDataset(as_of={self.as_of.isoformat()}, {counts}{extra})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """Hypothesis' pretty printer: the same short summary."""
        printer.text(repr(self))

    def config(self, **overrides: Any) -> Config:
        """A :class:`~guabao_rules.config.Config` that judges this dataset as intended.

        Args:
            **overrides: Other :class:`Config` fields (``select``, ``lang``, ...).
        """
        settings: dict[str, Any] = {"as_of": self.as_of, "params": dict(self.params), "lang": "en"}
        settings.update(overrides)
        return Config(**settings)

    def cli_args(self) -> list[str]:
        """Command-line options of ``guabao-rules check`` that judge it the same way.

        Parameters have no command-line option: write :meth:`config_toml` into
        the dataset root (``guabao-rules.toml``) for the command line to see them.
        """
        return ["--as-of", self.as_of.isoformat(), "--lang", "en"]

    def config_toml(self) -> str:
        """A ``guabao-rules.toml`` with this dataset's ``as_of`` and parameters."""
        lines = [f"as_of = {self.as_of.isoformat()}", "", "[params]"]
        for name, value in self.params.items():
            lines.append(f"{name} = {_toml(value)}")
        return "\n".join(lines) + "\n"

    def iter_records(self) -> Iterator[tuple[str, Record]]:
        """Every record with its collection, in order."""
        for collection, items in self.records.items():
            for record in items:
                yield collection, record

    def ids(self) -> set[str]:
        """Every record id."""
        return {str(r["id"]) for _, r in self.iter_records() if isinstance(r, dict) and "id" in r}

    def count(self) -> int:
        """The number of records (raw files aside)."""
        return sum(len(items) for items in self.records.values())

    def deep_copy(self) -> GeneratedDataset:
        """An independent copy, to mutate."""
        return copy.deepcopy(self)

    def to_yaml(self) -> str:
        """The whole dataset as one readable YAML text (for ``hypothesis.note``)."""
        head = {"as_of": self.as_of, "params": self.params}
        parts = [
            "# as_of and params",
            dump_yaml(head),
            "# records",
            dump_yaml({k: v for k, v in self.records.items() if v}),
        ]
        if self.waivers:
            parts += ["# guabao-rules-waivers.yaml", dump_yaml({"waivers": self.waivers})]
        for name, data in sorted(self.raw_files.items()):
            parts += [f"# raw file {name}", data.decode("utf-8", errors="backslashreplace")]
        return "\n".join(parts)


class PlainNumber(str):
    """Decimal text to be written as a plain YAML number (``1200.50``), not a string."""

    __slots__ = ()


class _Dumper(yaml.SafeDumper):
    """PyYAML's safe dumper, which also writes :class:`PlainNumber` as a plain scalar."""

    def ignore_aliases(self, data: Any) -> bool:
        """Never write anchors: a date shared by two fields is written twice, as a person would."""
        return True


def _plain_number(dumper: yaml.SafeDumper, value: PlainNumber) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:float", str(value))


_Dumper.add_representer(PlainNumber, _plain_number)


def dump_yaml(data: Any, *, flow: bool = False, width: int = 100) -> str:
    """Dump plain data as the strategies write it: safe YAML, unicode, keys in order.

    This is ``yaml.safe_dump(data, allow_unicode=True, sort_keys=False)``; the
    only addition is :class:`PlainNumber`, written as a plain number. No tag
    is ever written.

    Args:
        data: Plain data.
        flow: Write innermost collections in flow style (``{id: ..., name: ...}``).
        width: The preferred line width.
    """
    text: str = yaml.dump(
        data,
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=None if flow else False,
        width=width,
    )
    return text


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_toml(str(k))} = {_toml(v)}" for k, v in value.items()) + "}"
    return _toml(str(value))
