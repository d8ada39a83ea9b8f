"""Tests of the S rules (the 七化 project standards) and the ``presence`` kind."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from helpers import FUGONG_REGIONS, findings, found, run_rules

from guabao_rules.config import Config
from guabao_rules.diagnostics import Diagnostic
from guabao_rules.engine.core import catalogue, plan, run
from guabao_rules.kinds.presence import is_missing
from guabao_rules.packs import MEASURES, PackError, parse_pack
from guabao_rules.sources.loader import load_text

AS_OF = date(2019, 12, 31)

REGIONS: list[dict[str, Any]] = [
    {"id": "533300", "name": "怒江傈僳族自治州", "level": "prefecture", "parent": "530000"},
    {"id": "533323", "name": "福贡县", "level": "county", "parent": "533300"},
    {"id": "533323200", "name": "匹河怒族乡", "level": "township", "parent": "533323"},
    {"id": "533323200205", "name": "老姆登村", "level": "village", "parent": "533323200"},
    {"id": "533324", "name": "贡山独龙族怒族自治县", "level": "county", "parent": "533300"},
    {"id": "533324205", "name": "独龙江乡", "level": "township", "parent": "533324"},
    {"id": "533324205201", "name": "孔当村", "level": "village", "parent": "533324205"},
]
HOUSEHOLDS: list[dict[str, Any]] = [
    {"id": "HH-533323-0001", "village": "533323200205", "status": "poor"},
    {"id": "HH-533324-0001", "village": "533324205201", "status": "poor"},
]


def complete_project(**changes: Any) -> dict[str, Any]:
    """A project that passes every S rule on AS_OF; ``changes`` replace or drop (None) fields."""
    project: dict[str, Any] = {
        "id": "PJ-1",
        "name": "老姆登村乡村旅游民宿改造项目",
        "county": "533323",
        "village": "533323200205",
        "category": "industry",
        "nature": "renovation",
        "task": "扶持20户民宿改造客房和卫生间",
        "mechanism": "贫困户房屋入股民宿,按股分红并优先务工",
        "period": {"start": "2019-03-01", "end": "2020-06-30"},
        "implementer": "U-NY",
        "year": 2019,
        "budget": "1000000.00",
        "status": "implementing",
        "milestones": {
            "proposed": "2018-10-19",
            "reviewed": "2018-11-24",
            "in_library": "2018-12-18",
            "start": "2019-03-24",
        },
        "performance": {
            "targets": [{"indicator": "改造民宿", "value": 20, "unit": "户"}],
            "poor_households": 20,
            "beneficiaries": ["HH-533323-0001"],
        },
        "announcements": [
            {"stage": "intake", "start": "2018-12-01", "end": "2018-12-15", "place": "村务公开栏"},
            {
                "stage": "implementation",
                "start": "2019-03-09",
                "end": "2019-03-23",
                "place": "县政府网站",
            },
        ],
        "progress": [
            {"date": "2019-06-15", "physical_pct": 30},
            {"date": "2019-09-10", "physical_pct": 60},
            {"date": "2019-12-01", "physical_pct": 80},
        ],
        "updated": "2019-12-01",
    }
    for key, value in changes.items():
        if value is None:
            project.pop(key, None)
        else:
            project[key] = value
    return project


def check(
    rule: str,
    *projects: dict[str, Any],
    allocations: list[dict[str, Any]] | None = None,
    as_of: date = AS_OF,
    params: dict[str, Any] | None = None,
) -> list[Diagnostic]:
    """Run one rule over the projects (with regions, households, a unit and a fund)."""
    if allocations is None:
        allocations = [
            {
                "id": f"AL-{p['id']}",
                "fund": "F-1",
                "project": p["id"],
                "amount": p["budget"],
                "date": "2019-01-10",
            }
            for p in projects
        ]
    data = {
        "regions": REGIONS,
        "households": HOUSEHOLDS,
        "units": [{"id": "U-NY", "name": "福贡县农业农村局", "kind": "county_unit"}],
        "funds": [
            {
                "id": "F-1",
                "name": "中央财政专项扶贫资金",
                "source": "central",
                "year": 2019,
                "amount": "9000000.00",
            }
        ],
        "projects": list(projects),
        "allocations": allocations,
    }
    dataset = load_text(json.dumps(data, ensure_ascii=False))
    assert not dataset.issues, dataset.issues
    return findings(rule, dataset, as_of, **(params or {}))


def subjects(diagnostics: list[Diagnostic]) -> list[str | None]:
    """The subjects of the findings."""
    return [d.subject for d in diagnostics]


@pytest.mark.parametrize("rule", ["S101", "S201", "S301", "S401", "S501", "S601", "S701"])
def test_complete_project_passes_every_rule(rule: str) -> None:
    assert check(rule, complete_project()) == []


# --- presence kind -------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "minimum", "missing"),
    [
        (None, None, True),
        ("", None, True),
        ([], None, True),
        (" x", None, False),
        (0, None, False),
        (0, 1, True),
        (Decimal("0.5"), 1, True),
        (1, 1, False),
        (["a"], 1, False),
        (["a"], 2, True),
        (False, 1, False),
    ],
)
def test_is_missing(value: Any, minimum: int | None, missing: bool) -> None:
    assert is_missing(value, minimum) is missing


# --- S101 -------------------------------------------------------------------------


def test_s101_lists_every_missing_field_in_one_finding() -> None:
    project = complete_project(nature=None, implementer=None, mechanism="", task=None, period=None)
    found = check("S101", project)
    assert subjects(found) == ["PJ-1"]
    assert (
        found[0].message
        == "project in the library lacks nature, period, implementer, task, mechanism"
    )


def test_s101_infrastructure_project_needs_no_village() -> None:
    project = complete_project(category="infrastructure", village=None)
    assert check("S101", project) == []


def test_s101_other_project_needs_a_village() -> None:
    found = check("S101", complete_project(village=None))
    assert [d.message for d in found] == ["project in the library lacks location (village)"]


@pytest.mark.parametrize(
    ("performance", "missing"),
    [
        (
            {"targets": [{"indicator": "i", "value": 1, "unit": "户"}], "poor_households": 0},
            "beneficiaries",
        ),
        ({"targets": [{"indicator": "i", "value": 1, "unit": "户"}]}, "beneficiaries"),
        ({"poor_households": 3}, "targets"),
        ({"targets": [], "beneficiaries": [], "poor_households": 0}, "beneficiaries, targets"),
    ],
)
def test_s101_beneficiaries_and_targets(performance: dict[str, Any], missing: str) -> None:
    found = check("S101", complete_project(performance=performance))
    assert [d.message for d in found] == [f"project in the library lacks {missing}"]


def test_s101_beneficiary_list_alone_is_enough() -> None:
    performance = {
        "targets": [{"indicator": "i", "value": 1, "unit": "户"}],
        "beneficiaries": ["HH-533323-0001"],
    }
    assert check("S101", complete_project(performance=performance)) == []


@pytest.mark.parametrize("status", ["proposed", "reviewed", "cancelled"])
def test_s101_skips_projects_not_in_the_library(status: str) -> None:
    project = complete_project(status=status, nature=None, task=None, mechanism=None)
    assert check("S101", project) == []


def test_s101_single_missing_field_points_at_it() -> None:
    data = """\
projects:
  - id: PJ-1
    name: 项目
    county: "533323"
    category: infrastructure
    nature: new
    task: ""
    mechanism: 以工代赈
    period: {start: 2020-01-01, end: 2020-06-30}
    implementer: U-1
    year: 2020
    budget: 100
    status: in_library
    performance:
      targets: [{indicator: 道路, value: 1, unit: 公里}]
      poor_households: 4
"""
    report = run(load_text(data), plan(Config(select=["S101"], as_of=AS_OF, lang="en")))
    assert [(d.subject, d.line, d.column) for d in report.diagnostics] == [("PJ-1", 7, 5)]


# --- S201 -------------------------------------------------------------------------


def test_s201_milestones_out_of_order() -> None:
    milestones = {
        "proposed": "2018-10-19",
        "reviewed": "2018-11-24",
        "in_library": "2018-12-18",
        "start": "2018-12-01",
    }
    found = check("S201", complete_project(milestones=milestones))
    assert [d.message for d in found] == [
        "project intake out of order: start 2018-12-01 is before in_library 2018-12-18"
    ]


def test_s201_order_skips_absent_milestones() -> None:
    milestones = {"proposed": "2019-01-10", "in_library": "2019-01-05", "reviewed": "2019-01-01"}
    found = check("S201", complete_project(status="reviewed", milestones=milestones))
    assert len(found) == 1
    assert "reviewed 2019-01-01 is before proposed 2019-01-10" in found[0].message


def test_s201_same_day_milestones_are_in_order() -> None:
    milestones = {"reviewed": "2019-01-05", "in_library": "2019-01-05", "start": "2019-01-05"}
    assert check("S201", complete_project(milestones=milestones)) == []


def test_s201_library_project_needs_review_and_entry_dates() -> None:
    found = check("S201", complete_project(status="completed", milestones={"start": "2019-03-01"}))
    assert [d.message for d in found] == [
        "project intake out of order: status completed without milestones.reviewed, "
        "status completed without milestones.in_library"
    ]


@pytest.mark.parametrize("status", ["proposed", "reviewed", "cancelled"])
def test_s201_early_or_cancelled_project_needs_no_dates(status: str) -> None:
    assert check("S201", complete_project(status=status, milestones={})) == []


# --- S301 -------------------------------------------------------------------------


@pytest.mark.parametrize(("updated", "fails"), [("2019-10-02", False), ("2019-10-01", True)])
def test_s301_boundary(updated: str, fails: bool) -> None:
    found = check("S301", complete_project(updated=updated))
    assert subjects(found) == (["PJ-1"] if fails else [])


def test_s301_missing_update_date() -> None:
    found = check("S301", complete_project(updated=None))
    assert [d.message for d in found] == [
        "project under way not kept up to date: `updated` is absent"
    ]


def test_s301_parameter_changes_the_bound() -> None:
    assert check("S301", complete_project(updated="2019-12-01"), params={"max_update_age_days": 29})


@pytest.mark.parametrize("status", ["in_library", "completed", "accepted", "cancelled"])
def test_s301_only_implementing_projects(status: str) -> None:
    assert check("S301", complete_project(status=status, updated=None)) == []


# --- S401 -------------------------------------------------------------------------


def _allocations(*amounts: str) -> list[dict[str, Any]]:
    return [
        {"id": f"AL-{n}", "fund": "F-1", "project": "PJ-1", "amount": amount, "date": "2019-01-10"}
        for n, amount in enumerate(amounts, 1)
    ]


@pytest.mark.parametrize("status", ["implementing", "completed", "accepted"])
def test_s401_allocations_short_of_budget(status: str) -> None:
    found = check(
        "S401", complete_project(status=status), allocations=_allocations("600000.00", "399999.99")
    )
    assert subjects(found) == ["PJ-1"]
    assert found[0].message == (
        "allocations total 999999.99 yuan, less than the budget of 1000000.00 yuan (short by 0.01)"
    )
    assert [r.subject for r in found[0].related] == ["AL-1", "AL-2"]


def test_s401_exact_total_passes() -> None:
    assert check("S401", complete_project(), allocations=_allocations("0.10", "999999.90")) == []


def test_s401_no_allocation_at_all() -> None:
    found = check("S401", complete_project(), allocations=[])
    assert subjects(found) == ["PJ-1"]
    assert found[0].related == ()


@pytest.mark.parametrize("status", ["in_library", "reviewed", "cancelled"])
def test_s401_skips_projects_not_under_way(status: str) -> None:
    assert check("S401", complete_project(status=status), allocations=[]) == []


# --- S501 -------------------------------------------------------------------------


def test_s501_beneficiary_in_another_county() -> None:
    performance = {
        "targets": [{"indicator": "i", "value": 1, "unit": "户"}],
        "beneficiaries": ["HH-533323-0001", "HH-533324-0001"],
    }
    found = check("S501", complete_project(performance=performance))
    assert [d.message for d in found] == [
        "poverty-reduction performance falls short: beneficiary households outside county 533323: "
        "HH-533324-0001 (533324)"
    ]
    assert [r.subject for r in found[0].related] == ["HH-533324-0001"]


def test_s501_no_targets_and_no_poor_households() -> None:
    found = check("S501", complete_project(performance={"poor_households": 0}))
    assert [d.message for d in found] == [
        "poverty-reduction performance falls short: no performance target, "
        "no benefiting poor households (poor_households 0, no beneficiaries)"
    ]


def test_s501_poor_household_count_alone_is_enough() -> None:
    performance = {"targets": [{"indicator": "i", "value": 1, "unit": "户"}], "poor_households": 5}
    assert check("S501", complete_project(performance=performance)) == []


def test_s501_skips_unknown_beneficiaries() -> None:
    performance = {
        "targets": [{"indicator": "i", "value": 1, "unit": "户"}],
        "beneficiaries": ["HH-GONE"],
    }
    assert check("S501", complete_project(performance=performance)) == []


@pytest.mark.parametrize("status", ["proposed", "reviewed", "cancelled"])
def test_s501_skips_projects_not_in_the_library(status: str) -> None:
    performance = {"beneficiaries": ["HH-533324-0001"]}
    assert check("S501", complete_project(status=status, performance=performance)) == []


# --- S601 -------------------------------------------------------------------------


def _notice(stage: str, start: str, end: str) -> dict[str, str]:
    return {"stage": stage, "start": start, "end": end, "place": "村务公开栏"}


@pytest.mark.parametrize(("end", "fails"), [("2018-12-10", False), ("2018-12-09", True)])
def test_s601_ten_days_pass_nine_fail(end: str, fails: bool) -> None:
    project = complete_project(
        status="in_library", announcements=[_notice("intake", "2018-12-01", end)]
    )
    found = check("S601", project)
    assert [d.message for d in found] == (
        ["project not announced as required: intake announcement only 9 days (at least 10)"]
        if fails
        else []
    )


def test_s601_intake_must_end_by_entry_into_the_library() -> None:
    project = complete_project(
        status="in_library", announcements=[_notice("intake", "2018-12-10", "2018-12-19")]
    )
    found = check("S601", project)
    assert [d.message for d in found] == [
        "project not announced as required: "
        "intake announcement ends after milestones.in_library 2018-12-18"
    ]


def test_s601_without_entry_date_only_the_length_counts() -> None:
    milestones = {"proposed": "2018-10-19", "reviewed": "2018-11-24"}
    notices = [_notice("intake", "2019-05-01", "2019-05-10")]
    assert (
        check(
            "S601",
            complete_project(status="in_library", milestones=milestones, announcements=notices),
        )
        == []
    )


def test_s601_one_qualifying_notice_is_enough() -> None:
    notices = [
        _notice("intake", "2018-12-01", "2018-12-03"),
        _notice("intake", "2018-12-05", "2018-12-14"),
        _notice("intake", "2018-12-20", "2019-01-20"),
        _notice("implementation", "2019-03-01", "2019-03-10"),
    ]
    assert check("S601", complete_project(announcements=notices)) == []


def test_s601_lists_every_stage_a_completed_project_lacks() -> None:
    found = check("S601", complete_project(status="completed", announcements=[]))
    assert [d.message for d in found] == [
        "project not announced as required: intake announcement missing, "
        "implementation announcement missing, completion announcement missing"
    ]


def test_s601_stages_follow_the_status() -> None:
    notices = [_notice("intake", "2018-12-01", "2018-12-15")]
    assert check("S601", complete_project(status="in_library", announcements=notices)) == []
    assert subjects(
        check("S601", complete_project(status="implementing", announcements=notices))
    ) == ["PJ-1"]


def test_s601_parameter_changes_the_length() -> None:
    notices = [_notice("intake", "2018-12-01", "2018-12-05")]
    project = complete_project(status="in_library", announcements=notices)
    assert check("S601", project, params={"min_announcement_days": 5}) == []


@pytest.mark.parametrize("status", ["proposed", "reviewed", "cancelled"])
def test_s601_skips_projects_not_in_the_library(status: str) -> None:
    assert check("S601", complete_project(status=status, announcements=[])) == []


# --- S701 -------------------------------------------------------------------------


@pytest.mark.parametrize(("last", "fails"), [("2019-10-02", False), ("2019-10-01", True)])
def test_s701_gap_to_as_of_boundary(last: str, fails: bool) -> None:
    progress = [
        {"date": "2019-06-15", "physical_pct": 30},
        {"date": "2019-08-15", "physical_pct": 45},
        {"date": last, "physical_pct": 60},
    ]
    milestones = {"reviewed": "2019-01-10", "in_library": "2019-03-20", "start": "2019-03-24"}
    found = check("S701", complete_project(milestones=milestones, progress=progress))
    assert [d.message for d in found] == (
        ["progress not monitored (at most 90 days apart): 91 days from 2019-10-01 to 2019-12-31"]
        if fails
        else []
    )


def test_s701_gap_from_start_and_between_unsorted_reports() -> None:
    progress = [
        {"date": "2019-12-01", "physical_pct": 80},
        {"date": "2019-07-01", "physical_pct": 30},
    ]
    milestones = {"reviewed": "2018-11-24", "in_library": "2018-12-18", "start": "2019-03-24"}
    found = check("S701", complete_project(milestones=milestones, progress=progress))
    assert [d.message for d in found] == [
        "progress not monitored (at most 90 days apart): "
        "99 days from 2019-03-24 to 2019-07-01, 153 days from 2019-07-01 to 2019-12-01"
    ]


def test_s701_neither_start_nor_reports() -> None:
    milestones = {"reviewed": "2018-11-24", "in_library": "2018-12-18"}
    found = check("S701", complete_project(milestones=milestones, progress=[]))
    assert [d.message for d in found] == [
        "progress not monitored (at most 90 days apart): "
        "neither a start milestone nor any progress report"
    ]


def test_s701_reports_without_start_milestone() -> None:
    milestones = {"reviewed": "2018-11-24", "in_library": "2018-12-18"}
    progress = [{"date": "2019-10-15", "physical_pct": 50}]
    assert check("S701", complete_project(milestones=milestones, progress=progress)) == []


@pytest.mark.parametrize("status", ["in_library", "completed", "cancelled"])
def test_s701_only_implementing_projects(status: str) -> None:
    assert check("S701", complete_project(status=status, milestones={}, progress=[])) == []


# --- catalogue --------------------------------------------------------------------


def test_measures_follow_the_seed_and_s_rules_name_them_in_order() -> None:
    assert [m.zh for m in MEASURES.values()] == [
        "项目管理标准化",
        "项目入库科学化",
        "项目更新动态化",
        "项目资金一体化",
        "带贫减贫绩效化",
        "内外监督公开化",
        "进度监测信息化",
    ]
    s_rules = [r for r in catalogue().rules if r.family == "S"]
    keys = list(MEASURES)
    assert [(r.id, r.measure) for r in s_rules] == [
        (f"S{n + 1}01", key) for n, key in enumerate(keys)
    ]


def _pack(rule_extra: str, constraint: str) -> bytes:
    text = f"""\
pack: {{name: t, description: {{zh: 测试, en: test}}}}
rules:
  - id: S999
    name: test-rule
    title: {{zh: t, en: t}}
    message: {{zh: m, en: m}}
    severity: error
    subject: {{zh: s, en: s}}
    description: {{zh: d, en: d}}
    rationale: {{zh: r, en: r}}
    source: {{clause: (二), quote: q}}
    {rule_extra}
    constraint: {constraint}
    examples:
      fail: {{data: "", expect: [{{subject: x}}]}}
      pass: {{data: ""}}
"""
    return text.encode()


def test_pack_rejects_an_unknown_measure() -> None:
    with pytest.raises(PackError, match="unknown measure"):
        parse_pack(_pack("measure: tidiness", "{kind: python, check: S101}"), "t.yaml")


def test_pack_rejects_a_presence_constraint_without_fields() -> None:
    with pytest.raises(PackError, match="fields"):
        parse_pack(
            _pack(
                "measure: standardisation",
                "{kind: presence, select: {collection: projects}, fields: []}",
            ),
            "t.yaml",
        )


def test_pack_rejects_an_unknown_presence_key() -> None:
    constraint = (
        "{kind: presence, select: {collection: projects}, fields: [{path: name, required: true}]}"
    )
    with pytest.raises(PackError):
        parse_pack(_pack("", constraint), "t.yaml")


# --- review: places that are not what a project needs, blank values, 31-digit money -------

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
        FUGONG_REGIONS
        + "households:\n  - {id: HH-1, village: '533323101201', status: poor}\n"
        + LIBRARY_PROJECT.replace("COUNTY", "533300")
    )
    report = run_rules(data, "S501", "D002")
    assert found(report, "D002") == ["PJ-1"]
    assert found(report, "S501") == []


def test_s501_beneficiary_whose_village_is_not_a_village_is_d002_only() -> None:
    data = (
        FUGONG_REGIONS
        + "  - {id: '533324', name: 贡山独龙族怒族自治县, level: county, parent: '533300'}\n"
        + "  - {id: '533324205', name: 独龙江乡, level: township, parent: '533324'}\n"
        + "households:\n  - {id: HH-1, village: '533324205', status: poor}\n"
        + LIBRARY_PROJECT.replace("COUNTY", "533323")
    )
    report = run_rules(data, "S501", "D002")
    assert found(report, "D002") == ["HH-1"]
    assert found(report, "S501") == []


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


BIG = "1" + "0" * 30  # 10^30 yuan: 31 digits, more than a default Decimal context keeps


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
