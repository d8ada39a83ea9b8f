"""Message language: the default from the locale, and field errors in zh and en."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from guabao_rules.diagnostics import Text
from guabao_rules.sources.positions import Key

LANGS = ("zh", "en")

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


def describe_error(
    loc: tuple[Key, ...], kind: str, message: str, ctx: Mapping[str, Any] | None = None
) -> Text:
    """One pydantic validation error as a bilingual phrase naming its field."""
    name = field_name(loc) or "record"
    zh = _ZH_ERRORS.get(kind, message)
    if kind == "literal_error" and ctx and "expected" in ctx:
        zh = f"{zh}(应为 {ctx['expected']})"
    if kind == "missing":
        return Text(zh=f"缺少必填字段 `{name}`", en=f"missing required field `{name}`")
    return Text(zh=f"`{name}`:{zh}", en=f"`{name}`: {message[:1].lower()}{message[1:]}")
