"""Bulk rows no rule reads in Python stay table rows, and the report does not change.

Under a query engine the columnar reader keeps a bulk collection's valid rows
in its Arrow table (issue 10) and makes them into records only for a rule
evaluated in Python that reads the collection, the references' causes or the
graph. The JSON report must stay the Python engine's, byte for byte: the
findings on those rows keep their file:line:column and related records. Few
examples, small datasets: the query engine's agreement tests are CI's slowest.
"""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path
from typing import Any

import pytest
from helpers import SMALL
from hypothesis import HealthCheck, assume, given, note, settings
from hypothesis import strategies as st

import guabao_rules
from guabao_rules.columnar.reading import ColumnarTables
from guabao_rules.config import Config
from guabao_rules.models import COLLECTIONS
from guabao_rules.report import OutputOptions, load_formatters
from guabao_rules.testing import (
    VIOLATIONS,
    GeneratedDataset,
    Layout,
    files_text,
    render_files,
    write_files,
)
from guabao_rules.testing import violations as violation_of

pytest.importorskip("ibis")
pytest.importorskip("duckdb")

TABLES = Layout(style="per_collection", tables=True)
"""The bulk collections as CSV tables: what the columnar reader reads."""

RULES = [r for r in ("D001", "D003", "D006", "M003", "T005") if r in VIOLATIONS]
"""Findings on bulk rows: ids, formats, personal data, reports, disbursements."""

FEW = settings(max_examples=2, deadline=None, suppress_health_check=list(HealthCheck))
ONE = settings(max_examples=1, deadline=None, suppress_health_check=list(HealthCheck))


def _write(files: dict[str, bytes], folder: str) -> Path:
    note(files_text(files))
    write_files(files, folder)
    return Path(folder)


def _report(root: Path, config: Config) -> tuple[str, Any]:
    bulk = ColumnarTables() if config.engine == "duckdb" else None
    dataset = guabao_rules.load(root, bulk=bulk)
    report = guabao_rules.check(dataset, config)
    out = load_formatters()["json"](report, OutputOptions(dataset=dataset))
    assert isinstance(out, str)
    return out, (dataset, report)


def agree(root: Path, dataset: GeneratedDataset, **changes: Any) -> tuple[Any, Any]:
    """Python and DuckDB reports of ``root``: equal byte for byte; DuckDB's dataset and report."""
    config = dataclasses.replace(dataset.config(), **changes)
    python, _ = _report(root, dataclasses.replace(config, engine="python"))
    duckdb, (checked, report) = _report(root, dataclasses.replace(config, engine="duckdb"))
    assert duckdb == python
    return checked, report


def _bulk_rows(files: dict[str, bytes]) -> int:
    return sum(
        max(0, data.count(b"\n") - 1) for name, data in files.items() if name.endswith(".csv")
    )


@ONE
@given(data=st.data())
def test_with_every_rule_on_clean_data_no_bulk_row_is_made_a_record(
    data: st.DataObject,
) -> None:
    """Every rule selected, nothing broken: every bulk table stays rows.

    No rule evaluated in Python reads a bulk collection (Q008, the last that
    did, counts pairings as a query): a rule losing its query form fails here.
    """
    dataset = data.draw(SMALL, label="dataset")
    files = render_files(dataset, TABLES)
    with tempfile.TemporaryDirectory() as folder:
        root = _write(files, folder)
        checked, report = agree(root, dataset)
    assert not any(d.rule in ("D000", "D003") for d in report.diagnostics)
    made_for = report.engine["made_for"]
    assert made_for == {}
    assert checked.deferred is not None
    tables = {
        name.removesuffix(".csv")
        for name, data in files.items()
        if name.endswith(".csv") and data.count(b"\n") > 1
    }
    assert set(report.engine["left_as_rows"]) == tables


@pytest.mark.parametrize("rule", RULES)
@ONE
@given(data=st.data())
def test_rows_stay_rows_and_the_report_is_the_same(rule: str, data: st.DataObject) -> None:
    dataset = data.draw(SMALL, label="dataset")
    violated = data.draw(violation_of(rule, dataset), label="violation")
    files = render_files(violated.dataset, TABLES)
    with tempfile.TemporaryDirectory() as folder:
        root = _write(files, folder)
        checked, report = agree(root, violated.dataset)
    engine = report.engine
    left = engine["left_as_rows"]
    made_for = engine["made_for"]
    # A collection made into records was made for a reason: a rule in Python that
    # reads it, or the causes (a D000/D003 in the data), never silently.
    for collection, reasons in made_for.items():
        assert collection not in left
        assert reasons
    if checked.deferred is not None:
        assert sum(left.values()) == checked.deferred.count()
        assert len(checked) == report.records


@FEW
@given(data=st.data())
def test_an_id_shared_with_another_record_reads_everything_as_records(
    data: st.DataObject,
) -> None:
    dataset = data.draw(SMALL, label="dataset")
    files = render_files(dataset, TABLES)
    tables = [n for n, d in files.items() if n.endswith(".csv") and d.count(b"\n") > 1]
    assume(tables)
    name = data.draw(st.sampled_from(sorted(tables)), label="table")
    first_id = files[name].split(b"\n")[1].split(b",")[0].decode()
    # A unit with a bulk row's id: whichever is read first, the other is D001.
    where = data.draw(st.sampled_from(["aaa.yaml", "zzz.yaml"]), label="file")
    files[where] = (
        f'units:\n  - {{id: "{first_id}", name: 重名单位, kind: provincial_unit}}\n'.encode()
    )
    with tempfile.TemporaryDirectory() as folder:
        root = _write(files, folder)
        checked, report = agree(root, dataset)
    assert checked.deferred is None  # read again, every row a record
    assert any(d.rule == "D001" and d.subject == first_id for d in report.diagnostics)


def test_the_bulk_collections_are_what_may_stay_rows() -> None:
    bulk = {name for name, model in COLLECTIONS.items() if model.bulk}
    assert bulk == {
        "households",
        "cadres",
        "pairings",
        "visits",
        "reports",
        "allocations",
        "disbursements",
    }
