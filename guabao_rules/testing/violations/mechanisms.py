"""Violation strategies of the working-mechanism rules (M001-M008)."""

from __future__ import annotations

from datetime import date, timedelta

from guabao_rules.testing._build import (
    LIBRARY_STATUSES,
    PREFECTURE_CODES,
    STATUSES,
    Builder,
    add_years,
    complete_quarters,
    complete_years,
    quarter_bounds,
)
from guabao_rules.testing.generated import SHARED, Record
from guabao_rules.testing.violations.base import (
    Subject,
    _active,
    _counties,
    _earlier,
    _ensure_meetings,
    _ensure_visits,
    _extend_back,
    _in_scope,
    _project,
    _township,
    _unit_links,
    _village,
    _violation,
)


@_violation("M001")
def _m001(b: Builder) -> tuple[Subject, str]:
    """A unit's county link with a complete year of too few main-leader visits."""
    # A link with a complete year, or an open one that can start a year earlier.
    links = [
        p
        for p in _unit_links(b)
        if p.get("end") is None
        or p["end"] >= b.as_of
        or complete_years(p["start"], p["end"], b.as_of)
    ]
    link = b.pick(links)
    unit, county = str(link["helper"]), str(link["target"])
    need = int(b.param("min_visits_per_year"))
    years = complete_years(link["start"], link.get("end"), b.as_of)
    if not years:
        _extend_back(b, link)
        years = complete_years(link["start"], link.get("end"), b.as_of)
        if link.get("role") == "lead":
            _ensure_meetings(b, unit, county, link["start"], None)
    year = b.pick(years)
    _ensure_visits(b, unit, county, link["start"], skip=year, end=link.get("end"))
    visits = [
        v
        for v in b.where("visits", visitor=unit, county=county)
        if v.get("main_leader") is True and v["date"].year == year
    ]
    keep = b.between(0, need - 1)
    for visit in visits[keep:]:
        if b.flag():
            b.remove("visits", visit)
        else:
            visit["main_leader"] = False
    return str(
        link["id"]
    ), f"{unit} made {min(keep, len(visits))} main-leader visits to {county} in {year}"


def _poor_with_quarters(b: Builder) -> list[tuple[Record, Record]]:
    out = []
    for household in b.where("households", status="poor"):
        team = b.active_team(str(household["village"]))
        if team and complete_quarters(team["start"], team.get("end"), b.as_of):
            out.append((household, team))
    return out


@_violation("M002")
def _m002(b: Builder) -> tuple[Subject, str]:
    """A poor household missing its report for one complete quarter."""
    candidates = _poor_with_quarters(b)
    if not candidates or b.between(0, 3) == 0:
        previous = date(b.as_of.year, 3 * ((b.as_of.month - 1) // 3) + 1, 1) - timedelta(days=1)
        first, _ = quarter_bounds(previous.year, (previous.month - 1) // 3 + 1)
        county = str(b.pick(_counties(b))["id"])
        village = b.add_village(_township(b, county), poor=b.flag(), team=True, team_start=first)
        household = b.add_household(village, "poor")
        candidates = [(b.get(household)[1], b.active_team(village))]  # type: ignore[index,list-item]
    household, team = b.pick(candidates)
    year, q = b.pick(complete_quarters(team["start"], team.get("end"), b.as_of))
    period = f"{year}-Q{q}"
    reports = [
        r
        for r in b.where("reports", household=household["id"], period=period)
        if r["reporter"] in team["members"]
    ]
    outsider = [str(c["id"]) for c in b.all("cadres") if c["id"] not in team["members"]]
    for report in reports:
        if outsider and b.flag():
            report["reporter"] = b.pick(outsider)
        else:
            b.remove("reports", report)
    return str(household["id"]), f"no report on {household['id']} for {period}"


@_violation("M003")
def _m003(b: Builder) -> tuple[Subject, str]:
    """An in-scope county whose lead unit convened no joint meeting in a complete year."""
    candidates = []
    for county in _in_scope(b):
        leads = [
            p
            for p in b.where("pairings", kind="county_link", target=county["id"])
            if p.get("role") == "lead"
            and b.collection_of(str(p["helper"])) == "units"
            and _active(b, p)
        ]
        if len(leads) == 1:
            candidates.append((county, leads[0]))
    county, link = b.pick(candidates)
    unit, code = str(link["helper"]), str(county["id"])
    if not complete_years(link["start"], link.get("end"), b.as_of):
        _extend_back(b, link)
        _ensure_visits(b, unit, code, link["start"], skip=None)
    year = b.pick(complete_years(link["start"], link.get("end"), b.as_of))
    _ensure_meetings(b, unit, code, link["start"], skip=year)
    for meeting in b.where("meetings", county=code, convened_by=unit):
        if meeting["date"].year == year:
            b.remove("meetings", meeting)
    return code, f"no joint meeting of {code} in {year}"


@_violation("M004")
def _m004(b: Builder) -> tuple[Subject, str]:
    """A project that hands out cash or goods."""
    # A library project must have a village once it is no infrastructure (S101).
    project = _project(
        b,
        STATUSES,
        lambda p: "village" in p or p["status"] not in LIBRARY_STATUSES,
        fresh=("proposed", "reviewed", "cancelled"),
    )
    project["category"] = b.pick(["cash_handout", "goods_handout"])
    return str(project["id"]), f"project {project['id']} is a {project['category']}"


@_violation("M005")
def _m005(b: Builder) -> tuple[Subject, str]:
    """An east-west prefecture without an active partner-city pairing."""
    listed = [str(p) for p in b.params.get("east_west_prefectures") or []]
    if listed and b.flag():
        target = b.pick(listed)
        for pairing in b.where("pairings", kind="east_west", target=target):
            b.remove("pairings", pairing)
        return target, f"removed the east-west pairing of {target}"
    paired = {str(p["target"]) for p in b.where("pairings", kind="east_west")}
    target = b.pick([f"53{c}00" for c in PREFECTURE_CODES if f"53{c}00" not in paired])
    b.params["east_west_prefectures"] = [*listed, target]
    return target, f"east_west_prefectures also lists {target}"


def _a_team(b: Builder) -> Record:
    teams = b.all("work_teams")
    if teams and b.between(0, 3) > 0:
        team: Record = b.pick(teams)
        return team
    county = str(b.pick(_counties(b))["id"])
    village = b.add_village(_township(b, county), poor=False, team=True)
    return b.where("work_teams", village=village)[0]


@_violation("M006")
def _m006(b: Builder) -> tuple[Subject, str]:
    """A work team without a first secretary who is a member, or of the wrong size."""
    team = _a_team(b)
    high = b.params.get("max_team_members")
    choice = b.between(0, 2)
    if choice == 0 and high is not None:
        county = b.home_of(str(team["id"]))
        extra = int(high) - len(set(team["members"])) + 1
        team["members"] = [
            *team["members"],
            *(b.add_cadre(str(team["unit"]), county) for _ in range(extra)),
        ]
        return str(team["id"]), f"team {team['id']} has {len(set(team['members']))} members"
    if choice == 1:
        outsiders = [str(c["id"]) for c in b.all("cadres") if c["id"] not in team["members"]]
        other = b.pick(outsiders) if outsiders else b.add_cadre(str(team["unit"]), SHARED)
        team["first_secretary"] = other
        return str(team["id"]), f"team {team['id']} first secretary {other} is no member"
    del team["first_secretary"]
    return str(team["id"]), f"team {team['id']} has no first secretary"


@_violation("M007")
def _m007(b: Builder) -> tuple[Subject, str]:
    """A new work team that ended before as_of after too short a term."""
    village = _village(b)
    county = village[:6]
    years = int(b.param("min_team_term_years"))
    if b.flag():  # one day short of the full term, from a 29 February now and then
        start = b.term_start(years)
        end = add_years(start, years) - timedelta(days=2)
    else:
        length = b.between(1, 800)
        start = b.as_of - timedelta(days=length)
        end = start + timedelta(days=b.between(0, min(365 * years - 2, length - 1)))
    units = b.county_units(county) or [b.county_implementer(county)]
    team = b.add_team(village, b.pick(units), start, end=end)
    return str(team["id"]), f"team {team['id']} served {start}..{end}"


@_violation("M008")
def _m008(b: Builder) -> tuple[Subject, str]:
    """A supervision finding closed after its deadline, or still open past it."""
    closable = [f for f in b.all("findings") if f["deadline"] < b.as_of]
    if closable and b.flag():
        finding = b.pick(closable)
        if b.flag():
            finding["closed"] = b.day(finding["deadline"] + timedelta(days=1), b.as_of)
            return str(finding["id"]), f"finding {finding['id']} closed late"
        finding.pop("closed", None)
        return str(finding["id"]), f"finding {finding['id']} still open"
    group = b.pick(b.all("supervision_groups"))
    day = _earlier(b, b.as_of, 300)
    record = {"id": b.fresh(f"FD-{group['county']}-late"), "county": group["county"]}
    record["raised_by"] = group["id"]
    record["date"] = day
    record["deadline"] = b.day(day, b.as_of - timedelta(days=1))
    record["summary"] = b.text()
    b.add("findings", record, b.home_of(str(group["id"])))
    return str(record["id"]), f"finding {record['id']} open past its deadline"
