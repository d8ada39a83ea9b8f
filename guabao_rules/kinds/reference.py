"""``reference``: every reference resolves as the data format declares (D002).

The references, their target collections, region levels and unit kinds are
declared on the model fields; the :class:`~guabao_rules.graph.Index` resolves
each once. A record with bad references is one violation naming each.

Compiled (:func:`compile_query`), every reference column of every table
(:data:`REFERENCE_FIELDS`: the ``To`` fields of each collection, and a
pairing's two ends by its kind; list columns unnested with their positions)
becomes one long table of ``(record, field, position, value)``. A value
that is the id of a valid record of a collection the field may name (of
its level or unit kinds) is good, since the tables hold only the first
record of each id: nearly all are, and the anti-join that finds the rest
builds no larger table than its targets' ids. The rest are joined to the
first record of their ids (``_ids``, so bulk tables and organisation
point at each other in both directions and an invalid target still
resolves), to the regions' levels and to the units' kinds; the rows whose
reason is set are the bad references. A project's village is walked up the
valid regions (six steps, as :meth:`~guabao_rules.graph.Index.ancestor`
does) to its county. The did-you-mean suggestions are made in Python from
the bad rows only, with the same :class:`~guabao_rules.suggest.IdSuggester`
and budget: it reads the ids of the collections a missing id was to name,
one column each, when the first such row asks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

from guabao_rules.columnar.tables import reference_column
from guabao_rules.diagnostics import Text, Violation
from guabao_rules.engine.context import RuleContext
from guabao_rules.graph import BadReference, Index
from guabao_rules.i18n import field_name
from guabao_rules.kinds.query import (
    RECORD_IDS,
    CompileError,
    QuerySource,
    Tables,
    collection_ranks,
    first_records,
    unnest_positions,
    valid_records,
)
from guabao_rules.kinds.schema import Strict
from guabao_rules.models import COLLECTIONS, LEVELS, PAIRING_ENDS, REFERENCES, Pairing, RefSpec
from guabao_rules.report.escape import MAX_VALUE, cap

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from guabao_rules.suggest import IdSuggester

REASONS = {
    "missing": ("不存在编号 `{v}`", "no record has the id `{v}`"),
    "collection": ("`{v}` 不是 {e} 中的记录", "`{v}` is not a record of {e}"),
    "level": ("`{v}` 不是 {e} 级行政区划", "`{v}` is not a region of level {e}"),
    "kind": ("`{v}` 不是类型为 {e} 的单位", "`{v}` is not a unit of kind {e}"),
    "outside": ("村 `{v}` 不在县 `{e}` 内", "village `{v}` is not inside county `{e}`"),
}
"""Why a reference is bad, in words (``{v}`` its value, ``{e}`` what was expected)."""


class ReferenceConstraint(Strict):
    """Every reference of every record resolves to a record it may name."""

    kind: Literal["reference"]


class _Suggestions:
    """The did-you-mean of bad references, from ids read only when first asked."""

    def __init__(self, ids_of: Callable[[], Mapping[str, Iterable[str]]]) -> None:
        self._ids_of = ids_of
        self._suggester: IdSuggester | None = None

    def nearest(self, value: str, collections: tuple[str, ...]) -> str | None:
        if self._suggester is None:  # (imported only when a reference is broken)
            from guabao_rules.suggest import IdSuggester

            self._suggester = IdSuggester(self._ids_of())
        return self._suggester.nearest(value, collections)


def _violation(
    record_id: str, problems: list[BadReference], suggestions: _Suggestions
) -> Violation:
    texts = []
    for bad in problems:
        zh, en = REASONS[bad.reason]
        name = field_name(bad.path)
        value = str(bad.value)  # the data's: cut when long, as render() cuts values
        text = Text(
            zh=f"`{name}`:" + zh.format(v=cap(value, MAX_VALUE, "zh"), e=bad.expected),
            en=f"`{name}`: " + en.format(v=cap(value, MAX_VALUE, "en"), e=bad.expected),
        )
        if bad.reason in ("missing", "collection"):
            guess = suggestions.nearest(bad.value, tuple(bad.expected.split("/")))
            if guess is not None:
                text = _with_guess(text, bad.value, guess)
        texts.append(text)
    path = problems[0].path if len(problems) == 1 else None
    return Violation(record_id, {"problems": texts}, field=path)


def evaluate(ctx: RuleContext, constraint: ReferenceConstraint) -> Iterator[Violation]:
    """A violation for each record with bad references, naming each."""
    index = ctx.index
    ctx.applied += sum(len(v) for v in index.by_collection.values())
    suggestions = _Suggestions(lambda: _ids_by_collection(index))
    for record_id, problems in index.bad_references.items():
        yield _violation(record_id, problems, suggestions)


def _ids_by_collection(index: Index) -> dict[str, list[str]]:
    ids: dict[str, list[str]] = {}
    for record_id, entry in index.entries.items():
        ids.setdefault(entry.collection, []).append(record_id)
    return ids


def _with_guess(text: Text, value: str, guess: str) -> Text:
    """The reason with its nearest id, and why when YAML dropped the id's leading zeros."""
    text = Text(zh=f"{text.zh}(是否应为 `{guess}`?)", en=f"{text.en} (did you mean `{guess}`?)")
    if guess.isdigit() and value.isdigit() and value.startswith("0") and value.lstrip("0") == guess:
        from guabao_rules.hints import joined

        text = joined(
            text,
            [
                Text(
                    zh=f"编号 `{guess}` 多半写成了未加引号的 {value}:YAML 把它读作数字,"
                    f'前导零会丢失;请加引号写作 "{value}"',
                    en=f"the id `{guess}` was most likely written {value} without quotes: YAML "
                    f'reads it as a number and drops the leading zeros; write "{value}"',
                )
            ],
        )
    return text


# --- the compiled form ------------------------------------------------------------


def _reference_fields() -> tuple[tuple[str, str | None, RefSpec], ...]:
    fields: list[tuple[str, str | None, RefSpec]] = []
    for collection, model in COLLECTIONS.items():
        if model is Pairing:  # its ends depend on its kind (models.reference_specs)
            for kind, ends in PAIRING_ENDS.items():
                fields.extend((collection, kind, end) for end in ends)
        else:
            fields.extend((collection, None, spec) for spec in REFERENCES[collection])
    return tuple(fields)


REFERENCE_FIELDS = _reference_fields()
"""Every reference field as ``(collection, pairing kind or None, spec)``.

A record's fields come in the order :func:`~guabao_rules.models.reference_specs`
gives them, so a row's number here orders its problems as the index does.
"""


def _values(tables: Tables, number: int, collection: str, kind: str | None) -> ir.Table:
    """The non-null values of one reference field: ``_source, _ordinal, _spec, _position, …``."""
    import ibis

    spec = REFERENCE_FIELDS[number][2]
    table = tables[collection]
    column = reference_column(spec)
    if column not in table.columns:
        raise CompileError(f"no column {column!r} of {collection} to resolve")
    if kind is not None:
        table = table.filter(table.kind == kind)
    rows = table.select(
        _source=table.id,
        _ordinal=table._ordinal,
        _value=table[column],
        _within=table[spec.within] if spec.within else ibis.null("string"),
    )
    if spec.many:
        rows = unnest_positions(rows, "_value", "_position")
    else:
        rows = rows.mutate(_position=ibis.literal(0, "int64"))
    rows = rows.filter(rows._value.notnull())
    return rows.select(
        "_source",
        "_ordinal",
        "_value",
        "_within",
        "_position",
        _collection=ibis.literal(collection, "string"),
        _spec=ibis.literal(number, "int64"),
    )


def _grouped(attribute: Callable[[RefSpec], Any]) -> dict[Any, list[int]]:
    """The reference fields' numbers by one attribute of their specs (None left out)."""
    out: dict[Any, list[int]] = {}
    for number, (_c, _k, spec) in enumerate(REFERENCE_FIELDS):
        value = attribute(spec)
        if value:
            out.setdefault(value, []).append(number)
    return out


def county_of_regions(tables: Tables) -> ir.Table:
    """The county each valid region lies in, as ``_c_id, _c_county`` (null: none).

    As :meth:`~guabao_rules.graph.Index.county_of` walks: up to six regions
    from the region itself; a missing or invalid one, or one above county
    level, ends the walk with none.
    """
    import ibis

    regions = tables["regions"]
    above = LEVELS[: LEVELS.index("county")]
    walk = regions.select(_i0=regions.id, _l0=regions.level, _p0=regions.parent)
    for step in range(1, 6):
        up = tables["regions"].view()
        up = up.select(**{f"_i{step}": up.id, f"_l{step}": up.level, f"_p{step}": up.parent})
        walk = walk.left_join(up, walk[f"_p{step - 1}"] == up[f"_i{step}"])
    nothing = ibis.null("string")
    branches: list[tuple[Any, Any]] = []
    for step in range(6):
        region, level = walk[f"_i{step}"], walk[f"_l{step}"]
        if step:
            branches.append((region.isnull(), nothing))
        branches.append((level == "county", region))
        branches.append((level.isin(list(above)), nothing))
    return walk.select(_c_id=walk._i0, _c_county=ibis.cases(*branches, else_=nothing))


def _target_ids(tables: Tables, spec: RefSpec) -> ir.Table:
    """The valid records a reference of ``spec`` may name: its targets, of its level or kinds."""
    import ibis

    parts = []
    for target in spec.targets:
        table = tables[target]
        if target == "regions" and spec.level:
            table = table.filter(table.level == spec.level)
        if target == "units" and spec.unit_kinds:
            table = table.filter(table.kind.isin(list(spec.unit_kinds)))
        parts.append(table.select(_g_id=table.id))
    return ibis.union(*parts, distinct=False) if len(parts) > 1 else parts[0]


def _suspects(tables: Tables) -> ir.Table:
    """The references that may be bad: those not naming a valid record they may name.

    A collection's table holds the valid first record of each id, so a
    reference found in its targets' tables (of the level or kinds it asks)
    resolves there with no problem, whatever other records share the id.
    Those are nearly all; the anti-join that finds the rest builds no larger
    table than its targets' ids (the largest is the households'), and only
    the rest are resolved against every record read. Each field's values are
    read once (a table read twice is computed twice).
    """
    import ibis

    groups: dict[tuple[Any, ...], list[int]] = {}
    for number, (_c, _k, spec) in enumerate(REFERENCE_FIELDS):
        groups.setdefault((spec.targets, spec.level, spec.unit_kinds), []).append(number)
    parts = []
    for numbers in groups.values():
        rows = ibis.union(
            *(_values(tables, n, *REFERENCE_FIELDS[n][:2]) for n in numbers), distinct=False
        )
        good = _target_ids(tables, REFERENCE_FIELDS[numbers[0]][2])
        parts.append(rows.anti_join(good, rows._value == good._g_id))
    return ibis.union(*parts, distinct=False)


def _with_first_records(tables: Tables, suspects: ir.Table) -> ir.Table:
    """Each suspect with the first record of its value: ``_t_collection, _t_valid`` (null: none).

    The suspects are few and read once (a table read twice is computed twice):
    joined to every record of their ids, then each keeps its value's first.
    """
    ids = tables[RECORD_IDS]
    ids = ids.select(
        _t_id=ids.id, _t_collection=ids.collection, _t_valid=ids.valid, _t_seq=ids._seq
    )
    joined = suspects.left_join(ids, suspects._value == ids._t_id)
    return joined.group_by(list(suspects.columns)).aggregate(
        _t_collection=joined._t_collection.argmin(joined._t_seq),
        _t_valid=joined._t_valid.argmin(joined._t_seq),
    )


def compile_query(
    constraint: ReferenceConstraint, params: Mapping[str, Any], tables: Tables, as_of: date
) -> ir.Table:
    """The bad references: ``subject, _spec, _position, _value, _reason, _expected, _part``.

    Ordered as the index finds them: records in ``by_collection`` order, then
    each record's target problems by field and position, then its
    ``outside`` ones (``_part`` 1).
    """
    import ibis

    del constraint, params, as_of  # every reference of every record, always
    suspects = _suspects(tables)
    levels = tables["regions"].select(_r_id="id", _r_level="level")
    kinds = tables["units"].select(_u_id="id", _u_kind="kind")
    resolved = _with_first_records(tables, suspects)
    resolved = resolved.left_join(levels, resolved._value == levels._r_id)
    resolved = resolved.left_join(kinds, resolved._value == kinds._u_id)
    collection, valid = resolved._t_collection, resolved._t_valid
    branches: list[tuple[Any, Any]] = [(collection.isnull(), ibis.literal("missing"))]
    for targets, numbers in _grouped(lambda s: s.targets).items():
        wrong = resolved._spec.isin(numbers) & ~collection.isin(list(targets))
        branches.append((wrong, ibis.literal("collection")))
    for level, numbers in _grouped(lambda s: s.level).items():
        wrong = resolved._r_level != level
        branches.append(
            (resolved._spec.isin(numbers) & valid & (collection == "regions") & wrong, "level")
        )
    for unit_kinds, numbers in _grouped(lambda s: s.unit_kinds).items():
        wrong = ~resolved._u_kind.isin(list(unit_kinds))
        branches.append(
            (resolved._spec.isin(numbers) & valid & (collection == "units") & wrong, "kind")
        )
    reason = ibis.cases(*branches, else_=ibis.null("string"))
    keep = ("_collection", "_ordinal", "_source", "_spec", "_position", "_value")
    bad = resolved.select(*keep, _reason=reason)
    bad = bad.filter(bad._reason.notnull())
    bad = bad.select(
        *keep, "_reason", _expected=ibis.null("string"), _part=ibis.literal(0, "int64")
    )
    parts = [bad]
    within = [n for n, (_c, _k, spec) in enumerate(REFERENCE_FIELDS) if spec.within]
    if within:
        counties = county_of_regions(tables)
        for number in within:
            collection_name, kind, spec = REFERENCE_FIELDS[number]
            values = _values(tables, number, collection_name, kind)
            if not spec.many:  # a field already bad is not also outside (Index._resolve)
                same = bad.filter(bad._spec == number).select(_b_source="_source")
                values = values.anti_join(same, values._source == same._b_source)
            placed = values.left_join(counties, values._value == counties._c_id)
            county = placed._c_county
            outside = placed.filter(
                county.notnull() & (placed._within.isnull() | (county != placed._within))
            )
            parts.append(
                outside.select(
                    *keep,
                    _reason=ibis.literal("outside", "string"),
                    _expected=ibis.coalesce(outside._within, ibis.literal("None")),
                    _part=ibis.literal(1, "int64"),
                )
            )
    found = ibis.union(*parts, distinct=False) if len(parts) > 1 else parts[0]
    ranks = collection_ranks(tables)
    ranked = found.left_join(ranks, found._collection == ranks._collection)
    out = ranked.select(
        subject=ranked._source,
        _rank=ranked._rank,
        _ordinal=ranked._ordinal,
        _part=ranked._part,
        _spec=ranked._spec,
        _position=ranked._position,
        _value=ranked._value,
        _reason=ranked._reason,
        _expected=ranked._expected,
    )
    return out.order_by("_rank", "_ordinal", "_part", "_spec", "_position")


def compile_applied(
    constraint: ReferenceConstraint, params: Mapping[str, Any], tables: Tables, as_of: date
) -> ir.Scalar:
    """The records whose references are looked at: the valid first record of each id."""
    del constraint, params, as_of
    return valid_records(tables)


def _expected(spec: RefSpec, reason: str, row_expected: str | None) -> str:
    if reason == "level":
        return str(spec.level)
    if reason == "kind":
        return "/".join(spec.unit_kinds or ())
    if reason == "outside":
        return str(row_expected)
    return spec.expected


def _bad(row: Mapping[str, Any]) -> BadReference:
    spec = REFERENCE_FIELDS[int(row["_spec"])][2]
    reason = str(row["_reason"])
    path: tuple[str | int, ...] = spec.path
    if spec.many and reason != "outside":
        path = (*spec.path, int(row["_position"]))
    return BadReference(path, str(row["_value"]), reason, _expected(spec, reason, row["_expected"]))


def violations(
    constraint: ReferenceConstraint,
    params: Mapping[str, Any],
    rows: Iterable[Mapping[str, Any]],
    source: QuerySource,
) -> Iterator[Violation]:
    """The violations of the compiled query's rows, as :func:`evaluate` yields them."""
    del constraint, params
    ordered = sorted(
        rows, key=lambda r: (r["_rank"], r["_ordinal"], r["_part"], r["_spec"], r["_position"])
    )
    suggestions = _Suggestions(lambda: _QueriedIds(source))
    problems: dict[str, list[BadReference]] = {}
    for row in ordered:
        problems.setdefault(str(row["subject"]), []).append(_bad(row))
    for record_id, found in problems.items():
        yield _violation(record_id, found, suggestions)


class _QueriedIds(Mapping[str, list[str]]):
    """The ids of each collection's first records, each collection read when first asked."""

    def __init__(self, source: QuerySource) -> None:
        self._source = source
        self._read: dict[str, list[str]] = {}

    def __getitem__(self, collection: str) -> list[str]:
        if collection not in COLLECTIONS:
            raise KeyError(collection)
        if collection not in self._read:
            firsts = first_records(self._source.tables)
            ids = firsts.filter(firsts.collection == collection).select("id")
            column = self._source.fetch(ids).column("id")
            self._read[collection] = [str(v) for v in column.to_pylist()]
        return self._read[collection]

    def __iter__(self) -> Iterator[str]:
        return iter(COLLECTIONS)

    def __len__(self) -> int:
        return len(COLLECTIONS)
