"""``lineage``: trees of records linked by a parent field (fund trees, T008).

The parent links must form no cycle, and a child's ``order`` field (a fund's
year) must not come before its parent's. Every record has at most one
parent, so one walk up from each record not yet seen finds every cycle in
time linear in the number of records. A cycle is reported once, at its
smallest id; each finding names the other records involved. The order of
records on a cycle is not judged: around a cycle some record always comes
"before" its parent, and the cycle is the finding. Other rules leave records
on a cycle out (``off_cycles`` in a selector), so a cycle is one finding.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

from guabao_rules.diagnostics import Text, Violation
from guabao_rules.engine.context import RuleContext
from guabao_rules.engine.render import fill
from guabao_rules.kinds.query import CompileError, Tables, cycle_members
from guabao_rules.kinds.schema import Bilingual, CollectionName, Strict
from guabao_rules.kinds.select import RELATED_CAP, parent_cycles, related_ids
from guabao_rules.sources.positions import Key

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = ["LineageConstraint", "compile_query", "evaluate", "parent_cycles", "violations"]


class LineageConstraint(Strict):
    """Parent links without cycles, children not before their parents.

    ``cycle`` is the problem text of a cycle (``{chain}``: the ids around it);
    ``order_problem`` that of a child before its parent (``{value}``,
    ``{parent}``, ``{parent_value}``).
    """

    kind: Literal["lineage"]
    collection: CollectionName
    parent: str
    order: str | None = None
    cycle: Bilingual
    order_problem: Bilingual | None = None


Disorder = tuple[str, Any, str, Any]
"""A child before its parent: (child id, its value, parent id, the parent's value)."""


def _findings(
    constraint: LineageConstraint,
    cycles: Iterable[list[str]],
    disorders: Iterable[Disorder],
    named: Callable[[list[str]], tuple[str, ...]],
) -> Iterator[Violation]:
    """The violations of the cycles (each from its smallest id) and the children out of order.

    The evaluator and the compiled query's rows share this step; ``named``
    turns the other records of a finding into its related ids.
    """
    problems: dict[str, list[tuple[tuple[Key, ...], Text]]] = {}
    others: dict[str, list[str]] = {}
    for cycle in cycles:
        text = fill(
            constraint.cycle.zh, constraint.cycle.en, {"chain": " → ".join([*cycle, cycle[0]])}
        )
        problems.setdefault(cycle[0], []).append(((constraint.parent,), text))
        others.setdefault(cycle[0], []).extend(cycle[1:])
    template = constraint.order_problem
    if constraint.order is not None and template is not None:
        for key, value, parent, parent_value in disorders:
            args = {"value": value, "parent": parent, "parent_value": parent_value}
            problems.setdefault(key, []).append(
                ((constraint.order,), fill(template.zh, template.en, args))
            )
            others.setdefault(key, []).append(parent)
    for subject, found in problems.items():
        yield Violation(
            subject,
            {"problems": [text for _, text in found]},
            field=found[0][0],
            related=named(others[subject]),
        )


def evaluate(ctx: RuleContext, constraint: LineageConstraint) -> Iterator[Violation]:
    """A violation for each record in a cycle's lead or out of order with its parent."""
    records: dict[str, Any] = {record.id: record for record in ctx.each(constraint.collection)}
    parents = {key: getattr(record, constraint.parent, None) for key, record in records.items()}
    cycles = parent_cycles(parents)
    on_cycle = {key for cycle in cycles for key in cycle}
    disorders: list[Disorder] = []
    order = constraint.order
    if order is not None and constraint.order_problem is not None:
        for key, record in records.items():
            parent_id = parents[key]
            parent = records.get(parent_id) if parent_id is not None else None
            if parent is None or key in on_cycle:
                continue
            value, parent_value = getattr(record, order), getattr(parent, order)
            if value < parent_value:
                disorders.append((key, value, parent.id, parent_value))
    yield from _findings(
        constraint, cycles, disorders, lambda others: related_ids(ctx.index, others)
    )


# The compiler: the records on a cycle come from query.cycle_members (pointer
# doubling, since ibis has no recursive query); one join finds the children
# before their parents; violations() orders each cycle's few records into its
# chain.


def compile_query(
    constraint: LineageConstraint, params: Mapping[str, Any], tables: Tables, as_of: date
) -> ir.Table:
    """The records on a cycle (``_kind`` 0) and the children before their parents (1).

    Each row: ``subject`` (a cycle's smallest id, or the child), ``_rank``
    (where the evaluator meets it), ``_id`` and ``_parent`` (the record and
    its parent), ``_value`` and ``_parent_value`` (their ``order`` values).

    Raises:
        CompileError: ``parent`` or ``order`` is not a flat column.
    """
    import ibis

    del params, as_of  # a parent tree has neither
    table = tables[constraint.collection]
    for name in (constraint.parent, constraint.order):
        if name is not None and (name not in table.columns or table[name].type().is_array()):
            raise CompileError(f"{name!r} is not a flat column")
    order = constraint.order if constraint.order_problem is not None else None
    kind = table[order].type() if order is not None else ibis.dtype("int64")
    members = cycle_members(table, constraint.parent)
    links = table.select(_lid=table.id, _lparent=table[constraint.parent])
    cycles = members.join(links, members._id == links._lid)
    out = cycles.select(
        subject=cycles._lead,
        _kind=ibis.literal(0),
        _rank=cycles._first,
        _id=cycles._id,
        _parent=cycles._lparent,
        _value=ibis.null(kind),
        _parent_value=ibis.null(kind),
    )
    if order is None:
        return out
    child = table.anti_join(members, table.id == members._id)
    up = table.select(_pid=table.id, _pvalue=table[order])
    pairs = child.join(up, child[constraint.parent] == up._pid)
    pairs = pairs.filter(pairs[order] < pairs._pvalue)
    disorders = pairs.select(
        subject=pairs.id,
        _kind=ibis.literal(1),
        _rank=pairs._ordinal,
        _id=pairs.id,
        _parent=pairs._pid,
        _value=pairs[order].cast(kind),
        _parent_value=pairs._pvalue.cast(kind),
    )
    return out.union(disorders)


def compile_applied(
    constraint: LineageConstraint, params: Mapping[str, Any], tables: Tables, as_of: date
) -> ir.Value:
    """The number of records looked at: every record of the collection."""
    return tables[constraint.collection].count()


def violations(
    constraint: LineageConstraint,
    params: Mapping[str, Any],
    rows: Iterable[Mapping[str, Any]],
) -> Iterator[Violation]:
    """The violations of the compiled query's rows, as :func:`evaluate` yields them."""
    ordered = sorted(rows, key=lambda row: (row["_kind"], row["_rank"], row["_id"]))
    links: dict[str, dict[str, str]] = {}
    for row in ordered:
        if row["_kind"] == 0:
            links.setdefault(row["subject"], {})[row["_id"]] = row["_parent"]
    cycles = []
    for lead, parents in links.items():  # a cycle's records, from its smallest id up
        chain = [lead]
        while (up := parents[chain[-1]]) != lead:
            chain.append(up)
        cycles.append(chain)
    disorders = [
        (row["_id"], row["_value"], row["_parent"], row["_parent_value"])
        for row in ordered
        if row["_kind"] == 1
    ]
    # Every record named is a valid record of the collection: each names a record.
    yield from _findings(
        constraint, cycles, disorders, lambda others: tuple(dict.fromkeys(others))[:RELATED_CAP]
    )
