"""A deterministic generator of province-shaped datasets at a chosen size.

The dataset looks like a province's 挂包帮 data: prefectures, counties with
townships and villages, households, their helpers and quarterly reports,
village work teams, a project per village with its allocation and
disbursements, county fund lines, county links, visits, meetings, supervision
groups and findings. Every record is valid in the format; the rules find
little (a few quota findings, since a synthetic province has more counties
than the profile's numbers describe).

The same records are written as YAML (or, with ``tables=True``, the bulk
collections as CSV tables) and, for the benchmark's floor, as JSON: one JSON
file per data file, holding the same collections and records.

Run ``python bench/generate.py OUT --records 100000 [--csv]`` to write one.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

AS_OF = "2019-12-31"
"""The day the generated data is meant to be judged at (written into its config)."""

HOUSEHOLDS_PER_VILLAGE = 20
VILLAGES_PER_TOWNSHIP = 5
VILLAGES_PER_COUNTY = 20
COUNTIES_PER_PREFECTURE = 8
TEAM_SIZE = 3
HOUSEHOLDS_PER_HELPER = 5

RECORDS_PER_VILLAGE = (
    1  # the village
    + 1 / VILLAGES_PER_TOWNSHIP  # its share of a township
    + HOUSEHOLDS_PER_VILLAGE * (1 + 1 + 4)  # household, household_help pairing, 4 reports
    + TEAM_SIZE
    + HOUSEHOLDS_PER_VILLAGE // HOUSEHOLDS_PER_HELPER  # cadres
    + 2  # work team, village_package pairing
    + 1
    + 1
    + 3  # project, allocation, three disbursements
)
"""Records per village, county and province records aside (about 136)."""

TABLE_COLLECTIONS = (
    "households",
    "cadres",
    "pairings",
    "visits",
    "reports",
    "allocations",
    "disbursements",
)
"""The collections that may be CSV tables (data-format.md, "Tables")."""

SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"
GIVEN = "某英勇霞强华明丽军芳伟静磊洁涛燕斌艳"
CATEGORIES = ("industry", "infrastructure", "housing", "education", "health", "employment")

_PLAIN_TEXT = re.compile(r"[A-Za-z\u4e00-\u9fff][\w\-\u4e00-\u9fff]*")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _name(seed: int) -> str:
    """A pseudonym such as 赵某英 (never a real name: 某 in the middle)."""
    return SURNAMES[seed % len(SURNAMES)] + "某" + GIVEN[(seed // 7) % len(GIVEN)]


@dataclass
class DataFile:
    """One data file: its collections, in the order they are written."""

    collections: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def add(self, collection: str, record: dict[str, Any]) -> None:
        self.collections.setdefault(collection, []).append(record)


@dataclass
class Province:
    """A generated dataset: data files by relative path (without suffix)."""

    files: dict[str, DataFile] = field(default_factory=dict)

    def file(self, name: str) -> DataFile:
        return self.files.setdefault(name, DataFile())

    @property
    def records(self) -> int:
        return sum(len(r) for f in self.files.values() for r in f.collections.values())


def build(records: int) -> Province:
    """A province of about ``records`` records (at least one county of one village)."""
    villages = max(1, math.ceil(records / RECORDS_PER_VILLAGE))
    counties = math.ceil(villages / VILLAGES_PER_COUNTY)
    prefectures = math.ceil(counties / COUNTIES_PER_PREFECTURE)
    province = Province()
    top = province.file("regions")
    org = province.file("organisation/organisation")
    links = province.file("pairings/county-links")
    upstream = province.file("funds/upstream")
    top.add("regions", {"id": "530000", "name": "云南省", "level": "province"})
    for year in (2019,):
        upstream.add(
            "funds",
            {
                "id": f"F-CEN-{year}",
                "name": f"{year}年中央财政专项扶贫资金",
                "source": "central",
                "year": year,
                "amount": "0.00",  # the sum of the county funds, added up below
                "received": f"{year}-01-15",
            },
        )
    org.add(
        "leaders", {"id": "L-PS", "name": "宋某某", "rank": "provincial", "post": "party_secretary"}
    )
    org.add("leaders", {"id": "L-GOV", "name": "韩某某", "rank": "provincial", "post": "governor"})
    village_no = 0
    for p in range(prefectures):
        pref = f"53{p + 1:02d}00"
        top.add(
            "regions",
            {
                "id": pref,
                "name": f"第{p + 1}州",
                "level": "prefecture",
                "parent": "530000",
                "tags": ["sanqu_sanzhou"],
            },
        )
        for c in range(COUNTIES_PER_PREFECTURE):
            county_index = p * COUNTIES_PER_PREFECTURE + c
            if county_index >= counties:
                break
            county = f"{pref[:4]}{22 + c:02d}"
            top.add(
                "regions",
                {
                    "id": county,
                    "name": f"第{county_index + 1}县",
                    "level": "county",
                    "parent": pref,
                    "tags": ["sanqu_sanzhou", "deep_poverty"],
                },
            )
            in_county = min(VILLAGES_PER_COUNTY, villages - village_no)
            _county(
                province,
                org=org,
                links=links,
                county=county,
                index=county_index,
                villages=in_county,
            )
            village_no += in_county
    return province


def _county(
    province: Province,
    *,
    org: DataFile,
    links: DataFile,
    county: str,
    index: int,
    villages: int,
) -> None:
    """The records of one county and its villages."""
    folder = f"counties/{county}"
    regions = province.file(f"{folder}/regions")
    households = province.file(f"{folder}/households")
    reports = province.file(f"{folder}/reports")
    teams = province.file(f"{folder}/villages")
    projects = province.file(f"{folder}/projects")
    funds = province.file(f"{folder}/funds")
    visits = province.file(f"{folder}/visits")
    findings = province.file(f"{folder}/findings")
    leader = f"L-P{index:04d}"
    head = f"L-D{index:04d}"
    org.add("leaders", {"id": leader, "name": _name(index), "rank": "provincial"})
    org.add(
        "leaders",
        {"id": head, "name": _name(index + 3), "rank": "departmental", "unit": f"U-{index:04d}-0"},
    )
    helpers = [f"U-{index:04d}-{k}" for k in range(5)]
    kinds = (
        "provincial_unit",
        "provincial_unit",
        "provincial_unit",
        "central_unit",
        "provincial_soe",
    )
    for k, (unit, kind) in enumerate(zip(helpers, kinds, strict=True)):
        org.add("units", {"id": unit, "name": f"第{index + 1}县挂联单位{k + 1}", "kind": kind})
    agency = f"U-{county}-NY"
    org.add("units", {"id": agency, "name": f"第{index + 1}县农业农村局", "kind": "county_unit"})
    org.add("supervision_groups", {"id": f"SG-{county}", "county": county, "head": head})
    links.add(
        "pairings",
        {
            "id": f"P-CL-{county}-0",
            "kind": "county_link",
            "helper": leader,
            "target": county,
            "start": "2018-01-01",
        },
    )
    for k, unit in enumerate(helpers):
        pairing = {
            "id": f"P-CL-{county}-{k + 1}",
            "kind": "county_link",
            "helper": unit,
            "target": county,
        }
        if k == 0:
            pairing["role"] = "lead"
        pairing["start"] = "2018-01-01"
        links.add("pairings", pairing)
    for year in (2018, 2019):
        for k, unit in enumerate(helpers):
            for half in (0, 6):
                visits.add(
                    "visits",
                    {
                        "id": f"V-{county}-{year}-{k}-{half}",
                        "visitor": unit,
                        "county": county,
                        "date": f"{year}-{1 + half + k:02d}-14",
                        "main_leader": True,
                    },
                )
        visits.add(
            "visits",
            {
                "id": f"V-{county}-{year}-L",
                "visitor": leader,
                "county": county,
                "date": f"{year}-09-10",
            },
        )
        visits.add(
            "meetings",
            {
                "id": f"MT-{county}-{year}",
                "county": county,
                "convened_by": helpers[0],
                "date": f"{year}-06-20",
            },
        )
    findings.add(
        "findings",
        {
            "id": f"FD-{county}-01",
            "county": county,
            "raised_by": f"SG-{county}",
            "date": "2019-06-09",
            "deadline": "2019-08-31",
            "closed": "2019-08-24",
            "summary": "部分帮户干部对结对贫困户家庭情况不熟悉",
        },
    )
    fund = f"F-{county}-2019-C"
    fund_record = {
        "id": fund,
        "name": f"2019年中央财政专项扶贫资金(第{index + 1}县)",
        "source": "central",
        "year": 2019,
        "amount": "0.00",  # the sum of the county's allocations, set below
        "received": "2019-02-22",
        "parent": "F-CEN-2019",
    }
    funds.add("funds", fund_record)
    for v in range(villages):
        if v % VILLAGES_PER_TOWNSHIP == 0:
            township = f"{county}{200 + v // VILLAGES_PER_TOWNSHIP:03d}"
            regions.add(
                "regions",
                {
                    "id": township,
                    "name": f"第{v // VILLAGES_PER_TOWNSHIP + 1}乡",
                    "level": "township",
                    "parent": county,
                },
            )
        village = f"{township}{201 + v % VILLAGES_PER_TOWNSHIP:03d}"
        regions.add(
            "regions",
            {
                "id": village,
                "name": f"第{v + 1}村",
                "level": "village",
                "parent": township,
                "tags": ["poor_village"],
            },
        )
        _village(
            Village(index, county, village, v, helpers[v % len(helpers)], agency, fund),
            households=households,
            reports=reports,
            teams=teams,
            projects=projects,
            funds=funds,
        )
    allocated = sum(
        int(a["amount"][:-3]) for a in funds.collections["allocations"] if a["fund"] == fund
    )
    fund_record["amount"] = f"{allocated}.00"
    upstream = province.file("funds/upstream").collections["funds"][0]
    upstream["amount"] = f"{int(upstream['amount'][:-3]) + allocated}.00"


@dataclass(frozen=True)
class Village:
    """Where a village stands: its county, its code, its number, who helps it."""

    county_index: int
    county: str
    code: str
    number: int
    unit: str
    agency: str
    fund: str


def _village(
    where: Village,
    *,
    households: DataFile,
    reports: DataFile,
    teams: DataFile,
    projects: DataFile,
    funds: DataFile,
) -> None:
    """The records of one village."""
    county_index, county, village, v = where.county_index, where.county, where.code, where.number
    unit, agency, fund = where.unit, where.agency, where.fund
    team = [f"C-{village}-{k}" for k in range(TEAM_SIZE)]
    helpers = [f"C-{village}-H{k}" for k in range(HOUSEHOLDS_PER_VILLAGE // HOUSEHOLDS_PER_HELPER)]
    seed = county_index * 1000 + v
    for k, cadre in enumerate(team + helpers):
        teams.add(
            "cadres",
            {"id": cadre, "name": _name(seed + k), "unit": unit if k < TEAM_SIZE else agency},
        )
    teams.add(
        "pairings",
        {
            "id": f"P-VP-{village}",
            "kind": "village_package",
            "helper": unit,
            "target": village,
            "start": "2018-01-01",
        },
    )
    teams.add(
        "work_teams",
        {
            "id": f"WT-{village}",
            "village": village,
            "unit": unit,
            "first_secretary": team[0],
            "members": team,
            "start": "2019-01-01",
        },
    )
    beneficiaries = []
    for h in range(HOUSEHOLDS_PER_VILLAGE):
        household = f"HH-{village}-{h:03d}"
        status = "lifted" if (seed + h) % 4 == 0 else "poor"
        if status == "poor" and len(beneficiaries) < 5:
            beneficiaries.append(household)
        households.add("households", {"id": household, "village": village, "status": status})
        helper = helpers[h // HOUSEHOLDS_PER_HELPER]
        households.add(
            "pairings",
            {
                "id": f"P-HH-{village}-{h:03d}",
                "kind": "household_help",
                "helper": helper,
                "target": household,
                "start": "2018-01-01",
            },
        )
        for q, sent in enumerate(("04-09", "07-09", "10-09", "12-24"), start=1):
            reports.add(
                "reports",
                {
                    "id": f"R-{village}-{h:03d}-2019Q{q}",
                    "reporter": team[(h + q) % TEAM_SIZE],
                    "household": household,
                    "period": f"2019-Q{q}",
                    "date": f"2019-{sent}",
                    "recipients": [unit, helper],
                },
            )
    project = f"PJ-{village}-2019"
    budget = 150_000 + (seed % 7) * 10_000
    projects.add(
        "projects",
        {
            "id": project,
            "name": f"第{v + 1}村产业发展项目",
            "county": county,
            "village": village,
            "category": CATEGORIES[seed % len(CATEGORIES)],
            "nature": "new",
            "task": "建设种植基地100亩",
            "mechanism": "合作社统一收购,贫困户务工和分红",
            "period": {"start": "2019-03-01", "end": "2019-11-30"},
            "implementer": agency,
            "year": 2019,
            "budget": f"{budget}.00",
            "status": "accepted",
            "milestones": {
                "proposed": "2018-10-19",
                "reviewed": "2018-11-23",
                "in_library": "2018-12-17",
                "start": "2019-03-23",
                "completed": "2019-10-31",
                "accepted": "2019-12-13",
            },
            "performance": {
                "targets": [
                    {"indicator": "种植基地", "value": 100, "unit": "亩", "dimension": "output"},
                    {
                        "indicator": "户均增收",
                        "value": 2200,
                        "unit": "元/年",
                        "dimension": "benefit",
                    },
                    {
                        "indicator": "群众满意度",
                        "value": 95,
                        "unit": "%",
                        "dimension": "satisfaction",
                    },
                ],
                "poor_households": len(beneficiaries),
                "beneficiaries": beneficiaries,
            },
            "announcements": [
                {
                    "stage": "intake",
                    "start": "2018-11-30",
                    "end": "2018-12-14",
                    "place": "村务公开栏",
                },
                {
                    "stage": "implementation",
                    "start": "2019-03-08",
                    "end": "2019-03-22",
                    "place": "村务公开栏",
                },
                {
                    "stage": "completion",
                    "start": "2019-11-08",
                    "end": "2019-11-22",
                    "place": "村务公开栏",
                },
            ],
            "progress": [
                {"date": "2019-05-31", "physical_pct": 35},
                {"date": "2019-08-31", "physical_pct": 70},
                {"date": "2019-10-31", "physical_pct": 100},
            ],
            "updated": "2019-12-13",
        },
    )
    allocation = f"AL-{village}"
    funds.add(
        "allocations",
        {
            "id": allocation,
            "fund": fund,
            "project": project,
            "amount": f"{budget}.00",
            "date": "2019-03-19",
        },
    )
    # Paid as the works progress (35 %, 70 %, 100 %), so spending keeps pace.
    first, second = budget * 35 // 100, budget * 70 // 100
    paid = ((first, "2019-05-30"), (second - first, "2019-08-30"), (budget - second, "2019-10-30"))
    for k, (amount, day) in enumerate(paid):
        funds.add(
            "disbursements",
            {
                "id": f"DB-{village}-{k}",
                "allocation": allocation,
                "amount": f"{amount}.00",
                "date": day,
            },
        )


# --- writing ------------------------------------------------------------------------


def _scalar(value: Any) -> str:
    """A value as a YAML flow scalar (plain when that reads back as the same string)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_scalar(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_scalar(v)}" for k, v in value.items()) + "}"
    text = str(value)
    if _DATE.fullmatch(text) or (
        _PLAIN_TEXT.fullmatch(text) and text not in ("true", "false", "null")
    ):
        return text
    return json.dumps(text, ensure_ascii=False)


def _yaml_block(record: dict[str, Any], out: list[str]) -> None:
    """A record in block style, as a county project library is written by hand."""
    first = True
    for key, value in record.items():
        lead = "  - " if first else "    "
        first = False
        if isinstance(value, dict) and key != "period":
            out.append(f"{lead}{key}:")
            for k, v in value.items():
                if isinstance(v, list) and v and isinstance(v[0], dict):
                    out.append(f"      {k}:")
                    out.extend(f"        - {_scalar(item)}" for item in v)
                else:
                    out.append(f"      {k}: {_scalar(v)}")
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            out.append(f"{lead}{key}:")
            out.extend(f"      - {_scalar(item)}" for item in value)
        else:
            out.append(f"{lead}{key}: {_scalar(value)}")


def to_yaml(data: DataFile) -> str:
    """A data file as YAML: one flow mapping per line, projects in block style."""
    out = ["# generated by bench/generate.py"]
    for collection, records in data.collections.items():
        out.append(f"{collection}:")
        for record in records:
            if collection == "projects":
                _yaml_block(record, out)
            else:
                out.append(f"  - {_scalar(record)}")
    return "\n".join(out) + "\n"


def to_csv(collection: str, records: list[dict[str, Any]]) -> str:
    """A table: a header of every field used, ``;`` between list items, empty when absent."""
    columns: dict[str, None] = {}
    for record in records:
        columns.update(dict.fromkeys(record))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for record in records:
        row = []
        for column in columns:
            value = record.get(column)
            if value is None:
                row.append("")
            elif isinstance(value, bool):
                row.append("true" if value else "false")
            elif isinstance(value, list):
                row.append(";".join(value))
            else:
                row.append(str(value))
        writer.writerow(row)
    return buffer.getvalue()


def write(province: Province, root: Path, *, tables: bool = False) -> None:
    """Write the dataset (YAML, or YAML and CSV tables) under ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "guabao-rules.toml").write_text(
        f'profile = "yunnan-sanqu-sanzhou"\nas_of = {AS_OF}\n', encoding="utf-8"
    )
    for name, data in province.files.items():
        path = root / f"{name}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        if not tables:
            path.write_text(to_yaml(data), encoding="utf-8")
            continue
        rest = DataFile()
        for collection, records in data.collections.items():
            if collection in TABLE_COLLECTIONS:
                # Both namings of data-format.md: `<collection>.csv`, or any
                # `*.csv` in a folder named after the collection.
                if path.stem == collection:
                    table = path.parent / f"{collection}.csv"
                else:
                    table = path.parent / collection / f"{path.stem}.csv"
                table.parent.mkdir(parents=True, exist_ok=True)
                table.write_text(to_csv(collection, records), encoding="utf-8")
            else:
                rest.collections[collection] = records
        if rest.collections:
            path.write_text(to_yaml(rest), encoding="utf-8")


def write_json(province: Province, root: Path) -> None:
    """The same records as JSON, one file per data file (the benchmark's floor)."""
    for name, data in province.files.items():
        path = root / f"{name}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data.collections, ensure_ascii=False), encoding="utf-8")


def iter_json(root: Path) -> Iterator[Path]:
    """The JSON files written by :func:`write_json`, in a fixed order."""
    return iter(sorted(root.rglob("*.json")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--csv", action="store_true", help="bulk collections as CSV tables")
    parser.add_argument("--json", type=Path, help="also write the JSON floor here")
    args = parser.parse_args()
    province = build(args.records)
    write(province, args.out, tables=args.csv)
    if args.json:
        write_json(province, args.json)
    print(f"{province.records} records in {len(province.files)} files -> {args.out}")


if __name__ == "__main__":
    main()
