"""Help in both languages: "did you mean" for enum values and ids, and the typing traps."""

from __future__ import annotations

from datetime import date

import pytest

from guabao_rules.config import Config
from guabao_rules.engine.core import plan, run
from guabao_rules.hints import yaml_detail_zh
from guabao_rules.sources.loader import load_text
from guabao_rules.suggest import IdSuggester, edit_distance, folded


def messages(text: str, lang: str, select: str = "D") -> list[str]:
    config = Config(as_of=date(2019, 12, 31), select=[select], lang=lang)
    return [d.message for d in run(load_text(text), plan(config)).diagnostics]


UNITS = (
    "units:\n"
    "  - {id: U-SLT, name: 水利厅, kind: provincial_unit}\n"
    "  - {id: U-NYT, name: 农业农村厅, kind: provincial_unit}\n"
)


# --- did you mean -------------------------------------------------------------------


def test_an_enum_error_lists_the_allowed_values_in_zh_and_suggests_the_nearest() -> None:
    text = "units:\n  - {id: U-1, name: x, kind: provincal_unit}\n"
    (zh,) = messages(text, "zh")
    (en,) = messages(text, "en")
    for value in ("provincial_unit", "central_unit", "partner_city", "other"):
        assert f"'{value}'" in zh and f"'{value}'" in en
    assert "`provincal_unit` 是否应为 `provincial_unit`?" in zh
    assert "did you mean `provincial_unit` for `provincal_unit`?" in en


def test_an_enum_value_far_from_every_allowed_one_gets_no_suggestion() -> None:
    (en,) = messages("units:\n  - {id: U-1, name: x, kind: zzzz}\n", "en")
    assert "did you mean" not in en


def test_a_dangling_reference_names_the_nearest_id_of_the_right_collection() -> None:
    text = (
        UNITS + "cadres:\n"
        "  - {id: C-002, name: 甲, unit: U-SLT}\n"
        "  - {id: C-1, name: 乙, unit: U-SLX}\n"
        "pairings:\n"
        "  - {id: P-1, kind: household_help, helper: C-02, target: HH-1, start: 2019-07-01}\n"
    )
    en = messages(text, "en", "D002")
    zh = messages(text, "zh", "D002")
    assert "no record has the id `U-SLX` (did you mean `U-SLT`?)" in en[0]
    assert "不存在编号 `U-SLX`(是否应为 `U-SLT`?)" in zh[0]
    assert "no record has the id `C-02` (did you mean `C-002`?)" in en[1]
    assert "(是否应为 `C-002`?)" in zh[1]


def test_a_reference_to_the_wrong_collection_suggests_only_from_the_right_one() -> None:
    # `U-SLT` exists but is a unit; a cadre `C-SLT` is the near id of the right collection.
    text = (
        UNITS + "cadres:\n"
        "  - {id: C-SLT, name: 甲, unit: U-SLT}\n"
        "pairings:\n"
        "  - {id: P-1, kind: household_help, helper: U-SLT, target: HH-1, start: 2019-07-01}\n"
    )
    (en,) = [m for m in messages(text, "en", "D002") if "`helper`" in m]
    assert "(did you mean `C-SLT`?)" in en


def test_an_id_that_lost_its_leading_zeros_says_quote_it() -> None:
    text = (
        'regions:\n  - {id: "530000", name: 云南省, level: province}\n'
        '  - {id: 0012, name: 某村, level: village, parent: "530000"}\n'
        "pairings:\n"
        '  - {id: P-1, kind: village_package, helper: U-SLT, target: "0012", start: 2019-07-01}\n'
        "units:\n  - {id: U-SLT, name: 水利厅, kind: provincial_unit}\n"
    )
    (en,) = [m for m in messages(text, "en", "D002") if "`target`" in m]
    (zh,) = [m for m in messages(text, "zh", "D002") if "`target`" in m]
    assert "(did you mean `12`?) (hint: the id `12` was most likely written 0012" in en
    assert 'write "0012"' in en
    assert '请加引号写作 "0012"' in zh


def test_the_suggester_folds_case_width_separators_and_leading_zeros() -> None:
    assert folded("C-002") == folded("c02") == folded("Ｃ－２") == "c2"
    assert folded("HH-533323-0001") == "hh5333231"


def test_the_suggester_finds_typos_at_either_end_among_many_ids() -> None:
    ids = [f"HH-533323-{n:05d}" for n in range(20_000)] + ["U-SLT", "XU-NYT"]
    suggester = IdSuggester({"households": ids[:-2], "units": ids[-2:]})
    guess = suggester.nearest("HH-533323-1234x", ("households",))
    assert guess is not None and edit_distance(guess, "HH-533323-1234x", 3) == 1
    assert suggester.nearest("U-SLX", ("units",)) == "U-SLT"
    assert suggester.nearest("YU-NYT", ("units",)) == "XU-NYT"  # a typo at the start
    assert suggester.nearest("U-SLT", ("households",)) is None  # never another collection's id
    assert suggester.nearest("completely-different", ("units",)) is None


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [("", "", 0), ("abc", "abc", 0), ("abc", "abd", 1), ("abc", "ab", 1), ("kitten", "sitting", 3)],
)
def test_edit_distance(a: str, b: str, distance: int) -> None:
    assert edit_distance(a, b, 5) == distance
    assert edit_distance(a, b, distance) == distance
    if distance:
        assert edit_distance(a, b, distance - 1) == distance  # over the bound: bound + 1


# --- typing traps -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "en_hint", "zh_hint"),
    [
        ("cadres:\n  - id: C-1\n    name：甲\n    unit: U\n", "full-width colon `：`", "全角冒号"),
        ("cadres:\n  - id：C-1\n", "full-width colon `：`", "全角冒号"),
        ("cadres:\n  - {id: C-1，name: 甲}\n", "full-width comma `，`", "全角逗号"),
        ("cadres:\n\t- {id: C-1}\n", "indented with a tab", "制表符"),
        ("cadres:\n  - id: C-1\n\tname: 甲\n", "indented with a tab", "制表符"),
        (
            "funds:\n  - {id: F-1, name: x, amount: 1,500,000, source: s, year: 2019}\n",
            "`1,500,000` splits into `1`, `500` and `000`; write 1500000",
            "请去掉千位分隔符,写作 1500000",
        ),
        (
            "funds:\n  - id: F-1\n    name: x\n    amount: 1,500,000\n    source: s\n"
            "    year: 2019\n",
            "a number has no thousands separators: write 1500000",
            "数字中不能有千位分隔符:写作 1500000",
        ),
        (
            "cadres:\n  - {id: C-1, name: 0012, unit: U}\n",
            'leading zeros are lost (0012 is read as 12); quote it as written, e.g. "0012"',
            "前导零会丢失",
        ),
    ],
)
def test_a_typing_trap_is_named_on_the_finding_it_causes(
    text: str, en_hint: str, zh_hint: str
) -> None:
    en = messages(text, "en")
    zh = messages(text, "zh")
    assert any(en_hint in m and "hint: " in m for m in en), en
    assert any(zh_hint in m and "提示:" in m for m in zh), zh


def test_a_split_number_is_explained_once_per_record() -> None:
    (en,) = messages(
        "funds:\n  - {id: F-1, name: x, amount: 1,500,000, source: s, year: 2019}\n", "en"
    )
    assert en.count("hint:") == 1
    assert "unknown field `500`" in en and "unknown field `000`" in en


def test_no_hint_without_a_trap() -> None:
    text = "meetings:\n  - {id: M-1, date: 2019-11-20\n  - {id: M-2}\n"
    assert not any("hint" in m for m in messages(text, "en"))


# --- parser messages in Chinese -------------------------------------------------------


@pytest.mark.parametrize(
    ("context", "problem", "zh"),
    [
        (
            "while parsing a block mapping",
            "expected <block end>, but found '<block mapping start>'",
            "解析块映射时,应为 <block end>(块结束),却遇到 <block mapping start>(块映射开始)",
        ),
        (
            "while parsing a flow mapping",
            "did not find expected ',' or '}'",
            "解析流式映射({…})时,未找到应有的 ',' 或 '}'",
        ),
        (
            "while scanning a simple key",
            "could not find expected ':'",
            "扫描简单键时,未找到应有的 ':'",
        ),
        (None, "mapping values are not allowed here", "此处不允许映射值(冒号加空格)"),
        (
            "while scanning for the next token",
            "found character '\\t' that cannot start any token",
            "扫描下一个记号时,字符 '\\t' 不能开始任何记号",
        ),
        (None, "something new in a later PyYAML", "something new in a later PyYAML(解析器原文)"),
    ],
)
def test_parser_messages_in_chinese_keep_every_token(
    context: str | None, problem: str, zh: str
) -> None:
    assert yaml_detail_zh(context, problem) == zh


def test_id_suggestions_stop_after_the_lookup_budget() -> None:
    from guabao_rules import suggest

    suggester = suggest.IdSuggester({"cadres": ["C-0001", "C-0002"]})
    assert suggester.nearest("C-001", ("cadres",)) == "C-0001"
    for i in range(suggest.LOOKUP_BUDGET):
        suggester.nearest(f"X-{i}", ("cadres",))
    assert suggester.nearest("C-001", ("cadres",)) == "C-0001"  # looked up before: remembered
    assert suggester.nearest("C-002", ("cadres",)) is None  # new, past the budget
