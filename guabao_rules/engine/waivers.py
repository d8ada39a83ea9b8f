"""Waivers: findings accepted for a reason, in ``guabao-rules-waivers.yaml``.

The file sits at the dataset root::

    waivers:
      - {rule: T009, subject: PJ-533323-A, reason: "洪灾停工, 已报县扶贫办", expires: 2020-06-30}

``rule``, ``subject`` (null for findings about a file or the dataset) and
``reason`` are required; ``expires`` is optional. A waiver in force takes
every finding of its (rule, subject) out of the counts and the exit status.
An expired waiver waives nothing. D009 reports waivers that have expired or
match no finding (see :mod:`guabao_rules.checks.waiver_checks`).

The waiver file is configuration, not data: a file that cannot be read or
breaks this format is a :class:`WaiverError` (exit status 2, one line naming
``file:line:column``), never silently ignored.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from guabao_rules.config import ConfigError
from guabao_rules.diagnostics import Diagnostic, SourceRef, Text
from guabao_rules.safeio import read_regular
from guabao_rules.sources.loader import WAIVER_FILE
from guabao_rules.sources.positions import Mark, PositionTree
from guabao_rules.sources.validation import (
    PositionedError,
    bilingual_error,
    located,
    position,
    validate,
)
from guabao_rules.sources.yamlsource import parse_yaml
from guabao_rules.timecal import parse_date

WAIVER_RULE = "D009"
"""The rule that reports stale waivers; its own findings are never waived."""


class WaiverError(ConfigError):
    """A waiver file that cannot be used (exit status 2)."""


@dataclass(frozen=True, slots=True)
class Waiver:
    """One accepted finding.

    Attributes:
        rule: The rule id.
        subject: The subject id, or None for findings about a file or the dataset.
        reason: Why the finding is accepted.
        expires: The last day the waiver holds, if it ends.
        source: Where the entry stands in the waiver file.
    """

    rule: str
    subject: str | None
    reason: str
    expires: date | None
    source: SourceRef

    def expired(self, as_of: date) -> bool:
        """Whether the waiver has lapsed on ``as_of`` (``expires`` < as_of)."""
        return self.expires is not None and self.expires < as_of

    def matches(self, diagnostic: Diagnostic) -> bool:
        """Whether the waiver is about this finding's rule and subject."""
        return diagnostic.rule == self.rule and diagnostic.subject == self.subject


class _Entry(BaseModel):
    """One waiver as written: the schema :func:`parse_waivers` validates against."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    rule: str
    subject: str | None
    reason: str
    expires: date | None = None

    @field_validator("subject", mode="before")
    @classmethod
    def _subject_is_an_id(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)  # an unquoted region code, as in the data
        if value is not None and not (isinstance(value, str) and value.strip()):
            raise bilingual_error(
                "waiver_subject",
                zh="应为编号;关于文件的发现写 null",
                en="must be an id, or null for a file finding",
            )
        return value

    @field_validator("reason", mode="before")
    @classmethod
    def _reason_says_why(cls, value: Any) -> Any:
        if not isinstance(value, str) or not value.strip():
            raise bilingual_error(
                "waiver_reason",
                zh="应写明接受该发现的理由",
                en="must say why the finding is accepted",
            )
        return value

    @field_validator("expires", mode="before")
    @classmethod
    def _expires_is_a_day(cls, value: Any) -> Any:
        if value is None or isinstance(value, date):
            return value
        try:
            return parse_date(str(value))
        except ValueError:
            raise bilingual_error(
                "waiver_expires",
                zh="应为 YYYY-MM-DD 格式的日期",
                en="must be a date written YYYY-MM-DD",
            ) from None


class _File(BaseModel):
    """A waiver file: one key, ``waivers``, a list of entries (or nothing)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    waivers: list[_Entry] | None = None


def _entry_mark(tree: PositionTree | None, index: int) -> Mark:
    """Where a waiver stands: its first key (the item's own mark when it is empty)."""
    listing = tree.children.get("waivers") if tree is not None else None
    item = listing.children.get(index) if listing is not None else None
    return item.anchor if item is not None else position(tree, ("waivers", index))


def parse_waivers(
    data: bytes, name: str = WAIVER_FILE, rules: Collection[str] | None = None
) -> list[Waiver]:
    """Read a waiver file.

    Args:
        data: The file's bytes.
        name: The file's path relative to the dataset root, for locations.
        rules: The known rule ids (None: any id is accepted).

    Raises:
        WaiverError: The file cannot be read or breaks the format; the message
            is one line naming ``file:line:column``.
    """
    parsed = parse_yaml(data)
    for problem in parsed.problems:
        mark = problem.mark
        raise WaiverError(
            zh="{name}:{line}:{column}: {problem}",
            en="{name}:{line}:{column}: {problem}",
            name=name,
            line=mark.line,
            column=mark.column,
            problem=Text(zh=problem.text.zh.rstrip("。"), en=problem.text.en.rstrip(".")),
        )
    if parsed.value is None:
        return []
    tree = parsed.positions
    try:
        document = validate(_File, parsed.value, tree, name)
    except PositionedError as error:
        raise WaiverError(text=error.text) from None
    out = []
    for index, entry in enumerate(document.waivers or []):
        if rules is not None and entry.rule not in rules:
            where = located(name, tree, ("waivers", index, "rule"))
            raise WaiverError(
                zh="{where}:未知的规则编号 `{rule}`",
                en="{where}: unknown rule id `{rule}`",
                where=where,
                rule=entry.rule,
            )
        mark = _entry_mark(tree, index)
        out.append(
            Waiver(entry.rule, entry.subject, entry.reason, entry.expires, SourceRef(name, mark))
        )
    return out


def read_waivers(root: Path, rules: Collection[str] | None = None) -> list[Waiver]:
    """The waivers of the dataset at ``root`` (none when it has no waiver file).

    Raises:
        WaiverError: The file cannot be read or breaks the format.
    """
    path = Path(root) / WAIVER_FILE
    if not os.path.lexists(path):
        return []
    try:  # a FIFO, or a link out of the root, is an error: never waited on, never silent
        if path.is_symlink() and not path.resolve().is_relative_to(Path(root).resolve()):
            raise WaiverError(
                zh="{file}:指向数据集根目录之外的符号链接",
                en="{file}: a symbolic link that leads outside the dataset root",
                file=WAIVER_FILE,
            )
        data = read_regular(path)
    except OSError as error:
        raise WaiverError(
            zh="{file}:无法读取该文件:{reason}",
            en="{file}: cannot read the file: {reason}",
            file=WAIVER_FILE,
            reason=error.strerror,
        ) from None
    return parse_waivers(data, WAIVER_FILE, rules)


def apply_waivers(
    diagnostics: Iterable[Diagnostic], waivers: Sequence[Waiver], as_of: date
) -> tuple[list[Diagnostic], list[Diagnostic]]:
    """Split findings into those that count and those waived.

    Only waivers in force on ``as_of`` waive; D009 findings are never waived,
    so a waiver cannot hide its own staleness.

    Returns:
        The findings that count and the waived ones, each in the given order.
    """
    active = {(w.rule, w.subject) for w in waivers if not w.expired(as_of)}
    kept: list[Diagnostic] = []
    waived: list[Diagnostic] = []
    for diagnostic in diagnostics:
        if diagnostic.rule != WAIVER_RULE and (diagnostic.rule, diagnostic.subject) in active:
            waived.append(diagnostic)
        else:
            kept.append(diagnostic)
    return kept, waived
