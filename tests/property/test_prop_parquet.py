"""A dataset written once with CSV tables and once with Parquet tables gives the same report.

The same rows, read from ``x.csv`` or from ``x.parquet``, must give the same JSON
report, byte for byte, once each table location is written in the terms both
share: the table's path without its suffix, the row's number, the cell's column
number. (A CSV finding stands at the line and character column of its cell, or
of its list item; a Parquet finding at the row's number and the column's number,
docs/data-format.md "Parquet for bulk data". Nothing else may differ: rule,
subject, message, related records, counts.)

On generated datasets (clean and with a violation of every rule), with the
tables as string columns and typed (integers, dates, decimals, booleans, lists),
and on the examples with their bulk records moved into tables.
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
from helpers import EXAMPLES, SMALL
from hypothesis import given, note
from hypothesis import strategies as st
from prop_support import scaled

import guabao_rules
from guabao_rules.config import Config
from guabao_rules.engine.core import catalogue
from guabao_rules.models import COLLECTIONS, TABLE_COLLECTIONS
from guabao_rules.report import OutputOptions, load_formatters
from guabao_rules.sources.csvsource import table_collection
from guabao_rules.sources.yamlsource import parse_yaml
from guabao_rules.testing import VIOLATIONS, Layout, files_text, layouts, render_files
from guabao_rules.testing import violations as violation_of
from guabao_rules.testing.tables import parquet_of_csv

pytest.importorskip("pyarrow")

RULES = sorted(rule.id for rule in catalogue().rules if rule.id in VIOLATIONS)

Cells = dict[int, tuple[int, list[tuple[int, int]]]]
"""A CSV table's rows by the line each starts on: (row number, (line, column) of each cell)."""


def csv_cells(text: str) -> Cells:
    """Where each data row of a CSV text starts and where each of its cells does.

    Read independently of the product, by the ``excel`` dialect: a cell that
    starts with ``"`` runs to the next ``"`` not doubled; blank rows are not
    rows. Row 0 is the header.
    """
    rows: Cells = {}
    line, column, at, end = 1, 1, 0, len(text)
    number = 0
    while at < end:
        start_line = line
        cells: list[tuple[int, int]] = []
        blank = True
        while True:
            cells.append((line, column))
            if at < end and text[at] == '"':
                blank = False
                at, column = at + 1, column + 1
                while at < end:
                    if text[at] == '"':
                        if text.startswith('""', at):
                            at, column = at + 2, column + 2
                            continue
                        at, column = at + 1, column + 1
                        break
                    if text[at] == "\n":
                        line, column = line + 1, 0
                    at, column = at + 1, column + 1
            while at < end and text[at] not in ",\n":
                blank = blank and text[at].isspace()
                at, column = at + 1, column + 1
            if at < end and text[at] == ",":
                blank = False
                at, column = at + 1, column + 1
                continue
            break
        at, line, column = at + 1, line + 1, 1  # past the line break
        if not blank:
            rows[start_line] = (number, cells)
            number += 1
    return rows


def _cell_of(cells: list[tuple[int, int]], point: tuple[int, int]) -> int:
    """The 1-based number of the cell holding ``point`` (a cell or a list item in it)."""
    found = 1
    for index, start in enumerate(cells, start=1):
        if start <= point:
            found = index
    return found


class Places:
    """Table locations of a report in the terms CSV and Parquet share."""

    def __init__(self, tables: dict[str, Cells]) -> None:
        self.tables = tables
        """CSV tables by path without suffix (None for a Parquet report)."""

    def row(self, stem: str, line: int, column: int | None) -> tuple[int, int | None]:
        """The (row number, cell number) of a CSV location; a Parquet one is that already."""
        cells = self.tables.get(stem)
        if cells is None:
            return line, column
        starts = sorted(start for start in cells if start <= line)
        number, marks = cells[starts[-1]]
        return number, None if column is None else _cell_of(marks, (line, column))

    def canonical(self, report: str) -> Any:
        """The report with every table location as ``<stem>.<table>`` row and cell."""
        return self._walk(json.loads(report))

    def _walk(self, value: Any) -> Any:
        if isinstance(value, dict):
            out = {key: self._walk(item) for key, item in value.items()}
            file = value.get("file")
            if isinstance(file, str) and file.endswith((".csv", ".parquet")):
                stem = file.rsplit(".", 1)[0]
                line, column = value.get("line"), value.get("column")
                if isinstance(line, int):
                    out["line"], out["column"] = self.row(stem, line, column)
                out["file"] = f"{stem}.<table>"
            return out
        if isinstance(value, list):
            return [self._walk(item) for item in value]
        if isinstance(value, str):
            return _PLACE.sub(self._place, value)
        return value

    def _place(self, match: re.Match[str]) -> str:
        stem, line = match.group(1), int(match.group(3))
        return f"{stem}.<table>:{self.row(stem, line, None)[0]}"


_PLACE = re.compile(r"([\w./-]+?)\.(csv|parquet):(\d+)")
"""A ``file:line`` place inside a message (D001's first record, D003's records)."""


def json_report(root: Path, config: Config) -> str:
    dataset = guabao_rules.load(root)
    report = guabao_rules.check(dataset, config)
    out = load_formatters()["json"](report, OutputOptions(dataset=dataset))
    assert isinstance(out, str)
    return out


def _write(root: Path, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)


def _as_parquet(files: dict[str, bytes], typed: bool) -> dict[str, bytes]:
    """The files with every CSV table written as a Parquet file of the same cells."""
    out: dict[str, bytes] = {}
    for name, data in files.items():
        collection = table_collection(PurePosixPath(name)) if name.endswith(".csv") else None
        if collection is None:
            out[name] = data
        else:
            out[name.removesuffix(".csv") + ".parquet"] = parquet_of_csv(
                data, collection=collection, typed=typed
            )
    return out


def tables_agree(files: dict[str, bytes], config: Config, typed: bool) -> str:
    """Check ``files`` with CSV tables and with Parquet tables: the same canonical report."""
    with tempfile.TemporaryDirectory() as csv_folder, tempfile.TemporaryDirectory() as pq_folder:
        csv_root, pq_root = Path(csv_folder), Path(pq_folder)
        _write(csv_root, files)
        _write(pq_root, _as_parquet(files, typed))
        from_csv, from_parquet = json_report(csv_root, config), json_report(pq_root, config)
    tables = {
        name.removesuffix(".csv"): csv_cells(data.decode("utf-8"))
        for name, data in files.items()
        if name.endswith(".csv")
    }
    expected = Places(tables).canonical(from_csv)
    found = Places({}).canonical(from_parquet)
    assert json.dumps(found, ensure_ascii=False, indent=1) == json.dumps(
        expected, ensure_ascii=False, indent=1
    )
    return from_csv


def _table_layouts() -> st.SearchStrategy[Layout]:
    return layouts().map(lambda layout: Layout(**{**vars(layout), "tables": True}))


@scaled(0.25, least=6)
@given(data=st.data())
def test_parquet_and_csv_agree_on_clean_datasets(data: st.DataObject) -> None:
    dataset = data.draw(SMALL, label="dataset")
    layout = data.draw(_table_layouts(), label="layout")
    typed = data.draw(st.booleans(), label="typed")
    files = render_files(dataset, layout)
    note(files_text(files))
    tables_agree(files, dataset.config(), typed)


@pytest.mark.parametrize("rule", RULES)
@scaled(0.05, least=2)
@given(data=st.data())
def test_parquet_and_csv_agree_with_a_violation_of_each_rule(
    rule: str, data: st.DataObject
) -> None:
    dataset = data.draw(SMALL, label="dataset")
    violated = data.draw(violation_of(rule, dataset), label="violation")
    layout = data.draw(_table_layouts(), label="layout")
    typed = data.draw(st.booleans(), label="typed")
    files = render_files(violated.dataset, layout)
    note(files_text(files))
    report = tables_agree(files, violated.dataset.config(), typed)
    assert f'"rule": "{rule}"' in report or not violated.expected


def _csv_text(rows: list[dict[str, Any]]) -> bytes:
    """A CSV table of plain records (the readers' values), one column per field seen."""
    import csv
    import io

    columns = list(dict.fromkeys(key for row in rows for key in row))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(column)) for column in columns])
    return out.getvalue().encode("utf-8")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(_cell(item) for item in value)
    return str(value)


def _flat(collection: str, record: Any) -> bool:
    if collection not in TABLE_COLLECTIONS or not isinstance(record, dict):
        return False
    fields = COLLECTIONS[collection].model_fields
    return all(
        key in fields
        and not isinstance(value, dict)
        and not (isinstance(value, list) and any(isinstance(v, list | dict) for v in value))
        for key, value in record.items()
    )


def example_with_tables(root: Path) -> dict[str, bytes]:
    """An example's files, each YAML file of flat bulk records only turned into CSV tables.

    ``counties/x/reports.yaml`` becomes ``counties/x/reports/reports.csv`` (one table
    per collection it holds); every other file is kept byte for byte.
    """
    files: dict[str, bytes] = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root).as_posix()
        data = path.read_bytes()
        parsed = parse_yaml(data) if rel.endswith((".yaml", ".yml")) else None
        value = parsed.value if parsed is not None and not parsed.problems else None
        if not isinstance(value, dict) or not all(
            isinstance(items, list) and all(_flat(collection, item) for item in items)
            for collection, items in value.items()
        ):
            files[rel] = data
            continue
        folder = rel.rsplit("/", 1)[0] + "/" if "/" in rel else ""
        stem = rel.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        for collection, items in value.items():
            files[f"{folder}{collection}/{stem}.csv"] = _csv_text(items)
    return files


@pytest.mark.parametrize("name", ["broken", "yunnan-sanqu-sanzhou"])
@pytest.mark.parametrize("typed", [False, True])
def test_parquet_and_csv_agree_on_the_examples(name: str, typed: bool) -> None:
    files = example_with_tables(EXAMPLES / name)
    assert any(name.endswith(".csv") for name in files)
    tables_agree(files, Config(as_of="2019-12-31", lang="en"), typed)
