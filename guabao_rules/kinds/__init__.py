"""The declarative constraint kinds, each implemented once, dispatched by a table.

A rule's ``constraint`` names its kind. Each kind lives in its own module
(``kinds/<kind>.py``) with its strict pack schema and one Python evaluator,
which reads the dataset's :class:`~guabao_rules.graph.Index` so that every
evaluation is linear in the data. :data:`KINDS` maps each kind's name to
them; nothing dispatches on types.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import Field

from guabao_rules.diagnostics import Violation
from guabao_rules.engine.context import RuleContext
from guabao_rules.kinds import (
    compare,
    count,
    forbidden,
    lineage,
    presence,
    python,
    reader,
    reference,
)
from guabao_rules.kinds import sum as sum_kind
from guabao_rules.kinds.schema import Strict


@dataclass(frozen=True, slots=True)
class Kind:
    """A constraint kind: its pack schema and its evaluator.

    Attributes:
        name: The ``kind:`` key of a constraint.
        schema: The strict pydantic model of such a constraint.
        evaluate: The violations of the context's rule, from its validated constraint.
        summary: One line on what the kind checks.
    """

    name: str
    schema: type[Strict]
    evaluate: Callable[[RuleContext, Any], Iterable[Violation]]
    summary: str


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind("count", count.CountConstraint, count.evaluate, "bounds on related records"),
        Kind("presence", presence.PresenceConstraint, presence.evaluate, "required fields"),
        Kind("forbidden", forbidden.ForbiddenConstraint, forbidden.evaluate, "forbidden values"),
        Kind("reader", reader.ReaderConstraint, reader.evaluate, "the readers' findings"),
        Kind("reference", reference.ReferenceConstraint, reference.evaluate, "references resolve"),
        Kind("sum", sum_kind.SumConstraint, sum_kind.evaluate, "a sum against a bound"),
        Kind("compare", compare.CompareConstraint, compare.evaluate, "properties compared"),
        Kind("lineage", lineage.LineageConstraint, lineage.evaluate, "parent trees"),
        Kind("python", python.PythonConstraint, python.evaluate, "a registered Python check"),
    )
}
"""Every constraint kind by name."""

Constraint = Annotated[
    count.CountConstraint
    | presence.PresenceConstraint
    | forbidden.ForbiddenConstraint
    | reader.ReaderConstraint
    | reference.ReferenceConstraint
    | sum_kind.SumConstraint
    | compare.CompareConstraint
    | lineage.LineageConstraint
    | python.PythonConstraint,
    Field(discriminator="kind"),
]
"""A rule's constraint: one of the kinds, told apart by its ``kind`` key."""


def evaluate(ctx: RuleContext) -> list[Violation]:
    """Evaluate the context's rule with its constraint kind."""
    constraint = ctx.rule.constraint
    return list(KINDS[constraint.kind].evaluate(ctx, constraint))
