"""Selectors and relations: the subjects a rule looks at and the records related to them.

Every kind (and the registered Python checks) use these, so a ``where``, a
``select`` and a relation mean the same everywhere. They read the dataset's
:class:`~guabao_rules.graph.Index`, so each call costs time proportional to
its answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from guabao_rules.engine.context import RuleContext
from guabao_rules.graph import Index
from guabao_rules.kinds.schema import AtLeast, Bound, Not, ParamRef, Relation, Selector, WhereValue
from guabao_rules.models import Record, Region, status_at_least
from guabao_rules.timecal import is_active

RELATED_CAP = 20
"""At most this many related records are named in one finding."""


def param_value(value: Any, params: Mapping[str, Any]) -> Any:
    """Resolve ``{param: name}`` to the parameter's value."""
    if isinstance(value, ParamRef):
        return params.get(value.param)
    return value


def bound(value: Bound, params: Mapping[str, Any]) -> int | None:
    """A numeric bound, a parameter resolved; None when unset."""
    resolved = param_value(value, params)
    return None if resolved is None else int(resolved)


def field_value(record: Any, path: str) -> Any:
    """A field of a record by dotted path (None when absent)."""
    if "." not in path:  # the common case, on every record a selector reads
        return getattr(record, path, None)
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
        if isinstance(condition, AtLeast):
            if not (isinstance(value, str) and status_at_least(value, condition.at_least)):
                return False
            continue
        wanted = param_value(condition, params)
        if isinstance(wanted, list | dict):  # one of a list, or a key of a map parameter
            if value not in wanted:
                return False
        elif value != wanted:
            return False
    return True


def parent_cycles(parents: Mapping[str, str | None]) -> list[list[str]]:
    """The cycles of parent links among the keys of ``parents``, each from its smallest id.

    Returns:
        Each cycle as the ids met walking from its smallest id up the parents.
    """
    cycles: list[list[str]] = []
    done: set[str] = set()
    for start in parents:
        path: dict[str, int] = {}
        current: str | None = start
        while current is not None and current not in done and current not in path:
            path[current] = len(path)
            parent = parents[current]
            current = parent if parent in parents else None
        if current is not None and current in path:
            walk = list(path)[path[current] :]
            first = walk.index(min(walk))
            cycles.append(walk[first:] + walk[:first])
        done.update(path)
    return cycles


def on_cycles(ctx: RuleContext, collection: str, parent: str) -> set[str]:
    """The ids of the valid records of ``collection`` on a cycle of ``parent`` links."""
    parents = {
        entry.model.id: getattr(entry.model, parent, None)
        for entry in ctx.index.by_collection.get(collection, ())
        if entry.model is not None
    }
    return {key for cycle in parent_cycles(parents) for key in cycle}


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
    # Records on a cycle are the lineage rule's finding (T008), and no one else's.
    cyclic = on_cycles(ctx, selector.collection, selector.off_cycles) if selector.off_cycles else ()
    for entry in ctx.index.by_collection.get(selector.collection, ()):
        record = entry.model
        assert record is not None
        if selector.where and not matches(record, selector.where, ctx.params):
            continue
        if tag is not None and not (isinstance(record, Region) and tag in record.tags):
            continue
        if selector.in_scope and not in_scope(ctx, record.id):
            continue
        if record.id in cyclic:
            continue
        ctx.applied += 1
        yield record.id, record


def related(ctx: RuleContext, subject: str | None, relation: Relation) -> Iterator[Record]:
    """The valid records of a relation for one subject (all of them for the dataset)."""
    if relation.through is not None:
        for middle in related(ctx, subject, relation.through):
            yield from related(ctx, middle.id, relation.model_copy(update={"through": None}))
        return
    index = ctx.index
    if relation.via is not None:
        if subject is None:
            return
        candidates: Iterable[Record] = (
            m
            for m in (
                index.entries[s].model
                for s in index.referrers(subject, relation.collection, relation.via)
                if s != subject
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
        if all(end_holds(ctx, record, end) for end in relation.ends):
            yield record


def end_holds(ctx: RuleContext, record: Record, end: Any) -> bool:
    """Whether the record this one refers to through ``end.field`` meets the end's conditions."""
    target_id = getattr(record, end.field, None)
    if not isinstance(target_id, str):
        return False
    entry = ctx.index.entries.get(target_id)
    if entry is None or entry.model is None or entry.collection != end.collection:
        return False
    if end.where and not matches(entry.model, end.where, ctx.params):
        return False
    return not (end.in_scope and not in_scope(ctx, target_id))


def related_ids(index: Index, *groups: Iterable[str | None]) -> tuple[str, ...]:
    """The ids of ``groups`` that name records, in order, each once, at most :data:`RELATED_CAP`.

    A dangling reference names no record (D002 reports it), so it is left out.
    """
    seen: dict[str, None] = {}
    for group in groups:
        for record_id in group:
            if len(seen) >= RELATED_CAP:
                return tuple(seen)
            if record_id is not None and record_id in index.entries:
                seen.setdefault(record_id, None)
    return tuple(seen)
