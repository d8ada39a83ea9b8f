"""CSV tables of the bulk collections: the same records as YAML, findings at line:column."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path, PurePosixPath

import pytest
from helpers import check_path

from guabao_rules.dataset import Dataset
from guabao_rules.sources.csvsource import MAX_CELL, read_table, table_collection
from guabao_rules.sources.loader import discover, load
from guabao_rules.sources.positions import Mark

Write = Callable[[dict[str, str | bytes]], Path]

BASE = """\
regions:
  - {id: "533300", name: 怒江州, level: prefecture, parent: "530000"}
  - {id: "530000", name: 云南省, level: province}
  - {id: "533323", name: 福贡县, level: county, parent: "533300"}
  - {id: "533323200", name: 匹河乡, level: township, parent: "533323"}
  - {id: "533323200205", name: 老姆登村, level: village, parent: "533323200"}
units:
  - {id: U-SLT, name: 云南省水利厅, kind: provincial_unit}
"""

HOUSEHOLDS_CSV = """\
id,village,status
HH-1,533323200205,poor
HH-2,533323200205,lifted
"""

HOUSEHOLDS_YAML = """\
households:
  - {id: HH-1, village: "533323200205", status: poor}
  - {id: HH-2, village: "533323200205", status: lifted}
"""

CADRES_CSV = "id,name,unit\nC-1,达某英,U-SLT\nC-2,丰某勇,U-SLT\n"

REPORTS_CSV = """\
id,reporter,household,period,date,recipients
R-1,C-1,HH-1,2019-Q3,2019-10-08,U-SLT;C-2
R-2,C-1,HH-1,2019-Q4,2019-12-26,
"""

REPORTS_YAML = """\
reports:
  - {id: R-1, reporter: C-1, household: HH-1, period: "2019-Q3", date: 2019-10-08,
     recipients: [U-SLT, C-2]}
  - {id: R-2, reporter: C-1, household: HH-1, period: "2019-Q4", date: 2019-12-26}
"""


def located(root: Path, rule: str) -> list[tuple[str | None, str | None, int | None, int | None]]:
    report = check_path(root, select=[rule])
    return [(d.subject, d.file, d.line, d.column) for d in report.diagnostics]


def test_tables_give_the_same_records_as_yaml(write_dataset: Write, tmp_path: Path) -> None:
    tables = write_dataset(
        {
            "base.yaml": BASE,
            "households.csv": HOUSEHOLDS_CSV,
            "cadres/all.csv": CADRES_CSV,
            "county/reports/2019.csv": REPORTS_CSV,
        }
    )
    yaml_root = tmp_path / "yaml"
    yaml_root.mkdir()
    (yaml_root / "base.yaml").write_text(BASE, encoding="utf-8")
    (yaml_root / "rest.yaml").write_text(
        HOUSEHOLDS_YAML + "cadres:\n  - {id: C-1, name: 达某英, unit: U-SLT}\n"
        "  - {id: C-2, name: 丰某勇, unit: U-SLT}\n" + REPORTS_YAML,
        encoding="utf-8",
    )
    from_tables, from_yaml = load(tables), load(yaml_root)
    assert not from_tables.issues
    models = {key: entry.model for key, entry in from_tables.by_id.items()}
    assert models == {key: entry.model for key, entry in from_yaml.by_id.items()}
    assert from_tables.by_id["R-1"].source.file == "county/reports/2019.csv"
    assert from_tables.by_id["R-1"].source.mark == Mark(2, 1)
    assert not check_path(tables, select=["D"]).diagnostics


def test_which_csv_files_are_tables() -> None:
    def of(path: str) -> str | None:
        return table_collection(PurePosixPath(path))

    assert of("households.csv") == "households"
    assert of("fugong/reports.csv") == "reports"
    assert of("reports/2019.csv") == "reports"
    assert of("reports/2019/q1.csv") == "reports"
    assert of("pairings/households.csv") == "pairings"  # the folder says what is inside
    assert of("projects.csv") is None
    assert of("notes.csv") is None


def test_other_csv_files_are_not_data(write_dataset: Write) -> None:
    root = write_dataset({"notes.csv": "a,b\n1,2\n", "households.csv": HOUSEHOLDS_CSV})
    assert [p.name for p in discover(root)] == ["households.csv"]


def test_a_collection_that_cannot_be_a_table_is_d000(write_dataset: Write) -> None:
    root = write_dataset({"projects.csv": "id,name\nPJ-1,x\n"})
    report = check_path(root, select=["D000"])
    (diagnostic,) = report.diagnostics
    assert (diagnostic.file, diagnostic.line, diagnostic.column) == ("projects.csv", 1, 1)
    assert "cannot be a CSV table" in diagnostic.message


def test_bad_cell_points_at_its_line_and_column(write_dataset: Write) -> None:
    root = write_dataset(
        {
            "base.yaml": BASE,
            "households.csv": HOUSEHOLDS_CSV,
            "cadres.csv": CADRES_CSV,
            "reports.csv": REPORTS_CSV.replace("2019-12-26", "2019-13-26"),
        }
    )
    assert located(root, "D003") == [("R-2", "reports.csv", 3, 22)]


def test_dangling_reference_points_at_the_cell_and_the_list_item(write_dataset: Write) -> None:
    root = write_dataset(
        {
            "base.yaml": BASE,
            "households.csv": HOUSEHOLDS_CSV.replace("HH-2,533323200205", "HH-2,533323200299"),
            "cadres.csv": CADRES_CSV,
            "reports.csv": REPORTS_CSV.replace("U-SLT;C-2", "U-SLT;C-9"),
        }
    )
    assert located(root, "D002") == [
        ("HH-2", "households.csv", 3, 6),
        ("R-1", "reports.csv", 2, 39),
    ]


def test_unknown_column_is_one_d003_at_the_header(write_dataset: Write) -> None:
    root = write_dataset({"base.yaml": BASE, "households.csv": "id,vilage,status\nHH-1,x,poor\n"})
    report = check_path(root, select=["D003"])
    header, record = report.diagnostics
    assert (header.subject, header.line, header.column) == (None, 1, 4)
    assert "did you mean `village`" in header.message
    assert (record.subject, record.line) == ("HH-1", 2)
    assert "missing required field `village`" in record.message


def test_duplicate_column_is_d007_and_the_first_is_used(write_dataset: Write) -> None:
    root = write_dataset(
        {
            "base.yaml": BASE,
            "households.csv": "id,village,status,status\nHH-1,533323200205,poor,x\n",
        }
    )
    assert located(root, "D007") == [(None, "households.csv", 1, 19)]
    model = load(root).by_id["HH-1"].model
    assert model is not None
    assert model.status == "poor"  # type: ignore[attr-defined]


def test_row_with_too_many_cells_is_d000_and_the_others_load(write_dataset: Write) -> None:
    root = write_dataset(
        {"base.yaml": BASE, "households.csv": HOUSEHOLDS_CSV + "HH-3,533323200205,poor,extra\n"}
    )
    assert located(root, "D000") == [(None, "households.csv", 4, 1)]
    assert {"HH-1", "HH-2"} <= set(load(root).by_id)
    assert "HH-3" not in load(root).by_id


def test_quoted_cells_with_commas_and_line_breaks_keep_the_lines(write_dataset: Write) -> None:
    text = 'id,name,unit\nC-1,"达某英, 队长",U-SLT\nC-2,"丰某\n勇",U-SLT\nC-3,和某霞,U-NONE\n'
    root = write_dataset({"base.yaml": BASE, "cadres.csv": text})
    dataset = load(root)
    assert dataset.by_id["C-1"].model.name == "达某英, 队长"  # type: ignore[union-attr]
    assert dataset.by_id["C-2"].model.name == "丰某\n勇"  # type: ignore[union-attr]
    assert located(root, "D002") == [("C-3", "cadres.csv", 5, 9)]


def test_empty_cells_are_absent_fields(write_dataset: Write) -> None:
    text = (
        "id,kind,helper,target,role,start,end\n"
        "P-1,village_package,U-SLT,533323200205,,2018-01-01,\n"
    )
    root = write_dataset({"base.yaml": BASE, "pairings.csv": text})
    model = load(root).by_id["P-1"].model
    assert model is not None
    assert (model.role, model.end) == ("member", None)  # type: ignore[attr-defined]


def test_booleans_are_true_or_false_only(write_dataset: Write) -> None:
    text = (
        "id,visitor,county,date,main_leader\n"
        "V-1,U-SLT,533323,2019-03-14,true\n"
        "V-2,U-SLT,533323,2019-03-15,yes\n"
    )
    root = write_dataset({"base.yaml": BASE, "visits.csv": text})
    dataset = load(root)
    assert dataset.by_id["V-1"].model.main_leader is True  # type: ignore[union-attr]
    assert located(root, "D003") == [("V-2", "visits.csv", 3, 29)]


def test_crlf_bom_and_gbk(write_dataset: Write) -> None:
    crlf = "\ufeff" + CADRES_CSV.replace("U-SLT\nC-2", "U-SLT\r\nC-2").replace(
        "丰某勇,U-SLT", "丰某勇,U-X"
    )
    root = write_dataset({"base.yaml": BASE, "cadres.csv": crlf.encode("utf-8")})
    assert located(root, "D002") == [("C-2", "cadres.csv", 3, 9)]
    gbk = write_dataset({"households.csv": "id,village,status\nHH-1,村,poor\n".encode("gbk")})
    report = check_path(gbk, select=["D000"])
    (diagnostic,) = report.diagnostics
    assert "GBK" in diagnostic.message
    assert diagnostic.line == 2


def test_empty_and_header_only_tables(write_dataset: Write) -> None:
    root = write_dataset({"households.csv": "", "cadres.csv": "id,name,unit\n"})
    dataset = load(root)
    assert not dataset.issues
    assert not dataset.entries


@pytest.mark.parametrize("data", [b"id,name\x00,unit\nC-1,x,U\n", b'id,name,unit\nC-1,"x'])
def test_broken_csv_never_raises(data: bytes) -> None:
    parsed = read_table(data, "cadres")
    for problem in parsed.problems:
        assert problem.mark.line >= 1


def test_a_quote_never_closed_is_d000_at_its_cell(write_dataset: Write) -> None:
    # The open quote swallows the rows below it into one name; say so, where it opens.
    text = 'id,name,unit\nC-1,"达某英,U-SLT\nC-2,丰某勇,U-SLT\nC-3,和某霞,U-SLT\n'
    root = write_dataset({"base.yaml": BASE, "cadres.csv": text})
    assert located(root, "D000") == [(None, "cadres.csv", 2, 5)]
    closed = write_dataset({"base.yaml": BASE, "cadres.csv": 'id,name,unit\nC-1,"达某英",U-SLT'})
    assert located(closed, "D000") == []


# --- a cell past the size limit, a quote left open: the row is lost, not the rest ---


def _count(dataset: Dataset, collection: str) -> int:
    return sum(1 for entry in dataset.entries if entry.collection == collection)


def _households(count: int, broken: dict[int, str]) -> str:
    rows = ["id,village,status"]
    rows += [broken.get(i, f"HH-{i},533323200205,poor") for i in range(count)]
    return "\n".join(rows) + "\n"


def test_a_cell_past_the_limit_is_d000_for_its_row_and_the_rest_loads(write_dataset: Write) -> None:
    huge = "x" * (MAX_CELL + 1)
    for row in (f"HH-40,{huge},poor", f'HH-40,"{huge}",poor', f'HH-40,"{huge},poor'):
        root = write_dataset({"base.yaml": BASE, "households.csv": _households(718, {40: row})})
        dataset = load(root)
        assert _count(dataset, "households") == 717
        assert "HH-717" in dataset.by_id and "HH-40" not in dataset.by_id
        assert located(root, "D000") == [(None, "households.csv", 42, 7)]
    # Just under the limit, a cell is read.
    fits = _households(3, {1: f"HH-1,533323200205,{'y' * MAX_CELL}"})
    assert "HH-1" in load(write_dataset({"households.csv": fits})).by_id


def test_a_quote_left_open_mid_file_loses_one_row_not_the_rows_below(write_dataset: Write) -> None:
    # The quote opened on row 41 would close on row 79, taking in the 38 rows between.
    text = _households(718, {40: 'HH-40,"533323200205,poor', 78: 'HH-78,"533323200205",poor'})
    root = write_dataset({"base.yaml": BASE, "households.csv": text})
    dataset = load(root)
    assert _count(dataset, "households") == 717
    assert located(root, "D000") == [(None, "households.csv", 42, 7)]
    assert located(root, "D002") == []  # every row read is whole: no village swallowed


def test_the_csv_field_limit_is_left_as_it_was() -> None:
    import csv

    before = csv.field_size_limit()
    read_table(b"id,name,unit\nC-1,x,U\n", "cadres")
    assert csv.field_size_limit() == before


def test_an_unknown_column_is_one_d003_about_the_file_however_many_rows(
    write_dataset: Write,
) -> None:
    rows = "".join(f"HH-{i},533323200205,poor,x\n" for i in range(5))
    root = write_dataset({"base.yaml": BASE, "households.csv": "id,village,status,note\n" + rows})
    report = check_path(root, select=["D003"])
    assert [(d.subject, d.line, d.column) for d in report.diagnostics] == [(None, 1, 19)]
    assert len(load(root).by_id) == 5 + 6  # the rows still load


@pytest.mark.parametrize("blank", ['""', "[]", "null"])
def test_blank_yaml_values_read_as_empty_cells(write_dataset: Write, blank: str) -> None:
    # Issue 14: blank means "not filled in" in every reader, required fields included.
    table = "id,name,unit\nC-1,,U-SLT\nC-2,丰某勇,\n"
    yaml_text = (
        f"cadres:\n  - {{id: C-1, name: {blank}, unit: U-SLT}}\n"
        f"  - {{id: C-2, name: 丰某勇, unit: {blank}}}\n"
    )
    as_table = write_dataset({"base.yaml": BASE, "cadres.csv": table})
    as_yaml = write_dataset({"base.yaml": BASE, "cadres.yaml": yaml_text})
    messages = [
        [(d.rule, d.subject, d.message) for d in check_path(root, select=["D"]).diagnostics]
        for root in (as_table, as_yaml)
    ]
    assert messages[0] == messages[1]
    assert [(rule, subject) for rule, subject, _ in messages[0] if rule == "D003"] == [
        ("D003", "C-1"),
        ("D003", "C-2"),
    ]
    assert "missing required field `name`" in messages[0][0][2]
