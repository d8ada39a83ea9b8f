"""Review of every rule against rules.md: one small test per deviation found.

Each test names the rule and the case. The datasets are the smallest that show
the deviation; they are judged on AS_OF unless the case needs another day.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from helpers import run_rules

from guabao_rules.config import Config, ConfigError
from guabao_rules.engine.core import Report, plan

REGIONS = """\
regions:
  - {id: "530000", name: 云南省, level: province}
  - {id: "533300", name: 怒江傈僳族自治州, level: prefecture, parent: "530000"}
  - {id: "533323", name: 福贡县, level: county, parent: "533300", tags: [deep_poverty]}
  - {id: "533323101", name: 上帕镇, level: township, parent: "533323"}
  - {id: "533323101201", name: 腊竹底村, level: village, parent: "533323101", tags: [poor_village]}
"""


def found(report: Report, rule: str) -> list[str | None]:
    """The subjects of one rule's findings."""
    return [d.subject for d in report.diagnostics if d.rule == rule]


def applied(report: Report, rule: str) -> int:
    """How many subjects a rule looked at."""
    return next(s.applied for s in report.rules if s.rule == rule)


# --- Q: a link to a region that is not a county is D002's, not a county ------------------


def test_q004_link_to_a_non_county_region_is_not_a_county() -> None:
    data = REGIONS + (
        "leaders:\n"
        "  - {id: L-1, name: 领导甲, rank: provincial}\n"
        "pairings:\n"
        "  - {id: P-1, kind: county_link, helper: L-1, target: '533323', start: 2018-01-01}\n"
        "  - {id: P-2, kind: county_link, helper: L-1, target: '533323101201', start: 2018-01-01}\n"
    )
    report = run_rules(data, "Q004", "D002")
    assert found(report, "D002") == ["P-2"]
    assert found(report, "Q004") == []


def test_q008_link_to_a_village_of_an_in_scope_county_is_not_counted() -> None:
    data = REGIONS + (
        "units:\n"
        "  - {id: U-1, name: 云南省财政厅, kind: provincial_unit}\n"
        "  - {id: U-2, name: 云南省水利厅, kind: provincial_unit}\n"
        "pairings:\n"
        "  - {id: P-1, kind: county_link, helper: U-1, target: '533323', start: 2018-01-01}\n"
        "  - {id: P-2, kind: county_link, helper: U-2, target: '533323101201', start: 2018-01-01}\n"
    )
    report = run_rules(data, "Q008", "D002", total_units=1)
    assert found(report, "D002") == ["P-2"]
    assert found(report, "Q008") == []


# --- M ---------------------------------------------------------------------------------


def test_m001_link_whose_target_is_not_a_county_is_not_a_subject() -> None:
    data = REGIONS + (
        "units:\n"
        "  - {id: U-1, name: 云南省水利厅, kind: provincial_unit}\n"
        "pairings:\n"
        "  - {id: P-1, kind: county_link, helper: U-1, target: '533323101201', start: 2018-01-01}\n"
        "  - {id: P-2, kind: county_link, helper: U-1, target: U-1, start: 2018-01-01}\n"
    )
    report = run_rules(data, "M001", "D002")
    assert found(report, "D002") == ["P-1", "P-2"]
    assert found(report, "M001") == []
    assert applied(report, "M001") == 0


def test_m002_period_of_year_zero_is_d003_not_a_crash() -> None:
    data = REGIONS + (
        "units:\n"
        "  - {id: U-1, name: 云南省水利厅, kind: provincial_unit}\n"
        "cadres:\n"
        "  - {id: C-1, name: 达某英, unit: U-1}\n"
        "work_teams:\n"
        "  - {id: WT-1, village: '533323101201', unit: U-1, members: [C-1], start: 2019-07-01}\n"
        "households:\n"
        "  - {id: HH-1, village: '533323101201', status: poor}\n"
        "reports:\n"
        "  - {id: R-1, reporter: C-1, household: HH-1, period: '0000-Q1', date: 2019-10-08}\n"
    )
    report = run_rules(data, "M002", "D003")
    assert found(report, "D003") == ["R-1"]
    assert found(report, "M002") == ["HH-1"]


def test_m003_applied_counts_only_counties_with_exactly_one_lead() -> None:
    data = REGIONS + (
        "  - {id: '533324', name: 贡山独龙族怒族自治县, level: county, parent: '533300',"
        " tags: [deep_poverty]}\n"
        "units:\n"
        "  - {id: U-1, name: 云南省自然资源厅, kind: provincial_unit}\n"
        "pairings:\n"
        "  - {id: P-1, kind: county_link, helper: U-1, target: '533323', role: lead,"
        " start: 2018-01-01}\n"
        "meetings:\n"
        "  - {id: MT-1, county: '533323', convened_by: U-1, date: 2018-06-15}\n"
        "  - {id: MT-2, county: '533323', convened_by: U-1, date: 2019-06-14}\n"
    )
    report = run_rules(data, "M003")
    assert found(report, "M003") == []
    assert applied(report, "M003") == 1  # 533324 has no lead unit: Q009's, not M003's


# --- S ---------------------------------------------------------------------------------

LIBRARY_PROJECT = """\
projects:
  - id: PJ-1
    name: 腊竹底村草果种植项目
    county: "COUNTY"
    category: industry
    year: 2019
    budget: "100000.00"
    status: in_library
    performance:
      targets: [{indicator: 种植草果, value: 100, unit: 亩}]
      beneficiaries: [HH-1]
"""


def test_s501_project_county_that_is_not_a_county_is_d002_only() -> None:
    data = (
        REGIONS
        + "households:\n  - {id: HH-1, village: '533323101201', status: poor}\n"
        + LIBRARY_PROJECT.replace("COUNTY", "533300")
    )
    report = run_rules(data, "S501", "D002")
    assert found(report, "D002") == ["PJ-1"]
    assert found(report, "S501") == []


# --- exact money beyond 28 significant digits (the default decimal precision) -----------

BIG = "1" + "0" * 30  # 10^30 yuan: 31 digits, more than a default Decimal context keeps


def test_t003_excess_of_one_fen_over_a_31_digit_fund_is_found() -> None:
    data = (
        "funds:\n"
        f"  - {{id: F-1, name: 资金甲, source: central, year: 2019, amount: '{BIG}.00'}}\n"
        "  - {id: F-2, name: 资金乙, source: central, year: 2019, amount: '0.01', parent: F-1}\n"
        "projects:\n"
        "  - {id: PJ-1, name: 项目甲, county: '533323', category: industry, year: 2019,"
        f" budget: '{BIG}.00', status: implementing}}\n"
        "allocations:\n"
        f"  - {{id: AL-1, fund: F-1, project: PJ-1, amount: '{BIG}.00', date: 2019-03-01}}\n"
    )
    report = run_rules(data, "T003")
    assert found(report, "T003") == ["F-1"]
    assert "by 0.01" in report.diagnostics[0].message


def test_s401_allocations_summing_exactly_to_a_31_digit_budget_pass() -> None:
    data = (
        "funds:\n"
        f"  - {{id: F-1, name: 资金甲, source: central, year: 2019, amount: '{BIG}.01'}}\n"
        "projects:\n"
        "  - {id: PJ-1, name: 项目甲, county: '533323', category: industry, year: 2019,"
        f" budget: '{BIG}.01', status: implementing}}\n"
        "  - {id: PJ-2, name: 项目乙, county: '533323', category: industry, year: 2019,"
        f" budget: '{BIG}.02', status: implementing}}\n"
        "allocations:\n"
        f"  - {{id: AL-1, fund: F-1, project: PJ-1, amount: '{BIG}.00', date: 2019-03-01}}\n"
        "  - {id: AL-2, fund: F-1, project: PJ-1, amount: '0.01', date: 2019-03-01}\n"
        f"  - {{id: AL-3, fund: F-1, project: PJ-2, amount: '{BIG}.00', date: 2019-03-01}}\n"
        "  - {id: AL-4, fund: F-1, project: PJ-2, amount: '0.01', date: 2019-03-01}\n"
    )
    report = run_rules(data, "S401")
    assert found(report, "S401") == ["PJ-2"]
    assert "short by 0.01" in report.diagnostics[0].message


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
    assert found(report, "D003") == ["F-1", "F-2", "PJ-1", "AL-1"]
    assert "10^100" in report.diagnostics[0].message


def test_t009_percent_with_a_hundred_million_fraction_digits_is_judged_quickly() -> None:
    # Fraction(1e-99999999) builds 10^99999999, and printing it exactly writes as many
    # zeros: hours. Past 60 fraction digits a percentage is rounded, and shown as ≈.
    data = (
        "funds:\n"
        "  - {id: F-1, name: 资金甲, source: central, year: 2019, amount: '100.00'}\n"
        "projects:\n"
        "  - {id: PJ-1, name: 项目甲, county: '533323', category: industry, year: 2019,"
        " budget: '100.00', status: implementing,"
        " progress: [{date: 2019-06-01, physical_pct: 1e-99999999}]}\n"
        "allocations:\n"
        "  - {id: AL-1, fund: F-1, project: PJ-1, amount: '100.00', date: 2019-03-01}\n"
        "disbursements:\n"
        "  - {id: DB-1, allocation: AL-1, amount: '100.00', date: 2019-04-01}\n"
    )
    started = time.monotonic()
    report = run_rules(data, "T009")
    assert time.monotonic() - started < 5
    assert found(report, "T009") == ["PJ-1"]
    assert "physical ≈0.00%, funds 100.00% spent" in report.diagnostics[0].message


# --- parameters: a count, a number of days or a percentage is a finite number >= 0 ------


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("min_team_term_years", -1),  # M007 raised "a term cannot be negative"
        ("max_progress_gap_pct", float("nan")),  # T009 raised on NaN
        ("max_file_mb", float("inf")),  # the loader raised OverflowError
        ("idle_days", -3),
    ],
)
def test_parameter_negative_or_not_finite_is_a_config_error(name: str, value: Any) -> None:
    with pytest.raises(ConfigError, match=name):
        plan(Config(params={name: value}))


def test_s501_beneficiary_whose_village_is_not_a_village_is_d002_only() -> None:
    data = (
        REGIONS
        + "  - {id: '533324', name: 贡山独龙族怒族自治县, level: county, parent: '533300'}\n"
        + "  - {id: '533324205', name: 独龙江乡, level: township, parent: '533324'}\n"
        + "households:\n  - {id: HH-1, village: '533324205', status: poor}\n"
        + LIBRARY_PROJECT.replace("COUNTY", "533323")
    )
    report = run_rules(data, "S501", "D002")
    assert found(report, "D002") == ["HH-1"]
    assert found(report, "S501") == []


# --- "missing" = absent, null, an empty string or an empty list ---------------------------


def test_s101_optional_fields_given_as_empty_string_or_null_are_missing_not_d003() -> None:
    data = """\
projects:
  - id: PJ-1
    name: 腊竹底村草果种植项目
    county: "533323"
    village: ""
    category: industry
    nature: ""
    implementer: ""
    task: ""
    mechanism: null
    period: null
    year: 2019
    budget: "100000.00"
    status: in_library
    milestones: null
    performance: {targets: null, poor_households: null, beneficiaries: null}
    announcements: null
    progress: null
    updated: ""
"""
    report = run_rules(data, "S101", "D003")
    assert found(report, "D003") == []
    assert found(report, "S101") == ["PJ-1"]
    assert report.diagnostics[0].message == (
        "project in the library lacks nature, location (village), period, implementer, task,"
        " beneficiaries, targets, mechanism"
    )


def test_m006_first_secretary_given_as_empty_string_is_missing() -> None:
    data = (
        "work_teams:\n"
        "  - {id: WT-1, village: '533323101201', unit: U-1, first_secretary: '',"
        " members: [C-1, C-2, C-3], start: 2019-07-01, end: ''}\n"
    )
    report = run_rules(data, "M006", "D003")
    assert found(report, "D003") == []
    assert [d.message for d in report.diagnostics] == ["work team composition: no first secretary"]


def test_s101_required_name_given_as_empty_string_stays_valid_and_is_missing() -> None:
    data = LIBRARY_PROJECT.replace("COUNTY", "533323").replace(
        "name: 腊竹底村草果种植项目", 'name: ""'
    )
    report = run_rules(data, "S101", "D003")
    assert found(report, "D003") == []
    assert found(report, "S101") == ["PJ-1"]
    assert report.diagnostics[0].message.startswith("project in the library lacks name, nature")


def test_m005_prefecture_listed_twice_is_one_subject() -> None:
    report = run_rules("regions: []\n", "M005", east_west_prefectures=["533300", "533300"])
    assert found(report, "M005") == ["533300"]
    assert applied(report, "M005") == 1
