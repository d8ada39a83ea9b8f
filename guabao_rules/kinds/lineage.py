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

from collections.abc import Iterator
from typing import Any, Literal

from guabao_rules.diagnostics import Text, Violation
from guabao_rules.engine.context import RuleContext
from guabao_rules.engine.render import fill
from guabao_rules.kinds.schema import Bilingual, CollectionName, Strict
from guabao_rules.kinds.select import parent_cycles, related_ids
from guabao_rules.sources.positions import Key

__all__ = ["LineageConstraint", "evaluate", "parent_cycles"]


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


def evaluate(ctx: RuleContext, constraint: LineageConstraint) -> Iterator[Violation]:
    """A violation for each record in a cycle's lead or out of order with its parent."""
    records: dict[str, Any] = {record.id: record for record in ctx.each(constraint.collection)}
    parents = {key: getattr(record, constraint.parent, None) for key, record in records.items()}
    problems: dict[str, list[tuple[tuple[Key, ...], Text]]] = {}
    others: dict[str, list[str]] = {}
    on_cycle: set[str] = set()
    for cycle in parent_cycles(parents):
        on_cycle.update(cycle)
        text = fill(
            constraint.cycle.zh, constraint.cycle.en, {"chain": " → ".join([*cycle, cycle[0]])}
        )
        problems.setdefault(cycle[0], []).append(((constraint.parent,), text))
        others.setdefault(cycle[0], []).extend(cycle[1:])
    order = constraint.order
    if order is not None and constraint.order_problem is not None:
        template = constraint.order_problem
        for key, record in records.items():
            parent_id = parents[key]
            parent = records.get(parent_id) if parent_id is not None else None
            if parent is None or key in on_cycle:
                continue
            value, parent_value = getattr(record, order), getattr(parent, order)
            if value < parent_value:
                args = {"value": value, "parent": parent.id, "parent_value": parent_value}
                problems.setdefault(key, []).append(
                    ((order,), fill(template.zh, template.en, args))
                )
                others.setdefault(key, []).append(parent.id)
    for subject, found in problems.items():
        yield Violation(
            subject,
            {"problems": [text for _, text in found]},
            field=found[0][0],
            related=related_ids(ctx.index, others[subject]),
        )
