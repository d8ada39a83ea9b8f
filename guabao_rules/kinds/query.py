"""Selectors and relations as ibis expressions, for the kinds' compilers.

A kind's compiler turns its constraint into a relational query, so the
columnar engine runs the same rule definition on DuckDB or Spark. The
contract: ``compile(rule, params, tables, as_of)`` where ``tables`` maps a
collection name to an ibis table with one column per model field (ids and
references as strings, dates as date, amounts as decimal(38, 2), lists as
array<string>) plus ``_file`` and ``_ordinal``, holding the valid records
(and for each amount ``x`` its written fraction digits ``_digits_x``), and
:data:`RECORD_IDS` (``_ids``) to every record read, valid or not;
it returns an ibis table of violations with a ``subject`` column and the
columns the rule's message needs. The kind's ``violations`` function turns
those rows into the same :class:`~guabao_rules.diagnostics.Violation`
objects its Python evaluator yields. ``tables`` also holds the reader's
tables (``_ids``, ``_files``, ``_problems``, ``_personal``; their schemas
are in :mod:`guabao_rules.columnar.tables`), which the ``reader`` and
``reference`` kinds query. A kind whose violations need more than the rows
(D002's did-you-mean reads the target collections' ids) is given a
:class:`QuerySource` to run a further query with.

ibis is imported here only when a query is built: importing
``guabao_rules`` never loads it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from guabao_rules.kinds.schema import AtLeast, Not, ParamRef, Relation, Selector, WhereValue
from guabao_rules.kinds.select import param_value
from guabao_rules.models import COLLECTIONS, STATUS_ORDER

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pyarrow as pa

Tables = Mapping[str, "ir.Table"]


RECORD_IDS = "_ids"
"""The table of every record read, valid or not, duplicates included, beside the collections
(``id``, ``collection``, ``valid``, ``_seq`` and its place: :mod:`guabao_rules.columnar.tables`)."""


class CompileError(Exception):
    """A constraint the kind's compiler cannot express as a query (the engine runs Python)."""


@dataclass(frozen=True, slots=True)
class QuerySource:
    """The tables a query ran on and a way to run another, for a kind's ``violations``.

    Attributes:
        tables: The tables of the contract.
        fetch: Runs an ibis expression on the engine's backend, as Arrow.
    """

    tables: Tables
    fetch: Callable[[ir.Expr], pa.Table]


def _every_record(tables: Tables) -> ir.Table:
    if RECORD_IDS not in tables:
        raise CompileError(f"the tables have no {RECORD_IDS!r} table of every record read")
    return tables[RECORD_IDS]


def first_records(tables: Tables) -> ir.Table:
    """The first record of each id (the one references resolve to): ``id, collection, valid, _seq``.

    Read from :data:`RECORD_IDS`, so an invalid record and a record of any
    collection count, as the index's ``by_id`` has them.

    Raises:
        CompileError: The tables do not list every record read.
    """
    ids = _every_record(tables)
    ids = ids.filter(ids.id.notnull())
    return ids.group_by("id").aggregate(
        collection=ids.collection.argmin(ids._seq),
        valid=ids.valid.argmin(ids._seq),
        _seq=ids._seq.min(),
    )


def repeated_ids(tables: Tables) -> ir.Table:
    """The ids more than one record read has (D001's), as ``_d_id``.

    One count per id read, where :func:`first_records` keeps three values a
    group: the ids a query must look at record by record are found so.

    Raises:
        CompileError: The tables do not list every record read.
    """
    ids = _every_record(tables)
    ids = ids.filter(ids.id.notnull())
    counted = ids.group_by(_d_id=ids.id).aggregate(_d_n=ids.id.count())
    return counted.filter(counted._d_n > 1).select("_d_id")


def collection_ranks(tables: Tables) -> ir.Table:
    """Each collection's place in the index's order, as ``_collection, _rank``.

    The Python evaluators walk ``index.by_collection``, whose collections come
    in the order their first valid record was read; a record's place in its
    collection is its table's ``_ordinal``. That record is its table's row 0
    and the first of its id, so its place in reading order is the least
    ``_seq`` of its id: a join of :data:`RECORD_IDS` with one id per
    collection, where :func:`first_records` would group every id read.
    """
    import ibis

    ids = _every_record(tables)
    heads = []
    for collection in COLLECTIONS:
        if collection in tables:
            table = tables[collection]
            head = table.filter(table._ordinal == 0)
            heads.append(head.select(_head=head.id, _collection=ibis.literal(collection, "string")))
    first = ibis.union(*heads, distinct=False)
    placed = ids.join(first, ids.id == first._head)
    return placed.group_by("_collection").aggregate(_rank=placed._seq.min())


def valid_records(tables: Tables) -> ir.Scalar:
    """How many valid first records there are: every collection table's rows, together."""
    import ibis

    counts = [tables[c].aggregate(_n=tables[c].count()) for c in COLLECTIONS if c in tables]
    return ibis.union(*counts, distinct=False)._n.sum()


def record_ids(tables: Tables) -> ir.Table:
    """Every record id read, valid or not, as ``id``: the ids a finding may name as related.

    The index names an invalid record too (D003 says what is wrong with it),
    so the valid records' tables are not enough to tell which ids name a record.
    For membership only (``isin``, a semi-join): an id comes once per record
    that has it, since grouping 10^7 ids to their first records cost more
    than the lookups it was for.

    Raises:
        CompileError: The tables do not list them.
    """
    ids = _every_record(tables)
    return ids.filter(ids.id.notnull()).select("id")


def where_filter(
    table: ir.Table, where: Mapping[str, WhereValue], params: Mapping[str, Any]
) -> ir.Table:
    """``table`` restricted to the rows matching every ``field: value`` condition."""
    for path, condition in where.items():
        if "." in path or path not in table.columns:
            raise CompileError(f"no column {path!r} to filter on")
        column = table[path]
        if isinstance(condition, Not):
            excluded = condition.not_
            values = excluded if isinstance(excluded, list) else [excluded]
            table = table.filter(column.isnull() | ~column.isin(values))
            continue
        if isinstance(condition, AtLeast):
            threshold = STATUS_ORDER[condition.at_least]
            table = table.filter(
                column.isin([s for s, n in STATUS_ORDER.items() if n >= threshold >= 0])
            )
            continue
        wanted = param_value(condition, params)
        if isinstance(wanted, dict):
            wanted = list(wanted)
        if isinstance(wanted, list):
            table = table.filter(
                column.isin(wanted) if wanted else column.isnull() & column.notnull()
            )
        elif wanted is None:
            table = table.filter(column.isnull())
        else:
            table = table.filter(column == wanted)
    return table


def unnest_positions(table: ir.Table, column: str, position: str) -> ir.Table:
    """``table`` with a row per item of its list ``column``, its place (from 0) as ``position``.

    The list is zipped with its places and unnested as one column. Unnested
    with ``offset=``, DuckDB joins each row to its items laterally, ten times
    slower (6×10^6 items: 11.2 s against 1.0 s). A null or empty list has no row.
    """
    import ibis

    values = table[column]
    rows = table.mutate(**{column: values.zip(ibis.range(0, values.length())).unnest()})
    item = rows[column]
    return rows.mutate(**{column: item["f1"], position: item["f2"].cast("int64")})


def county_ids(tables: Tables) -> ir.Table:
    """Each region's id and the county it lies in (itself for a county), as ``id, county``."""
    import ibis

    regions = tables["regions"].select("id", "level", "parent")
    up1 = regions.select(id1="id", level1="level", parent1="parent")
    up2 = regions.select(id2="id", level2="level")
    first = regions.left_join(up1, regions.parent == up1.id1)
    first = first.select("id", "level", "id1", "level1", "parent1")
    second = first.left_join(up2, first.parent1 == up2.id2)
    second = second.select("id", "level", "id1", "level1", "id2", "level2")
    county = ibis.cases(
        (second.level == "county", second.id),
        (second.level1 == "county", second.id1),
        (second.level2 == "county", second.id2),
        else_=ibis.null("string"),
    )
    return second.select(id=second.id, county=county)


def in_scope_ids(tables: Tables, scope_tag: str) -> ir.Table:
    """The ids of the regions whose county carries ``scope_tag``, as ``id``."""
    counties = tables["regions"]
    tagged = counties.filter(counties.tags.contains(scope_tag)).select(tagged="id")
    mapped = county_ids(tables)
    return mapped.semi_join(tagged, mapped.county == tagged.tagged).select("id")


def selected(tables: Tables, selector: Selector, params: Mapping[str, Any]) -> ir.Table:
    """The subjects a selector names: their records with the id again as ``subject``."""
    if selector.ids is not None:
        import ibis

        ids = param_value(selector.ids, params)
        listed = [ids] if isinstance(ids, str) else list(dict.fromkeys(ids or []))
        return ibis.memtable({"subject": listed}, schema={"subject": "string"})
    if selector.dataset or selector.collection is None:
        raise CompileError("a dataset selector does not compile")
    table = where_filter(tables[selector.collection], selector.where, params)
    tag = param_value(selector.tagged, params)
    if tag is not None:
        if selector.collection != "regions":
            return table.filter(table.id.isnull() & table.id.notnull()).select(subject="id")
        table = table.filter(table.tags.contains(tag))
    if selector.in_scope:
        scope = in_scope_ids(tables, str(params.get("scope_tag") or "deep_poverty"))
        table = table.semi_join(scope, table.id == scope.id)
    if selector.off_cycles is not None:
        cyclic = cycle_ids(tables[selector.collection], selector.off_cycles)
        if cyclic:
            table = table.filter(~table.id.isin(cyclic))
    return table.select(table.id.name("subject"), *table.columns)


def cycle_ids(table: ir.Table, parent: str) -> list[str]:
    """The ids on a cycle of ``parent`` links (:func:`cycle_members`), read once."""
    members = cycle_members(table, parent).select("_id").to_pyarrow()
    return sorted(members.column("_id").to_pylist())


# Cycles of parent links. A cycle is found by walking parent links, which SQL does only
# with a recursive query, and ibis has none; so the walk is pointer doubling:
# round k knows, for each record x, the record 2**k links up (``_a``, null once
# the walk has left the collection) and the smallest id among those 2**k
# steps (``_m``). Each round is one self-join of the previous round, which is
# materialized (run, and read back as an in-memory table), because a round
# reads its predecessor twice and an unmaterialized chain of them would double
# in size with every round. After ceil(log2 n) rounds of n records, 2**k >= n:
# a walk still going has reached its cycle, and ``_m`` of a record on a cycle is
# the cycle's smallest id. A round is a function of the one before, so the
# rounds stop early when one changes nothing (every walk ended, say). The
# rounds run where the table's rows are (in-memory tables: the embedded
# DuckDB), and the last one is an in-memory table the final query reads.


def _materialized(expr: ir.Table) -> tuple[ir.Table, pa.Table]:
    """The expression's rows as an in-memory table (and as Arrow)."""
    import ibis

    rows = expr.to_pyarrow()
    return ibis.memtable(rows), rows


def cycle_members(table: ir.Table, parent: str) -> ir.Table:
    """The records on a cycle of ``parent`` links, as ``_id, _lead, _first``.

    ``_lead`` is the smallest id on the cycle; ``_first`` the reading position
    of the first record whose walk up the links reaches the cycle (the
    evaluator finds the cycles in that order). A link to an id outside the
    table ends a walk, as in the evaluator. Runs one query per round (see above).
    """
    import ibis

    links = table.select(_id=table.id, _parent=table[parent], _ord=table._ordinal)
    ids = links.select(_known=links._id)
    first = links.left_join(ids, links._parent == ids._known)
    level, rows = _materialized(
        first.select(
            _id=first._id,
            _ord=first._ord,
            _a=ibis.ifelse(first._known.notnull(), first._parent, ibis.null("string")),
            _m=first._id,
        ).order_by("_ord")
    )
    for _ in range(max(0, rows.num_rows - 1).bit_length()):
        if rows.column("_a").null_count == rows.num_rows:
            break  # every walk has ended: no cycle
        up = level.select(_uid=level._id, _ua=level._a, _um=level._m)
        step = level.left_join(up, level._a == up._uid)
        step = step.select(
            _id=step._id,
            _ord=step._ord,
            _a=step._ua,
            _m=ibis.ifelse(step._uid.isnull(), step._m, ibis.least(step._m, step._um)),
        ).order_by("_ord")
        level, after = _materialized(step)
        if after.equals(rows):
            break  # a round changes nothing: neither will the next
        rows = after
    walking = level.filter(level._a.notnull())
    on = level.select(_cid=level._id, _lead=level._m)
    reach = walking.join(on, walking._a == on._cid)  # x reaches the cycle of _lead
    members = reach.select(_id=reach._cid, _lead=reach._lead).distinct()
    firsts = reach.group_by(_flead=reach._lead).aggregate(_first=reach._ord.min())
    members = members.join(firsts, members._lead == firsts._flead)
    return members.select("_id", "_lead", "_first")


def related_table(
    tables: Tables,
    relation: Relation,
    params: Mapping[str, Any],
    as_of: date,
    *,
    whole: bool = False,
) -> ir.Table:
    """The records of a relation (``via`` a scalar reference), filtered; never self-referring.

    With ``whole`` (the dataset as subject) a relation without ``via`` is every
    record of its collection that meets its conditions, as
    :func:`~guabao_rules.kinds.select.related` has it for the dataset.
    """
    if relation.through is not None or (relation.via is None and not whole):
        raise CompileError("only a relation via a reference field compiles")
    table = tables[relation.collection].view()  # a check may use the same table twice
    if relation.via is not None and (
        relation.via not in table.columns or table[relation.via].type().is_array()
    ):
        raise CompileError(f"{relation.via!r} is not a scalar reference column")
    table = where_filter(table, relation.where, params)
    if relation.via is not None:
        table = table.filter(table[relation.via] != table.id)
    if relation.active:
        start_ok = (
            table.start.isnull() | (table.start <= as_of) if "start" in table.columns else True
        )
        end_ok = table.end.isnull() | (table.end >= as_of) if "end" in table.columns else True
        table = table.filter(start_ok).filter(end_ok)
    for end in relation.ends:
        targets = where_filter(tables[end.collection].view(), end.where, params)
        if end.in_scope:  # the target's county carries the scope tag (select.in_scope)
            scope = in_scope_ids(tables, str(params.get("scope_tag") or "deep_poverty"))
            targets = targets.semi_join(scope, targets.id == scope.id)
        targets = targets.select(_target="id")
        table = table.semi_join(targets, table[end.field] == targets._target)
    return table


def bound_value(value: int | ParamRef | None, params: Mapping[str, Any]) -> int | None:
    """A bound resolved (parameters are known when the query is built)."""
    resolved = param_value(value, params)
    return None if resolved is None else int(resolved)
