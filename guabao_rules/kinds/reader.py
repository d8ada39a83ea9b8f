"""``reader``: findings the readers make while loading the data.

Files that cannot be read (D000), ids used twice (D001), records that break
the format (D003), keys repeated in one mapping (D007) and values that hold
personal data (D006) are found while the files are read, where the bytes and
positions are at hand. A rule of this kind reports the readers' findings of
one ``finding`` type; it counts as applied to every file or every record.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from guabao_rules.diagnostics import Text, Violation
from guabao_rules.engine.context import RuleContext
from guabao_rules.i18n import field_name
from guabao_rules.kinds.schema import Strict

ReaderFinding = Literal["unreadable", "duplicate-id", "format", "duplicate-key", "personal-data"]

LOADER_CODES: dict[str, tuple[str, bool]] = {
    "unreadable": ("D000", True),
    "duplicate-id": ("D001", False),
    "format": ("D003", False),
    "duplicate-key": ("D007", True),
}
"""Each loader finding type: the code the loader tags it with, and whether it is per file."""

PERSONAL_KINDS = {
    "id_number": Text(zh="身份证号", en="resident ID number"),
    "mobile": Text(zh="手机号", en="mobile number"),
}
"""The kinds of personal data the reader recognises, in words."""


class ReaderConstraint(Strict):
    """The readers' findings of one type."""

    kind: Literal["reader"]
    finding: ReaderFinding


def _personal_data(ctx: RuleContext) -> Iterator[Violation]:
    for entries in ctx.index.by_collection.values():
        for entry in entries:
            ctx.applied += 1
            if not entry.personal:
                continue
            found = [
                Text(
                    zh=f"`{field_name(path)}` 含{PERSONAL_KINDS[kind].zh}",
                    en=f"`{field_name(path)}` holds a {PERSONAL_KINDS[kind].en}",
                )
                for path, kind in entry.personal
            ]
            path = entry.personal[0][0] if len(entry.personal) == 1 else None
            yield Violation(entry.id, {"problems": found}, field=path)


def evaluate(ctx: RuleContext, constraint: ReaderConstraint) -> Iterator[Violation]:
    """The readers' findings of the constraint's type, in reading order."""
    if constraint.finding == "personal-data":
        yield from _personal_data(ctx)
        return
    code, per_file = LOADER_CODES[constraint.finding]
    dataset = ctx.dataset
    ctx.applied += len(dataset.files) if per_file else len(dataset.entries)
    for issue in dataset.issues:
        if issue.rule == code:
            yield issue.violation
