"""D010: a family of rules that checked nothing, although the data has records for it.

A rule that selects in-scope counties, tagged regions or the records of a
collection applies to no subject when the scope tag is misspelled (``深度贫困县``
for ``deep_poverty``) or every record of the collection is invalid. Its check
then passes silently; D010 says so, once per family, with the reason and a hint.
It runs after the other rules, over their statistics (``ctx.extra["applied"]``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from guabao_rules.dataset import RecordEntry
from guabao_rules.diagnostics import SourceRef, Text, Violation
from guabao_rules.engine.context import RuleContext
from guabao_rules.kinds.python import PythonConstraint, register
from guabao_rules.kinds.schema import Selector
from guabao_rules.kinds.select import param_value
from guabao_rules.models import Region
from guabao_rules.packs import RuleSpec

COVERAGE_RULE = "D010"

FAMILIES = ("Q", "M", "T", "S")
"""The families judged; D rules look at every record and file."""

TAG_ALIASES: Mapping[str, str] = {
    "深度贫困县": "deep_poverty",
    "深度贫困村": "deep_poverty",
    "深度贫困": "deep_poverty",
    "深贫": "deep_poverty",
    "三区三州": "sanqu_sanzhou",
    "贫困县": "poverty_county",
    "贫困村": "poor_village",
}
"""Tags users write in Chinese (or by their title) for the documented tags."""


def similar_tag(tags: Iterator[str] | list[str], wanted: str) -> str | None:
    """A tag written in the data that probably means ``wanted``."""
    written = sorted(set(tags))
    for tag in written:
        if TAG_ALIASES.get(tag.strip()) == wanted:
            return tag
    normal = {t.strip().lower().replace("-", "_").replace(" ", "_"): t for t in written}
    if wanted in normal:
        return normal[wanted]
    import difflib  # a tag written differently only: kept off the start-up path

    close = difflib.get_close_matches(wanted, list(normal), n=1, cutoff=0.6)
    return normal[close[0]] if close else None


_LEVEL_ZH = {
    "province": "省",
    "prefecture": "州(市)",
    "county": "县",
    "township": "乡(镇)",
    "village": "村",
}


@dataclass(frozen=True, slots=True)
class _Reason:
    """Why rules checked nothing, with the record to point at."""

    key: str
    text: Text
    at: SourceRef


def _selector(rule: RuleSpec) -> Selector | None:
    constraint = rule.constraint
    if isinstance(constraint, PythonConstraint):
        return constraint.select
    select = getattr(constraint, "select", None)
    return select if isinstance(select, Selector) else None


def _tag_reason(
    ctx: RuleContext,
    regions: list[RecordEntry],
    tag: str,
    level: str | None,
    *,
    need_hint: bool = False,
) -> _Reason | None:
    # Sorted by id, so that the finding's location does not depend on the order of files.
    pool = sorted(
        (
            e
            for e in regions
            if isinstance(e.model, Region) and (level is None or e.model.level == level)
        ),
        key=lambda e: (e.id or "", e.source.file),
    )
    if not pool:
        return None
    tags = [t for e in pool if isinstance(e.model, Region) for t in e.model.tags]
    guess = similar_tag(tags, tag)
    if need_hint and not guess:
        return None  # e.g. no village is poor: an honest answer, not a misspelling
    what = Text(zh=_LEVEL_ZH.get(level or "", "行政区划"), en=level or "region")
    hint_zh = f"(数据中有标签 `{guess}`,是否应为 `{tag}`?)" if guess else ""
    hint_en = f" (the data has the tag `{guess}`: did you mean `{tag}`?)" if guess else ""
    first = next((e for e in pool if isinstance(e.model, Region) and guess in e.model.tags), None)
    return _Reason(
        key=f"tag:{tag}:{level}",
        text=Text(
            zh=f"没有{what.zh}带有标签 `{tag}`{hint_zh}",
            en=f"no {what.en} is tagged `{tag}`{hint_en}",
        ),
        at=(first or pool[0]).source,
    )


def _reason(ctx: RuleContext, rule: RuleSpec) -> _Reason | None:
    selector = _selector(rule)
    if selector is None or selector.collection is None:
        return None
    collection = selector.collection
    count, valid = ctx.extra["counts"].get(collection, (0, 0))
    if not count:
        return None  # nothing of the kind in the data: nothing to check, honestly
    if not valid:
        # No valid record: every record of it is an invalid one, and those are records.
        written = ctx.extra["written"][collection]
        return _Reason(
            key=f"invalid:{collection}",
            text=Text(
                zh=f"`{collection}` 的 {count} 条记录都未通过格式校验(见 D003)",
                en=f"none of the {count} records of `{collection}` is valid (see D003)",
            ),
            at=min(written, key=lambda e: (e.id or "", e.source.file)).source,
        )
    regions = ctx.index.by_collection.get("regions", [])
    level = selector.where.get("level") if collection == "regions" else None
    if isinstance(level, str) and not any(
        isinstance(e.model, Region) and e.model.level == level for e in regions
    ):
        return None  # no region of the level the rule looks at: nothing to check
    if selector.in_scope:
        reason = _tag_reason(ctx, regions, ctx.scope_tag, "county")
        if reason is not None and not any(
            ctx.index.has_tag(e.id, ctx.scope_tag) for e in regions if e.id is not None
        ):
            return reason
    tag = param_value(selector.tagged, ctx.params)
    if isinstance(tag, str):
        reason = _tag_reason(
            ctx, regions, tag, level if isinstance(level, str) else None, need_hint=True
        )
        if reason is not None and not any(
            isinstance(e.model, Region) and tag in e.model.tags for e in regions
        ):
            return reason
    return None


def _counts(ctx: RuleContext) -> tuple[dict[str, list[RecordEntry]], dict[str, tuple[int, int]]]:
    """The records made, by collection, and how many records each collection has, and valid.

    Deferred bulk rows (all valid, each the first of its id) are counted, not made.
    """
    dataset = ctx.dataset
    written: dict[str, list[RecordEntry]] = {}
    for entry in dataset.made:
        written.setdefault(entry.collection, []).append(entry)
    valid: dict[str, int] = {}
    for entry in dataset.made_by_id.values():
        if entry.model is not None:
            valid[entry.collection] = valid.get(entry.collection, 0) + 1
    counts = {c: (len(entries), valid.get(c, 0)) for c, entries in written.items()}
    deferred = dataset.deferred
    for collection in deferred.collections() if deferred is not None else ():
        assert deferred is not None
        rows = deferred.count(collection)
        count, good = counts.get(collection, (0, 0))
        counts[collection] = (count + rows, good + rows)
    return written, counts


@register("rules-checked-nothing", reads=["regions"])  # and every collection's counts
def checked_nothing(ctx: RuleContext) -> Iterator[Violation]:
    """One finding per family whose rules applied to nothing for a reason the data shows."""
    applied: Mapping[str, int] = ctx.extra.get("applied", {})
    ran: tuple[RuleSpec, ...] = ctx.extra.get("rules", ())
    ctx.extra["written"], ctx.extra["counts"] = _counts(ctx)
    for family in FAMILIES:
        members = [r for r in ran if r.family == family]
        if not members:
            continue
        ctx.applied += 1
        by_reason: dict[str, tuple[_Reason, list[str]]] = {}
        for rule in members:
            if applied.get(rule.id, 0):
                continue
            reason = _reason(ctx, rule)
            if reason is not None:
                by_reason.setdefault(reason.key, (reason, []))[1].append(rule.id)
        if not by_reason:
            continue
        groups = list(by_reason.values())
        rules = [rule for _, ids in groups for rule in ids]
        yield Violation(
            None,
            {
                "family": family,
                "rules": rules,
                "reasons": Text(
                    zh=";".join(f"{'、'.join(ids)}:{reason.text.zh}" for reason, ids in groups),
                    en="; ".join(f"{', '.join(ids)}: {reason.text.en}" for reason, ids in groups),
                ),
            },
            at=groups[0][0].at,
        )
