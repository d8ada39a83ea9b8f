"""Tests of the YAML reader: core-schema values, positions, D000/D007 problems."""

from __future__ import annotations

import gc
import itertools
import re
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from helpers import check_path
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guabao_rules.sources import yamlsource
from guabao_rules.sources.positions import Mark
from guabao_rules.sources.problems import ReadProblem
from guabao_rules.sources.yamlsource import MAX_DEPTH, ParsedYaml, parse_yaml


@pytest.fixture(params=["fast", "c", "python"])
def loader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Run a test with the fast reader, then PyYAML alone with libyaml and in pure Python."""
    if request.param != "fast":
        # Without this, simple documents would never reach PyYAML here.
        monkeypatch.setattr(yamlsource, "FAST_PATH", False)
    if request.param == "python":
        monkeypatch.setattr(yamlsource, "_LOADER", yamlsource._PyLoader)
    elif yamlsource._LOADER is yamlsource._PyLoader:
        pytest.skip("PyYAML built without libyaml")
    yield request.param


def read(text: str) -> ParsedYaml:
    return parse_yaml(text.encode("utf-8"))


def ok(text: str) -> ParsedYaml:
    parsed = read(text)
    assert not parsed.fatal, parsed.problems
    return parsed


def only_problem(parsed: ParsedYaml) -> ReadProblem:
    assert len(parsed.problems) == 1, parsed.problems
    return parsed.problems[0]


def fatal(parsed: ParsedYaml, code: str) -> ReadProblem:
    assert parsed.fatal
    assert parsed.value is None
    assert parsed.positions is None
    problem = only_problem(parsed)
    assert (problem.rule, problem.code) == ("D000", code)
    assert problem.text.en
    assert problem.text.zh
    return problem


# --- values: YAML 1.2 core schema -------------------------------------------------


@pytest.mark.parametrize(
    ("scalar", "expected"),
    [
        ("yes", "yes"),
        ("no", "no"),
        ("on", "on"),
        ("off", "off"),
        ("y", "y"),
        ("n", "n"),
        ("true", True),
        ("True", True),
        ("TRUE", True),
        ("false", False),
        ("FALSE", False),
        ("tRUE", "tRUE"),
        ("~", None),
        ("null", None),
        ("Null", None),
        ("NULL", None),
        ("", None),
        ("nULL", "nULL"),
        ("533300", 533300),
        ("-17", -17),
        ("+5", 5),
        ("007", 7),
        ("0o17", 15),
        ("0x1F", 31),
        ("0b101", "0b101"),
        ("017_000", "017_000"),
        ("1_000", "1_000"),
        ("1:30", "1:30"),
        ("2019-01-01", "2019-01-01"),
        ("2019-02-30", "2019-02-30"),
        ("2019-01-01T10:00:00Z", "2019-01-01T10:00:00Z"),
        ("2019-Q1", "2019-Q1"),
        ("P-001", "P-001"),
        ("-x", "-x"),
        ("-.", "-."),
        (".", "."),
        ("+", "+"),
        ("1.2.3", "1.2.3"),
        ("<<", "<<"),
        ("=", "="),
        ("怒江傈僳族自治州", "怒江傈僳族自治州"),
    ],
)
def test_plain_scalars_follow_the_core_schema(loader: str, scalar: str, expected: object) -> None:
    value = ok(f"v: {scalar}\n").value["v"]
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    ("scalar", "expected"),
    [
        ("1.500", Decimal("1.500")),
        ("0.1", Decimal("0.1")),
        ("1.", Decimal("1")),
        (".5", Decimal("0.5")),
        ("-.5", Decimal("-0.5")),
        ("+12.25", Decimal("12.25")),
        ("1e3", Decimal("1E+3")),
        ("1.5E-2", Decimal("0.015")),
        ("123456789.123456789123456789", Decimal("123456789.123456789123456789")),
        (".inf", Decimal("Infinity")),
        ("+.Inf", Decimal("Infinity")),
        ("-.INF", Decimal("-Infinity")),
    ],
)
def test_plain_floats_are_exact_decimals(loader: str, scalar: str, expected: Decimal) -> None:
    value = ok(f"v: {scalar}\n").value["v"]
    assert type(value) is Decimal
    assert value == expected
    assert value.as_tuple() == expected.as_tuple()


def test_decimal_keeps_the_digits_as_written() -> None:
    value = ok("amount: 1.500\n").value["amount"]
    assert value == Decimal("1.500")
    assert value.as_tuple().exponent == -3


@pytest.mark.parametrize("scalar", [".nan", ".NaN", ".NAN"])
def test_nan(scalar: str) -> None:
    value = ok(f"v: {scalar}\n").value["v"]
    assert isinstance(value, Decimal)
    assert value.is_nan()


@pytest.mark.parametrize(
    "scalar", ['"533300"', "'533300'", '"true"', "'~'", '"1.5"', '""', "'2019-01-01'"]
)
def test_quoted_scalars_are_strings(loader: str, scalar: str) -> None:
    value = ok(f"v: {scalar}\n").value["v"]
    assert type(value) is str
    assert value == scalar[1:-1]


def test_block_scalars_are_strings(loader: str) -> None:
    value = ok("a: |\n  123\nb: >-\n  true\n").value
    assert value == {"a": "123\n", "b": "true"}


def test_id_read_both_ways() -> None:
    value = ok('a: 533300\nb: "533300"\n').value
    assert value == {"a": 533300, "b": "533300"}


def test_numbers_beyond_what_python_reads_stay_text() -> None:
    digits = "9" * 5000
    value = ok(f"a: {digits}\nb: 1e9999999999999999999999\n").value
    assert value == {"a": digits, "b": "1e9999999999999999999999"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("!!str 12", "12"),
        ("!!str", ""),
        ("!!int 12", 12),
        ("!!int '12'", 12),
        ("!!int 0x10", 16),
        ("!!float 1", Decimal("1")),
        ("!!float 1.50", Decimal("1.50")),
        ("!!float .inf", Decimal("Infinity")),
        ("!!bool true", True),
        ("!!bool False", False),
        ("!!null ~", None),
        ("!!null", None),
        ("!!map {x: 1}", {"x": 1}),
        ("!!seq [1]", [1]),
        ("!<tag:yaml.org,2002:str> 1", "1"),
    ],
)
def test_standard_explicit_tags(loader: str, text: str, expected: object) -> None:
    value = ok(f"v: {text}\n").value["v"]
    assert value == expected
    assert type(value) is type(expected)


def test_keys_are_the_text_as_written(loader: str) -> None:
    value = ok("1: a\nnull: b\ntrue: c\n'x y': d\n~: e\n1.50: f\n").value
    assert value == {"1": "a", "null": "b", "true": "c", "x y": "d", "~": "e", "1.50": "f"}
    assert all(type(key) is str for key in value)


def test_merge_key_is_an_ordinary_key(loader: str) -> None:
    parsed = ok("base: &b {x: 1}\nrecord:\n  <<: *b\n  y: 2\n")
    assert parsed.value["record"] == {"<<": {"x": 1}, "y": 2}
    assert parsed.problems == ()


def test_aliases_are_expanded_into_independent_copies(loader: str) -> None:
    parsed = ok("a: &x {k: [1, 2]}\nb: *x\nc: [*x, *x]\n")
    value = parsed.value
    assert value == {"a": {"k": [1, 2]}, "b": {"k": [1, 2]}, "c": [{"k": [1, 2]}] * 2}
    value["a"]["k"].append(3)
    assert value["b"] == {"k": [1, 2]}
    assert value["c"][0] is not value["c"][1]
    assert parsed.nodes == 10
    # An aliased copy points at its anchor.
    assert parsed.positions is not None
    assert parsed.positions.children["b"].keys == {"k": Mark(1, 8)}
    assert parsed.positions.children["c"].children[1].keys == {"k": Mark(1, 8)}


def test_ampersand_in_text_is_no_anchor() -> None:
    value = ok("name: R&D 研发&推广\nurl: http://x/?a=1&b=2\n").value
    assert value == {"name": "R&D 研发&推广", "url": "http://x/?a=1&b=2"}


# --- empty documents ---------------------------------------------------------------


@pytest.mark.parametrize("data", [b"", b"\n\n", b"# only a comment\n", b"\xef\xbb\xbf"])
def test_empty_documents(loader: str, data: bytes) -> None:
    assert parse_yaml(data) == ParsedYaml(None, None, (), False, 0)


@pytest.mark.parametrize("data", [b"---\n", b"---\n...\n", b"~\n", b"# c\nnull\n"])
def test_null_documents(loader: str, data: bytes) -> None:
    assert parse_yaml(data) == ParsedYaml(None, None, (), False, 1)


def test_bom_is_stripped(loader: str) -> None:
    parsed = parse_yaml(b"\xef\xbb\xbfa: 1\n")
    assert parsed.value == {"a": 1}
    assert parsed.positions is not None
    assert parsed.positions.keys == {"a": Mark(1, 1)}


def test_scalar_document_has_no_positions(loader: str) -> None:
    assert ok("42\n") == ParsedYaml(42, None, (), False, 1)


# --- positions ---------------------------------------------------------------------


def test_block_positions(loader: str) -> None:
    parsed = ok(
        "regions:\n  - id: '533300'\n    name: 怒江\n    tags: [a, b]\n  - plain\nunits: []\n"
    )
    tree = parsed.positions
    assert tree is not None
    assert tree.start == Mark(1, 1)
    assert tree.keys == {"regions": Mark(1, 1), "units": Mark(6, 1)}
    regions = tree.children["regions"]
    assert regions.start == Mark(2, 3)
    assert regions.keys == {0: Mark(2, 5), 1: Mark(5, 5)}
    assert set(regions.children) == {0}
    record = regions.children[0]
    assert record.keys == {"id": Mark(2, 5), "name": Mark(3, 5), "tags": Mark(4, 5)}
    assert record.children["tags"].start == Mark(4, 11)
    assert record.children["tags"].keys == {0: Mark(4, 12), 1: Mark(4, 15)}
    assert tree.children["units"].start == Mark(6, 8)
    assert tree.locate(("regions", 0, "name")) == Mark(3, 5)


def test_flow_mapping_key_marks(loader: str) -> None:
    parsed = ok("regions:\n  - {id: a, name: b}\n  - {id: c,   name: 名称, level: x}\n")
    assert parsed.positions is not None
    regions = parsed.positions.children["regions"]
    assert regions.keys == {0: Mark(2, 5), 1: Mark(3, 5)}
    assert regions.children[0].start == Mark(2, 5)
    assert regions.children[0].keys == {"id": Mark(2, 6), "name": Mark(2, 13)}
    assert regions.children[1].keys == {
        "id": Mark(3, 6),
        "name": Mark(3, 15),
        "level": Mark(3, 25),
    }


def test_columns_count_characters_not_bytes(loader: str) -> None:
    parsed = ok("名称: {甲: 1, 乙: 2}\n")
    assert parsed.positions is not None
    assert parsed.positions.children["名称"].keys == {"甲": Mark(1, 6), "乙": Mark(1, 12)}


# --- D007 duplicate keys -----------------------------------------------------------


def test_duplicate_key_in_a_record(loader: str) -> None:
    parsed = ok("regions:\n  - id: a\n    name: first\n    name: second\n")
    assert parsed.value == {"regions": [{"id": "a", "name": "first"}]}
    problem = only_problem(parsed)
    assert (problem.rule, problem.code) == ("D007", "duplicate_key")
    assert problem.mark == Mark(4, 5)
    assert problem.path == ("regions", 0)
    assert problem.key == "name"
    assert parsed.positions is not None
    assert parsed.positions.children["regions"].children[0].keys["name"] == Mark(3, 5)


def test_duplicate_key_in_a_flow_mapping(loader: str) -> None:
    parsed = ok("regions:\n  - {id: a, id: b, x: [1]}\n")
    assert parsed.value == {"regions": [{"id": "a", "x": [1]}]}
    problem = only_problem(parsed)
    assert problem.mark == Mark(2, 13)
    assert problem.path == ("regions", 0)
    assert problem.key == "id"


def test_duplicate_collection_value_keeps_the_first(loader: str) -> None:
    parsed = ok("a:\n  x: [1]\n  x: [2]\n")
    assert parsed.value == {"a": {"x": [1]}}
    problem = only_problem(parsed)
    assert (problem.code, problem.mark, problem.path, problem.key) == (
        "duplicate_key",
        Mark(3, 3),
        ("a",),
        "x",
    )


def test_quoted_and_plain_keys_are_the_same_key(loader: str) -> None:
    parsed = ok("a: 1\n'a': 2\n")
    assert parsed.value == {"a": 1}
    assert only_problem(parsed).key == "a"


def test_top_level_lists_are_joined(loader: str) -> None:
    parsed = ok(
        "regions:\n  - {id: a}\n  - b\nunits: []\nregions:\n  - c\n  - {id: d, id: e}\n  - [f]\n"
    )
    assert parsed.value == {"regions": [{"id": "a"}, "b", "c", {"id": "d"}, ["f"]], "units": []}
    duplicate, inner = parsed.problems
    assert (duplicate.rule, duplicate.code, duplicate.mark, duplicate.path, duplicate.key) == (
        "D007",
        "duplicate_key",
        Mark(5, 1),
        (),
        "regions",
    )
    # Problems inside the second list are numbered in the joined list.
    assert (inner.mark, inner.path, inner.key) == (Mark(7, 13), ("regions", 3), "id")
    tree = parsed.positions
    assert tree is not None
    assert tree.keys["regions"] == Mark(1, 1)
    regions = tree.children["regions"]
    assert regions.start == Mark(2, 3)
    assert regions.keys == {
        0: Mark(2, 5),
        1: Mark(3, 5),
        2: Mark(6, 5),
        3: Mark(7, 5),
        4: Mark(8, 5),
    }
    assert set(regions.children) == {0, 3, 4}
    assert regions.children[3].keys == {"id": Mark(7, 6)}
    assert regions.children[4].keys == {0: Mark(8, 6)}
    for index in range(len(parsed.value["regions"])):
        assert tree.locate(("regions", index)) == regions.keys[index]


def test_top_level_join_three_times_and_after_an_empty_collection(loader: str) -> None:
    parsed = ok("a:\nb: [1]\na: [x]\nb: [2]\na: [y, z]\nb: 3\n")
    assert parsed.value == {"a": ["x", "y", "z"], "b": [1, 2]}
    assert [(p.code, p.key, p.mark.line) for p in parsed.problems] == [
        ("duplicate_key", "a", 3),
        ("duplicate_key", "b", 4),
        ("duplicate_key", "a", 5),
        ("duplicate_key", "b", 6),
    ]
    assert parsed.positions is not None
    assert parsed.positions.keys == {"a": Mark(1, 1), "b": Mark(2, 1)}
    assert parsed.positions.children["a"].keys == {0: Mark(3, 5), 1: Mark(5, 5), 2: Mark(5, 8)}
    assert parsed.positions.children["b"].keys == {0: Mark(2, 5), 1: Mark(4, 5)}


def test_nested_lists_are_not_joined(loader: str) -> None:
    parsed = ok("a:\n  x: [1]\n  x: [2]\n")
    assert parsed.value == {"a": {"x": [1]}}


def test_top_level_join_with_an_aliased_list(loader: str) -> None:
    parsed = ok("units: &u [a]\nunits: *u\n")
    assert parsed.value == {"units": ["a", "a"]}
    assert parsed.positions is not None
    assert parsed.positions.children["units"].keys == {0: Mark(1, 12), 1: Mark(1, 12)}


# --- D000 ----------------------------------------------------------------------------


def test_gbk_file_gets_a_conversion_hint() -> None:
    data = b"regions:\n  - {id: a, name: " + "名称".encode("gbk") + b"}\n"
    problem = fatal(parse_yaml(data), "encoding")
    assert problem.mark == Mark(2, 19)
    assert "GBK" in problem.text.en
    assert "UTF-8" in problem.text.en
    assert "iconv -f GBK -t UTF-8" in problem.text.en
    assert "GBK" in problem.text.zh
    assert "iconv -f GBK -t UTF-8" in problem.text.zh


def test_not_utf8_and_not_gbk() -> None:
    data = "名: x\n".encode() + b"b: \xff\xff\n"
    problem = fatal(parse_yaml(data), "encoding")
    assert problem.mark == Mark(2, 4)
    assert "UTF-8" in problem.text.en
    assert "GBK" not in problem.text.en


def test_utf16_is_not_utf8() -> None:
    fatal(parse_yaml("a: 1\n".encode("utf-16")), "encoding")


@pytest.mark.parametrize(
    ("text", "mark"),
    [
        ("a: b: c\n", Mark(1, 5)),
        ("a: [1, 2\n", Mark(2, 1)),
        ("a:\n  - 1\n b: 2\n", None),
        ("a: 'x\n", None),
        ("a: \t\x07\n", None),
        ("a: *nowhere\n", Mark(1, 4)),
        ("&x a: &x b\n", None),
    ],
)
def test_syntax_errors(loader: str, text: str, mark: Mark | None) -> None:
    problem = fatal(read(text), "syntax")
    assert problem.text.en.startswith("YAML syntax error")
    assert problem.text.zh.startswith("YAML 语法错误")
    if mark is not None:
        assert problem.mark == mark


def test_control_character_mark_counts_characters(loader: str) -> None:
    problem = fatal(read("名称: ok\n名称2: a\x07\n"), "syntax")
    assert problem.mark == Mark(2, 7)


def test_multiple_documents(loader: str) -> None:
    problem = fatal(read("a: 1\n---\nb: 2\n"), "multiple_documents")
    assert problem.mark == Mark(2, 1)


@pytest.mark.parametrize(
    ("text", "tag"),
    [
        ("!!python/object:os.system x", "!!python/object:os.system"),
        ("!!python/object/apply:os.system ['echo pwned']", "!!python/object/apply:os.system"),
        ("!!python/name:builtins.eval", "!!python/name:builtins.eval"),
        ("!!binary aGVsbG8=", "!!binary"),
        ("!!timestamp 2019-01-01", "!!timestamp"),
        ("!!set {a, b}", "!!set"),
        ("!!omap [a: 1]", "!!omap"),
        ("!foo x", "!foo"),
        ("!guabao-rules/plain 12", "!guabao-rules/plain"),
        ("!<tag:example.com,2000:x> y", "tag:example.com,2000:x"),
        ("!!str {a: 1}", "!!str"),
        ("!!map [1]", "!!map"),
        ("!!seq x", "!!seq"),
    ],
)
def test_forbidden_tags(loader: str, text: str, tag: str) -> None:
    problem = fatal(read(f"ok: 1\nrecord:\n  field: {text}\n"), "tag")
    assert problem.mark == Mark(3, 10)
    assert problem.path == ("record", "field")
    assert f"`{tag}`" in problem.text.en
    assert f"`{tag}`" in problem.text.zh


@pytest.mark.parametrize(
    "text",
    [
        "x: [1, 2, !!python/object:x y]",
        "? !!binary aGk=\n: 1",
        "!!python/object:x k: 1",
        "x: 1\nx: !!python/object:x y",
        "? [!foo a]\n: 1",
        "? [a]\n: !foo b",
    ],
)
def test_forbidden_tags_anywhere(loader: str, text: str) -> None:
    fatal(read(text + "\n"), "tag")


@pytest.mark.parametrize(
    "text", ["!!int abc", "!!int 1.5", "!!float x", "!!bool yes", "!!null 0", "!!int"]
)
def test_unreadable_value_under_a_standard_tag(loader: str, text: str) -> None:
    problem = fatal(read(f"v: {text}\n"), "tag")
    assert problem.mark == Mark(1, 4)
    assert problem.path == ("v",)


def test_complex_key_is_skipped(loader: str) -> None:
    parsed = ok("a: 1\n? [x, y]\n: 2\n{k: v}: 3\nb: 4\n")
    assert parsed.value == {"a": 1, "b": 4}
    first, second = parsed.problems
    assert (first.rule, first.code, first.mark, first.path) == (
        "D003",
        "complex_key",
        Mark(2, 3),
        (),
    )
    assert (second.code, second.mark) == ("complex_key", Mark(4, 1))
    assert parsed.positions is not None
    assert parsed.positions.keys == {"a": Mark(1, 1), "b": Mark(5, 1)}


def billion_laughs(levels: int = 9) -> bytes:
    names = "abcdefghijklmnop"
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for previous, name in itertools.pairwise(names[:levels]):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    return ("\n".join(lines) + "\n").encode()


def test_billion_laughs_is_bounded_and_fast(loader: str) -> None:
    started = time.perf_counter()
    problem = fatal(parse_yaml(billion_laughs(9)), "alias_bound")
    assert time.perf_counter() - started < 0.5
    assert "1,000,000" in problem.text.en


def test_billion_laughs_with_many_levels(loader: str) -> None:
    started = time.perf_counter()
    fatal(parse_yaml(billion_laughs(16)), "alias_bound")
    assert time.perf_counter() - started < 0.5


def test_alias_bound_is_max_of_minimum_and_factor() -> None:
    data = billion_laughs(3)  # 1 + 3 keys + 10 + 91 + 820 nodes once expanded
    assert parse_yaml(data, min_node_bound=1000).value is not None
    problem = fatal(parse_yaml(data, min_node_bound=900, node_factor=1), "alias_bound")
    assert problem.path == ("c", 8)
    written = parse_yaml(data, min_node_bound=0, node_factor=100)
    assert written.nodes == 1 + 3 + 10 + 1 + 1  # aliases are not nodes
    assert not written.fatal


def test_recursive_alias_in_a_sequence(loader: str) -> None:
    problem = fatal(read("ok: 1\na: &x [1, *x]\n"), "recursive_alias")
    assert problem.path == ("a", 1)
    assert problem.mark == Mark(2, 4)


def test_recursive_alias_in_a_mapping(loader: str) -> None:
    problem = fatal(read("a: &x\n  b:\n    c: *x\n"), "recursive_alias")
    assert problem.path == ("a", "b", "c")


def test_recursive_root(loader: str) -> None:
    fatal(read("&x [*x]\n"), "recursive_alias")


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000,
        "[" * 100_000 + "]" * 100_000,
        "{a: " * 100_000,
        "- " * 100_000 + "x\n",
        "".join(" " * i + "a:\n" for i in range(3000)),
        "a: " + "[" * 5000 + "]" * 5000 + "\n",
    ],
)
def test_deep_nesting_is_a_problem_not_a_crash(loader: str, text: str) -> None:
    problem = fatal(read(text), "syntax")
    # Our own bound says "nested too deeply"; libyaml 0.2.5+ (PyYAML 6.0.4
    # wheels) may stop first with its own "maximum nesting depth".
    assert "nested too deeply" in problem.text.en or "nesting depth" in problem.text.en


def test_nesting_up_to_the_limit_reads() -> None:
    depth = MAX_DEPTH - 1
    value = ok("[" * depth + "]" * depth).value
    for _ in range(depth - 1):
        value = value[0]
    assert value == []


def test_aliases_cannot_nest_beyond_the_limit() -> None:
    step = 100
    lines = ["a: &a " + "[" * step + "]" * step]
    for previous, name in zip("abcd", "bcde", strict=False):
        lines.append(f"{name}: &{name} " + "[" * step + f"*{previous}" + "]" * step)
    problem = fatal(read("\n".join(lines) + "\n"), "syntax")
    assert "nested too deeply" in problem.text.en


def test_garbage_collection_is_restored() -> None:
    assert gc.isenabled()
    parse_yaml(b"a: [1, 2]\n")
    parse_yaml(b"a: [\n")
    assert gc.isenabled()
    gc.disable()
    try:
        parse_yaml(b"a: 1\n")
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_node_count() -> None:
    assert ok("a: [1, {b: c}]\n").nodes == 7
    assert ok("a: &x [1, 2]\nb: *x\nc: *x\n").nodes == 7


# --- never raises ------------------------------------------------------------------


def check_result(parsed: ParsedYaml) -> None:
    assert isinstance(parsed, ParsedYaml)
    if parsed.fatal:
        assert parsed.value is None
        assert parsed.positions is None
        assert parsed.problems
        assert parsed.problems[-1].rule == "D000"
    for problem in parsed.problems:
        assert "internal error" not in problem.text.en
        assert problem.mark.line >= 1
        assert problem.mark.column >= 1


YAMLISH = st.text(alphabet=st.sampled_from(list("[]{}:,-?&*!|>'\"#%@` \t\n\r\\ab1.~<=名")))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary())
def test_random_bytes_never_raise(data: bytes) -> None:
    check_result(parse_yaml(data))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_random_text_never_raises(text: str) -> None:
    check_result(parse_yaml(text.encode("utf-8", "surrogatepass")))


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(YAMLISH)
def test_random_yamlish_text_never_raises(text: str) -> None:
    check_result(parse_yaml(text.encode("utf-8")))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(YAMLISH)
def test_random_yamlish_text_never_raises_with_the_python_loader(text: str) -> None:
    saved = yamlsource._LOADER
    yamlsource._LOADER = yamlsource._PyLoader
    try:
        check_result(parse_yaml(text.encode("utf-8")))
    finally:
        yamlsource._LOADER = saved


# PyYAML itself does not round-trip control characters and Unicode line breaks;
# and its YAML 1.1 dumper leaves plain what is a number in YAML 1.2 (``1e3``, ``0o7``).
SAFE_TEXT = st.text(
    st.characters(exclude_categories=("Cc", "Cs", "Zl", "Zp"), exclude_characters="\ufeff")
).filter(lambda text: text == "" or type(yamlsource._plain(text)) is str)
PLAIN_DATA = st.recursive(
    st.none() | st.booleans() | st.integers() | SAFE_TEXT,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(SAFE_TEXT, children, max_size=5)
    ),
    max_leaves=30,
)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(PLAIN_DATA, st.booleans())
def test_round_trip_of_data_dumped_by_pyyaml(data: object, flow: bool) -> None:
    text = yaml.safe_dump(data, allow_unicode=True, default_flow_style=flow)
    parsed = parse_yaml(text.encode("utf-8"))
    assert not parsed.fatal, (text, parsed.problems)
    assert parsed.problems == ()
    assert parsed.value == data


# --- YAML 1.2 line breaks and complex keys, as findings (issue 11) ------------------


def findings(root: Path) -> list[tuple[str, str | None, str | None, int | None, int | None]]:
    report = check_path(root, select=["D"])
    return [(d.rule, d.subject, d.file, d.line, d.column) for d in report.diagnostics]


EDGE_CASES = {
    # A key that is a list, in a record: D003 for that record, the rest of it read.
    "complex key in a record": (
        'regions:\n  - id: "530000"\n    name: 云南省\n    level: province\n'
        "    ? [a, b]\n    : 1\n",
        [("D003", "530000", "r.yaml", 5, 7)],
    ),
    "complex key at the top": (
        'regions:\n  - {id: "530000", name: 云南省, level: province}\n? [a, b]\n: 1\n',
        [("D003", None, "r.yaml", 3, 3)],
    ),
    "complex key with another problem": (
        'regions:\n  - id: "530000"\n    name: 云南省\n    level: provinc\n    ? {k: v}\n    : 1\n',
        [("D003", "530000", "r.yaml", 2, 5)],
    ),
    # U+2028 in a quoted scalar is a character (YAML 1.2): lines count as editors count them.
    "U+2028 in a quoted scalar": (
        'regions:\n  - {id: "530000", name: "云南\u2028省", level: province}\n'
        '  - id: "530001"\n    name: "x\u2028y"\n    level: provinc\n',
        [("D003", "530001", "r.yaml", 5, 5)],
    ),
    # NEL in a plain scalar of a block mapping: YAML 1.1 broke the line (a syntax error,
    # the whole file lost); YAML 1.2 reads it as part of the value.
    "NEL in a plain scalar": (
        'regions:\n  - id: "530000"\n    name: 云南\x85省\n    level: provi\x85nce\n'
        '  - {id: "530001", name: x, level: province, bogus: 1}\n',
        [("D003", "530000", "r.yaml", 4, 5), ("D003", "530001", "r.yaml", 5, 46)],
    ),
}


@pytest.mark.parametrize("case", sorted(EDGE_CASES))
def test_yaml_edge_cases_give_their_d003_in_every_reader(
    loader: str, case: str, write_dataset: Callable[[dict[str, str | bytes]], Path]
) -> None:
    text, expected = EDGE_CASES[case]
    assert findings(write_dataset({"r.yaml": text})) == expected


def test_nel_and_line_separators_are_kept_in_values(loader: str) -> None:
    parsed = ok('a: x\x85y\nb: "p\u2028q"\nc: [r\u2029s]\nd: 1\n')
    assert parsed.value == {"a": "x\x85y", "b": "p\u2028q", "c": ["r\u2029s"], "d": 1}
    assert parsed.positions is not None
    assert parsed.positions.keys["d"] == Mark(4, 1)


# --- the fast reader's line pattern (start-up) -----------------------------------------

ITEM_PIECES = st.sampled_from(
    [
        "-",
        " ",
        "  ",
        "key",
        "k_1",
        ":",
        ": ",
        "x",
        "5",
        "-5",
        ".5",
        '"a b"',
        '"a,b"',
        "'it''s'",
        "[",
        "]",
        "{",
        "}",
        ",",
        ", ",
        "#",
        " #",
        " # c",
        "a b",
        "?",
        "\t",
        "名",
    ]
)
ITEM_LINES = st.builds(
    lambda lead, pieces: lead + "".join(pieces),
    st.sampled_from(["- ", "-  ", "-", "- k: ", "- key:  ", "- k:", "k: ", "key:", ""]),
    st.lists(ITEM_PIECES, max_size=12),
)


@settings(max_examples=3000, deadline=None)
@given(ITEM_LINES, st.sampled_from([0, 2]))
def test_line_pattern_reads_as_the_entry_and_item_patterns(line: str, indent: int) -> None:
    """The fast reader's one line pattern reads what its two earlier patterns read."""
    from guabao_rules.sources import yamlfast as fast

    line = " " * indent + line
    key, value, end = fast._KEY, fast._INLINE, fast._END
    entry = re.compile(rf"({key}):(?: +({value}))?{end}").fullmatch(line, indent)
    item = re.compile(rf"- +(?:({key}):(?: +({value}))?|({value})){end}").fullmatch(line, indent)
    read_entry, read_item = fast._entry(line, indent), fast._item(line, indent)
    assert (read_entry is None) == (entry is None)
    if entry is not None and read_entry is not None:
        assert (read_entry.span(1), read_entry.span(2)) == (entry.span(1), entry.span(2))
    assert (read_item is None) == (item is None)
    if item is not None and read_item is not None:
        if item.start(1) >= 0:
            assert (read_item.span(1), read_item.span(2)) == (item.span(1), item.span(2))
        else:
            assert (read_item.start(1), read_item.span(2)) == (-1, item.span(3))
