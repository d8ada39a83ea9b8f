"""D rules: data integrity checks that need Python."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from guabao_rules.diagnostics import Text, Violation
from guabao_rules.engine.context import RuleContext
from guabao_rules.i18n import field_name
from guabao_rules.kinds.python import register
from guabao_rules.models import EVENT_FIELDS, LEVELS, SPAN_FIELDS, Project, Region
from guabao_rules.sources.positions import Key

# --- regions ------------------------------------------------------------------------

_CODE_LENGTH = {"province": 6, "prefecture": 6, "county": 6, "township": 9, "village": 12}
_PREFIX = {"prefecture": 2, "county": 4, "township": 6, "village": 9}


@register("region-code", reads=["regions"])
def region_codes(ctx: RuleContext) -> Iterator[Violation]:
    """Region codes that do not fit their level and parent (GB/T 2260)."""
    index = ctx.index
    for region in ctx.each("regions"):
        assert isinstance(region, Region)
        problems: list[tuple[tuple[Key, ...], Text]] = []
        length = _CODE_LENGTH[region.level]
        if not (region.id.isascii() and region.id.isdigit() and len(region.id) == length):
            problems.append(
                (
                    ("id",),
                    Text(
                        zh=f"{region.level} 级编码应为 {length} 位数字",
                        en=f"a {region.level} code is {length} digits",
                    ),
                )
            )
        if region.level == "province":
            if region.parent is not None:
                problems.append(
                    (("parent",), Text(zh="省级区划不应有上级", en="a province has no parent"))
                )
        else:
            parent = index.get(region.parent, Region)
            if parent is not None:
                want = LEVELS[LEVELS.index(region.level) - 1]
                if parent.level != want:
                    problems.append(
                        (
                            ("parent",),
                            Text(
                                zh=f"上级 `{parent.id}` 是 {parent.level} 级,应为 {want} 级",
                                en=f"parent `{parent.id}` is a {parent.level}, not a {want}",
                            ),
                        )
                    )
                else:
                    prefix = _PREFIX[region.level]
                    if region.id[:prefix] != parent.id[:prefix]:
                        problems.append(
                            (
                                ("id",),
                                Text(
                                    zh=f"编码前 {prefix} 位应与上级 `{parent.id}` 相同",
                                    en=f"the first {prefix} digits must be those of "
                                    f"parent `{parent.id}`",
                                ),
                            )
                        )
        if problems:
            path = problems[0][0] if len(problems) == 1 else None
            yield Violation(region.id, {"problems": [t for _, t in problems]}, field=path)


# --- dates ---------------------------------------------------------------------------


def _order(
    problems: list[tuple[tuple[Key, ...], Text]],
    path: tuple[Key, ...],
    first: date | None,
    then: date | None,
    what: str,
) -> None:
    if first is not None and then is not None and then < first:
        problems.append(
            (
                path,
                Text(
                    zh=f"`{field_name(path)}` {then} 早于 {what} {first}",
                    en=f"`{field_name(path)}` {then} is before the {what} {first}",
                ),
            )
        )


def _future(
    problems: list[tuple[tuple[Key, ...], Text]],
    path: tuple[Key, ...],
    day: date | None,
    as_of: date,
) -> None:
    if day is not None and day > as_of:
        problems.append(
            (
                path,
                Text(
                    zh=f"`{field_name(path)}` {day} 晚于评估日 {as_of}",
                    en=f"`{field_name(path)}` {day} is after as_of {as_of}",
                ),
            )
        )


def _date_problems(collection: str, record: Any, as_of: date) -> list[tuple[tuple[Key, ...], Text]]:
    # Module-level helpers, not closures: this runs for every record of a province.
    problems: list[tuple[tuple[Key, ...], Text]] = []
    span = SPAN_FIELDS.get(collection)
    if span:
        first, then = getattr(record, span[0]), getattr(record, span[1])
        if first is not None and then is not None and then < first:  # _order's test, inline
            _order(problems, (span[1],), first, then, span[0])
    for name in EVENT_FIELDS.get(collection, ()):
        day = getattr(record, name)
        if day is not None and day > as_of:  # _future's test, inline
            _future(problems, (name,), day, as_of)
    if isinstance(record, Project):
        if record.period is not None:
            _order(problems, ("period", "end"), record.period.start, record.period.end, "start")
        for i, notice in enumerate(record.announcements):
            _order(problems, ("announcements", i, "end"), notice.start, notice.end, "start")
        for i, report in enumerate(record.progress):
            _future(problems, ("progress", i, "date"), report.date, as_of)
        for name, day in record.milestones:
            _future(problems, ("milestones", name), day, as_of)
    return problems


@register("date-order", reads=None)  # the dates of every collection
def date_order(ctx: RuleContext) -> Iterator[Violation]:
    """Ends before starts, and events dated after as_of."""
    for collection, entries in ctx.index.by_collection.items():
        for entry in entries:
            ctx.applied += 1
            problems = _date_problems(collection, entry.model, ctx.as_of)
            if problems:
                path = problems[0][0] if len(problems) == 1 else None
                yield Violation(entry.id, {"problems": [t for _, t in problems]}, field=path)
