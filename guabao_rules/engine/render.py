"""Message templates: ``{name}`` placeholders filled with arguments in one language.

The engine renders every rule's message with :func:`render`; the kinds fill
the problem texts they build from pack templates with the same function, so
a value reads the same wherever it appears.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from guabao_rules.diagnostics import Text

_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


def render_value(value: Any, lang: str) -> str:
    """A message argument as text in ``lang``."""
    if isinstance(value, Text):
        return value.get(lang)
    if isinstance(value, list | tuple):
        sep = "、" if lang == "zh" else ", "
        return sep.join(render_value(v, lang) for v in value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:f}"
    if value is None:
        return "-"
    return str(value)


def render(template: str, args: Mapping[str, Any], lang: str) -> str:
    """Fill ``{name}`` placeholders (nothing else is interpreted)."""

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        return render_value(args[name], lang) if name in args else match.group(0)

    return _PLACEHOLDER.sub(fill, template)


def fill(zh: str, en: str, args: Mapping[str, Any]) -> Text:
    """Both languages of a template pair, filled with ``args``."""
    return Text(zh=render(zh, args, "zh"), en=render(en, args, "en"))
