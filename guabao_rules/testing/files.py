"""Write a generated dataset to a directory, split into files in varied ways."""

from __future__ import annotations

import csv
import io
import os
import random
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from guabao_rules.models import COLLECTIONS, TABLE_COLLECTIONS
from guabao_rules.sources.loader import WAIVER_FILE
from guabao_rules.testing.generated import SHARED, GeneratedDataset, PlainNumber, Record, dump_yaml

Style = Literal["single", "per_collection", "per_county", "nested", "scattered"]
STYLES: tuple[Style, ...] = ("single", "per_collection", "per_county", "nested", "scattered")
Blank = Literal["absent", "empty_string", "empty_list", "null"]
BLANKS: dict[Blank, Any] = {"empty_string": "", "empty_list": [], "null": None}
"""The spellings of "not filled in" (data-format.md): each reads as an absent field."""


@dataclass(frozen=True)
class Layout:
    """How a dataset is split into files.

    Attributes:
        style: ``single`` (one ``data.yaml``), ``per_collection`` (``units.yaml``, ...),
            ``per_county`` (``shared.yaml`` and ``counties/<code>.yaml``), ``nested``
            (``<county>/<collection>.yaml`` folders) or ``scattered`` (each record in
            one of ``files`` files at random, in nested folders).
        flow: Write records in flow style (``- {id: ..., name: ...}``) where PyYAML can.
        shuffle: Shuffle the records inside each file.
        files: How many files ``scattered`` uses.
        suffix: ``.yaml`` or ``.yml``.
        seed: Seeds the shuffling and the scattering, so a layout is reproducible.
        tables: Write the records of the bulk collections as CSV tables
            (``households.csv``, ``pairings/<home>.csv``), where they are flat.
        bare_codes: Write region codes as YAML integers (``533300``, not ``"533300"``).
        bare_amounts: Write amounts as YAML numbers (``1200.50``, not ``"1200.50"``).
        quoted_dates: Write dates as quoted strings (``"2019-01-01"``).
        blanks: Write every optional top-level field a record leaves out as this
            blank (``""``, ``[]`` or ``null``; an empty cell in a table), which
            means the same as leaving it out; ``absent`` writes nothing.
    """

    style: Style = "per_collection"
    flow: bool = False
    shuffle: bool = False
    files: int = 3
    suffix: str = ".yaml"
    seed: int = 0
    tables: bool = False
    bare_codes: bool = False
    bare_amounts: bool = False
    quoted_dates: bool = False
    blanks: Blank = "absent"


def layouts(styles: tuple[Style, ...] = STYLES) -> SearchStrategy[Layout]:
    """Layouts of the given styles; every other choice of :class:`Layout` is drawn too."""
    return st.builds(
        Layout,
        style=st.sampled_from(styles),
        flow=st.booleans(),
        shuffle=st.booleans(),
        files=st.integers(1, 5),
        suffix=st.sampled_from([".yaml", ".yml"]),
        seed=st.integers(0, 2**32 - 1),
        tables=st.booleans(),
        bare_codes=st.booleans(),
        bare_amounts=st.booleans(),
        quoted_dates=st.booleans(),
        blanks=st.sampled_from(["absent", "empty_string", "empty_list", "null"]),
    )


_CODE = re.compile(r"[1-9][0-9]{4,11}")
_DECIMAL = re.compile(r"[0-9]+\.[0-9]{1,2}")


def _styled(value: Any, layout: Layout, key: str | None = None) -> Any:
    """A value as the layout writes it (the same meaning, another spelling)."""
    if isinstance(value, dict):
        return {k: _styled(v, layout, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_styled(v, layout) for v in value]
    if isinstance(value, date) and layout.quoted_dates:
        return value.isoformat()
    if isinstance(value, str):
        if layout.bare_amounts and key in ("amount", "budget") and _DECIMAL.fullmatch(value):
            return PlainNumber(value)
        if layout.bare_codes and _CODE.fullmatch(value):
            return int(value)
    return value


def _tabular(collection: str, record: Record) -> bool:
    """Whether a record can be a CSV row: a bulk collection, known fields, flat values."""
    if collection not in TABLE_COLLECTIONS:
        return False
    fields = COLLECTIONS[collection].model_fields
    for key, value in record.items():
        if key not in fields or isinstance(value, dict):
            return False
        if isinstance(value, list) and any(isinstance(v, list | dict) for v in value):
            return False
    return True


def _with_blanks(collection: str, record: Record, blanks: Blank) -> Record:
    """``record`` with each optional field it leaves out written as the blank ``blanks``."""
    if blanks == "absent" or collection not in COLLECTIONS:
        return record
    fields = COLLECTIONS[collection].model_fields
    blank = BLANKS[blanks]
    missing = {
        name: blank
        for name, info in fields.items()
        if not info.is_required() and name not in record
    }
    return {**record, **missing}


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return ";".join(_cell(v) for v in value)
    return str(value)


def _table(records: list[Record]) -> bytes:
    columns: dict[str, None] = {}
    for record in records:
        columns.update(dict.fromkeys(record))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(list(columns))
    for record in records:
        writer.writerow([_cell(record[c]) if c in record else "" for c in columns])
    return out.getvalue().encode("utf-8")


def _table_path(layout: Layout, collection: str, home: str, rng: random.Random) -> str:
    if layout.style in ("single", "per_collection"):
        return f"{collection}.csv"
    if layout.style == "scattered":
        return f"{collection}/part-{rng.randrange(layout.files)}.csv"
    return f"{collection}/{home}.csv"


def _path(layout: Layout, collection: str, home: str, rng: random.Random) -> str:
    suffix = layout.suffix
    if layout.style == "single":
        return f"data{suffix}"
    if layout.style == "per_collection":
        return f"{collection}{suffix}"
    if layout.style == "per_county":
        return f"shared{suffix}" if home == SHARED else f"counties/{home}{suffix}"
    if layout.style == "nested":
        folder = "shared" if home == SHARED else f"counties/{home}"
        return f"{folder}/{collection}{suffix}"
    part = rng.randrange(layout.files)
    return f"part-{part % 2}/group-{part}/records-{part}{suffix}"


def render_files(dataset: GeneratedDataset, layout: Layout | None = None) -> dict[str, bytes]:
    """The files of a dataset: relative path → content, data files first.

    Raw files and the waiver file (when the dataset has waivers) are included.
    """
    layout = layout or Layout()
    rng = random.Random(layout.seed)
    grouped: dict[str, dict[str, list[Record]]] = {}
    tables: dict[str, list[Record]] = {}
    for collection, items in dataset.records.items():
        for plain in items:
            record = _with_blanks(collection, plain, layout.blanks)
            home = dataset.homes.get(str(record.get("id")), SHARED)
            if layout.tables and _tabular(collection, record):
                tables.setdefault(_table_path(layout, collection, home, rng), []).append(record)
                continue
            path = _path(layout, collection, home, rng)
            styled = _styled(record, layout)
            grouped.setdefault(path, {}).setdefault(collection, []).append(styled)
    files: dict[str, bytes] = {}
    for path in sorted(grouped):
        content = grouped[path]
        if layout.shuffle:
            for items in content.values():
                rng.shuffle(items)
        files[path] = dump_yaml(content, flow=layout.flow).encode("utf-8")
    for path in sorted(tables):
        rows = tables[path]
        if layout.shuffle:
            rng.shuffle(rows)
        files[path] = _table(rows)
    for name, data in dataset.raw_files.items():
        files[name] = data
    if dataset.waivers:
        files[WAIVER_FILE] = dump_yaml({"waivers": dataset.waivers}).encode("utf-8")
    return files


def write_dataset(
    dataset: GeneratedDataset, root: str | os.PathLike[str], layout: Layout | None = None
) -> list[str]:
    """Write a dataset's files below ``root`` (made when missing).

    Args:
        dataset: The dataset.
        root: The dataset directory.
        layout: How to split it (default: one file per collection).

    Returns:
        The relative paths written, with ``/`` separators.
    """
    return write_files(render_files(dataset, layout), root)


def write_files(files: dict[str, bytes], root: str | os.PathLike[str]) -> list[str]:
    """Write rendered files (:func:`render_files`) below ``root`` (made when missing).

    Returns:
        The relative paths written, with ``/`` separators.
    """
    base = Path(root)
    for name, data in files.items():
        target = base / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return list(files)


def files_text(files: dict[str, bytes]) -> str:
    """Files as one readable text (for ``hypothesis.note``)."""
    parts = []
    for name, data in files.items():
        parts.append(f"# --- {name}")
        parts.append(data.decode("utf-8", errors="backslashreplace"))
    return "\n".join(parts)
