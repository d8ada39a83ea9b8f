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

from guabao_rules.config import ConfigError
from guabao_rules.diagnostics import Diagnostic, SourceRef
from guabao_rules.safeio import read_regular
from guabao_rules.sources.loader import WAIVER_FILE
from guabao_rules.sources.positions import Mark, PositionTree
from guabao_rules.sources.yamlsource import parse_yaml
from guabao_rules.timecal import parse_date

WAIVER_RULE = "D009"
"""The rule that reports stale waivers; its own findings are never waived."""

_KEYS = ("rule", "subject", "reason", "expires")
_REQUIRED = ("rule", "subject", "reason")


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


def _error(name: str, mark: Mark | None, message: str) -> WaiverError:
    where = f"{name}:{mark.line}:{mark.column}" if mark else name
    return WaiverError(f"{where}: {message}")


def _entry(
    raw: Any, mark: Mark, tree: PositionTree | None, name: str, rules: Collection[str] | None
) -> Waiver:
    if not isinstance(raw, dict):
        raise _error(name, mark, "a waiver must be a mapping with rule, subject and reason")
    keys = tree.keys if tree is not None else {}

    def at(key: str) -> Mark:
        return keys.get(key, mark)

    for key in raw:
        if key not in _KEYS:
            raise _error(name, at(key), f"unknown waiver key `{key}` (known: {', '.join(_KEYS)})")
    for key in _REQUIRED:
        if key not in raw:
            raise _error(name, mark, f"a waiver needs `{key}`")
    rule = raw["rule"]
    if not isinstance(rule, str) or (rules is not None and rule not in rules):
        raise _error(name, at("rule"), f"unknown rule id `{rule}`")
    subject = raw["subject"]
    if isinstance(subject, int) and not isinstance(subject, bool):
        subject = str(subject)  # an unquoted region code, as in the data
    if subject is not None and not (isinstance(subject, str) and subject.strip()):
        raise _error(name, at("subject"), "`subject` must be an id, or null for a file finding")
    reason = raw["reason"]
    if not isinstance(reason, str) or not reason.strip():
        raise _error(name, at("reason"), "`reason` must say why the finding is accepted")
    expires: date | None = None
    if raw.get("expires") is not None:
        try:
            expires = parse_date(str(raw["expires"]))
        except ValueError:
            raise _error(
                name, at("expires"), "`expires` must be a date written YYYY-MM-DD"
            ) from None
    return Waiver(rule, subject, reason, expires, SourceRef(name, mark))


def parse_waivers(
    data: bytes, name: str = WAIVER_FILE, rules: Collection[str] | None = None
) -> list[Waiver]:
    """Read a waiver file.

    Args:
        data: The file's bytes.
        name: The file's path relative to the dataset root, for locations.
        rules: The known rule ids (None: any id is accepted).

    Raises:
        WaiverError: The file cannot be read or breaks the format.
    """
    parsed = parse_yaml(data)
    for problem in parsed.problems:
        raise _error(name, problem.mark, problem.message_en.rstrip("."))
    top, positions = parsed.value, parsed.positions
    if top is None:
        return []
    if not isinstance(top, dict) or positions is None:
        raise _error(name, Mark(1, 1), "a waiver file is a mapping with one key, `waivers`")
    for key in top:
        if key != "waivers":
            raise _error(name, positions.keys.get(key), f"unknown key `{key}` (expected `waivers`)")
    items = top.get("waivers")
    if items is None:
        return []
    if not isinstance(items, list):
        raise _error(name, positions.keys.get("waivers"), "`waivers` must be a list")
    tree = positions.children.get("waivers")
    out = []
    for index, raw in enumerate(items):
        item_tree = tree.children.get(index) if tree else None
        item_mark = tree.keys.get(index, positions.start) if tree else positions.start
        mark = item_tree.anchor if item_tree is not None else item_mark
        out.append(_entry(raw, mark, item_tree, name, rules))
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
            raise WaiverError(f"{WAIVER_FILE}: a symbolic link that leads outside the dataset root")
        data = read_regular(path)
    except OSError as error:
        raise WaiverError(f"{WAIVER_FILE}: cannot read the file: {error.strerror}") from None
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
