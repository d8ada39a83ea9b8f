"""Tests of the D rules (data integrity, always on): one failing and one passing case per
rule, then their edge cases.

The reader-finding rules (D000, D001, D003, D006, D007) are judged on what the command
loads: a folder written by ``write_dataset``, or a YAML text. How one reader reads (YAML
values, CSV cells, positions, which files are data) is tested in ``tests/unit/``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from helpers import FUGONG_REGIONS, check_path, findings, places, run_rules

from guabao_rules.diagnostics import Severity
from guabao_rules.sources.loader import load

Write = Callable[[dict[str, str | bytes]], Path]

UNIT = "units:\n  - {id: U-1, name: 云南省财政厅, kind: provincial_unit}\n"


def rules_of(data: str | Path, *rules: str) -> list[tuple[str, str | None]]:
    """The (rule, subject) of every finding of these rules."""
    return [(d.rule, d.subject) for d in run_rules(data, *rules).diagnostics]


# --- D000: a file that cannot be read -------------------------------------------------------


def test_d000_readable_files_give_none(write_dataset: Write) -> None:
    root = write_dataset({"a.yaml": FUGONG_REGIONS, "b.yml": UNIT, "c.yaml": "# nothing yet\n"})
    assert findings("D000", root) == []


def test_syntax_error_is_d000_and_other_files_still_load(write_dataset: Write) -> None:
    root = write_dataset({"a.yaml": "units: [\n  {id: U-1\n", "b.yaml": UNIT})
    assert [(s, f) for s, f, _, _ in places(findings("D000", root))] == [(None, "a.yaml")]
    assert "U-1" in load(root).by_id


def test_gbk_file_gets_a_hint(write_dataset: Write) -> None:
    root = write_dataset(
        {"a.yaml": "units:\n  - {id: U-1, name: 财政厅, kind: other}\n".encode("gbk")}
    )
    (diagnostic,) = findings("D000", root)
    assert "GBK" in diagnostic.message
    assert diagnostic.line == 2


def test_structural_problems_spare_the_rest(write_dataset: Write) -> None:
    root = write_dataset(
        {
            "a.yaml": "regions: {id: x}\nunits:\n  - just a string\n"
            "  - {id: U-1, name: 财政厅, kind: other}\n",
            "b.yaml": "- a list at the top\n",
        }
    )
    found = places(findings("D000", root))
    assert [(f, line) for _, f, line, _ in found] == [("a.yaml", 1), ("a.yaml", 3), ("b.yaml", 1)]
    assert load(root).by_id["U-1"].valid


def test_forbidden_tag_is_rejected_and_nothing_runs(write_dataset: Write, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    root = write_dataset(
        {"a.yaml": f"units:\n  - !!python/object/apply:os.system ['touch {marker}']\n"}
    )
    assert [d.file for d in findings("D000", root)] == ["a.yaml"]
    assert not marker.exists()


def test_alias_bomb_is_bounded(write_dataset: Write) -> None:
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 10) + "]")
    root = write_dataset({"a.yaml": "\n".join(lines) + "\n"})
    (found,) = findings("D000", root)
    assert found.file == "a.yaml"


def test_file_over_the_size_bound(write_dataset: Write) -> None:
    root = write_dataset({"a.yaml": UNIT + "#" * 2_000_000 + "\n"})
    report = check_path(root, select=["D000"], params={"max_file_mb": 1})
    assert [d.file for d in report.diagnostics] == []  # the CLI passes the bound to load
    dataset = load(root, max_file_mb=1)
    assert [i.rule for i in dataset.issues] == ["D000"]


# --- D001: an id used twice -----------------------------------------------------------------


def test_d001_distinct_ids_across_collections_give_none() -> None:
    data = UNIT + "leaders:\n  - {id: L-1, name: 甲, rank: other}\n"
    assert findings("D001", data) == []


def test_duplicate_id_points_at_the_second_and_relates_the_first(write_dataset: Write) -> None:
    root = write_dataset(
        {"a.yaml": UNIT, "b.yaml": "leaders:\n  - {id: U-1, name: 甲, rank: other}\n"}
    )
    (diagnostic,) = findings("D001", root)
    assert (diagnostic.subject, diagnostic.file, diagnostic.line) == ("U-1", "b.yaml", 2)
    assert [(r.subject, r.location.file, r.location.line) for r in diagnostic.related] == [
        ("U-1", "a.yaml", 2)
    ]
    assert load(root).by_id["U-1"].collection == "units"


def test_three_records_sharing_an_id_are_one_d001_with_the_others_related(
    write_dataset: Write,
) -> None:
    root = write_dataset(
        {
            "a.yaml": UNIT,
            "b.yaml": "leaders:\n  - {id: U-1, name: 甲, rank: other}\n",
            "c.yaml": "cadres:\n  - {id: U-1, name: 乙, unit: U-1}\n",
        }
    )
    (diagnostic,) = findings("D001", root)
    assert (diagnostic.subject, diagnostic.file, diagnostic.line) == ("U-1", "b.yaml", 2)
    assert [(r.subject, r.location.file, r.location.line) for r in diagnostic.related] == [
        ("U-1", "a.yaml", 2),
        ("U-1", "c.yaml", 2),
    ]


def test_duplicate_id_across_yaml_and_csv(write_dataset: Write) -> None:
    root = write_dataset(
        {
            "a.yaml": "households:\n"
            '  - {id: HH-1, village: "533323200205", status: poor}\n'
            '  - {id: HH-2, village: "533323200205", status: lifted}\n',
            "households.csv": "id,village,status\n"
            "HH-1,533323200205,poor\nHH-2,533323200205,lifted\n",
        }
    )
    assert places(findings("D001", root)) == [
        ("HH-1", "households.csv", 2, 1),
        ("HH-2", "households.csv", 3, 1),
    ]


# --- D002: a reference to a missing id, or to the wrong collection or level -----------------


def test_d002_references_to_records_of_the_right_kind_give_none() -> None:
    data = (
        FUGONG_REGIONS + UNIT + "cadres:\n  - {id: C-1, name: 甲, unit: U-1}\n"
        "households:\n  - {id: HH-1, village: '533323101201', status: poor}\n"
        "pairings:\n"
        "  - {id: P-1, kind: household_help, helper: C-1, target: HH-1, start: 2018-01-01}\n"
        "  - {id: P-2, kind: county_link, helper: U-1, target: '533323', start: 2018-01-01}\n"
    )
    assert findings("D002", data) == []


def test_d002_a_missing_id_is_found_at_the_referencing_field() -> None:
    data = UNIT + "cadres:\n  - {id: C-1, name: 甲, unit: U-FNI}\n"
    (found,) = findings("D002", data)
    assert (found.subject, found.line, found.column) == ("C-1", 4, 24)
    assert found.message == "invalid reference: `unit`: no record has the id `U-FNI`"


def test_reference_to_an_invalid_record_is_not_d002(write_dataset: Write) -> None:
    root = write_dataset(
        {
            "a.yaml": "units:\n  - {id: U-1, kind: provincial_unit}\ncadres:\n"
            "  - {id: C-1, name: 甲, unit: U-1}\n"
        }
    )
    assert rules_of(root, "D") == [("D003", "U-1")]


def test_wrong_collection_and_level_are_d002(write_dataset: Write) -> None:
    root = write_dataset(
        {
            "a.yaml": UNIT + "regions:\n  - {id: '530000', name: 云南省, level: province}\n"
            "households:\n  - {id: H-1, village: '530000', status: poor}\n"
            "cadres:\n  - {id: C-1, name: 甲, unit: H-1}\n"
        }
    )
    assert [(s, line, column) for s, _, line, column in places(findings("D002", root))] == [
        ("H-1", 6, 15),
        ("C-1", 8, 24),
    ]


# --- D003: a record that breaks the format --------------------------------------------------


def test_d003_records_of_the_format_give_none() -> None:
    data = FUGONG_REGIONS + UNIT + "funds:\n"
    data += "  - {id: F-1, name: 资金, source: central, year: 2019, amount: '1.50'}\n"
    assert findings("D003", data) == []


def test_unknown_field_suggests_and_record_still_loads(write_dataset: Write) -> None:
    root = write_dataset(
        {"a.yaml": "units:\n  - id: U-1\n    name: 甲\n    kind: other\n    knid: other\n"}
    )
    (diagnostic,) = findings("D003", root)
    assert (diagnostic.subject, diagnostic.line, diagnostic.column) == ("U-1", 5, 5)
    assert "did you mean `kind`" in diagnostic.message
    assert load(root).by_id["U-1"].valid


def test_unknown_collection_suggests(write_dataset: Write) -> None:
    root = write_dataset({"a.yaml": "unit:\n  - {id: U-1, name: 甲, kind: other}\n"})
    (diagnostic,) = findings("D003", root)
    assert diagnostic.subject is None and diagnostic.line == 1
    assert "did you mean `units`" in diagnostic.message


def test_several_problems_make_one_d003(write_dataset: Write) -> None:
    root = write_dataset(
        {
            "a.yaml": "funds:\n  - id: F-1\n    name: 资金\n    source: central\n"
            "    year: '2019'\n    amount: 1.500\n    received: 2019-02-30\n    extra: yes\n"
        }
    )
    (diagnostic,) = findings("D003", root)
    assert diagnostic.line == 2
    for part in ("year", "amount", "received", "extra"):
        assert f"`{part}`" in diagnostic.message
    assert not load(root).by_id["F-1"].valid


def test_invalid_records_sharing_an_id_are_one_d003_listing_each_records_problems(
    write_dataset: Write,
) -> None:
    root = write_dataset(
        {
            "a.yaml": "units:\n  - {id: U-1, kind: provincial_unit}\n",
            "b.yaml": "leaders:\n  - {id: U-1, name: 甲, rank: boss, extra: 1}\n",
        }
    )
    (diagnostic,) = findings("D003", root)
    assert (diagnostic.subject, diagnostic.file, diagnostic.line) == ("U-1", "a.yaml", 2)
    assert [(r.location.file, r.location.line) for r in diagnostic.related] == [("b.yaml", 2)]
    first, second = diagnostic.message.split("; ")
    assert first.startswith("record breaks the format: a.yaml:2: ") and "`name`" in first
    assert second.startswith("b.yaml:2: ") and "`rank`" in second and "`extra`" in second
    zh = findings("D003", root, lang="zh")[0].message
    assert "a.yaml:2:" in zh and ";b.yaml:2:" in zh


def test_d003_amount_of_10_to_the_100_is_out_of_range_and_t_rules_do_not_crash() -> None:
    # 1e999999999 overflowed the money graph's sums (decimal.Overflow); 1e999999 took
    # half a minute to add and print. An amount below 10^100 yuan is still exact.
    data = (
        "funds:\n"
        "  - {id: F-1, name: 资金甲, source: central, year: 2019, amount: 1e999999999}\n"
        "  - {id: F-2, name: 资金乙, source: central, year: 2019, amount: 1e100}\n"
        f"  - {{id: F-3, name: 资金丙, source: central, year: 2019, amount: '{'9' * 100}.99'}}\n"
        "projects:\n"
        "  - {id: PJ-1, name: 项目甲, county: '533323', category: industry, year: 2019,"
        " budget: 1e999999, status: completed}\n"
        "allocations:\n"
        "  - {id: AL-1, fund: F-3, project: PJ-1, amount: 1e999999999, date: 2019-03-01}\n"
    )
    report = run_rules(data, "D003", "T", "S401")
    assert [d.subject for d in report.diagnostics if d.rule == "D003"] == [
        "F-1",
        "F-2",
        "PJ-1",
        "AL-1",
    ]
    assert "10^100" in report.diagnostics[0].message


LIBRARY_PROJECT = """\
projects:
  - id: PJ-1
    name: 腊竹底村草果种植项目
    county: "533323"
    category: industry
    year: 2019
    budget: "100000.00"
    status: in_library
    performance:
      targets: [{indicator: 种植草果, value: 100, unit: 亩}]
      beneficiaries: [HH-1]
"""


@pytest.mark.parametrize("blank", ['""', "[]", "null"])
def test_a_required_field_given_blank_is_a_missing_required_field(blank: str) -> None:
    # As an empty CSV cell is (issue 14): blank means "not filled in", whatever the reader.
    data = LIBRARY_PROJECT.replace("name: 腊竹底村草果种植项目", f"name: {blank}")
    report = run_rules(data, "S101", "D003")
    # An invalid record: no other rule looks at it.
    assert [(d.rule, d.subject) for d in report.diagnostics] == [("D003", "PJ-1")]
    (d003,) = report.diagnostics
    assert d003.message == "record breaks the format: missing required field `name`"


@pytest.mark.parametrize("blank", ['""', "[]", "null"])
def test_a_scalar_or_optional_field_given_blank_is_absent(blank: str) -> None:
    data = (
        "work_teams:\n"
        f"  - {{id: WT-1, village: '533323101201', unit: U-1, first_secretary: {blank},"
        f" members: [C-1, C-2, C-3], start: 2019-07-01, end: {blank}}}\n"
    )
    report = run_rules(data, "M006", "D003")
    assert [d.rule for d in report.diagnostics if d.rule == "D003"] == []
    assert [d.message for d in report.diagnostics] == ["work team composition: no first secretary"]


# --- D004: a region code that does not fit its level or its parent --------------------------


def test_d004_codes_that_fit_their_levels_and_parents_give_none() -> None:
    assert findings("D004", FUGONG_REGIONS) == []


def test_d004_each_way_a_code_can_fail_to_fit() -> None:
    data = """\
regions:
  - {id: "530000", name: 云南省, level: province, parent: "100000"}
  - {id: "5333", name: 怒江州, level: prefecture, parent: "530000"}
  - {id: "523323", name: 福贡县, level: county, parent: "533300"}
  - {id: "533300", name: 怒江州, level: prefecture, parent: "530000"}
  - {id: "533323101", name: 上帕镇, level: township, parent: "533300"}
  - {id: "53332310120x", name: 腊竹底村, level: village, parent: "533323101"}
"""
    assert [(d.subject, d.line, d.message) for d in findings("D004", data)] == [
        ("530000", 2, "region code does not fit: a province has no parent"),
        ("5333", 3, "region code does not fit: a prefecture code is 6 digits"),
        (
            "523323",
            4,
            "region code does not fit: the first 4 digits must be those of parent `533300`",
        ),
        (
            "533323101",
            6,
            "region code does not fit: parent `533300` is a prefecture, not a county",
        ),
        ("53332310120x", 7, "region code does not fit: a village code is 12 digits"),
    ]


# --- D005: dates out of order, or an event after as_of ---------------------------------------

DATED = (
    UNIT + "pairings:\n"
    "  - {id: P-1, kind: county_link, helper: U-1, target: '533323', start: 2019-01-01,"
    " end: END}\n"
    "visits:\n"
    "  - {id: V-1, visitor: U-1, county: '533323', date: VISIT}\n"
)


def test_d005_an_end_before_its_start_and_an_event_after_as_of_are_found() -> None:
    data = DATED.replace("END", "2018-12-31").replace("VISIT", "2020-01-01")
    assert [(d.subject, d.message) for d in findings("D005", data)] == [
        ("P-1", "dates out of order: `end` 2018-12-31 is before the start 2019-01-01"),
        ("V-1", "dates out of order: `date` 2020-01-01 is after as_of 2019-12-31"),
    ]


def test_d005_an_end_ahead_and_an_event_on_as_of_give_none() -> None:
    # Plans and end dates may lie ahead; an event on the day itself has happened.
    data = DATED.replace("END", "2022-12-31").replace("VISIT", "2019-12-31")
    assert findings("D005", data) == []
    assert findings("D005", data.replace("2019-12-31", "2020-01-01"), date(2020, 1, 1)) == []


# --- D006: personal data --------------------------------------------------------------------


def test_d006_a_valid_id_number_and_a_mobile_number_are_found_at_their_field() -> None:
    data = UNIT + (
        "cadres:\n"
        '  - {id: C-01, name: "干部甲 11010519491231002X", unit: U-1}\n'
        '  - {id: C-02, name: "电话 13912345678", unit: U-1}\n'
    )
    assert [(d.subject, d.line, d.column, d.message) for d in findings("D006", data)] == [
        ("C-01", 4, 16, "holds personal data: `name` holds a resident ID number"),
        ("C-02", 5, 16, "holds personal data: `name` holds a mobile number"),
    ]


def test_d006_a_wrong_check_character_or_a_longer_run_of_digits_is_not_personal_data() -> None:
    data = UNIT + (
        "cadres:\n"
        '  - {id: C-01, name: "干部甲 110105194912310021", unit: U-1}\n'
        '  - {id: C-02, name: "编号 913912345678", unit: U-1}\n'
        "  - {id: C-03, name: 干部丙, unit: U-1}\n"
    )
    assert findings("D006", data) == []


# --- D007: a duplicate key ------------------------------------------------------------------


def test_d007_distinct_keys_give_none() -> None:
    assert findings("D007", "units:\n  - id: U-1\n    name: 甲\n    kind: other\n") == []


def test_duplicate_key_in_a_record_keeps_the_first_value(write_dataset: Write) -> None:
    root = write_dataset(
        {"a.yaml": "units:\n  - id: U-1\n    name: 甲\n    name: 乙\n    kind: other\n"}
    )
    assert places(findings("D007", root)) == [("U-1", "a.yaml", 4, 5)]
    unit = load(root).by_id["U-1"].model
    assert unit is not None and unit.name == "甲"  # type: ignore[attr-defined]


def test_collection_named_twice_joins_lists(write_dataset: Write) -> None:
    root = write_dataset(
        {
            "a.yaml": UNIT
            + "cadres: []\nunits:\n  - {id: U-2, name: 交通运输厅, kind: provincial_unit}\n"
        }
    )
    assert places(findings("D007", root)) == [(None, "a.yaml", 4, 1)]
    dataset = load(root)
    assert {"U-1", "U-2"} <= set(dataset.by_id)
    assert dataset.by_id["U-2"].source.mark is not None
    assert dataset.by_id["U-2"].source.mark.line == 5


def test_duplicate_keys_in_records_sharing_an_id_are_one_d007(write_dataset: Write) -> None:
    record = "  - id: U-1\n    name: 甲\n    name: 乙\n    kind: other\n"
    root = write_dataset({"a.yaml": "units:\n" + record, "b.yaml": "units:\n" + record})
    (diagnostic,) = findings("D007", root)
    assert (diagnostic.file, diagnostic.line) == ("a.yaml", 4)
    assert "name, name (b.yaml:4)" in diagnostic.message
    assert [(r.location.file, r.location.line) for r in diagnostic.related] == [("b.yaml", 4)]


# --- D008: a retired region code ------------------------------------------------------------

SHANGRI_LA = 'regions:\n  - {id: "533421", name: 香格里拉县, level: county, parent: "533400"}\n'


def test_d008_a_code_listed_as_retired_is_found_with_its_replacement() -> None:
    found = findings("D008", SHANGRI_LA, legacy_codes={"533421": "533401"})
    assert [(d.subject, d.line, d.severity, d.message) for d in found] == [
        ("533421", 2, Severity.WARNING, "region code 533421 is retired; it is now 533401")
    ]


def test_d008_current_codes_and_an_empty_list_give_none() -> None:
    assert findings("D008", SHANGRI_LA) == []  # legacy_codes defaults to {}
    assert findings("D008", SHANGRI_LA, legacy_codes={"533422": "533401"}) == []


# --- D009: a stale waiver -------------------------------------------------------------------

CADRES = (
    "units:\n"
    "  - {id: U-FIN, name: 云南省财政厅, kind: provincial_unit}\n"
    "cadres:\n"
    "  - {id: C-01, name: 干部甲, unit: U-FNI}\n"
    "  - {id: C-02, name: 干部乙, unit: U-XXX}\n"
)
WAIVERS = "guabao-rules-waivers.yaml"


def test_d009_waivers_in_force_that_match_give_none(write_dataset: Write) -> None:
    root = write_dataset(
        {
            "data.yaml": CADRES,
            WAIVERS: "waivers:\n"
            "  - {rule: D002, subject: C-01, reason: 单位更名中, expires: 2019-12-31}\n"
            "  - {rule: D002, subject: C-02, reason: 待核实}\n",
        }
    )
    report = run_rules(root, "D")
    assert report.diagnostics == []
    assert [d.subject for d in report.waived] == ["C-01", "C-02"]


def test_an_expired_waiver_waives_nothing_and_is_d009_at_its_entry(write_dataset: Write) -> None:
    root = write_dataset(
        {
            "data.yaml": CADRES,
            WAIVERS: "# 豁免清单\n"
            "waivers:\n"
            "  - {rule: D002, subject: C-01, reason: 单位更名中, expires: 2019-06-30}\n"
            "  - rule: D002\n"
            "    subject: C-02\n"
            "    reason: 待核实\n",
        }
    )
    report = run_rules(root, "D")
    assert report.exit_status == 1
    assert [(d.rule, d.subject) for d in report.diagnostics] == [("D002", "C-01"), ("D009", "C-01")]
    d009 = report.diagnostics[1]
    assert d009.severity == Severity.WARNING
    assert (d009.file, d009.line, d009.column) == (WAIVERS, 3, 6)
    assert d009.message == "stale waiver for D002: it expired on 2019-06-30"
    assert [(d.rule, d.subject) for d in report.waived] == [("D002", "C-02")]


def test_a_waiver_matching_no_finding_is_d009_only_when_its_rule_ran(
    write_dataset: Write,
) -> None:
    root = write_dataset(
        {
            "data.yaml": CADRES,
            WAIVERS: "waivers:\n"
            "  - {rule: D002, subject: C-09, reason: 已删除}\n"
            "  - {rule: D004, subject: null, reason: 无}\n"
            "  - {rule: Q003, subject: 533323, reason: 规则未运行}\n",
        }
    )
    report = run_rules(root, "D")
    assert report.exit_status == 1
    stale = [d for d in report.diagnostics if d.rule == "D009"]
    assert [(d.subject, d.line) for d in stale] == [("C-09", 2), (None, 3)]
    assert stale[0].message == "stale waiver for D002: it matches no finding"
    # With D002 not selected, its waiver cannot be judged unused.
    assert rules_of(root, "D004", "D009") == [("D009", None)]


def test_a_null_subject_waives_file_findings_and_d009_is_never_waived(
    write_dataset: Write,
) -> None:
    root = write_dataset(
        {
            "broken.yaml": "units: [\n",
            WAIVERS: "waivers:\n"
            "  - {rule: D000, subject: null, reason: 旧文件待修复}\n"
            "  - {rule: D009, subject: X, reason: 不应生效, expires: 2019-01-01}\n",
        }
    )
    report = run_rules(root, "D")
    assert report.exit_status == 0
    assert [(d.rule, d.subject) for d in report.waived] == [("D000", None)]
    assert [(d.rule, d.subject) for d in report.diagnostics] == [("D009", "X")]


def test_a_waiver_for_d009_in_force_matches_nothing_and_is_d009(write_dataset: Write) -> None:
    # D009 findings are never waived, so such a waiver is stale from the start.
    root = write_dataset(
        {"data.yaml": "", WAIVERS: "waivers:\n  - {rule: D009, subject: X, reason: 无}\n"}
    )
    report = run_rules(root, "D")
    assert [(d.rule, d.subject, d.message) for d in report.diagnostics] == [
        ("D009", "X", "stale waiver for D009: it matches no finding")
    ]


def test_stale_waivers_of_one_subject_are_one_d009(write_dataset: Write) -> None:
    root = write_dataset(
        {
            "data.yaml": CADRES,
            WAIVERS: "waivers:\n"
            "  - {rule: D002, subject: C-01, reason: 单位更名中, expires: 2019-06-30}\n"
            "  - {rule: D004, subject: C-01, reason: 无}\n"
            "  - {rule: D002, subject: C-02, reason: 待核实, expires: 2019-01-31}\n",
        }
    )
    stale = [d for d in run_rules(root, "D").diagnostics if d.rule == "D009"]
    assert [(d.subject, d.line) for d in stale] == [("C-01", 2), ("C-02", 4)]
    assert stale[0].message == (
        "stale waiver for D002, D004: it expired on 2019-06-30 (D002); it matches no finding (D004)"
    )
    assert [(r.subject, r.location.line) for r in stale[0].related] == [("C-01", 3)]
    assert stale[1].message == "stale waiver for D002: it expired on 2019-01-31"


# --- D010: a family of rules that checked nothing -------------------------------------------

FUGONG = (
    'regions:\n  - {id: "533323", name: 福贡县, level: county, parent: "533300", tags: [TAG]}\n'
)


def test_d010_a_misspelled_scope_tag_is_one_finding_per_family_with_a_hint() -> None:
    report = run_rules(FUGONG.replace("TAG", "深度贫困县"), "D010", "Q", "M")
    found = report.diagnostics  # the Q and M rules find nothing: they judge nothing
    assert [(d.subject, d.line, d.severity) for d in found] == [(None, 2, Severity.WARNING)] * 2
    hint = "no county is tagged `deep_poverty` (the data has the tag `深度贫困县`: did you mean"
    assert found[0].message.startswith("Q rules checked nothing: Q003, Q005, Q006, Q007, Q009: ")
    assert found[1].message.startswith("M rules checked nothing: M003: ")
    assert all(hint in d.message for d in found)


def test_d010_the_scope_tag_written_right_gives_none_and_the_rules_judge() -> None:
    data = FUGONG.replace("TAG", "deep_poverty")
    report = run_rules(data, "D010", "Q", "M")
    assert [d for d in report.diagnostics if d.rule == "D010"] == []
    assert {d.rule for d in report.diagnostics} == {"Q003", "Q005", "Q006", "Q007", "Q009"}
