"""Tests of the Q rules (organisation and quotas, seed (一)): one failing and one passing case
per rule, then the edge cases found in review."""

from __future__ import annotations

from datetime import date

from helpers import applied, findings, run_rules

REGIONS = """\
regions:
  - {id: "530000", name: 云南省, level: province}
  - {id: "533300", name: 怒江傈僳族自治州, level: prefecture, parent: "530000"}
  - {id: "533400", name: 迪庆藏族自治州, level: prefecture, parent: "530000"}
  - {id: "533323", name: 福贡县, level: county, parent: "533300", tags: [deep_poverty]}
  - {id: "533324", name: 贡山独龙族怒族自治县, level: county, parent: "533300"}
  - {id: "533323101", name: 上帕镇, level: township, parent: "533323"}
  - {id: "533323101201", name: 腊竹底村, level: village, parent: "533323101", tags: [poor_village]}
"""

LEADERS = """\
leaders:
  - {id: L-SEC, name: 书记甲, rank: provincial, post: party_secretary}
  - {id: L-GOV, name: 省长乙, rank: provincial, post: governor}
  - {id: L-1, name: 副省长丙, rank: provincial}
  - {id: L-2, name: 副省长丁, rank: provincial}
  - {id: L-D, name: 厅长戊, rank: departmental}
  - {id: L-O, name: 科长己, rank: other}
"""

UNITS = """\
units:
  - {id: U-1, name: 云南省财政厅, kind: provincial_unit}
  - {id: U-2, name: 云南省交通运输厅, kind: provincial_unit}
  - {id: U-3, name: 中国人民银行昆明中心支行, kind: central_unit}
  - {id: U-SOE, name: 云南省投资控股集团, kind: provincial_soe}
cadres:
  - {id: C-1, name: 队员甲, unit: U-1}
"""


def world(*pairings: str, extra: str = "") -> str:
    """The regions, leaders and units above, with these pairings (flow mappings, no dash)."""
    listed = "".join(f"  - {{{p}}}\n" for p in pairings)
    return REGIONS + LEADERS + UNITS + ("pairings:\n" + listed if pairings else "") + extra


def ran(data: str, **params: object) -> set[str]:
    """The Q rules that ran on the data with these parameters."""
    return {stat.rule for stat in run_rules(data, "Q", **params).rules}


def subjects(rule: str, data: str, as_of: date = date(2019, 12, 31), **params: object) -> list:
    return [d.subject for d in findings(rule, data, as_of, **params)]


# --- Q001 / Q002: the party secretary's and the governor's prefecture -----------------------


def test_q001_secretary_without_an_active_link_to_the_prefecture_is_found() -> None:
    ended = world(
        "id: P-1, kind: prefecture_link, helper: L-SEC, target: '533400',"
        " start: 2018-01-01, end: 2018-12-31"
    )
    found = findings("Q001", ended, party_secretary_prefecture="533400")
    assert [(d.subject, d.message) for d in found] == [
        ("533400", "no party secretary has an active prefecture_link to 533400")
    ]
    # Another leader's link, or the secretary's link to another prefecture, does not count.
    others = world(
        "id: P-1, kind: prefecture_link, helper: L-GOV, target: '533400', start: 2018-01-01",
        "id: P-2, kind: prefecture_link, helper: L-SEC, target: '533300', start: 2018-01-01",
    )
    assert subjects("Q001", others, party_secretary_prefecture="533400") == ["533400"]


def test_q001_active_link_passes_and_the_rule_is_off_without_its_parameter() -> None:
    data = world(
        "id: P-1, kind: prefecture_link, helper: L-SEC, target: '533400', start: 2018-01-01"
    )
    assert subjects("Q001", data, party_secretary_prefecture="533400") == []
    assert "Q001" not in ran(world())  # unset: the rule is off
    assert "Q001" in ran(world(), party_secretary_prefecture="533400")


def test_q002_governor_without_an_active_link_to_the_prefecture_is_found() -> None:
    data = world(
        "id: P-1, kind: prefecture_link, helper: L-GOV, target: '533300', start: 2020-01-01"
    )
    found = findings("Q002", data, governor_prefecture="533300")
    assert [(d.subject, d.message) for d in found] == [
        ("533300", "no governor has an active prefecture_link to 533300")
    ]
    assert subjects("Q002", data, date(2020, 1, 1), governor_prefecture="533300") == []


# --- Q003 / Q004: provincial leaders and their counties -------------------------------------


def test_q003_in_scope_county_needs_exactly_one_provincial_leader() -> None:
    two = world(
        "id: P-1, kind: county_link, helper: L-1, target: '533323', start: 2018-01-01",
        "id: P-2, kind: county_link, helper: L-2, target: '533323', start: 2018-01-01",
    )
    assert [d.message for d in findings("Q003", two)] == [
        "2 provincial leaders have an active county_link, expected exactly 1"
    ]
    assert [d.message for d in findings("Q003", world())] == [
        "0 provincial leaders have an active county_link, expected exactly 1"
    ]
    assert subjects("Q003", two, leaders_per_county=2) == []


def test_q003_one_provincial_leader_passes_and_other_ranks_do_not_count() -> None:
    data = world(
        "id: P-1, kind: county_link, helper: L-1, target: '533323', start: 2018-01-01",
        "id: P-2, kind: county_link, helper: L-D, target: '533323', start: 2018-01-01",
    )
    assert subjects("Q003", data) == []
    assert applied("Q003", data) == 1  # 533324 is not in scope


def test_q004_leader_with_two_active_county_links_is_found() -> None:
    data = world(
        "id: P-1, kind: county_link, helper: L-1, target: '533323', start: 2018-01-01",
        "id: P-2, kind: county_link, helper: L-1, target: '533324', start: 2018-01-01",
    )
    found = findings("Q004", data)
    assert [(d.subject, d.message) for d in found] == [
        ("L-1", "has active county_links to 2 counties, expected at most 1")
    ]
    assert subjects("Q004", data, counties_per_leader=2) == []


def test_q004_a_link_not_yet_started_is_not_counted() -> None:
    data = world(
        "id: P-1, kind: county_link, helper: L-1, target: '533323', start: 2018-01-01",
        "id: P-2, kind: county_link, helper: L-1, target: '533324', start: 2020-01-01",
    )
    assert subjects("Q004", data) == []


# --- Q005 / Q006: units and state-owned enterprises per county ------------------------------

THREE_UNITS = (
    "id: P-1, kind: county_link, helper: U-1, target: '533323', start: 2018-01-01",
    "id: P-2, kind: county_link, helper: U-2, target: '533323', start: 2018-01-01",
    "id: P-3, kind: county_link, helper: U-3, target: '533323', start: 2018-01-01",
)


def test_q005_fewer_than_three_provincial_or_central_units_is_found() -> None:
    with_soe = world(*THREE_UNITS[:2], THREE_UNITS[2].replace("U-3", "U-SOE"))
    assert [(d.subject, d.message) for d in findings("Q005", with_soe)] == [
        ("533323", "2 provincial or central units have an active county_link, expected at least 3")
    ]
    assert subjects("Q005", with_soe, units_per_county=2) == []


def test_q005_provincial_and_central_units_together_pass() -> None:
    assert subjects("Q005", world(*THREE_UNITS)) == []


def test_q006_county_without_a_provincial_soe_is_found_and_one_passes() -> None:
    assert [(d.subject, d.message) for d in findings("Q006", world(*THREE_UNITS))] == [
        ("533323", "0 provincial SOEs have an active county_link, expected at least 1")
    ]
    soe = "id: P-4, kind: county_link, helper: U-SOE, target: '533323', start: 2018-01-01"
    assert subjects("Q006", world(*THREE_UNITS, soe)) == []


# --- Q007: one supervision group, headed at departmental rank or above ----------------------


def test_q007_no_group_two_groups_or_a_low_ranking_head_is_found() -> None:
    def groups(*heads: str) -> str:
        listed = "".join(f"  - {{id: SG-{h}, county: '533323', head: {h}}}\n" for h in heads)
        return world(extra="supervision_groups:\n" + listed if heads else "")

    assert subjects("Q007", groups()) == ["533323"]
    assert subjects("Q007", groups("L-D", "L-1")) == ["533323"]
    assert subjects("Q007", groups("L-O")) == ["533323"]


def test_q007_one_group_headed_by_a_departmental_or_provincial_leader_passes() -> None:
    for head in ("L-D", "L-1"):
        data = world(
            extra=f"supervision_groups:\n  - {{id: SG-1, county: '533323', head: {head}}}\n"
        )
        assert subjects("Q007", data) == []


# --- Q008: the number of pairing units --------------------------------------------------------


def test_q008_distinct_units_linked_to_in_scope_counties_must_equal_the_total() -> None:
    # U-1 twice is one unit; U-2's link to 533324 (not in scope) is not counted.
    data = world(
        THREE_UNITS[0],
        "id: P-2, kind: county_link, helper: U-1, target: '533323', start: 2019-01-01",
        "id: P-3, kind: county_link, helper: U-2, target: '533324', start: 2018-01-01",
    )
    assert subjects("Q008", data, total_units=1) == []
    (finding,) = findings("Q008", data, total_units=2)
    assert finding.subject is None
    assert "Q008" not in ran(data)  # unset: off


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
    assert [(d.rule, d.subject) for d in report.diagnostics] == [("D002", "P-2")]


# --- Q009: exactly one lead unit ---------------------------------------------------------------


def test_q009_no_lead_or_two_leads_is_found_and_one_lead_passes() -> None:
    lead = THREE_UNITS[0] + ", role: lead"
    second = THREE_UNITS[1] + ", role: lead"
    assert subjects("Q009", world(*THREE_UNITS)) == ["533323"]
    assert subjects("Q009", world(lead, second, THREE_UNITS[2])) == ["533323"]
    assert subjects("Q009", world(lead, *THREE_UNITS[1:])) == []
    # A leader's link with role lead is not a lead unit.
    leader = (
        "id: P-9, kind: county_link, helper: L-1, target: '533323', role: lead, start: 2018-01-01"
    )
    assert subjects("Q009", world(leader)) == ["533323"]


# --- Q010: a poor village needs a package and a work team ------------------------------------

PACKAGE = "id: P-1, kind: village_package, helper: U-1, target: '533323101201', start: 2018-01-01"
TEAM = (
    "work_teams:\n"
    "  - {id: WT-1, village: '533323101201', unit: U-1, members: [C-1], start: 2018-01-01,"
    " end: END}\n"
)


def test_q010_poor_village_without_a_work_team_or_a_package_is_found() -> None:
    assert subjects("Q010", world(PACKAGE)) == ["533323101201"]
    assert subjects("Q010", world(extra=TEAM.replace("END", "2020-12-31"))) == ["533323101201"]
    ended_team = world(PACKAGE, extra=TEAM.replace("END", "2019-06-30"))
    (finding,) = findings("Q010", ended_team)
    assert "active work teams" in finding.message


def test_q010_package_and_active_team_pass() -> None:
    assert subjects("Q010", world(PACKAGE, extra=TEAM.replace("END", "2020-12-31"))) == []


def test_q010_village_of_a_county_out_of_scope_is_not_a_subject() -> None:
    data = world().replace("tags: [deep_poverty]", "tags: []")
    assert applied("Q010", data) == 0


# --- Q011: a poor household needs a helper -----------------------------------------------------

HOUSEHOLDS = """\
households:
  - {id: HH-1, village: "533323101201", status: poor}
  - {id: HH-2, village: "533323101201", status: lifted}
"""
HELPED = "id: P-1, kind: household_help, helper: C-1, target: HH-1, start: 2018-01-01"


def test_q011_poor_household_without_an_active_helper_is_found() -> None:
    ended = HELPED + ", end: 2019-06-30"
    assert subjects("Q011", world(extra=HOUSEHOLDS)) == ["HH-1"]  # HH-2 is lifted out
    assert subjects("Q011", world(ended, extra=HOUSEHOLDS)) == ["HH-1"]
    assert applied("Q011", world(extra=HOUSEHOLDS)) == 1


def test_q011_poor_household_with_an_active_helper_passes() -> None:
    assert subjects("Q011", world(HELPED, extra=HOUSEHOLDS)) == []


# --- review: a link to a region that is not a county is D002's, not a county's --------------


def test_q004_link_to_a_non_county_region_is_not_a_county() -> None:
    data = REGIONS + (
        "leaders:\n"
        "  - {id: L-1, name: 领导甲, rank: provincial}\n"
        "pairings:\n"
        "  - {id: P-1, kind: county_link, helper: L-1, target: '533323', start: 2018-01-01}\n"
        "  - {id: P-2, kind: county_link, helper: L-1, target: '533323101201', start: 2018-01-01}\n"
    )
    report = run_rules(data, "Q004", "D002")
    assert [(d.rule, d.subject) for d in report.diagnostics] == [("D002", "P-2")]
