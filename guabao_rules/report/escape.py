r"""The one escaping layer: data reaches no output as live markup.

Every output format passes the text that comes from the data (values, ids,
messages that quote them, file names) through the function for its context:

- :func:`terminal`: text and terminal output. Control characters (C0, C1,
  DEL), bidirectional controls, invisible and format characters, line and
  paragraph separators and lone surrogates are shown as escapes (``\x1b``,
  ``\u202e``, ``\xff`` for a byte of an undecodable file name), as compilers
  do for Trojan Source (CVE-2021-42574). A value can no longer repaint the
  screen, forge a finding line or hide what it says.
- :func:`github_data`, :func:`github_property`: GitHub Actions workflow
  commands (``%``, CR, LF; and ``:``, ``,`` inside properties), the other
  characters as :func:`terminal` shows them (the log renders ANSI codes).
- :func:`xml`: XML 1.0 text and attributes (JUnit, GraphML, xlsx): the
  characters XML 1.0 cannot carry, even as references, are shown as escapes;
  ``<``, ``&`` and quotes are left to the XML writer.
- :func:`dot_id`: a quoted Graphviz DOT id.
- :func:`json_dumps`: JSON and SARIF, always valid UTF-8; a file name read with
  ``surrogateescape`` shows its undecodable bytes as ``\xff``.
- :func:`uri`: a relative path as a valid URI reference, percent-encoded
  (SARIF ``artifactLocation.uri``).
- :func:`cell`: a spreadsheet or CSV cell; a formula-looking text (``=``,
  ``+``, ``-``, ``@``, tab, CR first) is prefixed with ``'`` (OWASP, CSV
  injection).
- :func:`html`: HTML text and attribute values.

:func:`cap` is the one long-value cap: a value or message longer than its
limit keeps its start and says how long it was, ``… (N characters)``.
"""

from __future__ import annotations

import html as _html
import json
import re
import unicodedata
from typing import Any

MAX_VALUE = 200
"""Characters of one data value quoted in a message."""

MAX_MESSAGE = 2000
"""Characters of one message (or any single text field of an output)."""

# Invisible characters of category Lo that render as blanks (Hangul fillers).
_FILLERS = frozenset("\u115f\u1160\u3164\uffa0")


def _needs_escape(char: str) -> bool:
    if char in _FILLERS:
        return True
    # Cc: C0, DEL, C1 (NEL).  Cf: bidi controls, zero-width characters, BOM,
    # soft hyphen, tags.  Zl, Zp: U+2028, U+2029.  Cs: lone surrogates (bytes
    # of a name decoded with surrogateescape).  Cn: unassigned.  Private use
    # (Co) is kept: Chinese offices write rare name characters with it.
    return unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp", "Cs", "Cn")


def _escape_char(char: str) -> str:
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that surrogateescape could not decode
        return f"\\x{code - 0xDC00:02x}"
    if code < 0x100:
        return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(char, f"\\x{code:02x}")
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


# A fast pre-check: text with none of these is returned unchanged.  It covers
# every character _needs_escape may accept (all of them are outside printable
# ASCII or are ASCII controls); the exact test is made per character.
_SUSPECT = re.compile("[^\x20-\x7e]")


def terminal(text: str) -> str:
    """Text for a terminal or a plain-text log: invisible and control characters escaped."""
    if not _SUSPECT.search(text):
        return text
    return "".join(_escape_char(ch) if _needs_escape(ch) else ch for ch in text)


def github_data(text: str) -> str:
    """A workflow command's message: ``%``, CR and LF escaped, other controls shown.

    CR and LF take GitHub's own escapes (a multi-line annotation, never a new
    command line); every other control or invisible character is shown as by
    :func:`terminal`, since the log renders ANSI codes.
    """
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return terminal(text)


def github_property(text: str) -> str:
    """A workflow command's property value: as :func:`github_data`, and ``:`` and ``,``."""
    return github_data(text).replace(":", "%3A").replace(",", "%2C")


# Characters XML 1.0 cannot carry, even as character references: those not in
# [\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]. Written as the characters
# themselves: the negated class costs 5 ms to compile at every start.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml(text: str) -> str:
    """Text or an attribute value for XML 1.0: XML-invalid characters shown as escapes.

    ``<``, ``>``, ``&`` and quotes are the XML writer's to escape
    (ElementTree, networkx); what no writer can represent is done here.
    """
    return _NOT_XML.sub(lambda m: _escape_char(m.group(0)), text)


def dot_id(value: object) -> str:
    r"""A value as a double-quoted Graphviz DOT id.

    Backslashes and quotes are escaped, a newline becomes DOT's ``\n`` line
    break, and other control and invisible characters are shown as escapes.
    """
    if isinstance(value, bool):
        value = "true" if value else "false"
    text = str(value).replace("\r\n", "\n")
    lines = [terminal(line).replace("\\", "\\\\").replace('"', '\\"') for line in text.split("\n")]
    return '"' + "\\n".join(lines) + '"'


_SURROGATE = re.compile("[\ud800-\udfff]")


def _json_surrogate(match: re.Match[str]) -> str:
    # Inside a JSON string: the backslash of the shown escape must itself be escaped.
    return "\\" + _escape_char(match.group(0))


def json_dumps(data: Any, **kwargs: Any) -> str:
    r"""``json.dumps`` whose result always encodes as UTF-8.

    Lone surrogates (from file names read with ``surrogateescape``) can only
    stand inside JSON strings; each becomes the text of its escape
    (``\xff``), never a raw surrogate that no UTF-8 encoder accepts.
    """
    text = json.dumps(data, ensure_ascii=False, **kwargs)
    return _SURROGATE.sub(_json_surrogate, text)


def uri(path: str) -> str:
    """A relative ``/``-separated path as a valid URI reference.

    Bytes outside the URI's unreserved set are percent-encoded (UTF-8; a byte
    kept by ``surrogateescape`` as itself), ``/`` excepted, so a name holding
    ``:`` or ``%`` reads as no scheme or escape.
    """
    from urllib.parse import quote  # only SARIF needs it: spared at start-up

    raw = path.encode("utf-8", "surrogateescape")
    return quote(raw, safe="/")


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: str) -> str:
    """A text cell of a spreadsheet or CSV file that no spreadsheet runs as a formula.

    A text that starts like a formula gets a leading ``'`` (OWASP CSV
    injection); characters XML 1.0 cannot carry (xlsx is XML) are shown as
    escapes. Numbers should be written as numbers, not through this.
    """
    if value.startswith(_FORMULA_START):
        value = "'" + value
    return xml(value)


def html(text: str) -> str:
    """Text or a quoted attribute value for HTML, with invisible characters shown."""
    return _html.escape(terminal(text), quote=True)


def cap(text: str, limit: int = MAX_VALUE, lang: str = "en") -> str:
    """``text`` cut to ``limit`` characters, saying how long it was.

    ``"abc…xyz"`` over the limit becomes its first ``limit`` characters and
    ``… (N characters)`` (``…(共 N 个字符)`` in Chinese).
    """
    if len(text) <= limit:
        return text
    if lang == "zh":
        return f"{text[:limit]}…(共 {len(text)} 个字符)"
    return f"{text[:limit]}… ({len(text)} characters)"
