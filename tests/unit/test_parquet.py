"""Parquet tables of the bulk collections: the records CSV gives, findings at row:column."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from helpers import check_path
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guabao_rules.sources import parquetsource
from guabao_rules.sources.csvsource import MAX_CELL
from guabao_rules.sources.loader import discover, load
from guabao_rules.sources.parquetsource import read_parquet
from guabao_rules.sources.positions import Mark
from guabao_rules.testing.tables import parquet_of_csv

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

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

HOUSEHOLDS_CSV = "id,village,status\nHH-1,533323200205,poor\nHH-2,533323200205,lifted\n"
CADRES_CSV = "id,name,unit\nC-1,达某英,U-SLT\nC-2,丰某勇,U-SLT\n"
REPORTS_CSV = """\
id,reporter,household,period,date,recipients
R-1,C-1,HH-1,2019-Q3,2019-10-08,U-SLT;C-2
R-2,C-1,HH-1,2019-Q4,2019-12-26,
"""
ALLOCATIONS_YAML = """\
funds:
  - {id: F-1, name: 专项资金, source: provincial, year: 2019, amount: "100000.00"}
projects:
  - {id: PJ-1, name: 饮水工程, county: "533323", category: infrastructure, year: 2019,
     budget: "100000.00", status: implementing}
"""


def parquet(columns: dict[str, Any], schema: Any = None, **options: Any) -> bytes:
    """A Parquet file of ``columns`` (name → values, or an Arrow array)."""
    table = pa.table(columns, schema=schema)
    out = io.BytesIO()
    pq.write_table(table, out, **options)
    return out.getvalue()


def located(root: Path, rule: str) -> list[tuple[str | None, str | None, int | None, int | None]]:
    report = check_path(root, select=[rule])
    return [(d.subject, d.file, d.line, d.column) for d in report.diagnostics]


def messages(root: Path, rule: str) -> list[tuple[str | None, int | None, int | None, str]]:
    report = check_path(root, select=[rule])
    return [(d.file, d.line, d.column, d.message) for d in report.diagnostics]


def test_parquet_tables_give_the_same_records_as_csv(write_dataset: Write, tmp_path: Path) -> None:
    tables = {
        "households.csv": ("households", HOUSEHOLDS_CSV),
        "cadres/all.csv": ("cadres", CADRES_CSV),
        "county/reports/2019.csv": ("reports", REPORTS_CSV),
    }
    csv_root = tmp_path / "csv"
    for name, text in {"base.yaml": BASE, **{n: t for n, (_, t) in tables.items()}}.items():
        (csv_root / name).parent.mkdir(parents=True, exist_ok=True)
        (csv_root / name).write_text(text, encoding="utf-8")
    from_csv = load(csv_root)
    for typed in (False, True):
        files: dict[str, str | bytes] = {"base.yaml": BASE}
        for name, (collection, text) in tables.items():
            files[name.replace(".csv", ".parquet")] = parquet_of_csv(
                text.encode(), collection=collection, typed=typed
            )
        root = write_dataset(files)
        from_parquet = load(root)
        assert not from_parquet.issues
        models = {key: entry.model for key, entry in from_parquet.by_id.items()}
        assert models == {key: entry.model for key, entry in from_csv.by_id.items()}
        assert from_parquet.by_id["R-1"].source.file == "county/reports/2019.parquet"
        assert from_parquet.by_id["R-1"].source.mark == Mark(1, 1)
        assert from_parquet.by_id["R-2"].source.mark == Mark(2, 1)
        assert not check_path(root, select=["D"]).diagnostics


def test_parquet_files_are_tables_where_csv_files_are(write_dataset: Write) -> None:
    table = parquet_of_csv(HOUSEHOLDS_CSV.encode())
    root = write_dataset(
        {
            "households.parquet": table,
            "households/lushui/2019.parquet": table,
            "notes.parquet": table,
            "data.PARQUET": table,
        }
    )
    assert [p.relative_to(root).as_posix() for p in discover(root)] == [
        "households.parquet",
        "households/lushui/2019.parquet",
    ]
    skipped: list[str] = []
    discover(root, skipped=skipped)
    assert skipped == ["data.PARQUET", "notes.parquet"]


def test_a_collection_that_cannot_be_a_table_is_d000(write_dataset: Write) -> None:
    root = write_dataset({"projects.parquet": parquet({"id": ["PJ-1"], "name": ["x"]})})
    ((file, line, column, message),) = messages(root, "D000")
    assert (file, line, column) == ("projects.parquet", 1, 1)
    assert "cannot be a Parquet table" in message


def test_typed_cells_read_as_the_text_a_csv_cell_holds(write_dataset: Write) -> None:
    visits = parquet(
        {
            "id": pa.array([1001, 1002, 1003], pa.int64()),
            "visitor": pa.array(["U-SLT", "U-SLT", "U-SLT"]).dictionary_encode(),
            "county": pa.array([533323, 533323, 533323], pa.int32()),
            "date": pa.array([dt.date(2019, 3, 1)] * 3, pa.date32()),
            "main_leader": pa.array([True, False, None]),
        }
    )
    allocations = parquet(
        {
            "id": ["A-1", "A-2", "A-3", "A-4"],
            "fund": ["F-1"] * 4,
            "project": ["PJ-1"] * 4,
            "amount": pa.array(
                [Decimal("1.5000"), Decimal("20.2500"), Decimal("3.0000"), Decimal("0.1234")],
                pa.decimal128(18, 4),
            ),
            "date": pa.array([dt.date(2019, 3, 1)] * 4, pa.date64()),
        }
    )
    root = write_dataset(
        {
            "base.yaml": BASE + ALLOCATIONS_YAML,
            "visits.parquet": visits,
            "allocations.parquet": allocations,
        }
    )
    dataset = load(root)
    visit = dataset.by_id["1001"].model
    assert visit is not None
    assert (visit.county, visit.date, visit.main_leader) == ("533323", dt.date(2019, 3, 1), True)
    assert dataset.by_id["1003"].model.main_leader is False  # type: ignore[union-attr]
    amounts = {key: str(dataset.by_id[key].model.amount) for key in ("A-1", "A-2", "A-3")}  # type: ignore[union-attr]
    assert amounts == {"A-1": "1.50", "A-2": "20.25", "A-3": "3.00"}
    # A fourth fraction digit that is not zero is more than a fen: D003, as "0.1234" in CSV.
    (problem,) = messages(root, "D003")
    assert problem[:3] == ("allocations.parquet", 4, 4)
    assert "at most 2 fraction digits" in problem[3]


def test_nan_and_floats_in_an_amount_column(write_dataset: Write) -> None:
    allocations = parquet(
        {
            "id": ["A-1", "A-2", "A-3", "A-4"],
            "fund": ["F-1"] * 4,
            "project": ["PJ-1"] * 4,
            "amount": pa.array([1500.5, float("nan"), float("inf"), 0.1 + 0.2], pa.float64()),
            "date": ["2019-03-01"] * 4,
        }
    )
    texts = parquet({"id": ["A-5"], "fund": ["F-1"], "project": ["PJ-1"], "amount": ["NaN"]})
    root = write_dataset(
        {
            "base.yaml": BASE + ALLOCATIONS_YAML,
            "allocations.parquet": allocations,
            "allocations/more.parquet": texts,
        }
    )
    dataset = load(root)
    assert str(dataset.by_id["A-1"].model.amount) == "1500.5"  # type: ignore[union-attr]
    found = [(f, line, column) for f, line, column, _ in messages(root, "D003")]
    assert found == [
        ("allocations.parquet", 2, 4),
        ("allocations.parquet", 3, 4),
        ("allocations.parquet", 4, 4),  # 0.30000000000000004 yuan: more than 2 digits
        ("allocations/more.parquet", 1, 1),  # NaN, and no date: two problems, the record
    ]


def test_timestamps_read_as_days_only_at_midnight_of_their_zone(write_dataset: Write) -> None:
    shanghai = pa.timestamp("ns", tz="Asia/Shanghai")
    instants = [
        dt.datetime(2019, 2, 28, 16, 0, tzinfo=dt.UTC),  # 2019-03-01 00:00 in Shanghai
        dt.datetime(2019, 3, 1, 0, 0, tzinfo=dt.UTC),  # 08:00 in Shanghai: not a day
    ]
    visits = parquet(
        {
            "id": ["V-1", "V-2", "V-3", "V-4"],
            "visitor": ["U-SLT"] * 4,
            "county": ["533323"] * 4,
            "date": pa.array([*instants, None, None], shanghai),
        }
    )
    naive = parquet(
        {
            "id": ["V-5", "V-6"],
            "visitor": ["U-SLT"] * 2,
            "county": ["533323"] * 2,
            "date": pa.array(
                [dt.datetime(2019, 3, 2), dt.datetime(2019, 3, 2, 9, 30, 0, 250000)],
                pa.timestamp("us"),
            ),
        }
    )
    root = write_dataset({"base.yaml": BASE, "visits.parquet": visits, "visits/b.parquet": naive})
    dataset = load(root)
    assert dataset.by_id["V-1"].model.date == dt.date(2019, 3, 1)  # type: ignore[union-attr]
    assert dataset.by_id["V-5"].model.date == dt.date(2019, 3, 2)  # type: ignore[union-attr]
    found = messages(root, "D003")
    assert [(f, line, column) for f, line, column, _ in found] == [
        ("visits.parquet", 2, 4),
        ("visits.parquet", 3, 4),  # no date: a missing required field, at its empty cell
        ("visits.parquet", 4, 4),
        ("visits/b.parquet", 2, 4),
    ]
    # The text a finding's record mentions: the instant, with its zone.
    rows = read_parquet(visits, "visits").rows
    assert rows[1].raw["date"] == "2019-03-01 08:00:00 Asia/Shanghai"
    assert read_parquet(naive, "visits").rows[1].raw["date"] == "2019-03-02 09:30:00.25"


def test_bad_cell_points_at_its_row_and_column(write_dataset: Write) -> None:
    reports = parquet_of_csv(
        REPORTS_CSV.replace("2019-12-26", "2019-13-26").encode(), collection="reports"
    )
    root = write_dataset(
        {
            "base.yaml": BASE,
            "households.csv": HOUSEHOLDS_CSV,
            "cadres.csv": CADRES_CSV,
            "reports.parquet": reports,
        }
    )
    assert located(root, "D003") == [("R-2", "reports.parquet", 2, 5)]


def test_dangling_references_point_at_the_cell_and_the_list_cell(write_dataset: Write) -> None:
    reports = parquet(
        {
            "id": ["R-1"],
            "reporter": ["C-1"],
            "household": ["HH-1"],
            "period": ["2019-Q3"],
            "date": ["2019-10-08"],
            "recipients": pa.array([["U-SLT", " C-9 "]], pa.list_(pa.string())),
        }
    )
    root = write_dataset(
        {
            "base.yaml": BASE,
            "households.csv": HOUSEHOLDS_CSV,
            "cadres.csv": CADRES_CSV,
            "reports.parquet": reports,
        }
    )
    assert located(root, "D002") == [("R-1", "reports.parquet", 1, 6)]
    assert "`C-9`" in check_path(root, select=["D002"]).diagnostics[0].message


def test_unknown_missing_and_twice_named_columns(write_dataset: Write) -> None:
    table = pa.Table.from_arrays(
        [
            pa.array(["HH-1", "HH-2"]),
            pa.array(["poor", "poor"]),
            pa.array(["x", "y"]),
            pa.array(["poor", "lifted"]),
        ],
        names=["id", "status", "villige", "贫困状态"],
    )
    out = io.BytesIO()
    pq.write_table(table, out)
    root = write_dataset({"base.yaml": BASE, "households.parquet": out.getvalue()})
    report = check_path(root, select=["D003", "D007"])
    found = {(d.rule, d.subject, d.line, d.column): d.message for d in report.diagnostics}
    assert list(found) == [
        ("D003", "HH-1", 1, 1),  # the village column is not read: a required field missing
        ("D003", None, 1, 3),  # the unknown column, at line 1 of its column
        ("D007", None, 1, 4),  # 贫困状态 names `status` again: the first is used
        ("D003", "HH-2", 2, 1),
    ]
    assert "did you mean `village`?" in found["D003", None, 1, 3]
    assert "missing required field `village`" in found["D003", "HH-1", 1, 1]


def test_a_damaged_or_empty_file_is_d000_at_its_start_and_the_rest_loads(
    write_dataset: Write,
) -> None:
    good = parquet_of_csv(HOUSEHOLDS_CSV.encode())
    root = write_dataset(
        {
            "base.yaml": BASE,
            "households/a.parquet": good[: len(good) // 2],
            "households/b.parquet": b"",
            "households/c.parquet": b"id,village,status\n",
            "households/d.parquet": good,
        }
    )
    found = messages(root, "D000")
    assert [(f, line, column) for f, line, column, _ in found] == [
        ("households/a.parquet", 1, 1),
        ("households/b.parquet", 1, 1),
        ("households/c.parquet", 1, 1),
    ]
    assert "0 bytes" in found[1][3]
    assert "HH-1" in load(root).by_id


def test_a_table_with_no_rows_or_no_columns_is_empty(write_dataset: Write) -> None:
    no_rows = parquet({"id": pa.array([], pa.string()), "village": pa.array([], pa.string())})
    no_columns = parquet({})
    root = write_dataset({"households.parquet": no_rows, "households/x.parquet": no_columns})
    dataset = load(root)
    assert not dataset.issues
    assert not dataset.entries


def test_nested_columns_are_d000_at_the_column_and_the_others_load(write_dataset: Write) -> None:
    households = parquet(
        {
            "id": ["HH-1"],
            "village": pa.array([{"code": "533323200205"}], pa.struct([("code", pa.string())])),
            "status": pa.array([["poor"]], pa.list_(pa.string())),
            "notes": pa.array([[("k", "v")]], pa.map_(pa.string(), pa.string())),
        }
    )
    reports = parquet(
        {
            "id": ["R-1"],
            "recipients": pa.array([[["U-SLT"]]], pa.list_(pa.list_(pa.string()))),
        }
    )
    root = write_dataset(
        {"base.yaml": BASE, "households.parquet": households, "reports.parquet": reports}
    )
    found = messages(root, "D000")
    assert [(f, line, column) for f, line, column, _ in found] == [
        ("households.parquet", 1, 2),
        ("households.parquet", 1, 3),
        ("households.parquet", 1, 4),
        ("reports.parquet", 1, 2),
    ]
    assert "struct<code: string>" in found[0][3]
    assert "HH-1" in load(root).by_id


def test_a_huge_string_is_d000_for_its_row_and_the_rest_loads(write_dataset: Write) -> None:
    households = parquet(
        {
            "id": ["HH-1", "HH-2", "HH-3"],
            "village": ["533323200205", "x" * (MAX_CELL + 1), "533323200205"],
            "status": ["poor", "poor", "poor"],
        }
    )
    root = write_dataset({"base.yaml": BASE, "households.parquet": households})
    ((file, line, column, message),) = messages(root, "D000")
    assert (file, line, column) == ("households.parquet", 2, 2)
    assert "more than 1,048,576 characters" in message
    assert {"HH-1", "HH-3"} <= set(load(root).by_id)
    assert "HH-2" not in load(root).by_id


def test_a_binary_cell_is_utf8_text_or_d000_for_its_row(write_dataset: Write) -> None:
    households = parquet(
        {
            "id": pa.array([b"HH-1", b"\xff\xfe", "户-3".encode()], pa.binary()),
            "village": ["533323200205"] * 3,
            "status": ["poor"] * 3,
        }
    )
    root = write_dataset({"base.yaml": BASE, "households.parquet": households})
    ((file, line, column, message),) = messages(root, "D000")
    assert (file, line, column) == ("households.parquet", 2, 1)
    assert "not UTF-8" in message
    assert {"HH-1", "户-3"} <= set(load(root).by_id)


def test_rows_count_on_across_row_groups(write_dataset: Write) -> None:
    rows = "".join(f"HH-{n},533323200205,{'poor' if n != 7 else 'rich'}\n" for n in range(10))
    table = parquet_of_csv(("id,village,status\n" + rows).encode(), row_group_rows=3)
    assert pq.ParquetFile(io.BytesIO(table)).metadata.num_row_groups == 4
    root = write_dataset({"base.yaml": BASE, "households.parquet": table})
    assert located(root, "D003") == [("HH-7", "households.parquet", 8, 3)]


def test_a_file_that_would_unpack_past_the_bound_is_not_read(
    write_dataset: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parquetsource, "MAX_UNPACKED", 100)
    root = write_dataset({"households.parquet": parquet_of_csv(HOUSEHOLDS_CSV.encode())})
    ((file, line, column, message),) = messages(root, "D000")
    assert (file, line, column) == ("households.parquet", 1, 1)
    assert "unpack" in message


def test_personal_data_in_a_parquet_table_is_found(write_dataset: Write) -> None:
    cadres = parquet({"id": ["C-1"], "name": ["达某英 13812345678"], "unit": ["U-SLT"]})
    root = write_dataset({"base.yaml": BASE, "cadres.parquet": cadres})
    assert located(root, "D006") == [("C-1", "cadres.parquet", 1, 2)]


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_damaged_parquet_never_raises(data: st.DataObject) -> None:
    good = bytearray(parquet_of_csv((HOUSEHOLDS_CSV + REPORTS_CSV).encode()))
    for _ in range(data.draw(st.integers(1, 8))):
        at = data.draw(st.integers(0, len(good) - 1))
        good[at] = data.draw(st.integers(0, 255))
    end = data.draw(st.integers(0, len(good)))
    result = read_parquet(bytes(good[:end]), "households")
    assert all(p.mark.line >= 1 and p.mark.column >= 1 for p in result.problems)


@pytest.mark.parametrize("text", ["poor", "", "PAR1"])
def test_not_parquet_is_one_problem(text: str) -> None:
    result = read_parquet(text.encode(), "households")
    assert result.fatal
    assert [(p.rule, p.mark) for p in result.problems] == [("D000", Mark(1, 1))]
