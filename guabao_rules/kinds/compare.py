"""``compare``: properties of a record held against each other, in order.

Dates in order (a disbursement not before its allocation, T007; an
allocation not before its project entered the library, T006), deadlines
kept (M008), records kept up to date (S301), terms served in full (M007).

A subject may ``join`` the records its reference fields name (``allocation``
for a disbursement): a subject whose joined record does not resolve is not
looked at (D002 reports the reference). Operands are dotted paths, on the
subject or through a joined record (``allocation.date``), ``{as_of: true}``,
a parameter, or ``{days: [from, to]}``. ``unless`` passes a subject (still
counted); then the ``checks`` run in order and the first that fails is the
finding, with its ``problem`` filled in from the message arguments ``args``
and pointing at its ``field``. A comparison with a missing operand does not
apply; ``present`` requires a value.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Literal

from pydantic import Field

from guabao_rules.diagnostics import Violation
from guabao_rules.engine.context import RuleContext
from guabao_rules.engine.render import fill
from guabao_rules.kinds.schema import (
    Bilingual,
    CollectionName,
    ParamRef,
    Relation,
    Selector,
    Strict,
)
from guabao_rules.kinds.select import field_value, param_value, related, related_ids, select
from guabao_rules.kinds.sum import OPERATORS, Op
from guabao_rules.models import Record
from guabao_rules.timecal import days_between, served_full_term


class AsOf(Strict):
    """The day the data is judged at."""

    as_of: Literal[True]


class Days(Strict):
    """The days from one date to another (negative when the second is earlier)."""

    days: tuple[str | AsOf, str | AsOf]


class Distinct(Strict):
    """The number of distinct values in a list field."""

    distinct: str


Operand = str | AsOf | ParamRef | Days | Distinct
"""A value: a dotted path, as_of, a parameter or a number of days."""


class Join(Strict):
    """The record a reference field of the subject names."""

    field: str
    collection: CollectionName


class Comparison(Strict):
    """``left op right``; passes when either side is missing."""

    left: Operand
    op: Op
    right: Operand


class Present(Strict):
    """The value must be there."""

    present: str


class Absent(Strict):
    """The value is not there (a condition, in ``unless`` or ``when``)."""

    absent: str


class Served(Strict):
    """The term ``from`` .. ``to`` (both inclusive) lasted at least ``years`` years."""

    served: str
    to: str
    years: int | ParamRef


class NoneRelated(Strict):
    """No record is related to the subject through this relation."""

    none: Relation


Test = Comparison | Present | Absent | Served | NoneRelated


class Check(Strict):
    """A test that makes a finding when it fails (and ``when`` holds)."""

    test: Test
    when: list[Test] = Field(default_factory=list)
    problem: Bilingual | None = None
    field: str | None = None


class CompareConstraint(Strict):
    """Properties of each selected record, compared in order.

    ``looks_at`` leaves out (uncounted) subjects without these values.
    With ``every``, each failing check adds its problem to ``problems`` and
    one finding names them all (at their field when they share one).
    """

    kind: Literal["compare"]
    select: Selector
    join: dict[str, Join] = Field(default_factory=dict)
    looks_at: list[str] = Field(default_factory=list)
    every: bool = False
    unless: list[Test] = Field(default_factory=list)
    checks: list[Check] = Field(min_length=1)
    args: dict[str, Operand] = Field(default_factory=dict)
    related: list[str] = Field(default_factory=list)


class _Scope:
    """The subject, its joined records, the day and the parameters: what operands read."""

    def __init__(
        self,
        ctx: RuleContext,
        record: Record,
        joined: Mapping[str, Record],
    ) -> None:
        self.ctx = ctx
        self.record = record
        self.joined = joined
        self.as_of = ctx.as_of
        self.params = ctx.params

    def value(self, operand: Operand) -> Any:
        if isinstance(operand, AsOf):
            return self.as_of
        if isinstance(operand, ParamRef):
            return param_value(operand, self.params)
        if isinstance(operand, Days):
            first, then = (self.value(side) for side in operand.days)
            return None if first is None or then is None else days_between(first, then)
        if isinstance(operand, Distinct):
            values = self.value(operand.distinct)
            return len(set(values or ()))
        head, _, rest = operand.partition(".")
        if head in self.joined and rest:
            return field_value(self.joined[head], rest)
        return field_value(self.record, operand)

    def holds(self, test: Test) -> bool:
        if isinstance(test, Present):
            return self.value(test.present) is not None
        if isinstance(test, Absent):
            return self.value(test.absent) is None
        if isinstance(test, NoneRelated):
            return next(related(self.ctx, self.record.id, test.none), None) is None
        if isinstance(test, Served):
            start, end = self.value(test.served), self.value(test.to)
            years = param_value(test.years, self.params)
            if start is None or end is None or years is None:
                return True
            return served_full_term(start, end, int(years))
        left, right = self.value(test.left), self.value(test.right)
        return left is None or right is None or OPERATORS[test.op](left, right)


def _join(ctx: RuleContext, record: Record, join: Mapping[str, Join]) -> dict[str, Record] | None:
    joined: dict[str, Record] = {}
    for alias, spec in join.items():
        entry = ctx.index.entries.get(getattr(record, spec.field, None) or "")
        if entry is None or entry.model is None or entry.collection != spec.collection:
            return None
        joined[alias] = entry.model
    return joined


def evaluate(ctx: RuleContext, constraint: CompareConstraint) -> Iterator[Violation]:
    """A violation for each subject whose first failing check is named."""
    selector = constraint.select
    for subject, record in select(ctx, selector):
        if subject is None or record is None:
            continue
        joined = _join(ctx, record, constraint.join)
        if joined is None:
            ctx.applied -= 1  # not looked at: the reference is D002's
            continue
        scope = _Scope(ctx, record, joined)
        if any(scope.value(path) is None for path in constraint.looks_at):
            ctx.applied -= 1  # not a subject of the rule
            continue
        if any(scope.holds(test) for test in constraint.unless):
            continue
        failed = [
            check
            for check in constraint.checks
            if all(scope.holds(test) for test in check.when) and not scope.holds(check.test)
        ]
        if not failed:
            continue
        if not constraint.every:
            failed = failed[:1]
        args = {name: scope.value(operand) for name, operand in constraint.args.items()}
        problems = [fill(c.problem.zh, c.problem.en, args) for c in failed if c.problem]
        if constraint.every:
            args["problems"] = problems
        elif problems:
            args["problem"] = problems[0]
        fields = {check.field for check in failed}
        field = fields.pop() if len(fields) == 1 else None
        yield Violation(
            subject,
            args,
            field=tuple(field.split(".")) if field else None,
            related=related_ids(ctx.index, (scope.value(path) for path in constraint.related)),
        )
