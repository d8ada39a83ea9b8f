"""The declarative constraint kinds, each implemented once, dispatched by a table.

A rule's ``constraint`` names its kind. Each kind lives in its own module
(``kinds/<kind>.py``) with its strict pack schema and one Python evaluator,
which reads the dataset's :class:`~guabao_rules.graph.Index` so that every
evaluation is linear in the data. :data:`KINDS` maps each kind's name to
them; nothing dispatches on types.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from pydantic import Field

from guabao_rules.diagnostics import Violation
from guabao_rules.engine.context import RuleContext
from guabao_rules.kinds import (
    compare,
    count,
    forbidden,
    lineage,
    periodic,
    presence,
    python,
    reader,
    reference,
)
from guabao_rules.kinds import sum as sum_kind
from guabao_rules.kinds.query import CompileError, QuerySource
from guabao_rules.kinds.schema import Strict


@dataclass(frozen=True, slots=True)
class Kind:
    """A constraint kind: its pack schema and its evaluator.

    Attributes:
        name: The ``kind:`` key of a constraint.
        schema: The strict pydantic model of such a constraint.
        evaluate: The violations of the context's rule, from its validated constraint.
        summary: One line on what the kind checks.
        compile: The kind's compiler to an ibis query (``compile_query``), or None.
        violations: Turns the query's rows into the evaluator's violations, or None.
    """

    name: str
    schema: type[Strict]
    evaluate: Callable[[RuleContext, Any], Iterable[Violation]]
    summary: str
    compile: Callable[..., Any] | None = None
    violations: Callable[..., Iterable[Violation]] | None = None
    applied: Callable[..., Any] | None = None
    """The number of subjects the rule looks at, as a scalar query, where the
    selector's rows are not that number (``compile_applied``); None: they are."""
    with_source: bool = False
    """Whether ``violations`` takes a :class:`~guabao_rules.kinds.query.QuerySource`
    too (it runs a further query, as D002's did-you-mean reads ids)."""


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind(
            "count",
            count.CountConstraint,
            count.evaluate,
            "bounds on related records",
            count.compile_query,
            count.violations,
            count.compile_applied,
        ),
        Kind(
            "presence",
            presence.PresenceConstraint,
            presence.evaluate,
            "required fields",
            presence.compile_query,
            presence.violations,
        ),
        Kind(
            "forbidden",
            forbidden.ForbiddenConstraint,
            forbidden.evaluate,
            "forbidden values",
            forbidden.compile_query,
            forbidden.violations,
        ),
        Kind(
            "reader",
            reader.ReaderConstraint,
            reader.evaluate,
            "the readers' findings",
            reader.compile_query,
            reader.violations,
            reader.compile_applied,
        ),
        Kind(
            "reference",
            reference.ReferenceConstraint,
            reference.evaluate,
            "references resolve",
            reference.compile_query,
            reference.violations,
            reference.compile_applied,
            with_source=True,
        ),
        Kind(
            "sum",
            sum_kind.SumConstraint,
            sum_kind.evaluate,
            "a sum against a bound",
            sum_kind.compile_query,
            sum_kind.violations,
        ),
        Kind(
            "compare",
            compare.CompareConstraint,
            compare.evaluate,
            "properties compared",
            compare.compile_query,
            compare.violations,
            compare.compile_applied,
        ),
        Kind(
            "lineage",
            lineage.LineageConstraint,
            lineage.evaluate,
            "parent trees",
            lineage.compile_query,
            lineage.violations,
            lineage.compile_applied,
        ),
        Kind(
            "periodic",
            periodic.PeriodicConstraint,
            periodic.evaluate,
            "at least N events in each complete year or quarter",
            periodic.compile_query,
            periodic.violations,
            periodic.compile_applied,
        ),
        Kind(
            "python",
            python.PythonConstraint,
            python.evaluate,
            "a registered Python check",
            python.compile_query,
            python.violations,
            python.compile_applied,
        ),
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
    | periodic.PeriodicConstraint
    | python.PythonConstraint,
    Field(discriminator="kind"),
]
"""A rule's constraint: one of the kinds, told apart by its ``kind`` key."""


def evaluate(ctx: RuleContext) -> list[Violation]:
    """Evaluate the context's rule with its constraint kind."""
    constraint = ctx.rule.constraint
    return list(KINDS[constraint.kind].evaluate(ctx, constraint))


def compile_rule(rule: Any, params: Mapping[str, Any], tables: Any, as_of: date) -> Any:
    """The rule's constraint as an ibis table of violations (the columnar contract).

    Raises:
        CompileError: The rule's kind (or this use of it) has no compiler yet.
    """
    kind = KINDS[rule.constraint.kind]
    if kind.compile is None:
        raise CompileError(f"rule {rule.id}: kind {kind.name!r} has no query compiler yet")
    return kind.compile(rule.constraint, params, tables, as_of)


def violations_of_rows(
    rule: Any, params: Mapping[str, Any], rows: Iterable[Any], source: QuerySource | None = None
) -> list[Violation]:
    """The violations of a compiled query's rows (dicts), as the Python evaluator yields them.

    ``source``: the tables and backend the query ran on, for a kind that
    queries further (:attr:`Kind.with_source`).
    """
    kind = KINDS[rule.constraint.kind]
    assert kind.violations is not None
    if kind.with_source:
        if source is None:
            raise TypeError(f"rule {rule.id}: kind {kind.name!r} needs the query's source")
        return list(kind.violations(rule.constraint, params, rows, source))
    return list(kind.violations(rule.constraint, params, rows))
