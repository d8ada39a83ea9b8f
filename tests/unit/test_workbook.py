"""Workbooks and GBK tables: a county's household list checked at the right cells."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

import msoffcrypto
import openpyxl
import pytest
from msoffcrypto.format.ooxml import OOXMLFile

from guabao_rules.config import Config, ConfigError, from_mapping
from guabao_rules.dataset import Dataset
from guabao_rules.diagnostics import Diagnostic
from guabao_rules.engine.core import plan, run
from guabao_rules.sources.loader import discover, load
from guabao_rules.sources.positions import cell_name
from guabao_rules.sources.workbook import cell_text, read_workbook

Write = Callable[[dict[str, str | bytes]], Path]

REGIONS = """\
regions:
  - {id: "530000", name: 云南省, level: province}
  - {id: "533300", name: 怒江州, level: prefecture, parent: "530000"}
  - {id: "533323", name: 福贡县, level: county, parent: "533300"}
  - {id: "533323200", name: 匹河乡, level: township, parent: "533323"}
  - {id: "533323200205", name: 老姆登村, level: village, parent: "533323200"}
units:
  - {id: U-SLT, name: 云南省水利厅, kind: provincial_unit}
"""

HEADER = ["户编号", "所属村", "贫困状态", "备注"]
ROWS: list[list[Any]] = [
    ["HH-1", 533323200205, "poor", "低保户"],  # a village code Excel turned into a number
    ["HH-2", "533323200205", "lifted", None],
    ["HH-3", "533323200299", "poor", None],  # no such village: D002 at B4
    ["HH-4", "533323200205", "gone", None],  # not a status: D003 at C5
]


def xlsx(sheets: dict[str, list[list[Any]]], build: Callable[[Any], None] | None = None) -> bytes:
    """A real workbook written by openpyxl: one sheet per entry, rows from A1."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
    if build is not None:
        build(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def check(root: Path, **config: Any) -> list[Diagnostic]:
    settings = Config(as_of=dt.date(2019, 12, 31), lang="en", select=["D"])
    dataset = load(root, encoding=config.get("encoding", ()))
    return run(dataset, plan(settings)).diagnostics


def at(diagnostics: list[Diagnostic]) -> list[tuple[str, str | None, int | None, int | None]]:
    return [(d.rule, d.file, d.line, d.column) for d in diagnostics]


def loaded(dataset: Dataset, collection: str) -> list[dict[str, Any]]:
    return [r.model_dump(exclude_defaults=True) for r in dataset.records(collection)]


# --- the county's household list ----------------------------------------------------


def test_a_household_workbook_is_checked_at_its_cells(write_dataset: Write) -> None:
    root = write_dataset(
        {"regions.yaml": REGIONS, "福贡县/households.xlsx": xlsx({"匹河乡": [HEADER, *ROWS]})}
    )
    found = check(root)
    assert at(found) == [
        ("D002", "福贡县/households.xlsx", 4, 2),
        ("D003", "福贡县/households.xlsx", 5, 3),
    ]
    assert found[0].message.startswith("匹河乡!B4: ")
    assert "533323200299" in found[0].message
    assert found[1].message.startswith("匹河乡!C5: ")
    households = loaded(load(root), "households")
    assert [h["id"] for h in households] == ["HH-1", "HH-2", "HH-3"]
    assert households[0] == {
        "id": "HH-1",
        "village": "533323200205",
        "status": "poor",
        "notes": "低保户",
    }


def test_a_sheet_named_after_a_collection_is_that_table(write_dataset: Write) -> None:
    cadres = [["id", "name", "unit"], ["C-1", "达某英", "U-SLT"]]
    pairings = [
        ["结对编号", "结对类型", "帮扶干部", "帮扶对象", "开始日期"],
        ["P-1", "household_help", "C-1", "HH-1", dt.date(2018, 3, 1)],
    ]
    households = [HEADER, ROWS[0]]
    book = xlsx(
        {"说明": [["填表说明"]], "cadres": cadres, "pairings": pairings, "households": households}
    )
    root = write_dataset({"regions.yaml": REGIONS, "福贡县2019.xlsx": book})
    assert check(root) == []
    dataset = load(root)
    assert loaded(dataset, "pairings")[0]["start"] == dt.date(2018, 3, 1)
    assert [len(dataset.records(c)) for c in ("cadres", "pairings", "households")] == [1, 1, 1]


def test_a_workbook_with_no_table_is_one_finding(write_dataset: Write) -> None:
    root = write_dataset({"regions.yaml": REGIONS, "台账.xlsx": xlsx({"Sheet1": [["a"]]})})
    found = check(root)
    assert at(found) == [("D000", "台账.xlsx", None, None)]
    assert "No sheet" in found[0].message


def test_a_sheet_of_a_collection_that_is_no_table(write_dataset: Write) -> None:
    root = write_dataset({"data.xlsx": xlsx({"regions": [["id"]], "households": [HEADER]})})
    found = check(root)
    assert [(d.rule, d.message.split(":")[0]) for d in found] == [("D000", "regions!A1")]
    assert "The sheet `regions`" in found[0].message


def test_workbooks_are_discovered_by_suffix(write_dataset: Write) -> None:
    root = write_dataset({"a.xlsx": b"", "b.ods": b"", "c.xls": b"", "d.docx": b"", "e.xlsb": b""})
    assert [p.name for p in discover(root)] == ["a.xlsx", "b.ods", "c.xls", "e.xlsb"]


# --- cells as the text the user sees ----------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("053332", "053332"),  # text keeps its leading zero
        (533323.0, "533323"),  # a code typed as a number
        (533323100201.0, "533323100201"),  # a 12-digit village code shown as 5.33E+11
        (1234.5, "1234.5"),
        (0.1 + 0.2, "0.3"),  # Excel shows 15 significant digits, not the binary tail
        (1234.56, "1234.56"),
        (True, "true"),
        (dt.date(2019, 3, 1), "2019-03-01"),
        (dt.datetime(2019, 3, 1), "2019-03-01"),
        (dt.datetime(2019, 3, 1, 14, 30), "2019-03-01 14:30:00"),
        (None, ""),
    ],
)
def test_cell_text(value: Any, text: str) -> None:
    assert cell_text(value) == text


def test_cell_names() -> None:
    assert [cell_name(12, c) for c in (1, 3, 26, 27, 703)] == ["A12", "C12", "Z12", "AA12", "AAA12"]


def test_amounts_dates_and_flags_read_as_in_csv(write_dataset: Write) -> None:
    allocations = [
        ["id", "fund", "project", "amount", "date"],
        ["A-1", "F-1", "PJ-1", 1234.5, dt.date(2019, 3, 1)],
        ["A-2", "F-1", "PJ-1", 0.1 + 0.2, dt.datetime(2019, 3, 2)],
        ["A-3", "F-1", "PJ-1", 12.345, "2019-03-03"],  # three fraction digits: D003 at D4
    ]
    visits = [
        ["id", "visitor", "county", "date", "main_leader"],
        ["V-1", "U-SLT", "533323", dt.date(2019, 5, 1), True],
    ]

    def two_decimals(workbook: Any) -> None:
        workbook["allocations"]["D2"].number_format = "0.00"

    book = xlsx({"allocations": allocations, "visits": visits}, two_decimals)
    parsed = read_workbook(book, PurePosixPath("ledger.xlsx"))
    assert parsed.problems == []
    rows = {s.sheet: [r.raw for r in s.table.rows] for s in parsed.sheets}
    assert [(r["amount"], r["date"]) for r in rows["allocations"]] == [
        ("1234.5", "2019-03-01"),
        ("0.3", "2019-03-02"),
        ("12.345", "2019-03-03"),
    ]
    assert rows["visits"] == [
        {
            "id": "V-1",
            "visitor": "U-SLT",
            "county": "533323",
            "date": "2019-05-01",
            "main_leader": True,
        }
    ]
    root = write_dataset({"ledger.xlsx": book})
    d003 = [d for d in check(root) if d.rule == "D003" and d.subject == "A-3"]
    assert at(d003) == [("D003", "ledger.xlsx", 4, 4)]
    assert d003[0].message.startswith("allocations!D4: ")


def test_a_cell_outside_the_header_is_a_finding_and_the_row_loads(write_dataset: Write) -> None:
    root = write_dataset(
        {
            "regions.yaml": REGIONS,
            "households.xlsx": xlsx(
                {"Sheet1": [HEADER[:3], ["HH-1", "533323200205", "poor", "", "迁出"]]}
            ),
        }
    )
    found = check(root)
    assert at(found) == [("D000", "households.xlsx", 2, 5)]
    assert "E2" in found[0].message
    assert len(load(root).records("households")) == 1


def test_an_unknown_or_repeated_column(write_dataset: Write) -> None:
    header = ["id", "所属村", "village", "statsu"]
    root = write_dataset({"households.xlsx": xlsx({"户": [header]})})
    found = check(root)
    assert at(found) == [("D007", "households.xlsx", 1, 3), ("D003", "households.xlsx", 1, 4)]
    assert found[1].message.startswith("户!D1: ")
    assert "did you mean `status`" in found[1].message


# --- bad workbooks are findings -----------------------------------------------------------


def d000(root: Path) -> list[tuple[int | None, int | None, str]]:
    return [(d.line, d.column, d.message) for d in check(root) if d.rule == "D000"]


def test_an_encrypted_workbook(write_dataset: Write, tmp_path: Path) -> None:
    plain = io.BytesIO(xlsx({"households": [HEADER, *ROWS]}))
    encrypted = io.BytesIO()
    OOXMLFile(plain).encrypt("secret", encrypted)
    assert msoffcrypto.OfficeFile(io.BytesIO(encrypted.getvalue())).is_encrypted()
    root = write_dataset({"households.xlsx": encrypted.getvalue()})
    [(line, column, message)] = d000(root)
    assert (line, column) == (None, None)
    assert "encrypted" in message


def test_a_damaged_workbook(write_dataset: Write) -> None:
    book = xlsx({"households": [HEADER, *ROWS]})
    root = write_dataset(
        {"households.xlsx": book[: len(book) // 2], "pairings.xlsx": b"not a workbook"}
    )
    found = d000(root)
    assert len(found) == 2
    assert all("cannot" in message for _, _, message in found)


def test_a_zip_bomb_is_never_opened(write_dataset: Write) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        source = zipfile.ZipFile(io.BytesIO(xlsx({"households": [HEADER]})))
        for info in source.infolist():
            archive.writestr(info, source.read(info))
        with archive.open("xl/media/padding.bin", "w") as padding:
            chunk = bytes(1 << 20)
            for _ in range(48):  # 48 MiB of zeros pack to about 50 KiB
                padding.write(chunk)
    root = write_dataset({"households.xlsx": buffer.getvalue()})
    [(_, _, message)] = d000(root)
    assert "zip bomb" in message


def test_a_formula_without_its_value(write_dataset: Write) -> None:
    rows = [HEADER, ["HH-1", "=B3", "poor"], ["HH-2", "533323200205", "poor"]]
    root = write_dataset({"regions.yaml": REGIONS, "households.xlsx": xlsx({"households": rows})})
    found = check(root)
    assert ("D000", "households.xlsx", 2, 2) in at(found)
    message = next(d.message for d in found if d.rule == "D000")
    assert message.startswith("households!B2: ") and "formula" in message
    assert len(load(root).records("households")) == 1  # HH-1 misses its village: D003


def test_merged_cells(write_dataset: Write) -> None:
    rows = [HEADER, ["HH-1", "533323200205", "poor"], ["HH-2", None, "poor"]]

    def merge(workbook: Any) -> None:
        workbook["households"].merge_cells("B2:B3")

    root = write_dataset(
        {"regions.yaml": REGIONS, "households.xlsx": xlsx({"households": rows}, merge)}
    )
    found = d000(root)
    assert [(line, column) for line, column, _ in found] == [(2, 2)]
    assert "B2:B3" in found[0][2] and found[0][2].startswith("households!B2: ")


def test_a_hidden_sheet_is_not_read(write_dataset: Write) -> None:
    def hide(workbook: Any) -> None:
        workbook["pairings"].sheet_state = "hidden"

    pairings = [
        ["id", "kind", "helper", "target", "start"],
        ["P-1", "household_help", "C-9", "HH-1", "2018-01-01"],
    ]
    book = xlsx({"households": [HEADER, ROWS[1]], "pairings": pairings}, hide)
    root = write_dataset({"regions.yaml": REGIONS, "book.xlsx": book})
    found = check(root)
    assert [d.rule for d in found] == ["D000"]
    assert "hidden" in found[0].message and found[0].message.startswith("pairings!A1: ")
    dataset = load(root)
    assert (len(dataset.records("households")), len(dataset.records("pairings"))) == (1, 0)


# --- Chinese column names and notes in CSV and YAML ---------------------------------------


def test_chinese_headers_and_notes_in_csv_and_yaml(write_dataset: Write) -> None:
    csv_text = "户编号,所属村,贫困状态,备注\nHH-1,533323200205,poor,五保\n"
    yaml_text = (
        "households:\n  - {id: HH-2, village: '533323200205', status: lifted, notes: 2019 年脱贫}\n"
    )
    root = write_dataset(
        {"regions.yaml": REGIONS, "households.csv": csv_text, "more.yaml": yaml_text}
    )
    assert check(root) == []
    assert [h.get("notes") for h in loaded(load(root), "households")] == ["五保", "2019 年脱贫"]


# --- encodings ---------------------------------------------------------------------------

GBK_CSV = "户编号,所属村,贫困状态,备注\nHH-1,533323200205,poor,低保\nHH-2,533323200205,贫困,\n"


def test_a_gbk_table_without_the_setting_names_it(write_dataset: Write) -> None:
    root = write_dataset({"regions.yaml": REGIONS, "households.csv": GBK_CSV.encode("gbk")})
    [(line, column, message)] = d000(root)
    assert (line, column) == (1, 1)
    assert 'encoding = "gb18030"' in message


def test_a_gbk_table_is_read_with_the_setting(write_dataset: Write) -> None:
    root = write_dataset(
        {
            "regions.yaml": REGIONS,
            "福贡县/households.csv": GBK_CSV.encode("gbk"),
            "utf8/households.csv": "id,village,status\nHH-3,533323200205,poor\n",
        }
    )
    found = check(root, encoding=[("福贡县/*.csv", "gb18030")])
    assert at(found) == [("D003", "福贡县/households.csv", 3, 19)]
    assert "'poor' or 'lifted'" in found[0].message
    dataset = load(root, encoding=[("**", "gb18030")])  # UTF-8 stays UTF-8 under the setting
    assert [h.get("notes") for h in loaded(dataset, "households")] == [None, "低保"]
    assert dataset.encodings == {
        "utf8/households.csv": "gb18030",
        "福贡县/households.csv": "gb18030",
    }


@pytest.mark.parametrize(
    "data",
    [
        b"id,village,status\nHH-1,\x80,poor\n",  # no GB18030 character
        "id,village,status\nHH-1,V,poor\n".encode("utf-16"),  # NULs between the letters
        b"id,village,status\nHH-1,\xaa\xa1,poor\n",  # a user-defined GBK code: private use
    ],
)
def test_misdecoded_text_is_never_accepted(write_dataset: Write, data: bytes) -> None:
    root = write_dataset({"households.csv": data})
    found = check(root, encoding=[("**", "gb18030")])
    assert [d.rule for d in found] == ["D000"]
    assert "GB18030" in found[0].message
    assert len(load(root, encoding=[("**", "gb18030")]).records("households")) == 0


def test_the_encoding_setting() -> None:
    assert from_mapping({"encoding": "GB18030"}, "t").encoding == [("**", "gb18030")]
    table = {"encoding": {"counties/**": "gbk", "*.csv": "utf-8"}}
    assert from_mapping(table, "t").encoding == [("counties/**", "gbk"), ("*.csv", "utf-8")]
    for bad in ("latin-1", 5, {"*.csv": "big5"}):
        with pytest.raises(ConfigError, match="encoding"):
            from_mapping({"encoding": bad}, "t")
