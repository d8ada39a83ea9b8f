"""Message language: the default from the locale, and field errors in zh and en."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

from guabao_rules.diagnostics import Text
from guabao_rules.sources.positions import Key

LANGS = ("zh", "en")

_NO_VALUE: Any = object()
"""No value given to :func:`describe_error` (None is a value: YAML's ``null``)."""

_ZH_ERRORS: dict[str, str] = {
    "missing": "缺少必填字段",
    "string_type": "应为字符串",
    "int_type": "应为整数",
    "bool_type": "应为 true 或 false",
    "list_type": "应为列表",
    "dict_type": "应为映射",
    "model_type": "应为映射",
    "model_attributes_type": "应为映射",
    "literal_error": "取值不在允许范围内",
    "enum": "取值不在允许范围内",
    "greater_than_equal": "不得小于下限",
    "too_short": "不得为空",
    "id_type": "编号应为非空字符串",
    "date_format": "日期应为真实存在的 YYYY-MM-DD",
    "period_format": "期间应为 YYYY-Qn(n = 1..4)",
    "amount_type": "金额应为以元计的十进制数",
    "amount_digits": "金额最多 2 位小数(到分)",
    "amount_negative": "金额不得为负",
    "amount_range": "金额应小于 10^100 元",
    "number_type": "应为数字",
    "percent_range": "百分比应在 0 到 100 之间",
}


def default_lang(environ: Mapping[str, str] | None = None) -> str:
    """``zh`` when the locale is ``zh_*``, else ``en``."""
    env = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name)
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def field_name(loc: tuple[Key, ...]) -> str:
    """A field path as users write it: ``performance.targets[0].unit``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


_QUOTED = re.compile(r"'((?:[^'\\]|\\.)*)'")
"""A value quoted in pydantic's ``expected`` list: ``'a', 'b' or 'c'``."""


def allowed_values(ctx: Mapping[str, Any] | None) -> list[str]:
    """The allowed values of a literal (enum) error, as pydantic lists them."""
    if not ctx or "expected" not in ctx:
        return []
    return _QUOTED.findall(str(ctx["expected"]))


def nearest_value(value: Any, allowed: list[str]) -> str | None:
    """The allowed value nearest to what was written, when one is near enough to suggest."""
    if not isinstance(value, str) or not allowed:
        return None
    folded = {a.casefold(): a for a in allowed}
    if value.strip().casefold() in folded:  # `Province`, ` lead `: the case or spaces
        return folded[value.strip().casefold()]
    import difflib  # only for a value that breaks a rule: kept off the start-up path

    matches = difflib.get_close_matches(value, allowed, n=1, cutoff=0.6)
    return matches[0] if matches else None


def describe_error(
    loc: tuple[Key, ...],
    kind: str,
    message: str,
    ctx: Mapping[str, Any] | None = None,
    value: Any = _NO_VALUE,
) -> Text:
    """One pydantic validation error as a bilingual phrase naming its field.

    Args:
        loc: The field path.
        kind: pydantic's error type (``literal_error``, ``string_type``, ...).
        message: pydantic's English message.
        ctx: pydantic's error context (the allowed values of an enum).
        value: The value written, when known: a "did you mean" or a typing-trap hint.
    """
    from guabao_rules.hints import joined, number_hint, value_hints  # errors only

    name = field_name(loc) or "record"
    zh = _ZH_ERRORS.get(kind, message)
    en = f"{message[:1].lower()}{message[1:]}"
    allowed = allowed_values(ctx) if kind in ("literal_error", "enum") else []
    if allowed:
        zh = f"{zh}(应为 " + "、".join(f"'{a}'" for a in allowed) + ")"
    if kind == "missing":
        return Text(zh=f"缺少必填字段 `{name}`", en=f"missing required field `{name}`")
    text = Text(zh=f"`{name}`:{zh}", en=f"`{name}`: {en}")
    hints: list[Text] = []
    if value is not _NO_VALUE:
        guess = nearest_value(value, allowed)
        if guess is not None:
            text = Text(
                zh=f"{text.zh};`{value}` 是否应为 `{guess}`?",
                en=f"{text.en}; did you mean `{guess}` for `{value}`?",
            )
        if kind in ("string_type", "id_type", "period_format", "date_format"):
            number = number_hint(value)
            if number is not None:
                hints.append(number)
        hints.extend(value_hints(value))
    return joined(text, hints)
