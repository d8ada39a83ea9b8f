"""Edge cases of the M rules (working mechanisms) beyond their pack examples."""

from __future__ import annotations

from datetime import date

import pytest
from helpers import FUGONG_REGIONS, applied, findings, found, run_rules

from guabao_rules.kinds.periodic import shortfalls
from guabao_rules.timecal import Quarter

# --- the shared helper ---------------------------------------------------------------------


def test_shortfalls_counts_only_listed_periods_in_order() -> None:
    events = [2019, 2019, 2020, 2017, 2021]
    assert shortfalls([2019, 2020, 2018], events, 2) == [(2020, 1), (2018, 0)]
    assert shortfalls([], events, 5) == []
    quarters = [Quarter(2019, 3), Quarter(2019, 4)]
    assert shortfalls(quarters, [Quarter(2019, 3)], 1) == [(Quarter(2019, 4), 0)]


# --- M001 ----------------------------------------------------------------------------------

M001_BASE = """\
regions:
  - {id: "533323", name: 福贡县, level: county, parent: "533300", tags: [deep_poverty]}
  - {id: "533324", name: 贡山独龙族怒族自治县, level: county, parent: "533300"}
units:
  - {id: U-SLT, name: 云南省水利厅, kind: provincial_unit}
  - {id: U-NYT, name: 云南省农业农村厅, kind: provincial_unit}
leaders:
  - {id: L-1, name: 周某某, rank: provincial}
pairings:
  - {id: P-1, kind: county_link, helper: U-SLT, target: "533323", start: START}
"""


def m001(start: str, visits: str) -> str:
    return M001_BASE.replace("START", start) + "visits:\n" + visits


def test_m001_pairing_starting_mid_year_is_not_judged_on_that_year() -> None:
    data = m001(
        "2018-07-01",
        "  - {id: V-1, visitor: U-SLT, county: '533323', date: 2019-03-01, main_leader: true}\n"
        "  - {id: V-2, visitor: U-SLT, county: '533323', date: 2019-09-01, main_leader: true}\n",
    )
    assert findings("M001", data, date(2019, 12, 31)) == []
    # From 1 January 2018 the same data misses the whole of 2018.
    found = findings("M001", m001("2018-01-01", data.split("visits:\n")[1]), date(2019, 12, 31))
    assert [(d.subject, d.message) for d in found] == [
        ("P-1", "too few main-leader visits by U-SLT to 533323 (at least 2 a year): 0 in 2018")
    ]


def test_m001_year_ending_exactly_on_as_of_is_judged() -> None:
    data = m001(
        "2019-01-01",
        "  - {id: V-1, visitor: U-SLT, county: '533323', date: 2019-03-01, main_leader: true}\n",
    )
    assert [d.subject for d in findings("M001", data, date(2019, 12, 31))] == ["P-1"]
    assert findings("M001", data, date(2019, 12, 30)) == []


def test_m001_counts_only_main_leader_visits_by_the_unit_to_its_county() -> None:
    data = m001(
        "2019-01-01",
        "  - {id: V-1, visitor: U-SLT, county: '533323', date: 2019-03-01, main_leader: true}\n"
        "  - {id: V-2, visitor: U-SLT, county: '533323', date: 2019-04-01}\n"
        "  - {id: V-3, visitor: U-SLT, county: '533324', date: 2019-05-01, main_leader: true}\n"
        "  - {id: V-4, visitor: U-NYT, county: '533323', date: 2019-06-01, main_leader: true}\n",
    )
    found = findings("M001", data, date(2019, 12, 31), lang="zh")
    assert [d.message for d in found] == [
        "U-SLT 主要领导到挂联县 533323 调研指导每年应不少于 2 次:2019 年 1 次"
    ]
    assert findings("M001", data, date(2019, 12, 31), min_visits_per_year=1) == []


def test_m001_lists_every_short_year_in_one_finding() -> None:
    data = m001(
        "2017-01-01",
        "  - {id: V-1, visitor: U-SLT, county: '533323', date: 2018-03-01, main_leader: true}\n"
        "  - {id: V-2, visitor: U-SLT, county: '533323', date: 2018-09-01, main_leader: true}\n"
        "  - {id: V-3, visitor: U-SLT, county: '533323', date: 2019-09-01, main_leader: true}\n",
    )
    found = findings("M001", data, date(2019, 12, 31))
    assert len(found) == 1
    assert found[0].message.endswith(": 0 in 2017, 1 in 2019")
    assert [r.subject for r in found[0].related] == ["U-SLT", "533323"]


def test_m001_ended_pairing_is_judged_only_on_its_complete_years() -> None:
    data = m001(
        "2017-01-01",
        "  - {id: V-1, visitor: U-SLT, county: '533323', date: 2017-03-01, main_leader: true}\n"
        "  - {id: V-2, visitor: U-SLT, county: '533323', date: 2017-09-01, main_leader: true}\n",
    ).replace("start: 2017-01-01}", "start: 2017-01-01, end: 2018-12-30}")
    assert findings("M001", data, date(2019, 12, 31)) == []


def test_m001_leader_links_and_dangling_targets_are_not_subjects() -> None:
    data = M001_BASE.replace("START", "2017-01-01").replace(
        "pairings:\n",
        "pairings:\n"
        "  - {id: P-L, kind: county_link, helper: L-1, target: '533323', start: 2017-01-01}\n"
        "  - {id: P-X, kind: county_link, helper: U-NYT, target: '533399', start: 2017-01-01}\n",
    )
    assert [d.subject for d in findings("M001", data, date(2019, 12, 31))] == ["P-1"]
    assert applied("M001", data, date(2019, 12, 31)) == 1


# --- M002 ----------------------------------------------------------------------------------

M002_BASE = """\
regions:
  - {id: "533323200205", name: 老姆登村, level: village, parent: "533323200"}
  - {id: "533323200207", name: 知子罗村, level: village, parent: "533323200"}
units:
  - {id: U-SLT, name: 云南省水利厅, kind: provincial_unit}
cadres:
  - {id: C-01, name: 达某英, unit: U-SLT}
  - {id: C-02, name: 丰某勇, unit: U-SLT}
  - {id: C-03, name: 和某霞, unit: U-SLT}
  - {id: C-04, name: 余某强, unit: U-SLT}
  - {id: C-05, name: 李某, unit: U-SLT}
households:
  - {id: HH-1, village: "533323200205", status: poor}
  - {id: HH-2, village: "533323200205", status: lifted}
  - {id: HH-3, village: "533323200207", status: poor}
work_teams:
  - {id: WT-1, village: "533323200205", unit: U-SLT, members: [C-01, C-02, C-03], start: 2019-07-01}
"""


def report(rid: str, reporter: str, period: str, household: str = "HH-1") -> str:
    return (
        f"  - {{id: {rid}, reporter: {reporter}, household: {household},"
        f" period: '{period}', date: 2019-12-20}}\n"
    )


def test_m002_quarter_ending_on_as_of_is_required() -> None:
    assert [d.subject for d in findings("M002", M002_BASE, date(2019, 9, 30))] == ["HH-1"]
    assert findings("M002", M002_BASE, date(2019, 9, 29)) == []
    data = M002_BASE + "reports:\n" + report("R-1", "C-03", "2019-Q3")
    assert findings("M002", data, date(2019, 9, 30)) == []


def test_m002_lists_missing_quarters_and_ignores_non_members_and_other_periods() -> None:
    data = (
        M002_BASE
        + "reports:\n"
        + report("R-1", "C-04", "2019-Q3")  # the helping cadre, not a team member
        + report("R-2", "C-01", "2020-Q1")  # a later quarter
        + report("R-3", "C-01", "2019-Q4", household="HH-2")
    )
    found = findings("M002", data, date(2020, 3, 31))
    assert [(d.subject, d.message) for d in found] == [
        ("HH-1", "no report on the household from a work-team member for 2019-Q3, 2019-Q4")
    ]
    assert [r.subject for r in found[0].related] == ["WT-1"]


def test_m002_team_starting_mid_quarter_owes_nothing_for_that_quarter() -> None:
    data = M002_BASE.replace("start: 2019-07-01", "start: 2019-07-02")
    assert findings("M002", data, date(2019, 12, 30)) == []
    assert [d.message[-7:] for d in findings("M002", data, date(2019, 12, 31))] == ["2019-Q4"]


def test_m002_subjects_are_poor_households_in_villages_with_an_active_team() -> None:
    assert applied("M002", M002_BASE, date(2019, 12, 31)) == 1  # HH-1 only
    ended = M002_BASE.replace("start: 2019-07-01", "start: 2019-07-01, end: 2019-12-30")
    assert findings("M002", ended, date(2019, 12, 31)) == []
    assert applied("M002", ended, date(2019, 12, 31)) == 0


def test_m002_each_active_team_is_satisfied_by_its_own_members() -> None:
    data = (
        M002_BASE + "  - {id: WT-2, village: '533323200205', unit: U-SLT, members: [C-04, C-05],"
        " start: 2019-10-01}\n"
        + "reports:\n"
        + report("R-1", "C-01", "2019-Q3")
        + report("R-2", "C-01", "2019-Q4")
    )
    found = findings("M002", data, date(2019, 12, 31))
    assert [d.message for d in found] == [
        "no report on the household from a work-team member for 2019-Q4 (WT-2)"
    ]
    assert [r.subject for r in found[0].related] == ["WT-1", "WT-2"]
    fixed = data + report("R-3", "C-05", "2019-Q4")
    assert findings("M002", fixed, date(2019, 12, 31)) == []


# --- M003 ----------------------------------------------------------------------------------

M003_BASE = """\
regions:
  - {id: "533323", name: 福贡县, level: county, parent: "533300", tags: [deep_poverty]}
  - {id: "533324", name: 贡山县, level: county, parent: "533300", tags: [deep_poverty]}
units:
  - {id: U-ZRT, name: 云南省自然资源厅, kind: provincial_unit}
  - {id: U-SLT, name: 云南省水利厅, kind: provincial_unit}
leaders:
  - {id: L-1, name: 周某某, rank: provincial}
pairings:
  - {id: P-1, kind: county_link, helper: U-ZRT, target: "533323", role: lead, start: 2018-07-01}
  - {id: P-2, kind: county_link, helper: U-SLT, target: "533323", start: 2018-01-01}
meetings:
  - {id: MT-1, county: "533323", convened_by: U-SLT, date: 2019-03-01}
  - {id: MT-2, county: "533324", convened_by: U-ZRT, date: 2019-03-01}
"""


def test_m003_counts_only_meetings_the_lead_convened_in_the_county() -> None:
    found = findings("M003", M003_BASE, date(2019, 12, 31))
    assert [(d.subject, d.severity.value, d.message) for d in found] == [
        (
            "533323",
            "warning",
            "too few joint meetings convened by the lead unit U-ZRT (at least 1 a year): 0 in 2019",
        )
    ]
    # 2018 is not a complete year of the lead pairing (it started on 1 July).
    assert findings("M003", M003_BASE, date(2019, 12, 30)) == []
    fixed = M003_BASE + "  - {id: MT-3, county: '533323', convened_by: U-ZRT, date: 2019-11-01}\n"
    assert findings("M003", fixed, date(2019, 12, 31)) == []
    assert [
        d.message[-9:]
        for d in findings("M003", fixed, date(2019, 12, 31), min_joint_meetings_per_year=2)
    ] == ["1 in 2019"]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ("role: lead, ", "no lead unit: Q009's finding"),
        ("role: member", "two lead units: Q009's finding"),
    ],
)
def test_m003_needs_exactly_one_lead_unit(change: str, reason: str) -> None:
    if change == "role: member":
        data = M003_BASE.replace("start: 2018-01-01}", "role: lead, start: 2018-01-01}")
    else:
        data = M003_BASE.replace(change, "")
    assert findings("M003", data, date(2019, 12, 31)) == [], reason


def test_m003_leader_leads_and_out_of_scope_counties_are_ignored() -> None:
    data = M003_BASE.replace(
        "pairings:\n",
        "pairings:\n"
        "  - {id: P-L, kind: county_link, helper: L-1, target: '533323', role: lead,"
        " start: 2018-01-01}\n",
    )
    assert [d.subject for d in findings("M003", data, date(2019, 12, 31))] == ["533323"]
    assert findings("M003", M003_BASE, date(2019, 12, 31), scope_tag="poverty_county") == []


# --- M004 ----------------------------------------------------------------------------------


def test_m004_points_at_the_category_of_each_handout_project() -> None:
    data = """\
projects:
  - {id: PJ-1, name: 化肥, county: "533323", category: goods_handout, year: 2020, budget: 1,
     status: proposed}
  - {id: PJ-2, name: 草果, county: "533323", category: industry, year: 2020, budget: 1,
     status: proposed}
  - {id: PJ-3, name: 慰问金, county: "533323", category: cash_handout, year: 2020, budget: 1,
     status: cancelled}
"""
    found = findings("M004", data, date(2019, 12, 31), lang="zh")
    lines = data.splitlines()
    assert [(d.subject, d.line) for d in found] == [("PJ-1", 2), ("PJ-3", 6)]
    # Columns are 1-based character positions of the `category` key.
    assert [d.column for d in found] == [
        lines[1].index("category") + 1,
        lines[5].index("category") + 1,
    ]
    assert found[0].message == "项目类别为 goods_handout:杜绝简单发钱发物"
    assert applied("M004", data, date(2019, 12, 31)) == 3  # every project was looked at


# --- M006 ----------------------------------------------------------------------------------


def team(members: str, extra: str = "") -> str:
    return (
        "work_teams:\n"
        f"  - {{id: WT-1, village: '533323200205', unit: U-SLT, members: [{members}],"
        f" start: 2019-07-01{extra}}}\n"
    )


def test_m006_a_team_of_two_is_too_small() -> None:
    data = team("C-01, C-02", ", first_secretary: C-01")
    found = findings("M006", data, date(2019, 12, 31))
    assert [d.message for d in found] == ["work team composition: only 2 members (fewer than 3)"]
    assert found[0].column == data.splitlines()[1].index("members") + 1


def test_m006_duplicate_members_count_once() -> None:
    found = findings(
        "M006", team("C-01, C-02, C-02", ", first_secretary: C-01"), date(2019, 12, 31)
    )
    assert [d.message for d in found] == ["work team composition: only 2 members (fewer than 3)"]


def test_m006_first_secretary_not_a_member() -> None:
    found = findings(
        "M006", team("C-01, C-02, C-03", ", first_secretary: C-09"), date(2019, 12, 31)
    )
    assert [d.message for d in found] == [
        "work team composition: first secretary C-09 is not a member"
    ]


def test_m006_lists_every_problem_in_one_finding() -> None:
    data = team("C-01, C-02, C-03, C-04, C-05, C-06")
    assert findings("M006", data, date(2019, 12, 31), max_team_members=5)[0].message == (
        "work team composition: 6 members (more than 5), no first secretary"
    )
    assert [d.message for d in findings("M006", data, date(2019, 12, 31))] == [
        "work team composition: no first secretary"
    ]
    good = team("C-01, C-02, C-03, C-04, C-05", ", first_secretary: C-05")
    assert findings("M006", good, date(2019, 12, 31), max_team_members=5) == []


# --- M007 ----------------------------------------------------------------------------------


def term(start: str, end: str | None) -> str:
    bound = f", end: {end}" if end else ""
    return (
        "work_teams:\n"
        f"  - {{id: WT-1, village: '533323200205', unit: U-SLT, first_secretary: C-01,"
        f" members: [C-01], start: {start}{bound}}}\n"
    )


@pytest.mark.parametrize(
    ("start", "end", "short"),
    [
        ("2016-02-29", "2018-02-27", False),  # 2 years from 29 Feb are up on 28 Feb 2018
        ("2016-02-29", "2018-02-26", True),
        ("2017-03-01", "2019-02-28", False),
        ("2017-03-01", "2019-02-27", True),
        ("2018-02-28", "2020-02-27", False),
        ("2018-02-28", "2020-02-26", True),
    ],
)
def test_m007_term_boundaries(start: str, end: str, short: bool) -> None:
    found = findings("M007", term(start, end), date(2020, 12, 31))
    assert bool(found) is short
    if short:
        assert found[0].message == (f"the team served from {start} to {end}, less than 2 years")


def test_m007_only_ended_teams_are_judged() -> None:
    assert findings("M007", term("2019-07-01", None), date(2019, 12, 31)) == []
    assert findings("M007", term("2019-07-01", "2020-01-31"), date(2019, 12, 31)) == []
    assert len(findings("M007", term("2019-07-01", "2019-12-31"), date(2019, 12, 31))) == 1
    # An end before the start is D005's finding, not a short term.
    assert findings("M007", term("2019-07-01", "2019-06-30"), date(2019, 12, 31)) == []
    assert (
        findings(
            "M007", term("2019-07-01", "2020-06-30"), date(2020, 12, 31), min_team_term_years=1
        )
        == []
    )


# --- M008 ----------------------------------------------------------------------------------


def finding(closed: str | None, deadline: str = "2019-10-31", day: str = "2019-09-05") -> str:
    extra = f", closed: {closed}" if closed else ""
    return (
        "findings:\n"
        f"  - {{id: FD-1, county: '533323', raised_by: SG-1, date: {day},"
        f" deadline: {deadline}{extra}, summary: 帮扶手册记录不完整}}\n"
    )


def test_m008_closed_on_the_deadline_passes_one_day_late_fails() -> None:
    assert findings("M008", finding("2019-10-31"), date(2019, 12, 31)) == []
    found = findings("M008", finding("2019-11-01"), date(2019, 12, 31))
    assert [d.message for d in found] == [
        "not corrected by its deadline: closed on 2019-11-01, after its deadline 2019-10-31"
    ]


def test_m008_open_finding_is_overdue_only_after_its_deadline() -> None:
    assert findings("M008", finding(None), date(2019, 10, 31)) == []
    found = findings("M008", finding(None), date(2019, 11, 1))
    assert [d.message for d in found] == [
        "not corrected by its deadline: still open after its deadline 2019-10-31"
    ]
    # A deadline before the finding's date is D005's finding.
    assert findings("M008", finding(None, day="2019-11-05"), date(2019, 12, 31)) == []


def test_a_record_with_impossible_dates_is_d005_alone() -> None:
    # Issue 14: M007 and M008 skip a D005 record (docs/data-format.md); nothing else does.
    as_of = date(2019, 12, 31)
    data = term("2019-07-01", "2019-06-30") + finding(None, day="2019-11-05")
    found = run_rules(data, "D005", "M006", "M007", "M008", as_of=as_of).diagnostics
    assert sorted({(d.rule, d.subject) for d in found}) == [
        ("D005", "FD-1"),
        ("D005", "WT-1"),
        ("M006", "WT-1"),  # the team is still judged by the rules its dates do not decide
    ]


# --- review: a region that is not a county, blank values, a listed-twice parameter -------


def test_m001_link_whose_target_is_not_a_county_is_not_a_subject() -> None:
    data = FUGONG_REGIONS + (
        "units:\n"
        "  - {id: U-1, name: 云南省水利厅, kind: provincial_unit}\n"
        "pairings:\n"
        "  - {id: P-1, kind: county_link, helper: U-1, target: '533323101201', start: 2018-01-01}\n"
        "  - {id: P-2, kind: county_link, helper: U-1, target: U-1, start: 2018-01-01}\n"
    )
    report = run_rules(data, "M001", "D002")
    assert found(report, "D002") == ["P-1", "P-2"]
    assert found(report, "M001") == []
    assert applied("M001", data) == 0


def test_m002_period_of_year_zero_is_d003_not_a_crash() -> None:
    data = FUGONG_REGIONS + (
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
    data = FUGONG_REGIONS + (
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
    assert applied("M003", data) == 1  # 533324 has no lead unit: Q009's, not M003's


def test_m006_first_secretary_given_as_empty_string_is_missing() -> None:
    data = (
        "work_teams:\n"
        "  - {id: WT-1, village: '533323101201', unit: U-1, first_secretary: '',"
        " members: [C-1, C-2, C-3], start: 2019-07-01, end: ''}\n"
    )
    report = run_rules(data, "M006", "D003")
    assert found(report, "D003") == []
    assert [d.message for d in report.diagnostics] == ["work team composition: no first secretary"]


def test_m005_prefecture_listed_twice_is_one_subject() -> None:
    report = run_rules("regions: []\n", "M005", east_west_prefectures=["533300", "533300"])
    assert found(report, "M005") == ["533300"]
    assert applied("M005", "regions: []\n", east_west_prefectures=["533300", "533300"]) == 1
