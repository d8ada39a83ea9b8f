"""A deterministic, streaming generator of datasets in the shape of a real province.

The shape is Yunnan's 挂包帮 organisation of 2015 (issue 10): 129 counties in its
16 prefectures, 108 villages a county (12 to a township), 122 poor households a
village, one helping cadre for every 4 households, a quarterly report per
household (4 a year), a village work team, a project per village with its allocation and three
disbursements, county fund lines, county links, visits, meetings, supervision
groups and findings: about 1.07×10⁷ records a year. Smaller sizes keep the
same shape with fewer villages (``--records``), so that the cost per record can
be compared from 10⁵ to 10⁷.

Every record is valid in the format; the rules find little (a few quota
findings, since a synthetic province has more counties than the profile's
numbers describe).

The world is walked as the Hypothesis strategies walk theirs, with
:mod:`guabao_rules.testing.world`: :func:`~guabao_rules.testing.world.walk` goes
from the province to its prefectures, then county by county to its townships,
villages and households, and gives each region its code and each household its
id from its position (unique by construction: no id is remembered); what stands
at each place is this module's :class:`Province`. Each record has its fields in
its model's order (``record_of``), the bulk columns are written as their model
fields say, the names and amounts come from the same vocabulary, and the choices
(which households are lifted out, a project's category and budget, the days of
visits and meetings) from a :class:`~guabao_rules.testing.world.SeededChooser`:
``--seed`` picks the world, the same seed writes the same files. Hypothesis is
never imported.

The generator streams: the bulk rows (households, their pairings, cadres and
reports) are formatted straight into text, one village at a time, and written
county by county; no Python object per row is kept. It writes, as asked:

* ``csv``: the seven bulk collections as CSV tables, one set per county, the
  rest as YAML;
* ``parquet``: the same tables as Parquet files (string columns holding the CSV
  cells, an empty cell null), the rest as YAML;
* ``flow``: YAML, each bulk record one flow mapping on a line;
* ``block``: YAML in block style, the bulk files exactly as ``yaml.safe_dump``
  (``allow_unicode=True, sort_keys=False``) writes them, the rest indented as
  people write by hand;

and, for the benchmark's floor, the same records as JSON: one JSON file per
data file, holding the same collections and records.

Run ``python bench/generate.py OUT --records 100000 --format csv --json FLOOR``,
or ``--province`` for the whole province (``--seed N`` for another world).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import re
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

from guabao_rules.models import TABLE_COLLECTIONS
from guabao_rules.testing.world import (
    CATEGORIES,
    PREFECTURE_CODES,
    Chooser,
    Place,
    Places,
    SeededChooser,
    Written,
    person,
    record_of,
    region_of,
    walk,
    written_as,
)

AS_OF = "2019-12-31"
"""The day the generated data is meant to be judged at (written into its config)."""

COUNTIES = 129
VILLAGES_PER_COUNTY = 108
VILLAGES_PER_TOWNSHIP = 12
HOUSEHOLDS_PER_VILLAGE = 122
HOUSEHOLDS_PER_HELPER = 4
REPORTS_PER_HOUSEHOLD = 4
COUNTIES_PER_PREFECTURE = 8
TEAM_SIZE = 3
"""The village work team: the first three helping cadres of the village."""

HELPERS_PER_VILLAGE = math.ceil(HOUSEHOLDS_PER_VILLAGE / HOUSEHOLDS_PER_HELPER)

RECORDS_PER_VILLAGE = (
    1  # the village
    + 1 / VILLAGES_PER_TOWNSHIP  # its share of a township
    + HOUSEHOLDS_PER_VILLAGE * (1 + 1 + REPORTS_PER_HOUSEHOLD)  # household, pairing, reports
    + HELPERS_PER_VILLAGE  # cadres
    + 2  # work team, village_package pairing
    + 1
    + 1
    + 3  # project, allocation, three disbursements
)
"""Records per village, county and province records aside (about 772)."""

RECORDS_PER_COUNTY = 33
"""Records of a county outside its villages: leaders, units, links, visits, funds..."""

RECORDS_PROVINCE = round(
    COUNTIES * (VILLAGES_PER_COUNTY * RECORDS_PER_VILLAGE + RECORDS_PER_COUNTY)
)
"""About how many records the whole province holds (≈1.07e7)."""

Format = Literal["csv", "parquet", "flow", "block"]

QUARTERS: tuple[tuple[str, str], ...] = (("2019-Q1", "2019-04-09"), ("2019-Q2", "2019-07-09"))
QUARTERS += (("2019-Q3", "2019-10-09"), ("2019-Q4", "2019-12-24"))

_PLAIN_TEXT = re.compile(r"[A-Za-z\u4e00-\u9fff][\w\-\u4e00-\u9fff]*")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


# --- the shape ------------------------------------------------------------------------


@dataclass(frozen=True)
class Shape:
    """How many villages, in how many counties."""

    villages: int

    @classmethod
    def for_records(cls, records: int) -> Shape:
        """The shape of about ``records`` records (at least one village)."""
        per_county = RECORDS_PER_COUNTY / VILLAGES_PER_COUNTY
        return cls(max(1, round(records / (RECORDS_PER_VILLAGE + per_county))))

    @classmethod
    def province(cls) -> Shape:
        """The whole province: 129 counties of 108 villages."""
        return cls(COUNTIES * VILLAGES_PER_COUNTY)

    @property
    def counties(self) -> int:
        return math.ceil(self.villages / VILLAGES_PER_COUNTY)

    def villages_in(self, county: int) -> int:
        return min(VILLAGES_PER_COUNTY, self.villages - county * VILLAGES_PER_COUNTY)


# --- the bulk rows: one template per collection and format ---------------------------


@dataclass(frozen=True)
class Table:
    """The columns of a bulk collection, and a row template for each format."""

    columns: tuple[tuple[str, Written], ...]

    @classmethod
    def of(cls, collection: str, *fields: str) -> Table:
        """These fields of ``collection``, each written as its model field says."""
        return cls(tuple((name, written_as(collection, name)) for name in fields))

    @staticmethod
    def _yaml(form: str, kind: Written, i: int) -> str:
        if form == "block":  # as yaml.safe_dump quotes what YAML 1.1 reads as a number or date
            return f"'{{{i}}}'" if kind in ("code", "date") else f"{{{i}}}"
        return f'"{{{i}}}"' if kind == "code" else f"{{{i}}}"

    def template(self, form: str) -> str:
        """A ``str.format`` template of one row (list columns arrive pre-rendered)."""
        cols = self.columns
        if form == "csv":
            return ",".join(f"{{{i}}}" for i in range(len(cols))) + "\n"
        if form == "json":
            cells = (
                f'"{name}":' + (f"{{{i}}}" if kind == "list" else f'"{{{i}}}"')
                for i, (name, kind) in enumerate(cols)
            )
            return "{{" + ",".join(cells) + "}}"
        if form == "flow":
            cells = (
                f"{name}: " + (f"{{{i}}}" if kind == "list" else self._yaml(form, kind, i))
                for i, (name, kind) in enumerate(cols)
            )
            return "  - {{" + ", ".join(cells) + "}}\n"
        lines = []  # block, as yaml.safe_dump writes a record in an indentless sequence
        for i, (name, kind) in enumerate(cols):
            lead = "- " if i == 0 else "  "
            lines.append(
                f"{lead}{name}:"
                + (f"{{{i}}}" if kind == "list" else " " + self._yaml(form, kind, i))
            )
        return "\n".join(lines) + "\n"

    def render_list(self, form: str, items: tuple[str, ...]) -> str:
        if form == "csv":
            return ";".join(items)
        if form == "json":
            return "[" + ",".join(f'"{item}"' for item in items) + "]"
        if form == "flow":
            return "[" + ", ".join(items) + "]"
        return "".join(f"\n  - {item}" for item in items)


HOUSEHOLDS = Table.of("households", "id", "village", "status")
HELP = Table.of("pairings", "id", "kind", "helper", "target", "start")
CADRES = Table.of("cadres", "id", "name", "unit")
REPORTS = Table.of("reports", "id", "reporter", "household", "period", "date", "recipients")


# --- the other records: dicts, a few per village --------------------------------------


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


def _yaml_block(record: dict[str, Any], out: list[str], indent: int = 2) -> None:
    """A record in block style, indented under its collection, as people write by hand."""
    pad = " " * indent
    first = True
    for key, value in record.items():
        lead = f"{pad}- " if first else f"{pad}  "
        first = False
        if isinstance(value, dict):
            out.append(f"{lead}{key}:")
            for k, v in value.items():
                if isinstance(v, list) and v and isinstance(v[0], dict):
                    out.append(f"{pad}    {k}:")
                    for item in v:
                        _yaml_block(item, out, indent + 6)
                else:
                    out.append(f"{pad}    {k}: {_scalar(v)}")
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            out.append(f"{lead}{key}:")
            for item in value:
                _yaml_block(item, out, indent + 4)
        else:
            out.append(f"{lead}{key}: {_scalar(value)}")


def _yaml_records(records: list[dict[str, Any]], form: str) -> str:
    out: list[str] = []
    for record in records:
        if form == "block" or ("period" in record and "milestones" in record):
            _yaml_block(record, out)  # projects are block style in every format
        else:
            out.append(f"  - {_scalar(record)}")
    return "\n".join(out) + "\n" if out else ""


def _csv_records(records: list[dict[str, Any]], columns: list[str]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
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


def _write_parquet(path: Path, text: str, columns: list[str]) -> None:
    """A CSV table's text written as a Parquet file of string columns (empty cells null)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    table = pacsv.read_csv(
        io.BytesIO(text.encode("utf-8")),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(columns, pa.string()), strings_can_be_null=True
        ),
    )
    pq.write_table(table, path)


# --- one data file, written collection by collection ---------------------------------


@dataclass
class Chunks:
    """The text of one collection of one data file, in each form being written."""

    text: list[str] = field(default_factory=list)
    json: list[str] = field(default_factory=list)
    columns: list[str] | None = None  # a CSV table's header
    count: int = 0


@dataclass
class DataFile:
    """One data file (without suffix): its collections, in the order they are written."""

    name: str
    collections: dict[str, Chunks] = field(default_factory=dict)

    def chunks(self, collection: str) -> Chunks:
        return self.collections.setdefault(collection, Chunks())


class Writer:
    """Formats records into data files and writes them, one batch of files at a time."""

    def __init__(self, root: Path, form: Format, json_root: Path | None) -> None:
        self.root = root
        self.form: Format = form
        self.json_root = json_root
        self.records = 0
        self.files = 0
        self.bytes = 0
        self.json_bytes = 0
        self.files_open: dict[str, DataFile] = {}

    def file(self, name: str) -> DataFile:
        found = self.files_open.get(name)
        if found is None:
            found = self.files_open[name] = DataFile(name)
        return found

    def table(self) -> bool:
        return self.form in ("csv", "parquet")

    def rows(self, name: str, collection: str, table: Table, rows: list[tuple[Any, ...]]) -> None:
        """Bulk rows, formatted at once (the last column may be a tuple: a list)."""
        chunks = self.file(name).chunks(collection)
        form = "csv" if self.table() else self.form
        template = table.template(form)
        json_template = table.template("json")
        has_list = table.columns[-1][1] == "list"
        if chunks.columns is None:
            chunks.columns = [name for name, _ in table.columns]
        if has_list:
            text = "".join(
                [template.format(*row[:-1], table.render_list(form, row[-1])) for row in rows]
            )
            if self.json_root is not None:
                chunks.json.append(
                    ",".join(
                        [
                            json_template.format(*row[:-1], table.render_list("json", row[-1]))
                            for row in rows
                        ]
                    )
                )
        else:
            text = "".join([template.format(*row) for row in rows])
            if self.json_root is not None:
                chunks.json.append(",".join([json_template.format(*row) for row in rows]))
        chunks.text.append(text)
        chunks.count += len(rows)

    def add(self, name: str, collection: str, records: list[dict[str, Any]]) -> None:
        """A few records as dicts (any shape), formatted at once."""
        if not records:
            return
        chunks = self.file(name).chunks(collection)
        if self.table() and collection in TABLE_COLLECTIONS:
            if chunks.columns is None:
                chunks.columns = list(dict.fromkeys(k for r in records for k in r))
            chunks.text.append(_csv_records(records, chunks.columns))
        else:
            chunks.text.append(_yaml_records(records, self.form))
        if self.json_root is not None:
            chunks.json.append(",".join(json.dumps(r, ensure_ascii=False) for r in records))
        chunks.count += len(records)

    def flush(self, names: Iterator[str] | None = None) -> None:
        """Write the files named (all open ones by default) and forget them."""
        for name in list(self.files_open) if names is None else list(names):
            data = self.files_open.pop(name)
            self._write(data)

    def _write(self, data: DataFile) -> None:
        path = self.root / f"{data.name}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        yaml_parts: list[str] = []
        for collection, chunks in data.collections.items():
            self.records += chunks.count
            if self.table() and collection in TABLE_COLLECTIONS:
                # Both namings of data-format.md: `<collection>.csv`, or any
                # `*.csv` in a folder named after the collection.
                suffix = ".parquet" if self.form == "parquet" else ".csv"
                if path.stem == collection:
                    table = path.parent / f"{collection}{suffix}"
                else:
                    table = path.parent / collection / f"{path.stem}{suffix}"
                table.parent.mkdir(parents=True, exist_ok=True)
                assert chunks.columns is not None
                header = ",".join(chunks.columns) + "\n"
                if self.form == "parquet":
                    _write_parquet(table, header + "".join(chunks.text), chunks.columns)
                else:
                    with table.open("w", encoding="utf-8", newline="") as out:
                        out.write(header)
                        out.writelines(chunks.text)
                self.files += 1
                self.bytes += table.stat().st_size
            else:
                # An indentless sequence in the bulk files of block YAML, as
                # yaml.safe_dump writes it; the others indent their items.
                yaml_parts.append(f"{collection}:\n")
                yaml_parts.extend(chunks.text)
        if yaml_parts:
            with path.open("w", encoding="utf-8") as out:
                if self.form != "block":
                    out.write("# generated by bench/generate.py\n")
                out.writelines(yaml_parts)
            self.files += 1
            self.bytes += path.stat().st_size
        if self.json_root is not None:
            target = self.json_root / f"{data.name}.json"
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("w", encoding="utf-8") as out:
                out.write("{")
                for n, (collection, chunks) in enumerate(data.collections.items()):
                    out.write(f'{"," if n else ""}"{collection}":[')
                    out.write(",".join(part for part in chunks.json if part))
                    out.write("]")
                out.write("}")
            self.json_bytes += target.stat().st_size


# --- the province -------------------------------------------------------------------


@dataclass
class Totals:
    """What the generator wrote."""

    records: int
    files: int
    mb: float
    json_mb: float
    seconds: float


def generate(
    shape: Shape,
    root: Path,
    *,
    form: Format = "csv",
    json_root: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    seed: int = 0,
) -> Totals:
    """Write a dataset of ``shape`` under ``root`` (and its JSON floor under ``json_root``).

    The world is walked county by county (:func:`~guabao_rules.testing.world.walk`);
    each county's files are written as soon as it is done. ``seed`` seeds the
    :class:`SeededChooser` that makes the world's choices.
    """
    start = time.perf_counter()
    root.mkdir(parents=True, exist_ok=True)
    (root / "guabao-rules.toml").write_text(
        f'profile = "yunnan-sanqu-sanzhou"\nas_of = {AS_OF}\n', encoding="utf-8"
    )
    w = Writer(root, form, json_root)
    province = Province(w, SeededChooser(seed), shape)
    for done, _ in enumerate(walk(province), start=1):
        w.flush()  # the county's files: written, and forgotten
        if progress is not None:
            progress(done, shape.counties)
    w.flush()  # what the whole province shares, written by Province.end
    return Totals(
        w.records, w.files, w.bytes / 1e6, w.json_bytes / 1e6, time.perf_counter() - start
    )


UNIT_KINDS: tuple[str, ...] = (
    "provincial_unit",
    "provincial_unit",
    "provincial_unit",
    "central_unit",
)
UNIT_KINDS += ("provincial_soe",)
"""The kinds of a county's five linked units: three provincial, one central, one SOE."""


def _day(choose: Chooser, year: int, first: tuple[int, int], last: tuple[int, int]) -> str:
    """A day of ``year`` from ``first`` to ``last`` (month, day), as the data writes it."""
    return choose.day(date(year, *first), date(year, *last)).isoformat()


@dataclass
class County:
    """The county being walked: its number, its folder, who helps it, its villages so far."""

    index: int
    code: str
    helpers: list[str]
    agency: str
    fund: str
    villages: list[Village] = field(default_factory=list)

    @property
    def folder(self) -> str:
        return f"counties/{self.code}"


@dataclass
class Village:
    """A village of the county being walked: its code, name and number, its cadres."""

    code: str
    name: str
    number: int
    unit: str
    cadres: list[str]
    beneficiaries: list[str] = field(default_factory=list)


class Province(Places):
    """What the real province's shape puts at each place of the walk.

    Fixed counts (no choice but the few the docstring names), the bulk rows
    formatted straight into text by the :class:`Writer`; the province-wide records
    (regions down to counties, leaders, units, links) are kept and written last.
    """

    villages_per_township = VILLAGES_PER_TOWNSHIP

    def __init__(self, writer: Writer, choose: Chooser, shape: Shape) -> None:
        self.w = writer
        self.choose = choose
        self.shape = shape
        self.regions: list[dict[str, Any]] = []
        self.leaders: list[dict[str, Any]] = []
        self.units: list[dict[str, Any]] = []
        self.groups: list[dict[str, Any]] = []
        self.links: list[dict[str, Any]] = []
        self.central = 0  # the upstream fund: the sum of the county lines
        self.counties = 0
        self.here: County | None = None

    def prefectures(self) -> int:
        """As many as the counties fill, eight to a prefecture (Yunnan has 16)."""
        return min(len(PREFECTURE_CODES), math.ceil(self.shape.counties / COUNTIES_PER_PREFECTURE))

    def counties_in(self, prefecture: Place) -> int:
        """The counties spread evenly over the prefectures (129: one of 9, fifteen of 8)."""
        share, extra = divmod(self.shape.counties, self.prefectures())
        return share + (prefecture.position < extra)

    def province(self, place: Place) -> None:
        """The province."""
        self.regions.append(region_of("province", place.code))

    def prefecture(self, place: Place) -> None:
        """A prefecture of the 三区三州."""
        self.regions.append(region_of("prefecture", place.code, place.parent, ["sanqu_sanzhou"]))

    def top(self, prefectures: list[Place]) -> None:
        """The party secretary and the governor."""
        self.leaders += [
            record_of(
                "leaders", id="L-PS", name="宋某某", rank="provincial", post="party_secretary"
            ),
            record_of("leaders", id="L-GOV", name="韩某某", rank="provincial", post="governor"),
        ]

    def county(self, place: Place) -> None:
        """A deep-poverty county: its leaders, five linked units, visits, meetings, findings."""
        index = self.counties
        self.counties += 1
        county = place.code
        tags = ["sanqu_sanzhou", "deep_poverty"]
        self.regions.append(region_of("county", county, place.parent, tags))
        leader, head = f"L-P{index:04d}", f"L-D{index:04d}"
        helpers = [f"U-{index:04d}-{k}" for k in range(len(UNIT_KINDS))]
        agency = f"U-{county}-NY"
        self.here = County(index, county, helpers, agency, f"F-{county}-2019-C")
        self.leaders.append(record_of("leaders", id=leader, name=person(index), rank="provincial"))
        self.leaders.append(
            record_of(
                "leaders", id=head, name=person(index + 3), rank="departmental", unit=helpers[0]
            )
        )
        for k, (unit, kind) in enumerate(zip(helpers, UNIT_KINDS, strict=True)):
            name = f"第{index + 1}县挂联单位{k + 1}"
            self.units.append(record_of("units", id=unit, name=name, kind=kind))
        self.units.append(
            record_of("units", id=agency, name=f"第{index + 1}县农业农村局", kind="county_unit")
        )
        self.groups.append(
            record_of("supervision_groups", id=f"SG-{county}", county=county, head=head)
        )
        self.links.append(
            record_of(
                "pairings",
                id=f"P-CL-{county}-0",
                kind="county_link",
                helper=leader,
                target=county,
                start="2018-01-01",
            )
        )
        for k, unit in enumerate(helpers):
            self.links.append(
                record_of(
                    "pairings",
                    id=f"P-CL-{county}-{k + 1}",
                    kind="county_link",
                    helper=unit,
                    target=county,
                    role="lead" if k == 0 else None,
                    start="2018-01-01",
                )
            )
        self._visits(county, leader, helpers)
        finding = record_of(
            "findings", id=f"FD-{county}-01", county=county, raised_by=f"SG-{county}",
            date="2019-06-09", deadline="2019-08-31", closed="2019-08-24",
            summary="部分帮户干部对结对贫困户家庭情况不熟悉",
        )  # fmt: skip
        self.w.add(f"{self.here.folder}/findings", "findings", [finding])

    def _visits(self, county: str, leader: str, helpers: list[str]) -> None:
        """Two main-leader visits a year of each unit, the leader's, a joint meeting."""
        assert self.here is not None
        visits: list[dict[str, Any]] = []
        meetings: list[dict[str, Any]] = []
        choose = self.choose
        for year in (2018, 2019):
            for k, unit in enumerate(helpers):
                for half in (0, 6):  # one main-leader visit in each half of the year
                    visits.append(
                        record_of(
                            "visits",
                            id=f"V-{county}-{year}-{k}-{half}",
                            visitor=unit,
                            county=county,
                            date=_day(choose, year, (1 + half, 1), (6 + half, 28)),
                            main_leader=True,
                        )
                    )
            visits.append(
                record_of(
                    "visits",
                    id=f"V-{county}-{year}-L",
                    visitor=leader,
                    county=county,
                    date=_day(choose, year, (9, 1), (9, 30)),
                )
            )
            meetings.append(
                record_of(
                    "meetings",
                    id=f"MT-{county}-{year}",
                    county=county,
                    convened_by=helpers[0],
                    date=_day(choose, year, (1, 1), (12, 20)),
                )
            )
        self.w.add(f"{self.here.folder}/visits", "visits", visits)
        self.w.add(f"{self.here.folder}/visits", "meetings", meetings)

    def villages_in(self, county: Place) -> int:
        """108, fewer in the last county of a smaller world."""
        assert self.here is not None
        return self.shape.villages_in(self.here.index)

    def township(self, place: Place) -> None:
        """A township of twelve villages."""
        assert self.here is not None
        region = region_of("township", place.code, place.parent)
        self.w.add(f"{self.here.folder}/regions", "regions", [region])

    def village(self, place: Place) -> None:
        """A poor village: its cadres (one for four households), package and work team."""
        here = self.here
        assert here is not None
        village = place.code
        region = region_of("village", village, place.parent, ["poor_village"])
        self.w.add(f"{here.folder}/regions", "regions", [region])
        number = len(here.villages)
        unit = here.helpers[number % len(here.helpers)]
        cadres = [f"C-{village}-H{k:02d}" for k in range(HELPERS_PER_VILLAGE)]
        here.villages.append(Village(village, str(region["name"]), number, unit, cadres))
        seed = here.index * 1000 + number
        self.w.rows(
            f"{here.folder}/villages",
            "cadres",
            CADRES,
            [
                (cadre, person(seed + k), unit if k < TEAM_SIZE else here.agency)
                for k, cadre in enumerate(cadres)
            ],
        )
        package = record_of(
            "pairings", id=f"P-VP-{village}", kind="village_package", helper=unit,
            target=village, start="2018-01-01",
        )  # fmt: skip
        self.w.add(f"{here.folder}/villages", "pairings", [package])
        team = cadres[:TEAM_SIZE]
        work_team = record_of(
            "work_teams", id=f"WT-{village}", village=village, unit=unit,
            first_secretary=team[0], members=team, start="2019-01-01",
        )  # fmt: skip
        self.w.add(f"{here.folder}/villages", "work_teams", [work_team])

    def households_in(self, village: Place) -> int:
        """122."""
        return HOUSEHOLDS_PER_VILLAGE

    def households(self, village: Place, ids: list[str]) -> None:
        """The households, each with its helping cadre and a report each quarter."""
        here = self.here
        assert here is not None
        where = here.villages[-1]
        helpers, team, folder = where.cadres, where.cadres[:TEAM_SIZE], here.folder
        # About one household in four has been lifted out of poverty.
        lifted = self.choose.between
        statuses = ["lifted" if lifted(0, 3) == 0 else "poor" for _ in ids]
        where.beneficiaries = [i for i, s in zip(ids, statuses, strict=True) if s == "poor"][:5]
        self.w.rows(
            f"{folder}/households",
            "households",
            HOUSEHOLDS,
            [(i, village.code, s) for i, s in zip(ids, statuses, strict=True)],
        )
        self.w.rows(
            f"{folder}/households",
            "pairings",
            HELP,
            [
                (f"P-{i}", "household_help", helpers[h // HOUSEHOLDS_PER_HELPER], i, "2018-01-01")
                for h, i in enumerate(ids)
            ],
        )
        self.w.rows(
            f"{folder}/reports",
            "reports",
            REPORTS,
            [
                (
                    f"R-{i[3:]}-{period}",
                    team[(h + q) % TEAM_SIZE],
                    i,
                    period,
                    sent,
                    (where.unit, helpers[h // HOUSEHOLDS_PER_HELPER]),
                )
                for h, i in enumerate(ids)
                for q, (period, sent) in enumerate(QUARTERS, start=1)
            ],
        )

    def county_end(self, county: Place) -> None:
        """A project per village with its allocation and payments, then the county's fund."""
        here = self.here
        assert here is not None
        allocated = 0
        for village in here.villages:
            allocated += self._project(here, village)
        # The county's fund line, after its allocations have been added up.
        line = record_of(
            "funds", id=here.fund, name=f"2019年中央财政专项扶贫资金(第{here.index + 1}县)",
            source="central", year=2019, amount=f"{allocated}.00", received="2019-02-22",
            parent="F-CEN-2019",
        )  # fmt: skip
        self.w.add(f"{here.folder}/funds", "funds", [line])
        self.central += allocated
        self.here = None

    def _project(self, here: County, where: Village) -> int:
        """A village's accepted project, allocated and paid in three parts; its budget."""
        project = f"PJ-{where.code}-2019"
        budget = 150_000 + self.choose.between(0, 6) * 10_000
        category = self.choose.pick(CATEGORIES)
        self.w.add(
            f"{here.folder}/projects",
            "projects",
            [_project(here, where, project, budget, category)],
        )
        allocation = f"AL-{where.code}"
        money = record_of(
            "allocations", id=allocation, fund=here.fund, project=project,
            amount=f"{budget}.00", date="2019-03-19",
        )  # fmt: skip
        self.w.add(f"{here.folder}/funds", "allocations", [money])
        # Paid as the works progress (35 %, 70 %, 100 %), so spending keeps pace.
        first, second = budget * 35 // 100, budget * 70 // 100
        paid = (
            (first, "2019-05-30"),
            (second - first, "2019-08-30"),
            (budget - second, "2019-10-30"),
        )
        self.w.add(
            f"{here.folder}/funds",
            "disbursements",
            [
                record_of(
                    "disbursements",
                    id=f"DB-{where.code}-{k}",
                    allocation=allocation,
                    amount=f"{amount}.00",
                    date=day,
                )
                for k, (amount, day) in enumerate(paid)
            ],
        )
        return budget

    def end(self) -> None:
        """What the province shares: its regions down to counties, its organisation, links."""
        prefectures = self.prefectures()
        assert len(self.regions) == self.counties + prefectures + 1
        self.w.add("regions", "regions", self.regions)
        self.w.add("organisation/organisation", "leaders", self.leaders)
        self.w.add("organisation/organisation", "units", self.units)
        self.w.add("organisation/organisation", "supervision_groups", self.groups)
        self.w.add("pairings/county-links", "pairings", self.links)
        upstream = record_of(
            "funds", id="F-CEN-2019", name="2019年中央财政专项扶贫资金", source="central",
            year=2019, amount=f"{self.central}.00", received="2019-01-15",
        )  # fmt: skip
        self.w.add("funds/upstream", "funds", [upstream])


def _project(
    here: County, where: Village, project: str, budget: int, category: str
) -> dict[str, Any]:
    return record_of(
        "projects",
        id=project,
        name=f"{where.name}产业发展项目",
        county=here.code,
        village=where.code,
        category=category,
        nature="new",
        task="建设种植基地100亩",
        mechanism="合作社统一收购,贫困户务工和分红",
        period={"start": "2019-03-01", "end": "2019-11-30"},
        implementer=here.agency,
        year=2019,
        budget=f"{budget}.00",
        status="accepted",
        milestones={
            "proposed": "2018-10-19",
            "reviewed": "2018-11-23",
            "in_library": "2018-12-17",
            "start": "2019-03-23",
            "completed": "2019-10-31",
            "accepted": "2019-12-13",
        },
        performance={
            "targets": [
                {"indicator": "种植基地", "value": 100, "unit": "亩", "dimension": "output"},
                {"indicator": "户均增收", "value": 2200, "unit": "元/年", "dimension": "benefit"},
                {"indicator": "群众满意度", "value": 95, "unit": "%", "dimension": "satisfaction"},
            ],
            "poor_households": len(where.beneficiaries),
            "beneficiaries": where.beneficiaries,
        },
        announcements=[
            {"stage": "intake", "start": "2018-11-30", "end": "2018-12-14", "place": "村务公开栏"},
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
        progress=[
            {"date": "2019-05-31", "physical_pct": 35},
            {"date": "2019-08-31", "physical_pct": 70},
            {"date": "2019-10-31", "physical_pct": 100},
        ],
        updated="2019-12-13",
    )


def iter_json(root: Path) -> Iterator[Path]:
    """The JSON files of a floor, in a fixed order."""
    return iter(sorted(root.rglob("*.json")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--records", type=int, default=10_000, help="about this many records")
    size.add_argument("--province", action="store_true", help="the whole province (≈1.07e7)")
    parser.add_argument("--format", choices=("csv", "parquet", "flow", "block"), default="csv")
    parser.add_argument("--json", type=Path, help="also write the JSON floor here")
    parser.add_argument("--seed", type=int, default=0, help="the world's seed (default 0)")
    args = parser.parse_args()
    shape = Shape.province() if args.province else Shape.for_records(args.records)

    def progress(done: int, total: int) -> None:
        print(f"\r{done}/{total} counties", end="", file=sys.stderr, flush=True)

    totals = generate(
        shape, args.out, form=args.format, json_root=args.json, progress=progress, seed=args.seed
    )
    print(file=sys.stderr)
    print(
        f"{totals.records:,} records in {totals.files} files ({totals.mb:.1f} MB"
        + (f", JSON {totals.json_mb:.1f} MB" if args.json else "")
        + f") -> {args.out} in {totals.seconds:.1f} s"
    )


if __name__ == "__main__":
    main()
