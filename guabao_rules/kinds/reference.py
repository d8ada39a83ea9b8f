"""``reference``: every reference resolves as the data format declares (D002).

The references, their target collections, region levels and unit kinds are
declared on the model fields; the :class:`~guabao_rules.graph.Index` resolves
each once. A record with bad references is one violation naming each.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from guabao_rules.diagnostics import Text, Violation
from guabao_rules.engine.context import RuleContext
from guabao_rules.i18n import field_name
from guabao_rules.kinds.schema import Strict
from guabao_rules.report.escape import MAX_VALUE, cap

REASONS = {
    "missing": ("不存在编号 `{v}`", "no record has the id `{v}`"),
    "collection": ("`{v}` 不是 {e} 中的记录", "`{v}` is not a record of {e}"),
    "level": ("`{v}` 不是 {e} 级行政区划", "`{v}` is not a region of level {e}"),
    "kind": ("`{v}` 不是类型为 {e} 的单位", "`{v}` is not a unit of kind {e}"),
    "outside": ("村 `{v}` 不在县 `{e}` 内", "village `{v}` is not inside county `{e}`"),
}
"""Why a reference is bad, in words (``{v}`` its value, ``{e}`` what was expected)."""


class ReferenceConstraint(Strict):
    """Every reference of every record resolves to a record it may name."""

    kind: Literal["reference"]


def evaluate(ctx: RuleContext, constraint: ReferenceConstraint) -> Iterator[Violation]:
    """A violation for each record with bad references, naming each."""
    index = ctx.index
    ctx.applied += sum(len(v) for v in index.by_collection.values())
    for record_id, problems in index.bad_references.items():
        texts = []
        for bad in problems:
            zh, en = REASONS[bad.reason]
            name = field_name(bad.path)
            value = str(bad.value)  # the data's: cut when long, as render() cuts values
            texts.append(
                Text(
                    zh=f"`{name}`:" + zh.format(v=cap(value, MAX_VALUE, "zh"), e=bad.expected),
                    en=f"`{name}`: " + en.format(v=cap(value, MAX_VALUE, "en"), e=bad.expected),
                )
            )
        path = problems[0].path if len(problems) == 1 else None
        yield Violation(record_id, {"problems": texts}, field=path)
