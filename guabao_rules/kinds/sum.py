"""``sum``: the sum of an amount over related records, held against a bound.

The fund-tracing rules are sums: a fund's allocations and child funds do not
exceed its amount (T003), a project's allocations its budget (T004), an
allocation's disbursements the allocation (T005); a completed project's
disbursements equal its allocations (T010); a project under way is funded to
its budget (S401). Sums are exact (``Decimal`` with unbounded precision).

Each ``term`` is a message argument: the sum of ``field`` over a relation.
The terms named in ``left`` are added (their total is the argument ``total``
names) and compared with ``right``: a field of the subject, another term, or
a parameter. A subject for which ``left op right`` is false is a finding;
``difference`` names the argument holding how far apart the two sides are.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator
from decimal import MAX_PREC, Decimal, localcontext
from typing import Any, Literal

from pydantic import Field, model_validator

from guabao_rules.diagnostics import Text, Violation
from guabao_rules.engine.context import RuleContext
from guabao_rules.kinds.schema import Bilingual, ParamRef, Relation, Selector, Strict
from guabao_rules.kinds.select import field_value, param_value, related, related_ids, select
from guabao_rules.models import Record

Op = Literal["<", "<=", "==", "!=", ">=", ">", "in"]

OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
    ">=": operator.ge,
    ">": operator.gt,
    "in": lambda item, container: item in container,
}
"""The comparison each ``op`` names."""


class Term(Strict):
    """The sum of ``field`` over the records of a relation (kept in ``order_by`` order)."""

    relation: Relation
    field: str
    order_by: str | None = None


class FieldSide(Strict):
    """A field of the subject (the message argument of the same name)."""

    field: str


class TermSide(Strict):
    """Another term."""

    term: str


class RelatedItem(Strict):
    """Records named in a finding: the records of a term, their ``field``, or a subject field."""

    term: str | None = None
    field: str | None = None


class DifferenceText(Strict):
    """Words for the difference when the left side is below or above the right one."""

    name: str
    below: Bilingual
    above: Bilingual


class SumConstraint(Strict):
    """A sum over relations compared with a bound, per subject."""

    kind: Literal["sum"]
    select: Selector
    terms: dict[str, Term] = Field(min_length=1)
    left: list[str] = Field(min_length=1)
    op: Op
    right: FieldSide | TermSide | ParamRef
    total: str | None = None
    difference: str | None = None
    difference_text: DifferenceText | None = None
    count_as: str | None = None
    amounts: Literal["exact", "yuan"] = "exact"
    args: dict[str, str] = Field(default_factory=dict)
    field: str | None = None
    related: list[RelatedItem] = Field(default_factory=list)

    @model_validator(mode="after")
    def _known_terms(self) -> SumConstraint:
        named = [*self.left, *(i.term for i in self.related if i.term is not None)]
        if isinstance(self.right, TermSide):
            named.append(self.right.term)
        for name in named:
            if name not in self.terms:
                raise ValueError(f"unknown term {name!r} (terms: {', '.join(self.terms)})")
        return self


def yuan(amount: Decimal) -> str:
    """An amount written exactly with thousands separators: ``1,200,000.00``."""
    return f"{amount:,.2f}"


def _sum(records: list[Record], field: str) -> Decimal:
    total = Decimal(0)
    for record in records:
        value = field_value(record, field)
        if value is not None:
            total += value
    return total


def evaluate(ctx: RuleContext, constraint: SumConstraint) -> Iterator[Violation]:
    """A violation for each subject whose sum breaks the bound."""
    compare = OPERATORS[constraint.op]
    shown: Callable[[Decimal], Any] = yuan if constraint.amounts == "yuan" else (lambda d: d)
    # Unbounded precision: a sum of amounts is exact however many digits it has.
    with localcontext(prec=MAX_PREC):
        for subject, record in select(ctx, constraint.select):
            if subject is None or record is None:
                continue
            records: dict[str, list[Record]] = {}
            sums: dict[str, Decimal] = {}
            for name, term in constraint.terms.items():
                found = list(related(ctx, subject, term.relation))
                if term.order_by is not None:
                    key = term.order_by
                    found.sort(key=lambda r: field_value(r, key))
                records[name] = found
                sums[name] = _sum(found, term.field)
            left = sum((sums[name] for name in constraint.left), Decimal(0))
            right_side = constraint.right
            if isinstance(right_side, FieldSide):
                right = field_value(record, right_side.field)
                right_name: str | None = right_side.field
            elif isinstance(right_side, TermSide):
                right, right_name = sums[right_side.term], None
            else:
                right, right_name = param_value(right_side, ctx.params), None
            if right is None or compare(left, right):
                continue
            args: dict[str, Any] = {name: shown(value) for name, value in sums.items()}
            args.update({name: field_value(record, path) for name, path in constraint.args.items()})
            if right_name is not None:
                args[right_name] = shown(right)
            if constraint.total is not None:
                args[constraint.total] = shown(left)
            difference = abs(left - right)
            if constraint.difference is not None:
                args[constraint.difference] = shown(difference)
            words = constraint.difference_text
            if words is not None:
                template = words.below if left < right else words.above
                amount = str(shown(difference))
                args[words.name] = Text(
                    zh=template.zh.replace("{difference}", amount),
                    en=template.en.replace("{difference}", amount),
                )
            if constraint.count_as is not None:
                args[constraint.count_as] = sum(len(records[n]) for n in constraint.left)
            groups = []
            for item in constraint.related:
                if item.term is None:
                    groups.append([field_value(record, item.field)] if item.field else [])
                elif item.field is None:
                    groups.append([r.id for r in records[item.term]])
                else:
                    groups.append([field_value(r, item.field) for r in records[item.term]])
            yield Violation(
                subject,
                args,
                field=(constraint.field,) if constraint.field else None,
                related=related_ids(ctx.index, *groups),
            )
