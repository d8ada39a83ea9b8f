"""``count``: bounds on the number of records related to each subject.

The Q rules (quotas of pairings), M005 and T001 are counts: "each poverty
county has at least 3 provincial units linked to it", "each leader links at
most one county".
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from guabao_rules.diagnostics import Text, Violation
from guabao_rules.engine.context import RuleContext
from guabao_rules.kinds.query import CompileError, Tables, bound_value, related_table, selected
from guabao_rules.kinds.schema import Bilingual, Bound, Relation, Selector, Strict
from guabao_rules.kinds.select import bound, related, select

if TYPE_CHECKING:
    import ibis.expr.types as ir


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


def _violation(
    subject: str | None, counts: list[int], constraint: CountConstraint, params: Mapping[str, Any]
) -> Violation | None:
    """The violation of a subject with these counts (one per check), or None."""
    failures: list[tuple[CountCheck, int, int | None, int | None]] = []
    for check, count in zip(constraint.checks, counts, strict=True):
        low, high = bound(check.min, params), bound(check.max, params)
        if (low is not None and count < low) or (high is not None and count > high):
            failures.append((check, count, low, high))
    if not failures:
        return None
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
    return Violation(
        subject,
        {
            "count": count,
            "min": low,
            "max": high,
            "expected": expected_text(low, high),
            "details": details,
        },
    )


def evaluate(ctx: RuleContext, constraint: CountConstraint) -> Iterator[Violation]:
    """A violation for each subject with a count out of bounds, naming every failed check."""
    for subject, _record in select(ctx, constraint.select):
        counts = [count_related(ctx, subject, check) for check in constraint.checks]
        violation = _violation(subject, counts, constraint, ctx.params)
        if violation is not None:
            yield violation


def compile_query(
    constraint: CountConstraint, params: Mapping[str, Any], tables: Tables, as_of: date
) -> ir.Table:
    """The subjects out of bounds, with one count column per check (``count_0``, …)."""
    import ibis

    if constraint.select.dataset:
        return _dataset_query(constraint, params, tables, as_of)
    subjects = selected(tables, constraint.select, params).select("subject")
    # One long table (key, check, n) for every check, pivoted: the subjects are
    # joined once, however many checks there are.
    parts = []
    for position, check in enumerate(constraint.checks):
        relation = check.relation
        records = related_table(tables, relation, params, as_of)
        key = records[relation.via].name("key")
        if relation.distinct is None:
            counted = records.group_by(key).aggregate(n=records.count())
        else:
            counted = records.group_by(key).aggregate(n=_distinct(records, relation.distinct))
        parts.append(
            counted.select("key", check=ibis.literal(position, "int64"), n=counted.n.cast("int64"))
        )
    long = ibis.union(*parts) if len(parts) > 1 else parts[0]
    pivot = long.group_by("key").aggregate(
        **{
            f"count_{i}": ibis.cases((long.check == i, long.n), else_=0).sum()
            for i in range(len(parts))
        }
    )
    joined = subjects.left_join(pivot, subjects.subject == pivot.key)
    names = [f"count_{i}" for i in range(len(parts))]
    out = joined.select(joined.subject, **{name: ibis.coalesce(joined[name], 0) for name in names})
    return _out_of_bounds(out, constraint, params)


def _distinct(records: ir.Table, field: str) -> ir.IntegerScalar:
    """The number of distinct values of ``field``, null one of them (as :func:`count_related`)."""
    import ibis

    column = records[field]
    return column.nunique() + ibis.ifelse(column.isnull().any(), 1, 0)


def _dataset_query(
    constraint: CountConstraint, params: Mapping[str, Any], tables: Tables, as_of: date
) -> ir.Table:
    """The dataset as the one subject (``subject`` null): each check counts every related record.

    The checks' counts are one long table aggregated without groups, so the
    row is there when nothing is related (every count 0).
    """
    import ibis

    parts = []
    for position, check in enumerate(constraint.checks):
        relation = check.relation
        if relation.via is not None:  # the dataset is referred to by no record
            raise CompileError("a relation via a field of the dataset does not compile")
        records = related_table(tables, relation, params, as_of, whole=True)
        if relation.distinct is None:
            counted = records.aggregate(n=records.count())
        else:
            counted = records.aggregate(n=_distinct(records, relation.distinct))
        parts.append(
            counted.select(check=ibis.literal(position, "int64"), n=counted.n.cast("int64"))
        )
    long = ibis.union(*parts) if len(parts) > 1 else parts[0]
    out = long.aggregate(
        subject=ibis.null("string"),
        **{
            f"count_{i}": ibis.coalesce(ibis.cases((long.check == i, long.n), else_=0).sum(), 0)
            for i in range(len(parts))
        },
    )
    return _out_of_bounds(out, constraint, params)


def _out_of_bounds(
    out: ir.Table, constraint: CountConstraint, params: Mapping[str, Any]
) -> ir.Table:
    """The rows of ``out`` (``subject, count_0, …``) with a count out of its check's bounds."""
    import ibis

    names = [f"count_{i}" for i in range(len(constraint.checks))]
    failing = []
    for name, check in zip(names, constraint.checks, strict=True):
        low, high = bound_value(check.min, params), bound_value(check.max, params)
        if low is not None:
            failing.append(out[name] < low)
        if high is not None:
            failing.append(out[name] > high)
    if not failing:
        return out.filter(ibis.literal(False))
    condition = failing[0]
    for more in failing[1:]:
        condition = condition | more
    return out.filter(condition)


def compile_applied(
    constraint: CountConstraint, params: Mapping[str, Any], tables: Tables, as_of: date
) -> ir.Scalar:
    """The number of subjects: the selector's rows, or one for the dataset."""
    import ibis

    del as_of
    if constraint.select.dataset:
        return ibis.literal(1, "int64")
    return selected(tables, constraint.select, params).count()


def violations(
    constraint: CountConstraint, params: Mapping[str, Any], rows: Iterable[Mapping[str, Any]]
) -> Iterator[Violation]:
    """The violations of the compiled query's rows, as :func:`evaluate` yields them."""
    for row in rows:
        counts = [int(row[f"count_{i}"]) for i in range(len(constraint.checks))]
        violation = _violation(row["subject"], counts, constraint, params)
        if violation is not None:
            yield violation
