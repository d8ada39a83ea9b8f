"""The declarative constraint kinds, each implemented once.

A kind turns a validated constraint from a rule pack into violations, using
the dataset's :class:`~guabao_rules.graph.Index` so that every evaluation is
linear in the data.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any

from guabao_rules.checks import REGISTRY
from guabao_rules.diagnostics import Text, Violation
from guabao_rules.engine.context import RuleContext
from guabao_rules.models import Record, Region
from guabao_rules.packs import (
    Bound,
    CountCheck,
    CountConstraint,
    Not,
    PackError,
    ParamRef,
    PresenceConstraint,
    PresenceField,
    PythonConstraint,
    Relation,
    RuleSpec,
    Selector,
    WhereValue,
)
from guabao_rules.timecal import is_active


def param_value(value: Any, params: Mapping[str, Any]) -> Any:
    """Resolve ``{param: name}`` to the parameter's value."""
    if isinstance(value, ParamRef):
        return params.get(value.param)
    return value


def field_value(record: Any, path: str) -> Any:
    """A field of a record by dotted path (None when absent)."""
    value = record
    for part in path.split("."):
        value = getattr(value, part, None)
        if value is None:
            return None
    return value


def matches(record: Any, where: Mapping[str, WhereValue], params: Mapping[str, Any]) -> bool:
    """Whether ``record`` satisfies every ``field: value`` condition."""
    for path, condition in where.items():
        value = field_value(record, path)
        if isinstance(condition, Not):
            excluded = condition.not_
            if value in (excluded if isinstance(excluded, list) else [excluded]):
                return False
            continue
        wanted = param_value(condition, params)
        if isinstance(wanted, list):
            if value not in wanted:
                return False
        elif value != wanted:
            return False
    return True


def in_scope(ctx: RuleContext, region_id: str | None) -> bool:
    """Whether the county of this region carries the scope tag."""
    return ctx.index.has_tag(ctx.index.county_of(region_id), ctx.scope_tag)


def select(ctx: RuleContext, selector: Selector) -> Iterator[tuple[str | None, Record | None]]:
    """The subjects a selector names, as (id, record); each counts as applied."""
    if selector.dataset:
        ctx.applied += 1
        yield None, None
        return
    if selector.ids is not None:
        ids = param_value(selector.ids, ctx.params)
        # A configured id listed twice is still one subject.
        for subject in [ids] if isinstance(ids, str) else list(dict.fromkeys(ids or [])):
            ctx.applied += 1
            yield subject, ctx.index.get(subject, Record)
        return
    if selector.collection is None:
        return
    tag = param_value(selector.tagged, ctx.params)
    for entry in ctx.index.by_collection.get(selector.collection, ()):
        record = entry.model
        assert record is not None
        if selector.where and not matches(record, selector.where, ctx.params):
            continue
        if tag is not None and not (isinstance(record, Region) and tag in record.tags):
            continue
        if selector.in_scope and not in_scope(ctx, record.id):
            continue
        ctx.applied += 1
        yield record.id, record


def related(ctx: RuleContext, subject: str | None, relation: Relation) -> Iterator[Record]:
    """The valid records of a relation for one subject (all of them for the dataset)."""
    index = ctx.index
    if relation.via is not None:
        if subject is None:
            return
        candidates: Iterable[Record] = (
            m
            for m in (
                index.entries[s].model
                for s in index.referrers(subject, relation.collection, relation.via)
            )
            if m is not None
        )
    else:
        candidates = index.records(relation.collection)
    for record in candidates:
        if relation.where and not matches(record, relation.where, ctx.params):
            continue
        if relation.active and not is_active(
            getattr(record, "start", None), getattr(record, "end", None), ctx.as_of
        ):
            continue
        if all(_end_ok(ctx, record, end) for end in relation.ends):
            yield record


def _end_ok(ctx: RuleContext, record: Record, end: Any) -> bool:
    target_id = getattr(record, end.field, None)
    if not isinstance(target_id, str):
        return False
    entry = ctx.index.entries.get(target_id)
    if entry is None or entry.model is None or entry.collection != end.collection:
        return False
    if end.where and not matches(entry.model, end.where, ctx.params):
        return False
    return not (end.in_scope and not in_scope(ctx, target_id))


def _bound(bound: Bound, params: Mapping[str, Any]) -> int | None:
    value = param_value(bound, params)
    return None if value is None else int(value)


def _expected(low: int | None, high: int | None) -> Text:
    if low is not None and low == high:
        return Text(f"恰好 {low}", f"exactly {low}")
    if low is not None and high is not None:
        return Text(f"{low} 到 {high}", f"{low} to {high}")
    if low is not None:
        return Text(f"至少 {low}", f"at least {low}")
    return Text(f"至多 {high}", f"at most {high}")


def count_related(ctx: RuleContext, subject: str | None, check: CountCheck) -> int:
    """The count a check bounds: related records, or distinct ids in a field."""
    records = related(ctx, subject, check.relation)
    field = check.relation.distinct
    if field is None:
        return sum(1 for _ in records)
    return len({getattr(r, field, None) for r in records})


def evaluate_count(ctx: RuleContext, constraint: CountConstraint) -> Iterator[Violation]:
    """Count over typed relations: a violation for each subject out of bounds."""
    for subject, _record in select(ctx, constraint.select):
        failures: list[tuple[CountCheck, int, int | None, int | None]] = []
        for check in constraint.checks:
            count = count_related(ctx, subject, check)
            low, high = _bound(check.min, ctx.params), _bound(check.max, ctx.params)
            if (low is not None and count < low) or (high is not None and count > high):
                failures.append((check, count, low, high))
        if not failures:
            continue
        check, count, low, high = failures[0]
        details = [
            Text(
                f"{c.label.zh if c.label else '数量'} {n}(应为{_expected(lo, hi).zh})",
                f"{c.label.en if c.label else 'count'} {n} (expected {_expected(lo, hi).en})",
            )
            for c, n, lo, hi in failures
        ]
        yield Violation(
            subject,
            {
                "count": count,
                "min": low,
                "max": high,
                "expected": _expected(low, high),
                "details": details,
            },
        )


def is_missing(value: Any, minimum: int | None = None) -> bool:
    """Whether a field value is missing: absent, null, empty string or empty list.

    With ``minimum``, a number below it or a list shorter than it is missing too.
    """
    if value is None or value == "":
        return True
    if isinstance(value, list | tuple):
        return len(value) < max(minimum or 0, 1)
    if minimum is not None and isinstance(value, int | Decimal) and not isinstance(value, bool):
        return value < minimum
    return False


def _field_missing(ctx: RuleContext, record: Record, item: PresenceField) -> bool:
    minimum = _bound(item.min, ctx.params)
    return all(is_missing(field_value(record, path), minimum) for path in item.paths)


def _path_text(item: PresenceField) -> Text:
    """An unlabelled field named by its path (alternatives joined)."""
    return Text(" 或 ".join(item.paths), " or ".join(item.paths))


def evaluate_presence(ctx: RuleContext, constraint: PresenceConstraint) -> Iterator[Violation]:
    """Field presence: a violation for each subject with missing fields, listing them all."""
    for subject, record in select(ctx, constraint.select):
        if record is None:
            continue
        missing = [
            item
            for item in constraint.fields
            if (not item.when or matches(record, item.when, ctx.params))
            and _field_missing(ctx, record, item)
        ]
        if not missing:
            continue
        labels = [item.label.text() if item.label else _path_text(item) for item in missing]
        # One missing field is the field at fault; several point at the record.
        field = tuple(missing[0].paths[0].split(".")) if len(missing) == 1 else None
        yield Violation(subject, {"missing": labels, "count": len(missing)}, field=field)


def evaluate_python(ctx: RuleContext, constraint: PythonConstraint) -> Iterable[Violation]:
    """Run a registered Python check."""
    return REGISTRY[constraint.check](ctx)


def evaluate(ctx: RuleContext) -> list[Violation]:
    """Evaluate the context's rule with its constraint kind."""
    constraint = ctx.rule.constraint
    if isinstance(constraint, CountConstraint):
        return list(evaluate_count(ctx, constraint))
    if isinstance(constraint, PresenceConstraint):
        return list(evaluate_presence(ctx, constraint))
    return list(evaluate_python(ctx, constraint))


def validate_rule(rule: RuleSpec, declared: set[str]) -> None:
    """Check what the schema alone cannot: registered checks and named parameters.

    Raises:
        PackError: The rule names a check that is not registered, or a parameter
            it does not declare.
    """
    constraint = rule.constraint
    if isinstance(constraint, PythonConstraint) and constraint.check not in REGISTRY:
        raise PackError(f"rule {rule.id}: no registered check named {constraint.check!r}")
    for name in _param_refs(constraint.model_dump(by_alias=True)):
        if name not in declared:
            raise PackError(f"rule {rule.id}: parameter {name!r} is not declared")
    for name in rule.requires:
        if name not in declared:
            raise PackError(f"rule {rule.id}: required parameter {name!r} is not declared")


def _param_refs(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        if set(value) == {"param"} and isinstance(value["param"], str):
            yield value["param"]
            return
        for item in value.values():
            yield from _param_refs(item)
    elif isinstance(value, list):
        for item in value:
            yield from _param_refs(item)
