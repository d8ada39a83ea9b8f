"""D rules: data integrity checks that need Python."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from guabao_rules.diagnostics import Text, Violation
from guabao_rules.engine.context import RuleContext
from guabao_rules.i18n import field_name
from guabao_rules.kinds.python import CheckQuery, register, register_query
from guabao_rules.kinds.query import CompileError, Tables, collection_ranks
from guabao_rules.models import COLLECTIONS, EVENT_FIELDS, LEVELS, SPAN_FIELDS, Milestones, Region
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


@dataclass(frozen=True, slots=True)
class DateProbe:
    """One date a record may get wrong: an end before its start, or an event after as_of.

    Attributes:
        field: The dotted path of the date checked (``period.end``); inside
            each item of ``items`` when that is set.
        start: The dotted path of the date ``field`` must not precede; None
            for an event, which must not lie after as_of.
        items: A list of nested models (``announcements``) whose every item
            is checked, or None for the record itself.
    """

    field: str
    start: str | None = None
    items: str | None = None

    def path(self, item: int | None = None) -> tuple[Key, ...]:
        """The path of the checked date (through the item's place in its list)."""
        inner = tuple(self.field.split("."))
        return inner if self.items is None else (self.items, item or 0, *inner)


_NESTED_DATES: dict[str, tuple[DateProbe, ...]] = {
    "projects": (
        DateProbe("period.end", start="period.start"),
        DateProbe("end", start="start", items="announcements"),
        DateProbe("date", items="progress"),
        *(DateProbe(f"milestones.{name}") for name in Milestones.model_fields),
    )
}
"""The dates inside a collection's nested models, in the order D005 lists their problems."""


@functools.cache  # the Python check asks for every record of a province
def date_probes(collection: str) -> tuple[DateProbe, ...]:
    """The dates D005 checks in a collection's records, in the order its message lists them.

    The span (``After``) of the record, its events (``Event``), then the
    dates of its nested models.
    """
    probes: list[DateProbe] = []
    span = SPAN_FIELDS.get(collection)
    if span:
        probes.append(DateProbe(span[1], start=span[0]))
    probes += [DateProbe(name) for name in EVENT_FIELDS.get(collection, ())]
    probes += _NESTED_DATES.get(collection, ())
    return tuple(probes)


def _dated(value: Any, path: str) -> Any:
    if "." not in path:
        return getattr(value, path, None)
    for part in path.split("."):
        value = getattr(value, part, None)
    return value


def _date_problem(
    probe: DateProbe, path: tuple[Key, ...], first: Any, then: Any, as_of: date
) -> Text:
    name = field_name(path)
    if probe.start is None:
        return Text(
            zh=f"`{name}` {then} 晚于评估日 {as_of}", en=f"`{name}` {then} is after as_of {as_of}"
        )
    what = probe.start.rsplit(".", 1)[-1]
    return Text(
        zh=f"`{name}` {then} 早于 {what} {first}",
        en=f"`{name}` {then} is before the {what} {first}",
    )


def _fails(probe: DateProbe, first: date | None, then: date | None, as_of: date) -> bool:
    if then is None:
        return False
    if probe.start is None:
        return then > as_of
    return first is not None and then < first


def _date_problems(collection: str, record: Any, as_of: date) -> list[tuple[tuple[Key, ...], Text]]:
    # This runs for every record of a province: the tests inline, a text only on a failure.
    problems: list[tuple[tuple[Key, ...], Text]] = []
    for probe in date_probes(collection):
        if probe.items is None:
            then = _dated(record, probe.field)
            if then is None:
                continue
            first = None if probe.start is None else _dated(record, probe.start)
            if (then > as_of) if probe.start is None else (first is not None and then < first):
                path = probe.path()
                problems.append((path, _date_problem(probe, path, first, then, as_of)))
            continue
        for place, item in enumerate(getattr(record, probe.items)):
            then = _dated(item, probe.field)
            first = None if probe.start is None else _dated(item, probe.start)
            if _fails(probe, first, then, as_of):
                path = probe.path(place)
                problems.append((path, _date_problem(probe, path, first, then, as_of)))
    return problems


def _dates_violation(
    subject: str | None, problems: list[tuple[tuple[Key, ...], Text]]
) -> Violation:
    path = problems[0][0] if len(problems) == 1 else None
    return Violation(subject, {"problems": [t for _, t in problems]}, field=path)


@register("date-order", reads=None)  # the dates of every collection
def date_order(ctx: RuleContext) -> Iterator[Violation]:
    """Ends before starts, and events dated after as_of."""
    for collection, entries in ctx.index.by_collection.items():
        for entry in entries:
            ctx.applied += 1
            problems = _date_problems(collection, entry.model, ctx.as_of)
            if problems:
                yield _dates_violation(entry.id, problems)


# D005 as a query: one row per failing date (a union over every probe of every
# collection), ranked as the index walks the records; the Python step groups a
# record's rows into its one violation, with the same texts.


def _date_query(params: Mapping[str, Any], tables: Tables, as_of: date) -> Any:
    """Every failing date of every record, a row each (the check's order in its columns)."""
    import ibis

    from guabao_rules.columnar.tables import item_table_name

    parts = []
    for collection in COLLECTIONS:
        for number, probe in enumerate(date_probes(collection)):
            if probe.items is None:
                table = tables[collection]
                subject, place = table.id, ibis.literal(0, "int64")
            else:
                name = item_table_name(collection, probe.items.replace(".", "__"))
                if name not in tables:
                    raise CompileError(f"no table {name!r} of {collection}.{probe.items}")
                table = tables[name]
                subject, place = table._owner, table._item
            then = _date_column(table, probe.field)
            if probe.start is None:
                first = ibis.null("date")
                fails = then.notnull() & (then > ibis.literal(as_of))
            else:
                first = _date_column(table, probe.start)
                fails = then.notnull() & first.notnull() & (then < first)
            failing = table.filter(fails)
            parts.append(
                failing.select(
                    subject=subject,
                    _collection=ibis.literal(collection),
                    _ordinal=failing._ordinal,
                    _probe=ibis.literal(number, "int64"),
                    _item=place,
                    _first=first,
                    _then=then,
                )
            )
    rows = ibis.union(*parts, distinct=False)
    ranks = collection_ranks(tables)
    ranks = ranks.select(_ranked=ranks._collection, _rank=ranks._rank)
    rows = rows.join(ranks, rows._collection == ranks._ranked).drop("_ranked")
    return rows.mutate(_as_of=ibis.literal(as_of))


def _date_column(table: Any, path: str) -> Any:
    name = path.replace(".", "__")
    if name not in table.columns or not table[name].type().is_date():
        raise CompileError(f"no date column {name!r}")
    return table[name]


def _date_violations(
    params: Mapping[str, Any], rows: Iterable[Mapping[str, Any]]
) -> Iterator[Violation]:
    ordered = sorted(rows, key=lambda r: (r["_rank"], r["_ordinal"], r["_probe"], r["_item"]))
    for _, group in itertools.groupby(ordered, key=lambda r: (r["_rank"], r["_ordinal"])):
        found = list(group)
        problems = []
        for row in found:
            probe = date_probes(row["_collection"])[row["_probe"]]
            path = probe.path(row["_item"])
            text = _date_problem(probe, path, row["_first"], row["_then"], row["_as_of"])
            problems.append((path, text))
        yield _dates_violation(found[0]["subject"], problems)


def _date_applied(params: Mapping[str, Any], tables: Tables, as_of: date) -> Any:
    import ibis

    ids = [tables[collection].select("id") for collection in COLLECTIONS]
    return ibis.union(*ids, distinct=False).count()


register_query("date-order", CheckQuery(_date_query, _date_violations, _date_applied))
