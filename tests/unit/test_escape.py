"""The escaping layer: each output context, and the long-value cap."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest

from guabao_rules.report import escape

# RFC 3986 relative-ref with a path only (no scheme, so no ":" in its first segment).
_PCHAR = r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})"
_NC = r"(?:[A-Za-z0-9\-._~!$&'()*+,;=@]|%[0-9A-Fa-f]{2})"
RELATIVE_REF = re.compile(rf"(?:{_NC}+(?:/{_PCHAR}*)*|/?(?:{_PCHAR}+(?:/{_PCHAR}*)*)?)")

HOSTILE = "a\x1b[2J\r\n::error::x\u202eevil\u200b\u2028\x85\x00\x7f\udcff%,:b"


def test_terminal_shows_controls_bidi_and_invisible_characters() -> None:
    shown = escape.terminal(HOSTILE)
    assert shown == ("a\\x1b[2J\\r\\n::error::x\\u202eevil\\u200b\\u2028\\x85\\x00\\x7f\\xff%,:b")
    assert all(ch.isprintable() for ch in shown)


@pytest.mark.parametrize(
    "char",
    ["\u202a", "\u202b", "\u202c", "\u202d", "\u2066", "\u2067", "\u2068", "\u2069",
     "\u200e", "\u200f", "\u061c", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad",
     "\u3164", "\U000e0041", "\u2029", "\t"],
)  # fmt: skip
def test_terminal_escapes_every_trojan_source_character(char: str) -> None:
    assert char not in escape.terminal(f"x{char}y")


def test_terminal_keeps_chinese_and_printable_text() -> None:
    text = "怒江傈僳族自治州 福贡县\u3000(533323) ¥1,000.50 \ue000"
    assert escape.terminal(text) == text


def test_github_escapes_workflow_commands() -> None:
    assert escape.github_data("50%\n::add-mask::x") == "50%25%0A::add-mask::x"
    assert escape.github_data("a\rb\x85") == "a%0Db\\x85"
    assert escape.github_property("a:b,c%") == "a%3Ab%2Cc%25"
    assert "\x1b" not in escape.github_data("\x1b[31m")


def test_xml_makes_any_text_well_formed() -> None:
    element = ET.Element("t", value=escape.xml(HOSTILE))
    element.text = escape.xml(HOSTILE)
    parsed = ET.fromstring(ET.tostring(element, encoding="unicode").encode("utf-8"))
    assert parsed.text is not None and "\\x1b" in parsed.text and "\\xff" in parsed.text


def test_dot_id_is_one_quoted_token() -> None:
    assert escape.dot_id('a"b\\c\nd') == '"a\\"b\\\\c\\nd"'
    assert escape.dot_id(True) == '"true"'
    shown = escape.dot_id(HOSTILE)
    assert "\x1b" not in shown and "\n" not in shown and "\udcff" not in shown


def test_json_dumps_is_valid_utf8_with_file_name_bytes_shown() -> None:
    text = escape.json_dumps({"file": "caf\udce9.yaml", "message": HOSTILE})
    data = json.loads(text.encode("utf-8"))
    assert data["file"] == "caf\\xe9.yaml"
    assert "\x1b" in data["message"]  # JSON escapes controls itself (\u001b)


def test_uri_is_a_valid_uri_reference() -> None:
    for path in ["::error file=x,line=1::y.yaml", "caf\udce9/数据 #1?.yaml", "a%20b.yaml"]:
        encoded = escape.uri(path)
        assert RELATIVE_REF.fullmatch(encoded), encoded
        assert ":" not in encoded
    assert escape.uri("regions/nujiang.yaml") == "regions/nujiang.yaml"
    assert escape.uri("caf\udce9.yaml") == "caf%E9.yaml"


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"])
def test_cell_prefixes_formula_looking_text(value: str) -> None:
    assert escape.cell(value).startswith("'")


def test_cell_keeps_ordinary_text() -> None:
    assert escape.cell("福贡县") == "福贡县"
    assert escape.cell("a=b") == "a=b"
    assert escape.cell("x\x00") == "x\\x00"


def test_html_escapes_markup_and_invisible_characters() -> None:
    assert escape.html('<b a="1">&\u202e') == "&lt;b a=&quot;1&quot;&gt;&amp;\\u202e"


def test_cap_says_how_long_the_value_was() -> None:
    assert escape.cap("x" * 10, 10) == "x" * 10
    assert escape.cap("x" * 11, 10) == "x" * 10 + "… (11 characters)"
    assert escape.cap("x" * 11, 10, lang="zh") == "x" * 10 + "…(共 11 个字符)"
    long = escape.cap("y" * 10**6)
    assert len(long) < escape.MAX_VALUE + 30 and "1000000" in long


def test_messages_are_capped_once_where_they_are_rendered() -> None:
    from guabao_rules.diagnostics import Text
    from guabao_rules.engine.render import render

    huge = "z" * 10**6
    shown = render("bad value {value}", {"value": huge}, "en")
    assert shown == "bad value " + "z" * escape.MAX_VALUE + "… (1000000 characters)"
    assert render("值 {value}", {"value": huge}, "zh").endswith("…(共 1000000 个字符)")
    # A problem text already filled from a template (a list of them) stops at MAX_MESSAGE.
    long_text = render("{problems}", {"problems": [Text(zh=huge, en=huge)]}, "en")
    assert long_text == "z" * escape.MAX_MESSAGE + "… (1000000 characters)"
    assert render("{a} and {b}", {"a": "x", "b": 5}, "en") == "x and 5"
