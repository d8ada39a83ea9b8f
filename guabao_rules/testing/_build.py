"""Build clean records piece by piece (a province, a county, a village, a project).

The same :class:`Builder` makes whole datasets (:func:`guabao_rules.testing.datasets`,
or :func:`build_dataset` with any :class:`~guabao_rules.testing.world.Chooser`)
and, during a violation, adds the clean pieces a mutation needs (a project of a
given status, an out-of-scope county, a second work team). Every piece is
clean under every rule at ``as_of`` by construction; the rules' time notions
(complete years and quarters) are recomputed here independently of
:mod:`guabao_rules.timecal`, so the generator is an oracle, not a copy. Its
records, names and choices come from :mod:`guabao_rules.testing.world`, as the
benchmark generator's do.
"""

from __future__ import annotations

import copy
from calendar import isleap
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise
from typing import Any

from guabao_rules.testing.generated import SHARED, GeneratedDataset, Record
from guabao_rules.testing.world import (
    CATEGORIES,
    CJK,
    PREFECTURE_CODES,
    PROVINCE,
    Chooser,
    Codes,
    Numbering,
    Place,
    Places,
    cents,
    codes_under,
    household_id,
    money,
    person,
    place_name,
    record_of,
    region_of,
    walk,
    walk_county,
)

__all__ = ["CATEGORIES", "PREFECTURE_CODES", "PROVINCE", "cents", "money"]

LEGACY_COUNTY = "98"
"""County number of the retired code put in ``legacy_codes`` (never generated)."""

DEFAULT_PARAMS: dict[str, Any] = {
    "scope_tag": "deep_poverty",
    "leaders_per_county": 1,
    "counties_per_leader": 1,
    "units_per_county": 3,
    "soes_per_county": 1,
    "min_visits_per_year": 2,
    "min_joint_meetings_per_year": 1,
    "min_team_members": 3,
    "max_team_members": 5,
    "min_team_term_years": 2,
    "max_update_age_days": 90,
    "max_progress_gap_days": 90,
    "min_announcement_days": 10,
    "idle_days": 90,
    "max_progress_gap_pct": 30,
}
"""The values the generator builds for when a dataset does not set them."""

CHAIN = ("proposed", "reviewed", "in_library", "start", "completed", "accepted")
"""Project milestones in order."""
_MILESTONES_OF = {
    "proposed": 1,
    "reviewed": 2,
    "in_library": 3,
    "implementing": 4,
    "completed": 5,
    "accepted": 6,
}
LIBRARY_STATUSES = ("in_library", "implementing", "completed", "accepted")
RUNNING_STATUSES = ("implementing", "completed", "accepted")
STATUSES = (
    "proposed",
    "reviewed",
    "in_library",
    "implementing",
    "completed",
    "accepted",
    "cancelled",
)
_TEXT_ALPHABET = CJK + "abcdefghijklmnopqrstuvwxyzABCXYZ ·-—()（）:：,，。/&'\"#!?%"


def add_years(day: date, years: int) -> date:
    """The same day ``years`` later (29 February becomes 28 February in a common year)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def complete_years(start: date, end: date | None, as_of: date) -> list[int]:
    """The calendar years a record active from ``start`` to ``end`` covers wholly by ``as_of``."""
    years = []
    for year in range(start.year, as_of.year + 1):
        first, last = date(year, 1, 1), date(year, 12, 31)
        if start <= first and last <= as_of and (end is None or last <= end):
            years.append(year)
    return years


def quarter_bounds(year: int, q: int) -> tuple[date, date]:
    """The first and last day of quarter ``q`` of ``year``."""
    first = date(year, 3 * q - 2, 1)
    nxt = date(year + 1, 1, 1) if q == 4 else date(year, 3 * q + 1, 1)
    return first, nxt - timedelta(days=1)


def complete_quarters(start: date, end: date | None, as_of: date) -> list[tuple[int, int]]:
    """The quarters ``(year, q)`` a record from ``start`` to ``end`` covers wholly by ``as_of``."""
    out = []
    for year in range(start.year, as_of.year + 1):
        for q in range(1, 5):
            first, last = quarter_bounds(year, q)
            if start <= first and last <= as_of and (end is None or last <= end):
                out.append((year, q))
    return out


@dataclass
class Shape:
    """How many of each thing to build (each an inclusive range)."""

    prefectures: tuple[int, int]
    counties_per_prefecture: tuple[int, int]
    villages_per_county: tuple[int, int]
    households_per_village: tuple[int, int]
    projects_per_county: tuple[int, int]
    funds_per_county: tuple[int, int]
    years: tuple[int, int]


class Builder(Numbering):
    """Adds clean records to a dataset being built or mutated.

    It keeps every id it has seen (a dataset being mutated has ids of its own), so
    it numbers regions by the first free code and makes every other id fresh.
    """

    def __init__(self, chooser: Chooser, dataset: GeneratedDataset) -> None:
        self.chooser = chooser
        self.records: dict[str, list[Record]] = copy.deepcopy(dataset.records)
        self.homes: dict[str, str] = dict(dataset.homes)
        self.raw_files: dict[str, bytes] = dict(dataset.raw_files)
        self.waivers: list[Record] = copy.deepcopy(dataset.waivers)
        self.params: dict[str, Any] = dict(dataset.params)
        self.as_of = dataset.as_of
        self.start = dataset.start
        self.used: set[str] = dataset.ids()
        # id -> (collection, record) of the first record with that id (as the loader resolves).
        self.index: dict[str, tuple[str, Record]] = {}
        for collection, items in self.records.items():
            for record in items:
                if isinstance(record, dict) and "id" in record:
                    self.index.setdefault(str(record["id"]), (collection, record))

    # --- plumbing ------------------------------------------------------------------

    def result(self) -> GeneratedDataset:
        """The dataset as built so far."""
        return GeneratedDataset(
            records={k: v for k, v in self.records.items()},
            as_of=self.as_of,
            params=dict(self.params),
            start=self.start,
            homes=dict(self.homes),
            raw_files=dict(self.raw_files),
            waivers=list(self.waivers),
        )

    def param(self, name: str) -> Any:
        """A parameter's value (the generator's default when the dataset does not set it)."""
        value = self.params.get(name)
        return DEFAULT_PARAMS.get(name) if value is None else value

    def fresh(self, stem: str) -> str:
        """An id not used yet: ``stem`` itself, else ``stem-2``, ``stem-3``, ..."""
        candidate, n = stem, 1
        while candidate in self.used:
            n += 1
            candidate = f"{stem}-{n}"
        self.used.add(candidate)
        return candidate

    def add(self, collection: str, record: Record, home: str) -> Record:
        """Append a record (its id must come from :meth:`fresh` or be new)."""
        self.records.setdefault(collection, []).append(record)
        self.used.add(str(record["id"]))
        self.index.setdefault(str(record["id"]), (collection, record))
        self.homes[str(record["id"])] = home
        return record

    def remove(self, collection: str, record: Record) -> None:
        """Take a record out (by identity)."""
        items = self.records[collection]
        items[:] = [r for r in items if r is not record]
        found = self.index.get(str(record["id"]))
        if found is not None and found[1] is record:
            del self.index[str(record["id"])]
            self.homes.pop(str(record["id"]), None)

    def all(self, collection: str) -> list[Record]:
        """The records of a collection (the live list)."""
        return self.records.setdefault(collection, [])

    def where(self, collection: str, **conditions: Any) -> list[Record]:
        """Records whose fields equal the given values."""
        return [
            r for r in self.all(collection) if all(r.get(k) == v for k, v in conditions.items())
        ]

    def get(self, record_id: str) -> tuple[str, Record] | None:
        """The first record with this id, and its collection."""
        return self.index.get(record_id)

    def collection_of(self, record_id: str) -> str | None:
        """The collection of the record with this id."""
        found = self.index.get(record_id)
        return found[0] if found else None

    def home_of(self, record_id: str) -> str:
        """The home of a record (shared when unknown)."""
        return self.homes.get(record_id, SHARED)

    def pick(self, items: list[Any]) -> Any:
        """One of ``items`` (shrinks towards the first)."""
        return self.chooser.pick(items)

    def flag(self) -> bool:
        """A boolean."""
        return self.chooser.flag()

    def between(self, low: int, high: int) -> int:
        """An integer in ``[low, high]``."""
        return self.chooser.between(low, high)

    def day(self, low: date, high: date) -> date:
        """A day in ``[low, high]``."""
        return self.chooser.day(low, high)

    def days(self, low: date, high: date, n: int) -> list[date]:
        """``n`` days in ``[low, high]``, ascending (ties allowed)."""
        return self.chooser.days(low, high, n)

    def text(self) -> str:
        """A short free text with no digits (so never personal data)."""
        return self.chooser.text(_TEXT_ALPHABET, 1, 12).strip() or "项目"

    def amount(self, value: int) -> str | int:
        """An amount in fen written as a string, or as whole yuan when it is whole."""
        if value % 100 == 0 and self.flag():
            return value // 100
        return money(value)

    def until(self) -> date | None:
        """The end of a pairing active on as_of: none, or as_of itself or later."""
        if self.between(0, 3) > 0:
            return None
        return self.as_of + timedelta(days=self.pick([0, self.between(1, 400)]))

    def early(self) -> date:
        """A day from which the history's pairings start (within half a year of start)."""
        return self.day(self.start, min(self.start + timedelta(days=180), self.as_of))

    # --- regions ---------------------------------------------------------------------

    def regions_under(self, code: str, level: str) -> list[Record]:
        """Regions of ``level`` whose code starts with ``code``."""
        return [
            r for r in self.all("regions") if r["level"] == level and str(r["id"]).startswith(code)
        ]

    def legacy_codes(self) -> set[str]:
        """Region codes named as retired in ``legacy_codes``."""
        return set((self.params.get("legacy_codes") or {}).keys())

    def code(self, codes: Codes, position: int) -> str:
        """The first of ``codes`` not used yet nor retired (the walk's position aside).

        In a world built from nothing it is the position's own code; in one being
        added to, the next one free.
        """
        retired = self.legacy_codes()
        for code in codes:
            if code not in self.used and code not in retired:
                return code
        raise ValueError(f"no free region code under {codes.prefix}")

    def add_province(self) -> Record:
        """The province (云南省), once."""
        found = self.get(PROVINCE)
        if found:
            return found[1]
        return self.add("regions", region_of("province", PROVINCE), SHARED)

    def add_prefecture(self, code: str | None = None) -> Record:
        """A prefecture under the province (the next free code unless given)."""
        code = code or self.code(codes_under("prefecture", PROVINCE), 0)
        prefecture = region_of("prefecture", code, PROVINCE, ["sanqu_sanzhou"])
        return self.add("regions", prefecture, SHARED)

    def add_county_region(self, prefecture: str, in_scope: bool, code: str | None = None) -> Record:
        """A county region only (no pairings), in or out of scope (the next free code)."""
        code = code or self.code(codes_under("county", prefecture), 0)
        scope = str(self.param("scope_tag"))
        tags = list(dict.fromkeys(["sanqu_sanzhou", scope])) if in_scope else []
        if not in_scope and self.flag():
            tags = ["poverty_county"]
        county = region_of("county", code, prefecture, tags or None)
        return self.add("regions", county, code)

    def add_township(self, county: str, code: str | None = None) -> Record:
        """A township in a county (the next free code unless given)."""
        code = code or self.code(codes_under("township", county), 0)
        return self.add("regions", region_of("township", code, county), county)

    def in_scope(self, county: Record) -> bool:
        """Whether a county region carries the scope tag."""
        return str(self.param("scope_tag")) in (county.get("tags") or [])

    def county_of(self, region_id: str) -> str:
        """The county code of a region code (its first six digits)."""
        return region_id[:6]

    # --- organisation ----------------------------------------------------------------

    def add_top(self, prefectures: list[str]) -> None:
        """Party secretary, governor and the east-west partner city, with their pairings."""
        secretary = self.params.get("party_secretary_prefecture") or prefectures[0]
        governor = self.params.get("governor_prefecture") or prefectures[-1]
        for stem, name, post, target in (
            ("L-PS", "宋某某", "party_secretary", secretary),
            ("L-GOV", "韩某某", "governor", governor),
        ):
            leader = self.fresh(stem)
            top = record_of("leaders", id=leader, name=name, rank="provincial", post=post)
            self.add("leaders", top, SHARED)
            self.add_pairing(
                "prefecture_link", leader, target, self.early(), SHARED, end=self.until()
            )
        east_west = self.params.get("east_west_prefectures") or []
        if east_west:
            city = self.fresh("U-ZHUHAI")
            self.add(
                "units", record_of("units", id=city, name="珠海市", kind="partner_city"), SHARED
            )
            for target in east_west:
                self.add_pairing("east_west", city, target, self.early(), SHARED, end=self.until())

    def add_pairing(
        self,
        kind: str,
        helper: str,
        target: str,
        start: date,
        home: str,
        *,
        role: str | None = None,
        end: date | None = None,
    ) -> Record:
        """A pairing."""
        pid = self.fresh(f"P-{kind[:2].upper()}-{target}")
        pairing = record_of(
            "pairings",
            id=pid,
            kind=kind,
            helper=helper,
            target=target,
            role=role,
            start=start,
            end=end,
        )
        return self.add("pairings", pairing, home)

    def add_unit(self, county: str, kind: str) -> Record:
        """A unit belonging to a county's set (not yet linked)."""
        uid = self.fresh(f"U-{county}-{kind.rsplit('_', maxsplit=1)[-1][:3].upper()}")
        name = place_name(len(self.used), "厅" if "provincial" in kind else "局")
        return self.add("units", record_of("units", id=uid, name=name, kind=kind), county)

    def add_leader(self, county: str, rank: str, stem: str) -> Record:
        """A leader (post ``other``)."""
        lid = self.fresh(stem)
        return self.add(
            "leaders", record_of("leaders", id=lid, name=person(len(self.used)), rank=rank), county
        )

    def add_visits(self, unit: str, county: str, link_start: date, end: date | None = None) -> None:
        """Main-leader visits for every complete year of a unit's county link (M001)."""
        need = int(self.param("min_visits_per_year"))
        for year in complete_years(link_start, end, self.as_of):
            for _ in range(need + self.between(0, 1)):
                day = self.day(date(year, 1, 1), date(year, 12, 31))
                self.add_visit(unit, county, day, main_leader=True)
        if self.between(0, 3) == 0:  # now and then an ordinary visit too
            self.add_visit(unit, county, self.day(link_start, self.as_of), main_leader=False)

    def add_visit(self, visitor: str, county: str, day: date, *, main_leader: bool) -> Record:
        """One visit."""
        vid = self.fresh(f"V-{county}-{day.year}")
        said = main_leader or self.flag()  # an ordinary visit says so, or leaves it out
        visit = record_of(
            "visits", id=vid, visitor=visitor, county=county, date=day,
            main_leader=main_leader if said else None,
        )  # fmt: skip
        return self.add("visits", visit, county)

    def add_past_link(self, county: str) -> Record:
        """A unit whose county link ended before as_of, with its visits (M001 still judges it)."""
        unit = self.add_unit(county, self.pick(["provincial_unit", "central_unit"]))
        start = self.day(self.start - timedelta(days=3 * 365), self.start)
        end = self.day(self.start, self.as_of - timedelta(days=1))
        link = self.add_pairing("county_link", unit["id"], county, start, county, end=end)
        self.add_visits(unit["id"], county, start, end)
        return link

    def add_meetings(self, county: str, unit: str, link_start: date) -> None:
        """Joint meetings convened by the lead unit in every complete year of its link (M003)."""
        need = int(self.param("min_joint_meetings_per_year"))
        for year in complete_years(link_start, None, self.as_of):
            for _ in range(need + self.between(0, 1)):
                day = self.day(date(year, 1, 1), date(year, 12, 31))
                mid = self.fresh(f"MT-{county}-{year}")
                meeting = record_of("meetings", id=mid, county=county, convened_by=unit, date=day)
                self.add("meetings", meeting, county)

    def add_supervision(self, county: str) -> Record:
        """The county's supervision group, headed by a departmental (or provincial) leader."""
        head = self.add_leader(county, self.pick(["departmental", "provincial"]), f"L-{county}-SG")
        group = record_of(
            "supervision_groups", id=self.fresh(f"SG-{county}"), county=county, head=head["id"]
        )
        return self.add("supervision_groups", group, county)

    def add_finding(self, county: str, group: str) -> Record:
        """A supervision finding corrected in time (or still within its deadline) (M008)."""
        day = self.day(self.start - timedelta(days=60), self.as_of)
        deadline = day + timedelta(days=self.between(0, 120))
        fid = self.fresh(f"FD-{county}")
        closed = None
        if deadline < self.as_of or self.flag():
            closed = self.day(day, min(deadline, self.as_of))
        finding = record_of(
            "findings", id=fid, county=county, raised_by=group, date=day, deadline=deadline,
            closed=closed, summary=self.text(),
        )  # fmt: skip
        return self.add("findings", finding, county)

    def county_units(self, county: str) -> list[str]:
        """Ids of units with a county link to ``county``."""
        return [
            str(p["helper"])
            for p in self.where("pairings", kind="county_link", target=county)
            if self.collection_of(str(p["helper"])) == "units"
        ]

    def county_implementer(self, county: str) -> str:
        """A county unit of ``county`` (made when it has none)."""
        for unit in self.all("units"):
            if unit["kind"] == "county_unit" and self.home_of(unit["id"]) == county:
                return str(unit["id"])
        return str(self.add_unit(county, "county_unit")["id"])

    def add_county(
        self, prefecture: str, in_scope: bool, shape: Shape, *, shared_funds: bool = True
    ) -> str:
        """A whole county, walked as the world is, next to what the dataset has.

        Quotas, visits, meetings, supervision, villages, projects, funds.

        With ``shared_funds`` some county funds are transfers out of the shared
        upstream fund (settled by :meth:`finish`); without, the county's money
        stays its own.
        """
        places = CleanWorld(self, shape, shared_funds=shared_funds, in_scope=in_scope)
        return walk_county(places, Place("prefecture", prefecture, PROVINCE, 0), 0, self).code

    def county_organisation(self, county: str, in_scope: bool) -> None:
        """What stands at county level: its leader, units, links, visits and meetings.

        Now and then a link that ended; then the county's agency, its supervision
        group and findings.
        """
        if in_scope or self.flag():
            leader = self.add_leader(county, "provincial", f"L-{county}")
            # A leader marked `lead` is not a lead unit (Q009, M003 count units only).
            role = self.pick([None, None, "member", "lead"])
            start, end = self.early(), self.until()
            self.add_pairing("county_link", leader["id"], county, start, county, role=role, end=end)
        units = int(self.param("units_per_county"))
        soes = int(self.param("soes_per_county"))
        n_prov = units + self.between(0, 1) if in_scope else self.between(0, 2)
        n_soe = soes + self.between(0, 1) if in_scope else self.between(0, 1)
        kinds = [self.pick(["provincial_unit", "central_unit"]) for _ in range(n_prov)]
        kinds += ["provincial_soe"] * n_soe
        lead = self.between(0, len(kinds) - 1) if kinds else -1
        for index, kind in enumerate(kinds):
            unit = self.add_unit(county, kind)
            start = self.early()
            role = "lead" if index == lead else self.pick([None, "member"])
            end = self.until()
            self.add_pairing("county_link", unit["id"], county, start, county, role=role, end=end)
            self.add_visits(unit["id"], county, start)
            if index == lead:
                self.add_meetings(county, unit["id"], start)
        if self.between(0, 3) == 0 and self.start < self.as_of:
            self.add_past_link(county)
        self.county_implementer(county)
        group = self.add_supervision(county)
        for _ in range(self.between(0, 2)):
            self.add_finding(county, group["id"])

    def county_money(self, county: str, shape: Shape, *, shared_funds: bool) -> None:
        """A county's fund lines and projects of every status, with their money."""
        pool = [
            self.add_fund(county, parent=self.upstream() if shared_funds and self.flag() else None)
            for _ in range(self.between(*shape.funds_per_county))
        ]
        for _ in range(self.between(*shape.projects_per_county)):
            self.add_project(county, self.pick(list(STATUSES)), pool)
        for fund in pool:
            self.settle_fund(fund)

    # --- villages and households -----------------------------------------------------

    def add_village(
        self,
        township: str,
        *,
        poor: bool,
        team: bool | None = None,
        team_start: date | None = None,
        code: str | None = None,
    ) -> str:
        """A village; a poor one (and, drawn, others) gets a village package and a work team."""
        county = self.county_of(township)
        code = code or self.code(codes_under("village", township), 0)
        tags = ["poor_village", *(["deep_poverty"] if self.flag() else [])] if poor else []
        self.add("regions", region_of("village", code, township, tags or None), county)
        if team is None:
            team = poor or self.flag()
        if team:
            helpers = self.county_units(county) or [self.county_implementer(county)]
            unit = self.pick(helpers)
            self.add_pairing("village_package", unit, code, self.early(), county, end=self.until())
            self.add_team(code, unit, team_start or self.early())
            if team_start is None and self.between(0, 4) == 0:  # two teams in one village
                self.add_team(code, self.pick(helpers), self.early())
            if team_start is None and self.between(0, 4) == 0:
                self.add_served_team(code, self.pick(helpers))
        return code

    def add_cadre(self, unit: str, home: str) -> str:
        """A cadre of ``unit``."""
        cid = self.fresh(f"C-{home}-{len(self.used)}")
        self.add(
            "cadres", record_of("cadres", id=cid, name=person(len(self.used)), unit=unit), home
        )
        return cid

    def add_team(
        self, village: str, unit: str, start: date, end: date | None = None, open_end: bool = True
    ) -> Record:
        """A work team of distinct cadres with a member first secretary (M006)."""
        county = self.county_of(village)
        low = int(self.param("min_team_members"))
        high_param = self.params.get("max_team_members")
        high = int(high_param) if high_param is not None else low + 2
        members = [self.add_cadre(unit, county) for _ in range(self.between(low, max(low, high)))]
        tid = self.fresh(f"WT-{village}")
        secretary = self.pick(members)
        if end is None and open_end and self.between(0, 3) == 0:  # ends after as_of: still active
            # After as_of: a team ending on as_of is active but also ended (M007).
            end = self.as_of + timedelta(days=self.between(1, 400))
        team = record_of(
            "work_teams", id=tid, village=village, unit=unit, first_secretary=secretary,
            members=members, start=start, end=end,
        )  # fmt: skip
        return self.add("work_teams", team, county)

    def add_served_team(self, village: str, unit: str) -> Record:
        """An earlier team that ended before as_of after a full term (M007), to the day or more."""
        years = int(self.param("min_team_term_years"))
        start = self.term_start(years)
        first_free = add_years(start, years) - timedelta(days=1)  # the last day of a full term
        end = self.pick([first_free, self.day(first_free, self.as_of - timedelta(days=1))])
        return self.add_team(village, unit, start, end=end)

    def term_start(self, years: int) -> date:
        """A start from which a term of ``years`` ends before as_of; now and then a 29 February."""
        latest = add_years(self.as_of, -years) - timedelta(days=1)
        leap = [date(y, 2, 29) for y in range(latest.year - 4, latest.year + 1) if isleap(y)]
        leap = [d for d in leap if d <= latest]
        if leap and self.flag():
            leap_day: date = self.pick(leap)  # 29 February + N years is 28 February
            return leap_day
        return self.day(latest - timedelta(days=3 * 365), latest)

    def active_teams(self, village: str) -> list[Record]:
        """The village's work teams active on as_of."""
        return [
            team
            for team in self.where("work_teams", village=village)
            if team["start"] <= self.as_of
            and (team.get("end") is None or self.as_of <= team["end"])
        ]

    def active_team(self, village: str) -> Record | None:
        """The village's first work team active on as_of."""
        teams = self.active_teams(village)
        return teams[0] if teams else None

    def add_household(self, village: str, status: str, stem: str | None = None) -> str:
        """A household; a poor one gets a helper and a report for every complete quarter (M002).

        Its id is ``stem`` (the walk's) or the village's next, made fresh.
        """
        county = self.county_of(village)
        if stem is None:
            stem = household_id(village, len(self.where("households", village=village)))
        hid = self.fresh(stem)
        self.add(
            "households", record_of("households", id=hid, village=village, status=status), county
        )
        team = self.active_team(village)
        if status == "poor" or self.flag():
            if team is not None and self.flag():
                helper = self.pick(list(team["members"]))
            else:
                units = self.county_units(county) or [self.county_implementer(county)]
                helper = self.add_cadre(self.pick(units), county)
            start = self.day(min(self.start, self.as_of), self.as_of)
            self.add_pairing("household_help", helper, hid, start, county, end=self.until())
        if status == "poor":
            for active in self.active_teams(village):
                self.add_reports(hid, active)
        return hid

    def add_reports(self, household: str, team: Record) -> None:
        """A report on ``household`` by a member of ``team`` for each complete quarter."""
        county = self.home_of(household)
        for year, q in complete_quarters(team["start"], team.get("end"), self.as_of):
            self.add_report(household, team, year, q, county)

    def add_report(self, household: str, team: Record, year: int, q: int, home: str) -> Record:
        """One report for quarter ``q`` of ``year``."""
        _, last = quarter_bounds(year, q)
        sent = min(last + timedelta(days=self.between(0, 20)), self.as_of)
        reporter = self.pick(list(team["members"]))
        rid = self.fresh(f"R-{household}-{year}Q{q}")
        recipients = [team["unit"], reporter] if self.flag() else None
        report = record_of(
            "reports", id=rid, reporter=reporter, household=household, period=f"{year}-Q{q}",
            date=sent, recipients=recipients,
        )  # fmt: skip
        return self.add("reports", report, home)

    # --- money and projects ----------------------------------------------------------

    def upstream(self) -> Record:
        """The shared upstream fund (made once), parent of some county funds."""
        for fund in self.all("funds"):
            if self.home_of(fund["id"]) == SHARED and fund.get("parent") is None:
                return fund
        year = self.start.year - 1
        fund = record_of(
            "funds", id=self.fresh(f"F-UP-{year}"), name="中央财政专项扶贫资金", source="central",
            year=year, amount="0.00",
        )  # fmt: skip
        return self.add("funds", fund, SHARED)

    def add_fund(self, home: str, parent: Record | None = None) -> Record:
        """A fund line; its amount is set by :meth:`settle_fund` once it is used."""
        year = self.between(self.start.year - 1, self.as_of.year)
        fund = record_of(
            "funds", id=self.fresh(f"F-{home}-{year}"), name=self.text() + "资金",
            source=self.pick(["central", "provincial", "county", "east_west"]), year=year,
            amount="0.00", parent=None if parent is None else parent["id"],
        )  # fmt: skip
        return self.add("funds", fund, home)

    def settle_fund(self, fund: Record) -> None:
        """Set a fund's amount to cover its allocations and child funds, and its received day.

        A fund left unused gets a received day under ``idle_days`` ago, or none (T002).
        """
        allocations = self.where("allocations", fund=fund["id"])
        children = self.where("funds", parent=fund["id"])
        used = sum(cents(a["amount"]) for a in allocations)
        used += sum(cents(c["amount"]) for c in children)
        slack = self.pick([0, 0, self.between(1, 10_000_000)])
        fund["amount"] = self.amount(used + slack)
        fund.pop("received", None)
        if allocations or children:
            if self.flag():
                first = min((a["date"] for a in allocations), default=self.as_of)
                fund["received"] = self.day(first - timedelta(days=90), first)
        elif self.flag():
            idle = int(self.param("idle_days"))
            fund["received"] = self.day(self.as_of - timedelta(days=max(idle - 1, 0)), self.as_of)
        if fund.get("parent") is not None:
            parent = self.get(fund["parent"])
            if parent is not None and parent[1]["year"] > fund["year"]:
                fund["year"] = parent[1]["year"]  # T008: a child is never older than its parent

    def add_project(
        self,
        county: str,
        status: str,
        pool: list[Record],
        *,
        budget: int | None = None,
        allocate: bool | None = None,
    ) -> Record:
        """A project of ``status``, clean under every S and T rule, with its money.

        Args:
            county: The county code.
            status: The project's status.
            pool: Funds to allocate from; when empty a new fund is made and settled.
            budget: The budget in fen (drawn when None).
            allocate: Whether an ``in_library`` project gets allocations (drawn when None).
        """
        pid = self.fresh(f"PJ-{county}-{len(self.where('projects', county=county)) + 1}")
        villages = [str(v["id"]) for v in self.regions_under(county, "village")]
        households = [
            str(h["id"]) for h in self.all("households") if str(h["village"]).startswith(county)
        ]
        category = self.pick(list(CATEGORIES)) if villages else "infrastructure"
        library = status in LIBRARY_STATUSES
        full = library or self.flag()  # below the library, fields may still be missing
        low = self.start - timedelta(days=365)
        # A cancelled project may have got as far as its start (and its money).
        depth = _MILESTONES_OF[status] if status in _MILESTONES_OF else self.between(1, 4)
        chain = CHAIN[:depth]
        when = dict(zip(chain, self.days(low, self.as_of, len(chain)), strict=True))
        if budget is None:
            budget = self.between(10_000_00, 5_000_000_00)
        # The choices are made in the order of the fields, so each draws what it always drew.
        name = self.text() + "项目"
        village = None
        if villages and (category != "infrastructure" or self.flag()):
            village = self.pick(villages)
        nature = task = mechanism = implementer = None
        period: Record | None = None
        if full:
            nature = self.pick(["new", "expansion", "renovation", "other"])
            task = self.text()
            mechanism = self.text()
            begin = when.get("start") or when.get("in_library") or when["proposed"]
            period = {"start": begin, "end": begin + timedelta(days=self.between(0, 400))}
            implementer = self.county_implementer(county)
        year = when.get("start", when["proposed"]).year
        written_budget = self.amount(budget)
        performance = self._performance(households) if full else None
        notices = self._announcements(status, when)
        project = record_of(
            "projects", id=pid, name=name, county=county, village=village, category=category,
            nature=nature, task=task, mechanism=mechanism, period=period, implementer=implementer,
            year=year, budget=written_budget, status=status, milestones=when,
            performance=performance, announcements=notices or None,
        )  # fmt: skip
        self.add("projects", project, county)
        allocations = self._allocate(project, status, when, budget, pool=pool, allocate=allocate)
        # Progress and the update day follow the money: set once it is allocated and paid.
        progress = self._progress(status, when, allocations)
        if progress:
            project["progress"] = progress
        if status == "implementing":
            age = int(self.param("max_update_age_days"))
            project["updated"] = self.day(self.as_of - timedelta(days=age), self.as_of)
        elif self.flag():
            project["updated"] = self.day(when[chain[-1]], self.as_of)
        return project

    def _performance(self, households: list[str]) -> Record:
        targets = []
        for _ in range(self.between(1, 2)):
            target: Record = {"indicator": self.text(), "value": self.between(1, 500)}
            target["unit"] = self.pick(["户", "人", "亩", "公里", "%"])
            if self.flag():
                target["dimension"] = self.pick(["output", "benefit", "satisfaction"])
            targets.append(target)
        chosen = [h for h in households if self.between(0, 2) == 0][:3]
        poor = self.between(0 if chosen else 1, 60)
        performance: Record = {"targets": targets, "poor_households": poor}
        if chosen:
            performance["beneficiaries"] = chosen
        return performance

    def _announcements(self, status: str, when: dict[str, date]) -> list[Record]:
        minimum = int(self.param("min_announcement_days"))
        notices = []

        def notice(stage: str, end: date) -> None:
            length = minimum + self.between(0, 10)
            start = end - timedelta(days=length - 1)
            notices.append({"stage": stage, "start": start, "end": end, "place": self.text()})

        if "in_library" in when:
            notice("intake", when["in_library"] - timedelta(days=self.between(0, 10)))
        if "start" in when:
            notice("implementation", when["start"] + timedelta(days=self.between(0, 30)))
        if "completed" in when:
            notice("completion", when["completed"] + timedelta(days=self.between(0, 30)))
        return notices

    def _allocate(
        self,
        project: Record,
        status: str,
        when: dict[str, date],
        budget: int,
        *,
        pool: list[Record],
        allocate: bool | None,
    ) -> list[Record]:
        """Allocations (= budget once running: S401, T004) and their disbursements."""
        if status in RUNNING_STATUSES:
            total = budget
        elif (status == "in_library" or (status == "cancelled" and "in_library" in when)) and (
            allocate if allocate is not None else self.flag()
        ):
            total = self.between(0, budget)
        else:
            return []
        if total == 0 and status in RUNNING_STATUSES:
            return []  # a zero budget needs no money (T001 with S401 and T004)
        county = str(project["county"])
        own = None
        if not pool:
            own = self.add_fund(county)
            pool = [own]
        parts = self._split(total, self.between(1, 3))
        first_day = when["in_library"]
        last_day = when.get("start", self.as_of)
        allocations = []
        for part in parts:
            allocation = record_of(
                "allocations", id=self.fresh(f"AL-{project['id']}"), fund=self.pick(pool)["id"],
                project=project["id"], amount=self.amount(part), date=self.day(first_day, last_day),
            )  # fmt: skip
            allocations.append(self.add("allocations", allocation, county))
            self._disburse(allocation, part, status, when)
        if own is not None:
            self.settle_fund(own)
        return allocations

    def _split(self, total: int, n: int) -> list[int]:
        cuts = sorted(self.between(0, total) for _ in range(n - 1))
        bounds = [0, *cuts, total]
        return [b - a for a, b in pairwise(bounds)]

    def _disburse(
        self, allocation: Record, amount: int, status: str, when: dict[str, date]
    ) -> None:
        if status in ("completed", "accepted"):
            paid, until = amount, when["completed"]
        else:
            paid, until = self.between(0, amount), self.as_of
            if self.flag():
                return
        for part in self._split(paid, self.between(1, 2)):
            payment = record_of(
                "disbursements", id=self.fresh(f"PAY-{allocation['id']}"),
                allocation=allocation["id"], amount=self.amount(part),
                date=self.day(allocation["date"], until),
            )  # fmt: skip
            self.add("disbursements", payment, self.home_of(str(allocation["id"])))

    def paid_by(self, project: str, day: date) -> int:
        """Fen disbursed on a project's allocations on or before ``day``."""
        allocations = {a["id"] for a in self.where("allocations", project=project)}
        return sum(
            cents(d["amount"])
            for d in self.all("disbursements")
            if d["allocation"] in allocations and d["date"] <= day
        )

    def allocated(self, project: str) -> int:
        """Fen allocated to a project."""
        return sum(cents(a["amount"]) for a in self.where("allocations", project=project))

    def _progress(
        self, status: str, when: dict[str, date], allocations: list[Record]
    ) -> list[Record]:
        """Progress reports that keep pace with spending (T009) and never fall silent (S701)."""
        if status == "implementing":
            limit = int(self.param("max_progress_gap_days"))
            days: list[date] = []
            current = when["start"]
            while (self.as_of - current).days > limit:
                current += timedelta(days=self.between(max(1, limit // 2), limit))
                days.append(current)
            if not days and self.flag():
                days.append(self.day(when["start"], self.as_of))
        elif status in ("completed", "accepted") and self.flag():
            days = [*self.days(when["start"], when["completed"], self.between(0, 2))]
            days.append(when["completed"])
        else:
            return []
        total = sum(cents(a["amount"]) for a in allocations)
        project = allocations[0]["project"] if allocations else None
        reports = []
        for day in days:
            if total > 0 and project is not None:
                pct = 100 * self.paid_by(str(project), day) // total
            else:
                pct = self.between(0, 100)
            reports.append({"date": day, "physical_pct": pct})
        return reports

    # --- the whole thing ---------------------------------------------------------------

    def finish(self) -> None:
        """Settle the upstream fund and count the units for ``total_units`` (Q008)."""
        for fund in self.all("funds"):
            if self.home_of(fund["id"]) == SHARED:
                self.settle_fund(fund)
        if "total_units" in self.params:
            self.params["total_units"] = len(self.linked_units())

    def linked_units(self) -> set[str]:
        """Units with a county link active on as_of to an in-scope county."""
        in_scope = {str(r["id"]) for r in self.all("regions") if self.in_scope(r)}
        units = {str(u["id"]) for u in self.all("units")}
        return {
            str(p["helper"])
            for p in self.where("pairings", kind="county_link")
            if p["target"] in in_scope
            and p["helper"] in units
            and p["start"] <= self.as_of
            and (p.get("end") is None or self.as_of <= p["end"])
        }


# --- the clean world at the walk's places ---------------------------------------------


class CleanWorld(Places):
    """What the builder puts at each place of :func:`~guabao_rules.testing.world.walk`.

    Every count is drawn within ``shape``; the first county is in scope, the others
    are drawn (or all out of scope when joining unrelated counties).
    """

    villages_per_township = 2

    def __init__(
        self,
        builder: Builder,
        shape: Shape,
        *,
        prefectures: int = 0,
        shared_funds: bool = True,
        in_scope: bool | None = None,
    ) -> None:
        self.builder = builder
        self.shape = shape
        self.count = prefectures
        self.shared_funds = shared_funds
        self.scope = in_scope  # None: the first county in scope, the others drawn
        self.first = True

    def prefectures(self) -> int:
        """As many as the dataset's parameters name."""
        return self.count

    def province(self, place: Place) -> None:
        """The province."""
        self.builder.add_province()

    def prefecture(self, place: Place) -> None:
        """A prefecture."""
        self.builder.add_prefecture(place.code)

    def top(self, prefectures: list[Place]) -> None:
        """The party secretary, the governor and the east-west partner city."""
        self.builder.add_top([p.code for p in prefectures])

    def counties_in(self, prefecture: Place) -> int:
        """Drawn."""
        return self.builder.between(*self.shape.counties_per_prefecture)

    def county(self, place: Place) -> None:
        """The county region and its organisation."""
        # Drawn unless given: the first county of a world is always in scope.
        in_scope = self.scope if self.scope is not None else self.first or self.builder.flag()
        self.first = False
        assert place.parent is not None
        self.builder.add_county_region(place.parent, in_scope, place.code)
        self.builder.county_organisation(place.code, in_scope)

    def villages_in(self, county: Place) -> int:
        """Drawn."""
        return self.builder.between(*self.shape.villages_per_county)

    def township(self, place: Place) -> None:
        """A township."""
        assert place.parent is not None
        self.builder.add_township(place.parent, place.code)

    def village(self, place: Place) -> None:
        """A village, poor or not (drawn), with its package and teams."""
        assert place.parent is not None
        self.builder.add_village(place.parent, poor=self.builder.flag(), code=place.code)

    def households_in(self, village: Place) -> int:
        """Drawn."""
        return self.builder.between(*self.shape.households_per_village)

    def households(self, village: Place, ids: list[str]) -> None:
        """Each poor or lifted (drawn), with its helper and reports."""
        for hid in ids:
            self.builder.add_household(village.code, self.builder.pick(["poor", "lifted"]), hid)

    def county_end(self, county: Place) -> None:
        """The county's funds and projects."""
        self.builder.county_money(county.code, self.shape, shared_funds=self.shared_funds)

    def end(self) -> None:
        """The upstream fund settled, the units counted."""
        self.builder.finish()


# --- a whole dataset ------------------------------------------------------------------


def known_params(params: dict[str, Any]) -> dict[str, Any]:
    """Keep the parameters the rule catalogue declares (the rest would be a config error)."""
    from guabao_rules.engine.core import catalogue

    declared = catalogue().params
    return {name: value for name, value in params.items() if name in declared}


def build_dataset(chooser: Chooser, shape: Shape) -> GeneratedDataset:
    """A whole valid dataset of ``shape``, its choices made by ``chooser``.

    :func:`guabao_rules.testing.datasets` calls it with a :class:`DrawChooser`; with a
    :class:`~guabao_rules.testing.world.SeededChooser` it builds the same kind of world
    outside Hypothesis (one seed, one dataset).
    """
    base = chooser.between(2014, 2020)
    span = chooser.between(*shape.years)
    start = date(base, 1, 1)
    final = base + span - 1
    if chooser.flag():
        as_of = date(final, 12, 31)
    else:
        as_of = date(final, 1, 1) + timedelta(days=chooser.between(0, 364))
    codes = PREFECTURE_CODES[: chooser.between(*shape.prefectures)]
    prefectures = [f"53{code}00" for code in codes]
    east_west = [p for p in prefectures if chooser.flag()] or [prefectures[-1]]
    params: dict[str, Any] = dict(DEFAULT_PARAMS)
    params.update(
        {
            "party_secretary_prefecture": prefectures[0],
            "governor_prefecture": prefectures[-1],
            "total_units": 0,
            "east_west_prefectures": east_west,
            "legacy_codes": {f"53{codes[0]}{LEGACY_COUNTY}": f"53{codes[0]}01"},
            "units_per_county": chooser.between(1, 3),
            "min_visits_per_year": chooser.between(1, 2),
            "min_team_members": chooser.between(2, 3),
            "max_team_members": chooser.choice([4, 5]),
            "min_announcement_days": chooser.choice([5, 10]),
            "scope_tag": chooser.choice(["deep_poverty", "deep_poverty", "sanqu_sanzhou"]),
        }
    )
    builder = Builder(chooser, GeneratedDataset({}, as_of, params, start))
    for _ in walk(CleanWorld(builder, shape, prefectures=len(prefectures)), builder):
        pass  # the builder keeps every county's records
    builder.params = known_params(builder.params)
    return builder.result()
