"""Message templates: ``{name}`` placeholders filled with arguments in one language.

The engine renders every rule's message with :func:`render`; the kinds fill
the problem texts they build from pack templates with the same function, so
a value reads the same wherever it appears.

This is also where the one long-value cap applies (:func:`~guabao_rules.report.escape.cap`),
so every output format shows the same cut: a value quoted in a message is cut
at :data:`~guabao_rules.report.escape.MAX_VALUE` characters, and a problem text
or list filled in (which quotes values of its own) at
:data:`~guabao_rules.report.escape.MAX_MESSAGE`, each saying how long it was.
The templates themselves are the packs' and short.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from guabao_rules.diagnostics import Text
from guabao_rules.report.escape import MAX_MESSAGE, MAX_VALUE, cap

_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


def render_value(value: Any, lang: str) -> str:
    """A message argument as text in ``lang``; a long value from the data is cut.

    A :class:`Text` is a problem already filled from a template (its values
    cut there); it and a list are cut only at a message's length.
    """
    if isinstance(value, Text):
        return cap(value.get(lang), MAX_MESSAGE, lang)
    if isinstance(value, list | tuple):
        sep = "、" if lang == "zh" else ", "
        if len(value) == 1:  # cut as its one item is (a cut of the cut would misstate it)
            return render_value(value[0], lang)
        return cap(sep.join(render_value(v, lang) for v in value), MAX_MESSAGE, lang)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:f}"
    if value is None:
        return "-"
    return cap(str(value), MAX_VALUE, lang)


def render(template: str, args: Mapping[str, Any], lang: str) -> str:
    """Fill ``{name}`` placeholders (nothing else is interpreted); each value is capped."""

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        return render_value(args[name], lang) if name in args else match.group(0)

    return _PLACEHOLDER.sub(fill, template)


def fill(zh: str, en: str, args: Mapping[str, Any]) -> Text:
    """Both languages of a template pair, filled with ``args``."""
    return Text(zh=render(zh, args, "zh"), en=render(en, args, "en"))
