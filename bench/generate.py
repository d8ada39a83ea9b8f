"""A deterministic, streaming generator of datasets in the shape of a real province.

The shape is Yunnan's 挂包帮 organisation of 2015 (issue 10): 129 counties of
108 villages (12 to a township), 122 poor households a village, one helping
cadre for every 4 households, a quarterly report per household (4 a year), a
village work team, a project per village with its allocation and three
disbursements, county fund lines, county links, visits, meetings, supervision
groups and findings: about 1.07×10⁷ records a year. Smaller sizes keep the
same shape with fewer villages (``--records``), so that the cost per record can
be compared from 10⁵ to 10⁷.

Every record is valid in the format; the rules find little (a few quota
findings, since a synthetic province has more counties than the profile's
numbers describe).

The records are made as the Hypothesis strategies make theirs, with
:mod:`guabao_rules.testing.world`: each with its fields in its model's order
(``record_of``), the bulk columns written as their model fields say, the names
and amounts from the same vocabulary, and the choices (which households are
lifted out, a project's category and budget, the days of visits and meetings)
from a :class:`~guabao_rules.testing.world.SeededChooser`: ``--seed`` picks the
world, the same seed writes the same files.

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
    Chooser,
    SeededChooser,
    Written,
    person,
    record_of,
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

QUARTERS = (("2019-Q1", "2019-04-09"), ("2019-Q2", "2019-07-09"))
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

    ``seed`` seeds the :class:`SeededChooser` that makes the world's choices.
    """
    start = time.perf_counter()
    root.mkdir(parents=True, exist_ok=True)
    (root / "guabao-rules.toml").write_text(
        f'profile = "yunnan-sanqu-sanzhou"\nas_of = {AS_OF}\n', encoding="utf-8"
    )
    w = Writer(root, form, json_root)
    choose = SeededChooser(seed)
    counties = shape.counties
    prefectures = math.ceil(counties / COUNTIES_PER_PREFECTURE)
    regions = [record_of("regions", id="530000", name="云南省", level="province")]
    org_leaders = [
        record_of("leaders", id="L-PS", name="宋某某", rank="provincial", post="party_secretary"),
        record_of("leaders", id="L-GOV", name="韩某某", rank="provincial", post="governor"),
    ]
    units: list[dict[str, Any]] = []
    groups: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []
    central = 0
    for county_index in range(counties):
        p, c = divmod(county_index, COUNTIES_PER_PREFECTURE)
        pref = f"53{p + 1:02d}00"
        if c == 0:
            regions.append(
                record_of(
                    "regions",
                    id=pref,
                    name=f"第{p + 1}州",
                    level="prefecture",
                    parent="530000",
                    tags=["sanqu_sanzhou"],
                )
            )
        county = f"{pref[:4]}{22 + c:02d}"
        regions.append(
            record_of(
                "regions",
                id=county,
                name=f"第{county_index + 1}县",
                level="county",
                parent=pref,
                tags=["sanqu_sanzhou", "deep_poverty"],
            )
        )
        central += _county(
            w,
            choose,
            leaders=org_leaders,
            units=units,
            groups=groups,
            links=links,
            county=county,
            index=county_index,
            villages=shape.villages_in(county_index),
        )
        w.flush()
        if progress is not None:
            progress(county_index + 1, counties)
    assert len(regions) == counties + prefectures + 1
    w.add("regions", "regions", regions)
    w.add("organisation/organisation", "leaders", org_leaders)
    w.add("organisation/organisation", "units", units)
    w.add("organisation/organisation", "supervision_groups", groups)
    w.add("pairings/county-links", "pairings", links)
    upstream = record_of(
        "funds", id="F-CEN-2019", name="2019年中央财政专项扶贫资金", source="central", year=2019,
        amount=f"{central}.00", received="2019-01-15",
    )  # fmt: skip
    w.add("funds/upstream", "funds", [upstream])
    w.flush()
    return Totals(
        w.records, w.files, w.bytes / 1e6, w.json_bytes / 1e6, time.perf_counter() - start
    )


UNIT_KINDS = ("provincial_unit", "provincial_unit", "provincial_unit", "central_unit")
UNIT_KINDS += ("provincial_soe",)
"""The kinds of a county's five linked units: three provincial, one central, one SOE."""


def _day(choose: Chooser, year: int, first: tuple[int, int], last: tuple[int, int]) -> str:
    """A day of ``year`` from ``first`` to ``last`` (month, day), as the data writes it."""
    return choose.day(date(year, *first), date(year, *last)).isoformat()


def _county(
    w: Writer,
    choose: Chooser,
    *,
    leaders: list[dict[str, Any]],
    units: list[dict[str, Any]],
    groups: list[dict[str, Any]],
    links: list[dict[str, Any]],
    county: str,
    index: int,
    villages: int,
) -> int:
    """Write the records of one county and its villages; return its fund's amount."""
    folder = f"counties/{county}"
    leader = f"L-P{index:04d}"
    head = f"L-D{index:04d}"
    leaders.append(record_of("leaders", id=leader, name=person(index), rank="provincial"))
    leaders.append(
        record_of(
            "leaders",
            id=head,
            name=person(index + 3),
            rank="departmental",
            unit=f"U-{index:04d}-0",
        )
    )
    helpers = [f"U-{index:04d}-{k}" for k in range(len(UNIT_KINDS))]
    for k, (unit, kind) in enumerate(zip(helpers, UNIT_KINDS, strict=True)):
        units.append(record_of("units", id=unit, name=f"第{index + 1}县挂联单位{k + 1}", kind=kind))
    agency = f"U-{county}-NY"
    units.append(
        record_of("units", id=agency, name=f"第{index + 1}县农业农村局", kind="county_unit")
    )
    groups.append(record_of("supervision_groups", id=f"SG-{county}", county=county, head=head))
    links.append(
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
        links.append(
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
    visits: list[dict[str, Any]] = []
    meetings: list[dict[str, Any]] = []
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
    w.add(f"{folder}/visits", "visits", visits)
    w.add(f"{folder}/visits", "meetings", meetings)
    finding = record_of(
        "findings", id=f"FD-{county}-01", county=county, raised_by=f"SG-{county}",
        date="2019-06-09", deadline="2019-08-31", closed="2019-08-24",
        summary="部分帮户干部对结对贫困户家庭情况不熟悉",
    )  # fmt: skip
    w.add(f"{folder}/findings", "findings", [finding])
    fund = f"F-{county}-2019-C"
    allocated = 0
    for v in range(villages):
        if v % VILLAGES_PER_TOWNSHIP == 0:
            township = f"{county}{200 + v // VILLAGES_PER_TOWNSHIP:03d}"
            w.add(
                f"{folder}/regions",
                "regions",
                [
                    record_of(
                        "regions",
                        id=township,
                        name=f"第{v // VILLAGES_PER_TOWNSHIP + 1}乡",
                        level="township",
                        parent=county,
                    )
                ],
            )
        village = f"{township}{201 + v % VILLAGES_PER_TOWNSHIP:03d}"
        w.add(
            f"{folder}/regions",
            "regions",
            [
                record_of(
                    "regions",
                    id=village,
                    name=f"第{v + 1}村",
                    level="village",
                    parent=township,
                    tags=["poor_village"],
                )
            ],
        )
        allocated += _village(
            w,
            choose,
            folder,
            Village(index, county, village, v, helpers[v % len(helpers)], agency, fund),
        )
    # The county's fund line, after its allocations have been added up.
    line = record_of(
        "funds", id=fund, name=f"2019年中央财政专项扶贫资金(第{index + 1}县)", source="central",
        year=2019, amount=f"{allocated}.00", received="2019-02-22", parent="F-CEN-2019",
    )  # fmt: skip
    w.add(f"{folder}/funds", "funds", [line])
    return allocated


def _village(w: Writer, choose: Chooser, folder: str, where: Village) -> int:
    """Write the records of one village; return its project's budget."""
    county_index, village, v = where.county_index, where.code, where.number
    unit, agency, fund = where.unit, where.agency, where.fund
    helpers = [f"C-{village}-H{k:02d}" for k in range(HELPERS_PER_VILLAGE)]
    team = helpers[:TEAM_SIZE]
    seed = county_index * 1000 + v
    w.rows(
        f"{folder}/villages",
        "cadres",
        CADRES,
        [
            (cadre, person(seed + k), unit if k < TEAM_SIZE else agency)
            for k, cadre in enumerate(helpers)
        ],
    )
    package = record_of(
        "pairings", id=f"P-VP-{village}", kind="village_package", helper=unit, target=village,
        start="2018-01-01",
    )  # fmt: skip
    w.add(f"{folder}/villages", "pairings", [package])
    work_team = record_of(
        "work_teams", id=f"WT-{village}", village=village, unit=unit, first_secretary=team[0],
        members=team, start="2019-01-01",
    )  # fmt: skip
    w.add(f"{folder}/villages", "work_teams", [work_team])
    ids = [f"{village}-{h:03d}" for h in range(HOUSEHOLDS_PER_VILLAGE)]
    # About one household in four has been lifted out of poverty.
    lifted = choose.between
    statuses = ["lifted" if lifted(0, 3) == 0 else "poor" for _ in range(HOUSEHOLDS_PER_VILLAGE)]
    beneficiaries = [f"HH-{i}" for i, s in zip(ids, statuses, strict=True) if s == "poor"][:5]
    w.rows(
        f"{folder}/households",
        "households",
        HOUSEHOLDS,
        [(f"HH-{i}", village, s) for i, s in zip(ids, statuses, strict=True)],
    )
    w.rows(
        f"{folder}/households",
        "pairings",
        HELP,
        [
            (
                f"P-HH-{i}",
                "household_help",
                helpers[h // HOUSEHOLDS_PER_HELPER],
                f"HH-{i}",
                "2018-01-01",
            )
            for h, i in enumerate(ids)
        ],
    )
    w.rows(
        f"{folder}/reports",
        "reports",
        REPORTS,
        [
            (
                f"R-{i}-{period}",
                team[(h + q) % TEAM_SIZE],
                f"HH-{i}",
                period,
                sent,
                (unit, helpers[h // HOUSEHOLDS_PER_HELPER]),
            )
            for h, i in enumerate(ids)
            for q, (period, sent) in enumerate(QUARTERS, start=1)
        ],
    )
    project = f"PJ-{village}-2019"
    budget = 150_000 + choose.between(0, 6) * 10_000
    category = choose.pick(CATEGORIES)
    w.add(
        f"{folder}/projects",
        "projects",
        [_project(where, project, budget, category, beneficiaries)],
    )
    allocation = f"AL-{village}"
    money = record_of(
        "allocations", id=allocation, fund=fund, project=project, amount=f"{budget}.00",
        date="2019-03-19",
    )  # fmt: skip
    w.add(f"{folder}/funds", "allocations", [money])
    # Paid as the works progress (35 %, 70 %, 100 %), so spending keeps pace.
    first, second = budget * 35 // 100, budget * 70 // 100
    paid = ((first, "2019-05-30"), (second - first, "2019-08-30"), (budget - second, "2019-10-30"))
    w.add(
        f"{folder}/funds",
        "disbursements",
        [
            record_of(
                "disbursements",
                id=f"DB-{village}-{k}",
                allocation=allocation,
                amount=f"{amount}.00",
                date=day,
            )
            for k, (amount, day) in enumerate(paid)
        ],
    )
    return budget


def _project(
    where: Village, project: str, budget: int, category: str, beneficiaries: list[str]
) -> dict[str, Any]:
    return record_of(
        "projects",
        id=project,
        name=f"第{where.number + 1}村产业发展项目",
        county=where.county,
        village=where.code,
        category=category,
        nature="new",
        task="建设种植基地100亩",
        mechanism="合作社统一收购,贫困户务工和分红",
        period={"start": "2019-03-01", "end": "2019-11-30"},
        implementer=where.agency,
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
            "poor_households": len(beneficiaries),
            "beneficiaries": beneficiaries,
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
