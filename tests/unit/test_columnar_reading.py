"""The columnar reader gives what the Python reader gives: the same problems, the same rows.

Every input here is read twice, by :func:`guabao_rules.columnar.reading.read_bulk`
(DuckDB, SQL checks from the models) and by the loader's CSV reader, and the
two must agree exactly: the readers' findings (rule, words, file:line:column),
the rows that failed validation, every valid row's values and its place in its
file, and the personal data found. The inputs are edge cases of the CSV format,
every CSV text of ``test_csv.py``, and generated datasets written as tables.
"""

from __future__ import annotations

import ast
import tempfile
from pathlib import Path

import pytest
from helpers import ROOT, SMALL, bulk_files, columnar_mismatches
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from guabao_rules.columnar.reading import ColumnarTables
from guabao_rules.columnar.tables import AmountOutOfRange, dataset_tables, decoded
from guabao_rules.dataset import Dataset
from guabao_rules.models import COLLECTIONS, TABLE_COLLECTIONS, column_names
from guabao_rules.sources.loader import load
from guabao_rules.testing import Layout, files_text, render_files
from guabao_rules.testing import violations as violation_of

pytest.importorskip("duckdb")
pytest.importorskip("pyarrow")

H = "id,village,status\n"
R = "id,reporter,household,period,date,recipients\n"
A = "id,fund,project,amount,date\n"
V = "id,visitor,county,date,main_leader\n"
P = "id,kind,helper,target,role,start,end\n"

CASES: dict[str, dict[str, str | bytes]] = {
    "clean": {"households.csv": H + "HH-1,533323200205,poor\nHH-2,533323200205,lifted\n"},
    "empty file": {"households.csv": ""},
    "header only": {"households.csv": H},
    "blank lines and spaces": {"households.csv": H + "\n   \nHH-1,v,poor\n\n\t\nHH-2,v,lifted\n"},
    "blank lines before the header": {"households.csv": "\n\n" + H + "HH-1,v,poor\n"},
    "a BOM": {"households.csv": "\ufeff" + H + "HH-1,v,poor\n"},
    "CRLF": {"households.csv": H.replace("\n", "\r\n") + "HH-1,v,poor\r\nHH-2,,x\r\n"},
    "a lone CR": {"households.csv": H + "HH-1,v,poor\rHH-2,v,poor\n"},
    "mixed line ends": {"households.csv": H + "HH-1,v,poor\r\nHH-2,v,poor\n"},
    "no final line break": {"households.csv": H + "HH-1,v,poor"},
    "short and lone rows": {"households.csv": H + "HH-1,v\nHH-2\n,,\nHH-3,v,poor\n"},
    "a wide row": {"households.csv": H + "HH-1,v,poor,extra\nHH-2,v,poor\n"},
    "a very wide row": {"households.csv": H + "HH-1,v,poor,a,b,c,d\nHH-2,v,poor\n"},
    "bad values": {
        "households.csv": H + "HH-1,v,rich\n   ,v,poor\nHH-3, ,poor\nHH-4,v,Poor\n",
        "reports.csv": R
        + "R-1,C-1,HH-1,2019-Q5,2019-10-08,\n"
        + "R-2,C-1,HH-1,2019-Q4,2019-02-30,U;;C\n"
        + "R-3,C-1,HH-1,0000-Q1,0000-01-01, U ; C \n"
        + "R-4,C-1,HH-1,2019-Q1,2019-1-1,U;\n"
        + "R-5,C-1,HH-1, 2019-Q1,2019-01-01 ,U\n"
        + "R-6,C-1,HH-1,2019-Q1,2019-01-01,U;C;D\n",
    },
    "amounts": {
        "allocations.csv": A
        + "AL-1,F,PJ,150000.00,2019-03-19\n"
        + "AL-2,F,PJ,-0,2019-03-19\n"
        + "AL-3,F,PJ,1.505,2019-03-19\n"
        + "AL-4,F,PJ,-5,2019-03-19\n"
        + "AL-5,F,PJ,+.5,2019-03-19\n"
        + "AL-6,F,PJ, 12 ,2019-03-19\n"
        + "AL-7,F,PJ,1e3,2019-03-19\n"
        + "AL-8,F,PJ,5.,2019-03-19\n"
        + "AL-9,F,PJ,0012.30,2019-03-19\n"
        + "AL-10,F,PJ,abc,2019-03-19\n"
        + f"AL-11,F,PJ,{'9' * 36}.99,2019-03-19\n"
    },
    "booleans": {
        "visits.csv": V + "VI-1,U,C,2019-01-01,true\nVI-2,U,C,2019-01-01,\n"
        "VI-3,U,C,2019-01-01,yes\nVI-4,U,C,2019-01-01,false\nVI-5,U,C,2019-01-01,True\n"
    },
    "defaults and optional days": {
        "pairings.csv": P
        + "P-1,household_help,C-1,HH-1,,2018-01-01,\n"
        + "P-2,household_help,C-1,HH-1,lead,2018-01-01,2019-01-01\n"
        + "P-3,household_help,C-1,HH-1,boss,2018-01-01,2019-13-01\n"
        + "P-4,other,C-1,HH-1,member,2018-01-01,\n"
    },
    "quoted cells": {
        "households.csv": H
        + '"HH-1","v","poor"\n'
        + '"HH-2","a ""quoted"" village","lifted"\n'
        + '"HH-3","two\nlines",poor\n'
        + "HH-4,v,poor\n"
        + '"HH-5","",poor\n'
    },
    "quoted CRLF cells": {"households.csv": H + '"HH-1","a\r\nb",poor\r\nHH-2,v,poor\r\n'},
    "odd quotes": {"households.csv": H + 'HH-1, "v",poor\nHH-2,a"b,poor\nHH-3,"v"x,poor\n'},
    "a quote left open": {"households.csv": H + 'HH-1,"v,poor\nHH-2,v,poor\nHH-3,v,poor\n'},
    "unknown, repeated and unnamed columns": {
        "households.csv": "id,village,status,vilage,,status\nHH-1,v,poor,x,y,lifted\n"
    },
    "Chinese headers": {
        "households.csv": ",".join(
            column_names(COLLECTIONS["households"])[f] for f in ("id", "village", "status")
        )
        + "\nHH-1,v,poor\n"
    },
    "a header over two lines": {"households.csv": 'id,"vil\nlage",status\nHH-1,v,poor\n'},
    "one column": {"households.csv": "id\nHH-1\n  \nHH-2\n"},
    "NUL bytes": {"households.csv": H + "HH-1,v\x00,poor\nHH-2,v,poor\n"},
    "not UTF-8": {"households.csv": (H + "HH-1,老姆登村,poor\n").encode("gbk")},
    "personal data": {
        "households.csv": H
        + "HH-13812345678,v,poor\n"
        + "HH-1,530102199001011234,poor\n"
        + "HH-2,11010519491231002X,poor\n"
        + "HH-3,533323200205,poor\n"
        + "HH-4,138123456789,poor\n",
        "reports.csv": R + "R-1,C-1,HH-1,2019-Q1,2019-01-01,U;13912345678\n",
    },
    "quoted personal data": {"households.csv": H + '"HH-1380013""8000",v,poor\n'},
    "a long cell": {"households.csv": H + f"HH-1,{'x' * (1 << 20 + 1)},poor\nHH-2,v,poor\n"},
    "spaces in ids": {"cadres.csv": "id,name,unit\n\u3000,n,U\nC-2, ,U\nC-3,n,\u00a0U\n"},
    "folders of parts": {
        "reports/a.csv": R + "R-1,C-1,HH-1,2019-Q1,2019-01-01,\n",
        "reports/b.csv": R + "R-2,C-1,HH-1,2019-Q9,2019-01-01,\n",
        "reports/c.csv": "household,id,reporter,period,date\nHH-1,R-3,C-1,2019-Q2,2019-04-01\n",
    },
}


def _write(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return root


@pytest.mark.parametrize("name", sorted(CASES))
def test_edge_cases_read_alike(name: str, tmp_path: Path) -> None:
    assert columnar_mismatches(bulk_files(_write(tmp_path, CASES[name]))) == []


@pytest.mark.parametrize("name", ["folders of parts", "bad values", "clean"])
def test_files_read_a_few_at_a_time_read_alike(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files of one header read in runs of a bounded size (each file alone here): the same."""
    monkeypatch.setattr("guabao_rules.columnar.reading.READ_CHUNK_BYTES", 1)
    assert columnar_mismatches(bulk_files(_write(tmp_path, CASES[name]))) == []
    root = _write(
        tmp_path / "more",
        {
            f"reports/{n}.csv": CASES["folders of parts"]["reports/a.csv"].replace("R-1", f"R-{n}")
            for n in range(5)
        },
    )
    assert columnar_mismatches(bulk_files(root)) == []


@pytest.mark.parametrize("encoding", ["gb18030", "gbk"])
def test_an_encoding_setting_reads_alike(encoding: str, tmp_path: Path) -> None:
    files = {
        "households.csv": (H + "HH-1,老姆登村,poor\nHH-2,v,bad\n").encode(encoding),
        "cadres.csv": "id,name,unit\nC-1,达某英,U\n",
    }
    assert columnar_mismatches(bulk_files(_write(tmp_path, files), encoding)) == []


def test_edge_cases_take_both_paths(tmp_path: Path) -> None:
    """The quick path reads the ordinary files; the Python reader only the odd ones."""
    from guabao_rules.columnar.reading import read_bulk

    plain = read_bulk(bulk_files(_write(tmp_path / "a", CASES["bad values"])))
    assert plain.python_files == []
    odd = read_bulk(bulk_files(_write(tmp_path / "b", CASES["odd quotes"])))
    assert odd.python_files == ["households.csv"]


def _csv_texts() -> list[str]:
    """Every text in test_csv.py whose first line is a bulk table's header."""
    tree = ast.parse((ROOT / "tests" / "unit" / "test_csv.py").read_text(encoding="utf-8"))
    names = {n for c in TABLE_COLLECTIONS for n in COLLECTIONS[c].model_fields}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str | bytes):
            text = node.value if isinstance(node.value, str) else node.value.decode("latin-1")
            header = text.lstrip("\ufeff").split("\n", 1)[0].split(",")
            if len(header) > 1 and {h.strip() for h in header} & names and "\n" in text:
                found.append(text)
    return sorted(set(found))


CSV_TEXTS = _csv_texts()


def test_the_csv_tests_have_texts() -> None:
    assert len(CSV_TEXTS) >= 5


@pytest.mark.parametrize("index", range(len(CSV_TEXTS)))
def test_the_csv_tests_inputs_read_alike(index: int, tmp_path: Path) -> None:
    text = CSV_TEXTS[index]
    files = {f"{collection}.csv": text for collection in sorted(TABLE_COLLECTIONS)}
    assert columnar_mismatches(bulk_files(_write(tmp_path, files))) == []


def test_no_space_above_the_ideographic_space() -> None:
    """The SQL checks list the characters str.strip removes up to U+3000: there are no more."""
    import sys

    assert not [c for c in range(0x3001, sys.maxunicode + 1) if chr(c).isspace()]


TABLES = st.builds(
    Layout,
    style=st.sampled_from(["per_collection", "per_county", "nested", "scattered"]),
    tables=st.just(True),
    shuffle=st.booleans(),
    files=st.integers(1, 4),
    seed=st.integers(0, 2**32 - 1),
    blanks=st.sampled_from(["absent", "empty_string"]),
)
FORMAT_RULES = ["D001", "D002", "D003", "D004", "D005", "D006", "D007", "Q004", "M001", "S101"]


@settings(
    max_examples=max(6, settings.default.max_examples // 4),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_generated_tables_read_alike(data: st.DataObject) -> None:
    dataset = data.draw(SMALL, label="dataset")
    rule = data.draw(st.sampled_from([None, *FORMAT_RULES]), label="violated rule")
    if rule is not None:
        dataset = data.draw(violation_of(rule, dataset), label="violation").dataset
    files = render_files(dataset, data.draw(TABLES, label="layout"))
    note(files_text(files))
    with tempfile.TemporaryDirectory() as folder:
        assert columnar_mismatches(bulk_files(_write(Path(folder), files))) == []


@pytest.mark.parametrize("typed", [False, True])
def test_parquet_tables_read_alike(typed: bool, tmp_path: Path) -> None:
    from guabao_rules.columnar.reading import read_bulk
    from guabao_rules.testing.tables import parquet_of_csv

    files: dict[str, str | bytes] = {}
    for name, text in CASES["bad values"].items():
        assert isinstance(text, str)
        collection = name.removesuffix(".csv")
        files[f"{collection}.parquet"] = parquet_of_csv(
            text.encode(), collection=collection, typed=typed
        )
    files["households/broken.parquet"] = b"PAR1 not really"
    found = bulk_files(_write(tmp_path, files))
    assert [f.rel for f in found] == [
        "households.parquet",
        "households/broken.parquet",
        "reports.parquet",
    ]
    assert columnar_mismatches(found) == []
    assert read_bulk(found).python_files == [f.rel for f in found]


def _entries(dataset: Dataset) -> list[tuple[object, ...]]:
    out = []
    for entry in dataset.entries:
        fields = [] if entry.model is None else list(type(entry.model).model_fields)
        out.append(
            (
                entry.collection,
                entry.id,
                entry.model,
                entry.source,
                entry.personal,
                entry.problem_at,
                entry.mentions,
                [entry.locate((name,)) for name in fields],
            )
        )
    return out


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_columnar_load_is_the_python_load(name: str, tmp_path: Path) -> None:
    """Loading with the columnar reader builds the dataset the Python reader builds."""
    files = dict(CASES[name])
    # An id taken by a YAML record first (D001 across readers), and a later YAML file.
    files["a.yaml"] = (
        "units:\n  - {id: HH-2, name: x, kind: other}\n  - {id: U, name: y, kind: other}\n"
    )
    files["z.yaml"] = "cadres:\n  - {id: HH-1, name: z, unit: U}\n"
    root = _write(tmp_path, files)
    python = load(root)
    bulk = ColumnarTables()
    columnar = load(root, bulk=bulk)
    assert _entries(columnar) == _entries(python)
    assert columnar.issues == python.issues
    assert list(columnar.by_id) == list(python.by_id)
    assert columnar.files == python.files
    # The query engine's tables: the reader's own where they hold every record, the same rows.
    given = {c: bulk.query_table(c, len(columnar.records(c))) for c in TABLE_COLLECTIONS}
    try:
        expected = dataset_tables(python)
    except AmountOutOfRange:  # amounts a query's decimal cannot sum: refused alike
        with pytest.raises(AmountOutOfRange):
            dataset_tables(columnar)
    else:
        tables = dataset_tables(columnar)
        for collection in TABLE_COLLECTIONS:
            assert decoded(tables[collection]).equals(decoded(expected[collection])), collection
    if name == "clean":
        assert given["households"] is not None
    assert sum(bulk.materialised.values()) == sum(
        1
        for e in columnar.entries
        if e.valid and e.source.file in bulk.read.files  # type: ignore[union-attr]
    )


@pytest.mark.parametrize("name", sorted(CASES))
def test_deferred_rows_give_the_python_load_tables(name: str, tmp_path: Path) -> None:
    """Rows left in the tables give the queries every table the Python load gives.

    Nothing is made into a record first: the collections, ``_ids`` (every record
    in its place in reading order) and ``_personal`` come from the deferred rows;
    then making them records gives the Python load's records, in its order.
    """
    files = dict(CASES[name])
    files["a.yaml"] = "units:\n  - {id: U, name: y, kind: other}\n"
    files["z.yaml"] = "work_teams: []\n"
    root = _write(tmp_path, files)
    python = load(root)
    bulk = ColumnarTables()
    columnar = load(root, bulk=bulk)
    try:
        expected = dataset_tables(python)
    except AmountOutOfRange:
        with pytest.raises(AmountOutOfRange):
            dataset_tables(columnar)
        return
    tables = dataset_tables(columnar)
    assert sorted(tables) == sorted(expected)
    for table in expected:
        assert decoded(tables[table]).equals(decoded(expected[table])), table
    for entry in python.made:
        if entry.id is not None and python.made_by_id.get(entry.id) is entry:
            found = columnar.entry(entry.id)
            assert found is not None
            assert (found.collection, found.source, found.model, found.personal) == (
                entry.collection,
                entry.source,
                entry.model,
                entry.personal,
            )
    assert len(columnar) == len(python)
    assert _entries(columnar) == _entries(python)
    assert list(columnar.by_id) == list(python.by_id)


def test_rows_stay_rows_until_asked_for(tmp_path: Path) -> None:
    """A clean table's rows are no records until a collection is asked for, then that one only."""
    root = _write(tmp_path, dict(CASES["clean"]))
    columnar = load(root, bulk=(bulk := ColumnarTables()))
    assert columnar.deferred is not None
    deferred = set(columnar.deferred.collections())
    assert deferred and not bulk.materialised
    first = sorted(deferred)[0]
    columnar.make_records([first], reason="a test")
    assert set(bulk.materialised) == {first}
    assert columnar.deferred.collections() == deferred - {first}
    columnar.make_records()
    assert set(bulk.materialised) == deferred


def test_dangling_ids_are_answered_without_a_pass_over_the_deferred_rows(
    tmp_path: Path,
) -> None:
    """A reference to no record is known missing at once: a pass per id would be a nested scan.

    The index looks up every id the made records name among the deferred rows in
    one pass; asking it again for one of those that is no row's id costs nothing.
    """
    dangling = [f"HH-X{n}" for n in range(30)]
    root = _write(
        tmp_path,
        {
            "households.csv": H + "HH-1,533323200205,poor\n",
            "projects.yaml": (
                "projects:\n  - {id: P1, name: p, county: '533323', category: industry,"
                " year: 2019, budget: '1.00', status: proposed,"
                f" performance: {{beneficiaries: [HH-1, {', '.join(dangling)}]}}}}\n"
            ),
        },
    )
    dataset = load(root, bulk=ColumnarTables())
    assert dataset.deferred is not None and dataset.deferred.collections() == {"households"}
    index = dataset.index
    passes: list[int] = []
    prefetch = dataset.deferred.prefetch
    dataset.deferred.prefetch = lambda ids: passes.append(len(ids)) or prefetch(ids)  # type: ignore[method-assign]
    assert all(index.entries.get(i) is None and i not in index.entries for i in dangling)
    assert passes == []
    found = index.entries.get("HH-1")  # a deferred row: one lookup, made for the asking
    assert found is not None and found.collection == "households"
    assert passes == [1]
    assert dataset.deferred.collections() == {"households"}  # nothing entered as records
    assert len(index.entries) == 2  # the project and the household
