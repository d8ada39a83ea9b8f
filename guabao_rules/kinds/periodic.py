"""``periodic``: at least N events in every complete calendar year or quarter of a term.

The working mechanisms are periodic: a unit's main leader visits its linked
county at least twice in each complete year of the pairing (M001), a work
team reports on each poor household of its village every complete quarter
(M002), the lead unit convenes a joint meeting each complete year (M003).

Each subject has *terms*: records with a ``start`` and an ``end`` (the
subject itself, or records related to it). A period (year or quarter) is
complete when the term is active on its first and its last day, and that day
is on or before ``as_of``. The *events* of a term are the records of a
collection whose ``match`` fields equal fields of the subject or of the term
(or are one of a list field, such as a work team's ``members``); each falls
in the period of its ``at`` field (a date, or a ``YYYY-Qn`` period). A
subject with a complete period holding fewer than ``min`` events is a
finding, listing every short period. A subject without a term is not looked
at (it is not counted as applied).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, field_validator, model_validator

from guabao_rules.diagnostics import Text, Violation
from guabao_rules.engine.context import RuleContext
from guabao_rules.kinds.query import CompileError, Tables, related_table, selected, where_filter
from guabao_rules.kinds.schema import (
    Bound,
    CollectionName,
    Relation,
    RelationEnd,
    Selector,
    Strict,
    WhereValue,
)
from guabao_rules.kinds.select import (
    RELATED_CAP,
    bound,
    end_holds,
    field_value,
    matches,
    related,
    related_ids,
    select,
)
from guabao_rules.models import Record
from guabao_rules.timecal import Quarter, complete_quarters, complete_years

if TYPE_CHECKING:
    import ibis.expr.types as ir

Period = Literal["year", "quarter"]


def _value_ref(value: str, *, allow: tuple[str, ...]) -> str:
    """A ``subject.field``, ``term.field`` or one of the named words."""
    if value in allow:
        return value
    owner, _, name = value.partition(".")
    if owner not in ("subject", "term") or not name or "." in name:
        words = ", ".join(f"`{w}`" for w in allow)
        raise ValueError(f"{value!r} is not `subject.<field>`, `term.<field>` or one of {words}")
    return value


class Terms(Strict):
    """The records whose complete periods are judged, for one subject.

    Without ``relation``, the subject itself (kept when every one of ``ends``
    holds). With it, the records of the relation from the subject's field
    ``from`` (its id by default); ``exactly_one`` keeps a subject only when it
    has exactly one such record.
    """

    relation: Relation | None = None
    from_: str = Field(default="id", alias="from")
    ends: list[RelationEnd] = Field(default_factory=list)
    exactly_one: bool = False

    @model_validator(mode="after")
    def _shape(self) -> Terms:
        if self.relation is None and (self.from_ != "id" or self.exactly_one):
            raise ValueError("`from` and `exactly_one` need a `relation`")
        if self.relation is not None and self.ends:
            raise ValueError("put `ends` on the relation")
        if self.relation is not None and (
            self.relation.via is None or self.relation.through is not None
        ):
            raise ValueError("the terms' relation needs `via` (and no `through`)")
        return self


class Events(Strict):
    """The events that fill a term's periods.

    ``match`` maps an event field to ``subject.<field>`` or ``term.<field>``:
    the event's field must equal that value, or be one of it when it is a
    list. The first entry must be a reference field (it is looked up through
    the index). ``at`` is the event's date (its year or quarter is its
    period) or its ``YYYY-Qn`` period.
    """

    collection: CollectionName
    match: dict[str, str] = Field(min_length=1)
    where: dict[str, WhereValue] = Field(default_factory=dict)
    at: str

    @field_validator("match")
    @classmethod
    def _refs(cls, match: dict[str, str]) -> dict[str, str]:
        for value in match.values():
            if value.partition(".")[0] not in ("subject", "term") or "." not in value:
                raise ValueError(f"{value!r} is not `subject.<field>` or `term.<field>`")
        return match


class PeriodicConstraint(Strict):
    """At least ``min`` events in every complete period of each subject's terms.

    ``args`` names the message arguments: ``subject.<field>``, ``term.<field>``
    (with one term), ``min``, ``periods`` (the short periods, each with its
    count when ``counts``, and with its term when the subject has several) or
    ``terms`` (the ids of all the subject's terms). ``related`` names records
    the same way.
    """

    kind: Literal["periodic"]
    select: Selector
    terms: Terms = Field(default_factory=Terms)
    period: Period
    events: Events
    min: Bound = 1
    counts: bool = True
    args: dict[str, str] = Field(default_factory=dict)
    related: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _args(self) -> PeriodicConstraint:
        allow = ("min", "periods", "terms")
        for value in [*self.args.values(), *self.related, *self.events.match.values()]:
            _value_ref(value, allow=allow)
        several = self.terms.relation is not None and not self.terms.exactly_one
        if several and any(v.startswith("term.") for v in [*self.args.values(), *self.related]):
            raise ValueError("`term.<field>` in args or related needs a single term")
        return self


def periods_of(period: Period, start: date, end: date | None, as_of: date) -> list[int]:
    """The complete years or quarters of a term, as period numbers (see :func:`period_number`)."""
    if period == "year":
        return complete_years(start, end, as_of)
    return [q.year * 4 + q.q - 1 for q in complete_quarters(start, end, as_of)]


def period_number(period: Period, value: Any) -> int | None:
    """The period an event's ``at`` value falls in: the year, or ``year * 4 + q - 1``.

    None when the value is neither a date nor a ``YYYY-Qn`` period.
    """
    if isinstance(value, date):
        return value.year if period == "year" else value.year * 4 + (value.month - 1) // 3
    if isinstance(value, str):
        try:
            quarter = Quarter.parse(value)
        except ValueError:
            return None
        return quarter.year if period == "year" else quarter.year * 4 + quarter.q - 1
    return None


def period_name(period: Period, number: int) -> str:
    """A period number written out: ``2019`` or ``2019-Q3``."""
    if period == "year":
        return str(number)
    year, rest = divmod(number, 4)
    return str(Quarter(year, rest + 1))


def shortfalls(
    periods: Sequence[Hashable], events: Iterable[Hashable], minimum: int
) -> list[tuple[Any, int]]:
    """``(period, count)`` for each period with fewer than ``minimum`` events, in order."""
    wanted = set(periods)
    counts = Counter(event for event in events if event in wanted)
    return [(p, counts[p]) for p in periods if counts[p] < minimum]


def period_text(period: str, count: int, term: str | None, *, counts: bool) -> Text:
    """A short period in words: ``2019 年 1 次`` / ``1 in 2019``, ``2019-Q3 (WT-01)``."""
    if counts:
        zh, en = f"{period} 年 {count} 次", f"{count} in {period}"
    else:
        zh = en = period
    if term is not None:
        zh, en = f"{zh}({term})", f"{en} ({term})"
    return Text(zh=zh, en=en)


def getter(path: str) -> Callable[[Any], Any]:
    """A fast reader of one field (dotted paths go through :func:`field_value`)."""
    if "." in path:
        return lambda record: field_value(record, path)
    return lambda record: getattr(record, path, None)


def _resolve(ref: str, subject: Record, term: Record | None) -> Any:
    owner, _, name = ref.partition(".")
    return field_value(subject if owner == "subject" else term, name)


@dataclass(frozen=True, slots=True)
class Shortfall:
    """A short period of one term: what a finding lists."""

    term: str
    period: int
    count: int


def finding(
    constraint: PeriodicConstraint,
    minimum: int,
    values: Mapping[str, Any],
    term_ids: Sequence[str],
    short: Sequence[Shortfall],
) -> tuple[dict[str, Any], list[str | None]]:
    """The message arguments and related ids of a subject with short periods.

    ``values`` holds each ``subject.<field>``/``term.<field>`` the constraint names;
    ``short`` lists the short periods in term order, then period order.
    """
    several = len(term_ids) > 1
    texts = [
        period_text(
            period_name(constraint.period, s.period),
            s.count,
            s.term if several else None,
            counts=constraint.counts,
        )
        for s in short
    ]

    def value(ref: str) -> Any:
        if ref == "min":
            return minimum
        if ref == "periods":
            return texts
        if ref == "terms":
            return list(term_ids)
        return values.get(ref)

    args = {name: value(ref) for name, ref in constraint.args.items()}
    ids: list[str | None] = []
    for ref in constraint.related:
        found = value(ref)
        ids.extend(found if isinstance(found, list) else [found])
    return args, ids


def _terms(ctx: RuleContext, constraint: PeriodicConstraint, record: Record) -> list[Record]:
    terms = constraint.terms
    if terms.relation is None:
        if all(end_holds(ctx, record, end) for end in terms.ends):
            return [record]
        return []
    origin = field_value(record, terms.from_)
    if not isinstance(origin, str):
        return []
    found = list(related(ctx, origin, terms.relation))
    if terms.exactly_one and len(found) != 1:
        return []
    return found


class _EventIndex:
    """The match values and period of each event, looked up by its first ``match`` field.

    The events for one value of a term's field are read once and grouped by
    the other match fields (a unit's visits serve each of its pairings); a
    subject's value comes once, so its events are only scanned.
    """

    def __init__(self, ctx: RuleContext, constraint: PeriodicConstraint) -> None:
        self.ctx = ctx
        self.events = constraint.events
        self.period: Period = constraint.period
        fields = list(self.events.match)
        self.first = fields[0]
        self.first_ref = self.events.match[self.first]
        self.rest_refs = [self.events.match[f] for f in fields[1:]]
        self.read_rest = [getter(f) for f in fields[1:]]
        self.read_at = getter(self.events.at)
        self.cached = self.first_ref.startswith("term.")
        self.groups: dict[str, dict[tuple[Any, ...], list[int]]] = {}
        self.numbers: dict[Any, int | None] = {}

    def _events(self, key: str) -> Iterator[tuple[tuple[Any, ...], int]]:
        """The (match values, period number) of each event whose first field is ``key``."""
        index, events, params = self.ctx.index, self.events, self.ctx.params
        numbers, period = self.numbers, self.period
        rest = self.read_rest
        only = rest[0] if len(rest) == 1 else None  # one other match field, as in M001-M003
        for source in index.referrers(key, events.collection, self.first):
            event = index.entries[source].model
            if event is None or (events.where and not matches(event, events.where, params)):
                continue
            at = self.read_at(event)
            # Few distinct dates and periods: each is parsed once.
            number = numbers.get(at, -1) if at is not None else None
            if number == -1:
                number = numbers[at] = period_number(period, at)
            if number is not None:
                if only is not None:
                    yield (only(event),), number
                else:
                    yield tuple([read(event) for read in rest]), number

    def periods(self, subject: Record, term: Record) -> list[int]:
        """The period numbers of the events matching this subject and term."""
        key = _resolve(self.first_ref, subject, term)
        if not isinstance(key, str):
            return []
        wanted: list[set[Any]] = []
        for ref in self.rest_refs:
            value = _resolve(ref, subject, term)
            wanted.append(set(value) if isinstance(value, list) else {value})
        if not self.cached:
            if len(wanted) == 1:  # the test below for one field, without a generator per event
                one = wanted[0]
                return [number for values, number in self._events(key) if values[0] in one]
            return [
                number
                for values, number in self._events(key)
                if all(v in w for v, w in zip(values, wanted, strict=True))
            ]
        groups = self.groups.get(key)
        if groups is None:
            groups = {}
            for values, number in self._events(key):
                groups.setdefault(values, []).append(number)
            self.groups[key] = groups
        out: list[int] = []
        for values, numbers in groups.items():
            if all(v in w for v, w in zip(values, wanted, strict=True)):
                out.extend(numbers)
        return out


def named_refs(constraint: PeriodicConstraint) -> list[str]:
    """The ``subject.<field>``/``term.<field>`` values the message and related name."""
    refs = [*constraint.args.values(), *constraint.related]
    return [r for r in dict.fromkeys(refs) if "." in r]


def evaluate(ctx: RuleContext, constraint: PeriodicConstraint) -> Iterator[Violation]:
    """A violation for each subject with a complete period holding too few events."""
    minimum = bound(constraint.min, ctx.params)
    if minimum is None:
        return
    events = _EventIndex(ctx, constraint)
    spans: dict[tuple[date, date | None], list[int]] = {}
    refs = named_refs(constraint)
    for subject, record in select(ctx, constraint.select):
        if subject is None or record is None:
            continue
        terms = _terms(ctx, constraint, record)
        if not terms:
            ctx.applied -= 1  # a subject without a term is not looked at
            continue
        short: list[Shortfall] = []
        for term in terms:
            start, end = getattr(term, "start", None), getattr(term, "end", None)
            if not isinstance(start, date):
                continue
            periods = spans.get((start, end))
            if periods is None:
                periods = spans[start, end] = periods_of(constraint.period, start, end, ctx.as_of)
            if not periods:
                continue
            for period, count in shortfalls(periods, events.periods(record, term), minimum):
                short.append(Shortfall(term.id, period, count))
        if not short:
            continue
        values = {ref: _resolve(ref, record, terms[0]) for ref in refs}
        args, ids = finding(constraint, minimum, values, [t.id for t in terms], short)
        yield Violation(subject, args, related=related_ids(ctx.index, ids))


# --- the query ---------------------------------------------------------------------------


def _last_year(day: date) -> int:
    """The last year that ends on or before ``day``."""
    return day.year if (day.month, day.day) == (12, 31) else day.year - 1


def _last_quarter(day: date) -> int:
    """The number of the last quarter that ends on or before ``day``."""
    number = day.year * 4 + (day.month - 1) // 3
    quarter_ends = {(3, 31), (6, 30), (9, 30), (12, 31)}
    return number if (day.month, day.day) in quarter_ends else number - 1


def _period_bounds(period: Period, start: Any, end: Any, as_of: date) -> tuple[Any, Any]:
    """The first and last complete period numbers of a term, as ibis expressions."""
    import ibis

    if period == "year":
        first = ibis.cases(
            ((start.month() == 1) & (start.day() == 1), start.year()), else_=start.year() + 1
        )
        end_last = ibis.cases(
            ((end.month() == 12) & (end.day() == 31), end.year()), else_=end.year() - 1
        )
        cap = _last_year(as_of)
    else:
        number = start.year() * 4 + (start.month() - 1) // 3
        starts_quarter = (start.day() == 1) & start.month().isin([1, 4, 7, 10])
        first = ibis.cases((starts_quarter, number), else_=number + 1)
        end_number = end.year() * 4 + (end.month() - 1) // 3
        ends_quarter = (
            ((end.month() == 3) & (end.day() == 31))
            | ((end.month() == 6) & (end.day() == 30))
            | ((end.month() == 9) & (end.day() == 30))
            | ((end.month() == 12) & (end.day() == 31))
        )
        end_last = ibis.cases((ends_quarter, end_number), else_=end_number - 1)
        cap = _last_quarter(as_of)
    last = ibis.cases((end.isnull(), cap), else_=ibis.least(end_last, cap))
    return first.cast("int64"), last.cast("int64")


def _event_number(period: Period, column: Any) -> Any:
    """The period number of an event's ``at`` column (a date, or a ``YYYY-Qn`` string)."""
    import ibis

    if column.type().is_date():
        if period == "year":
            return column.year().cast("int64")
        return (column.year() * 4 + (column.month() - 1) // 3).cast("int64")
    if not column.type().is_string():
        raise CompileError(f"the events' `at` column is {column.type()}, not a date or period")
    valid = column.re_search(r"^[0-9]{4}-Q[1-4]$") & (column.substr(0, 4) != "0000")
    year = column.substr(0, 4).cast("int64")
    quarter = column.substr(6, 1).cast("int64")
    number = year if period == "year" else year * 4 + quarter - 1
    return ibis.cases((valid, number), else_=ibis.null("int64"))


def _ref_column(ref: str, table: ir.Table) -> Any:
    """The column of the subject-and-term table a ``subject.``/``term.`` reference reads."""
    owner, _, name = ref.partition(".")
    column = f"{'s' if owner == 'subject' else 't'}_{name}"
    if "." in name or column not in table.columns:
        raise CompileError(f"no column for {ref!r}")
    return table[column]


def _terms_table(
    constraint: PeriodicConstraint, params: Mapping[str, Any], tables: Tables, as_of: date
) -> ir.Table:
    """One row per (subject, term): the subject's columns as ``s_*``, the term's as ``t_*``."""
    subjects = selected(tables, constraint.select, params)
    subjects = subjects.select(
        subject=subjects.subject, **{f"s_{c}": subjects[c] for c in subjects.columns[1:]}
    )
    terms = constraint.terms
    if terms.relation is None:
        for end in terms.ends:
            if end.in_scope:
                raise CompileError("an in_scope end does not compile")
            targets = where_filter(tables[end.collection].view(), end.where, params)
            targets = targets.select(_target="id")
            subjects = subjects.semi_join(targets, subjects[f"s_{end.field}"] == targets._target)
        return subjects.select(
            "subject",
            *subjects.columns[1:],
            **{f"t_{c[2:]}": subjects[c] for c in subjects.columns[1:]},
        )
    if f"s_{terms.from_}" not in subjects.columns:
        raise CompileError(f"no subject column {terms.from_!r}")
    records = related_table(tables, terms.relation, params, as_of)
    records = records.select(**{f"t_{c}": records[c] for c in records.columns})
    assert terms.relation.via is not None
    joined = subjects.join(
        records, subjects[f"s_{terms.from_}"] == records[f"t_{terms.relation.via}"]
    )
    if terms.exactly_one:
        counted = joined.group_by("subject").aggregate(_terms=joined.count())
        single = counted.filter(counted._terms == 1).select(_single="subject")
        joined = joined.semi_join(single, joined.subject == single._single)
    return joined


def compile_applied(
    constraint: PeriodicConstraint, params: Mapping[str, Any], tables: Tables, as_of: date
) -> ir.Scalar:
    """How many subjects the rule looks at: those with a term (as :func:`evaluate` counts)."""
    if bound(constraint.min, params) is None:
        import ibis

        return ibis.literal(0)
    return _terms_table(constraint, params, tables, as_of).subject.nunique()


def compile_query(
    constraint: PeriodicConstraint, params: Mapping[str, Any], tables: Tables, as_of: date
) -> ir.Table:
    """Every term of each subject with a short period: one row per short period.

    Columns: ``subject``, ``term`` (its id), ``term_order`` (its ``_ordinal``),
    ``period`` and ``n`` (null on a term with no short period), and ``ref_i``
    for each ``subject.``/``term.`` value the message names.
    """
    import ibis

    pairs = _terms_table(constraint, params, tables, as_of)
    refs = named_refs(constraint)
    minimum = bound(constraint.min, params)
    for column in ("t_id", "t_start", "t_end", "t__ordinal"):
        if column not in pairs.columns:
            raise CompileError(f"the terms have no {column[2:]!r} column")
    first, last = _period_bounds(constraint.period, pairs.t_start, pairs.t_end, as_of)
    periods = pairs.select(
        "subject", term="t_id", period=ibis.range(first, last + 1).unnest().cast("int64")
    ).view()  # a relation of its own, not a step of the pairs' join
    # The events joined to the (subject, term) pairs they match on every `match` field;
    # a list field (a team's members) is unnested, each value once.
    events = tables[constraint.events.collection]
    events = where_filter(events, constraint.events.where, params)
    for name in [*constraint.events.match, constraint.events.at]:
        if name not in events.columns:
            raise CompileError(f"the events have no column {name!r}")
    keys: dict[str, Any] = {}
    for position, ref in enumerate(constraint.events.match.values()):
        column = _ref_column(ref, pairs)
        keys[f"k{position}"] = column.unnest() if column.type().is_array() else column
    wanted = pairs.select("subject", term="t_id", **keys).distinct()
    happened = events.select(
        _period=_event_number(constraint.period, events[constraint.events.at]),
        **{f"e{i}": events[name] for i, name in enumerate(constraint.events.match)},
    )
    matched = wanted.join(
        happened, [wanted[f"k{i}"] == happened[f"e{i}"] for i in range(len(keys))]
    )
    counts = matched.group_by(
        _subject=matched.subject, _term=matched.term, _period=matched._period
    ).aggregate(n=matched.count())
    counts = counts.view()  # the periods come from the same pairs
    judged = periods.left_join(
        counts,
        [
            periods.subject == counts._subject,
            periods.term == counts._term,
            periods.period == counts._period,
        ],
    )
    judged = judged.select(
        judged.subject, judged.term, judged.period, n=ibis.coalesce(judged.n, 0).cast("int64")
    )
    if minimum is None:
        short = judged.filter(ibis.literal(False))
    else:
        short = judged.filter(judged.n < minimum)
    flagged = short.select(_flagged="subject").distinct()
    rows = pairs.semi_join(flagged, pairs.subject == flagged._flagged)
    rows = rows.select(
        "subject",
        term=rows.t_id,
        term_order=rows.t__ordinal,
        **{f"ref_{i}": _ref_column(ref, rows) for i, ref in enumerate(refs)},
    )
    shorts = short.select(_subject="subject", _term="term", period="period", n="n").view()
    out = rows.left_join(shorts, [rows.subject == shorts._subject, rows.term == shorts._term])
    return out.select(
        "subject", "term", "term_order", "period", "n", *[f"ref_{i}" for i in range(len(refs))]
    )


def violations(
    constraint: PeriodicConstraint, params: Mapping[str, Any], rows: Iterable[Mapping[str, Any]]
) -> Iterator[Violation]:
    """The violations of the compiled query's rows, as :func:`evaluate` yields them."""
    minimum = bound(constraint.min, params)
    if minimum is None:
        return
    refs = named_refs(constraint)
    by_subject: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        by_subject.setdefault(row["subject"], []).append(row)
    for subject, found in by_subject.items():
        found.sort(key=lambda r: (r["term_order"], -1 if r["period"] is None else r["period"]))
        term_ids = list(dict.fromkeys(r["term"] for r in found))
        short = [
            Shortfall(r["term"], int(r["period"]), int(r["n"]))
            for r in found
            if r["period"] is not None
        ]
        values = {ref: found[0][f"ref_{i}"] for i, ref in enumerate(refs)}
        args, ids = finding(constraint, minimum, values, term_ids, short)
        related = tuple(dict.fromkeys(i for i in ids if i is not None))[:RELATED_CAP]
        yield Violation(subject, args, related=related)
