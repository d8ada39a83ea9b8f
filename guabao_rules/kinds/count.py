"""``count``: bounds on the number of records related to each subject.

The Q rules (quotas of pairings), M005 and T001 are counts: "each poverty
county has at least 3 provincial units linked to it", "each leader links at
most one county".
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from pydantic import Field

from guabao_rules.diagnostics import Text, Violation
from guabao_rules.engine.context import RuleContext
from guabao_rules.kinds.schema import Bilingual, Bound, Relation, Selector, Strict
from guabao_rules.kinds.select import bound, related, select


class CountCheck(Strict):
    """A bound on the number of related records (or distinct ids)."""

    relation: Relation
    min: Bound = None
    max: Bound = None
    label: Bilingual | None = None


class CountConstraint(Strict):
    """Count over typed relations: each check bounds a count per subject."""

    kind: Literal["count"]
    select: Selector
    checks: list[CountCheck] = Field(min_length=1)


def expected_text(low: int | None, high: int | None) -> Text:
    """The bounds in words: ``at least 3``, ``1 to 2``, ``exactly 1``."""
    if low is not None and low == high:
        return Text(zh=f"恰好 {low}", en=f"exactly {low}")
    if low is not None and high is not None:
        return Text(zh=f"{low} 到 {high}", en=f"{low} to {high}")
    if low is not None:
        return Text(zh=f"至少 {low}", en=f"at least {low}")
    return Text(zh=f"至多 {high}", en=f"at most {high}")


def count_related(ctx: RuleContext, subject: str | None, check: CountCheck) -> int:
    """The count a check bounds: related records, or distinct ids in a field."""
    records = related(ctx, subject, check.relation)
    field = check.relation.distinct
    if field is None:
        return sum(1 for _ in records)
    return len({getattr(r, field, None) for r in records})


def evaluate(ctx: RuleContext, constraint: CountConstraint) -> Iterator[Violation]:
    """A violation for each subject with a count out of bounds, naming every failed check."""
    for subject, _record in select(ctx, constraint.select):
        failures: list[tuple[CountCheck, int, int | None, int | None]] = []
        for check in constraint.checks:
            count = count_related(ctx, subject, check)
            low, high = bound(check.min, ctx.params), bound(check.max, ctx.params)
            if (low is not None and count < low) or (high is not None and count > high):
                failures.append((check, count, low, high))
        if not failures:
            continue
        check, count, low, high = failures[0]
        details = []
        for c, n, lo, hi in failures:
            expected = expected_text(lo, hi)
            details.append(
                Text(
                    zh=f"{c.label.zh if c.label else '数量'} {n}(应为{expected.zh})",
                    en=f"{c.label.en if c.label else 'count'} {n} (expected {expected.en})",
                )
            )
        yield Violation(
            subject,
            {
                "count": count,
                "min": low,
                "max": high,
                "expected": expected_text(low, high),
                "details": details,
            },
        )
