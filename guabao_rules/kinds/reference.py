"""``reference``: every reference resolves as the data format declares (D002).

The references, their target collections, region levels and unit kinds are
declared on the model fields; the :class:`~guabao_rules.graph.Index` resolves
each once. A record with bad references is one violation naming each.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Literal

from guabao_rules.diagnostics import Text, Violation
from guabao_rules.engine.context import RuleContext
from guabao_rules.graph import Index
from guabao_rules.i18n import field_name
from guabao_rules.kinds.schema import Strict
from guabao_rules.report.escape import MAX_VALUE, cap

if TYPE_CHECKING:
    from guabao_rules.suggest import IdSuggester

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
    suggester: IdSuggester | None = None
    for record_id, problems in index.bad_references.items():
        texts = []
        for bad in problems:
            zh, en = REASONS[bad.reason]
            name = field_name(bad.path)
            value = str(bad.value)  # the data's: cut when long, as render() cuts values
            text = Text(
                zh=f"`{name}`:" + zh.format(v=cap(value, MAX_VALUE, "zh"), e=bad.expected),
                en=f"`{name}`: " + en.format(v=cap(value, MAX_VALUE, "en"), e=bad.expected),
            )
            if bad.reason in ("missing", "collection"):
                if suggester is None:  # (imported only when a reference is broken)
                    from guabao_rules.suggest import IdSuggester

                    suggester = IdSuggester(_ids_by_collection(index))
                guess = suggester.nearest(bad.value, tuple(bad.expected.split("/")))
                if guess is not None:
                    text = _with_guess(text, bad.value, guess)
            texts.append(text)
        path = problems[0].path if len(problems) == 1 else None
        yield Violation(record_id, {"problems": texts}, field=path)


def _ids_by_collection(index: Index) -> dict[str, list[str]]:
    ids: dict[str, list[str]] = {}
    for record_id, entry in index.entries.items():
        ids.setdefault(entry.collection, []).append(record_id)
    return ids


def _with_guess(text: Text, value: str, guess: str) -> Text:
    """The reason with its nearest id, and why when YAML dropped the id's leading zeros."""
    text = Text(zh=f"{text.zh}(是否应为 `{guess}`?)", en=f"{text.en} (did you mean `{guess}`?)")
    if guess.isdigit() and value.isdigit() and value.startswith("0") and value.lstrip("0") == guess:
        from guabao_rules.hints import joined

        text = joined(
            text,
            [
                Text(
                    zh=f"编号 `{guess}` 多半写成了未加引号的 {value}:YAML 把它读作数字,"
                    f'前导零会丢失;请加引号写作 "{value}"',
                    en=f"the id `{guess}` was most likely written {value} without quotes: YAML "
                    f'reads it as a number and drops the leading zeros; write "{value}"',
                )
            ],
        )
    return text
