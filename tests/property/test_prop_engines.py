"""The query engines agree with the Python engine: the same JSON report, byte for byte.

On generated datasets (clean, and with a violation of every rule) and on the
examples, ``engine = "duckdb"`` must report exactly what ``engine = "python"``
reports: rule, subject, message, location, related records, statistics.
"""

from __future__ import annotations

import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from compiled_cases import agree_exactly, rule_of
from helpers import EXAMPLES, SMALL
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from prop_support import scaled

import guabao_rules
from guabao_rules.api import QUERY_ENGINES
from guabao_rules.columnar.reading import ColumnarTables
from guabao_rules.config import Config
from guabao_rules.engine.core import catalogue
from guabao_rules.report import OutputOptions, load_formatters
from guabao_rules.sources.loader import load_text
from guabao_rules.testing import (
    VIOLATIONS,
    GeneratedDataset,
    files_text,
    layouts,
    render_files,
    write_files,
)
from guabao_rules.testing import violations as violation_of

pytest.importorskip("ibis")
pytest.importorskip("duckdb")

RULES = sorted(rule.id for rule in catalogue().rules if rule.id in VIOLATIONS)


def json_report(root: Path, config: Config) -> str:
    """The JSON report of a check of ``root`` with ``config``."""
    bulk = None
    if config.engine in QUERY_ENGINES:  # as the command loads for a query engine
        bulk = ColumnarTables()
    dataset = guabao_rules.load(root, bulk=bulk)
    report = guabao_rules.check(dataset, config)
    out = load_formatters()["json"](report, OutputOptions(dataset=dataset))
    assert isinstance(out, str)
    return out


def reports_agree(root: Path, config: Config, engine: str = "duckdb") -> str:
    """Check ``root`` with the Python engine and with ``engine``; the reports must be equal."""
    python = json_report(root, Config(**{**_fields(config), "engine": "python"}))
    other = json_report(root, Config(**{**_fields(config), "engine": engine}))
    assert other == python
    return python


def _fields(config: Config) -> dict[str, object]:
    return {
        name: getattr(config, name)
        for name in ("as_of", "params", "lang", "select", "ignore", "profile")
    }


def _written(dataset: GeneratedDataset, folder: str, layout: object = None) -> Path:
    files = render_files(dataset, layout)  # type: ignore[arg-type]
    note(files_text(files))
    write_files(files, folder)
    return Path(folder)


@scaled(0.25, least=6)
@given(data=st.data())
def test_duckdb_agrees_on_clean_datasets(data: st.DataObject) -> None:
    dataset = data.draw(SMALL, label="dataset")
    layout = data.draw(layouts(), label="layout")
    with tempfile.TemporaryDirectory() as folder:
        reports_agree(_written(dataset, folder, layout), dataset.config())


@pytest.mark.parametrize("rule", RULES)
@scaled(0.05, least=2)
@given(data=st.data())
def test_duckdb_agrees_with_a_violation_of_each_rule(rule: str, data: st.DataObject) -> None:
    dataset = data.draw(SMALL, label="dataset")
    violated = data.draw(violation_of(rule, dataset), label="violation")
    layout = data.draw(layouts(), label="layout")
    with tempfile.TemporaryDirectory() as folder:
        root = _written(violated.dataset, folder, layout)
        report = reports_agree(root, violated.dataset.config())
    assert f'"rule": "{rule}"' in report or not violated.expected


@pytest.mark.parametrize("name", ["broken", "yunnan-sanqu-sanzhou"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_duckdb_agrees_on_the_examples(name: str, lang: str) -> None:
    reports_agree(EXAMPLES / name, Config(as_of="2019-12-31", lang=lang))


@st.composite
def _spending(draw: st.DrawFn) -> tuple[str, Decimal]:
    """One funded project whose reports lie at, just inside or just outside the gap."""
    allocated = draw(st.sampled_from([100, 300, 700, 12345678]))
    gap = draw(st.sampled_from([Decimal(0), Decimal(30), Decimal("12.5"), Decimal("0.001")]))
    days = ["2019-03-31", "2019-06-30", "2019-09-30"]
    paid = draw(st.lists(st.integers(0, allocated), min_size=3, max_size=3))
    reports = []
    spent = 0
    for day, amount in zip(days, paid, strict=True):
        spent = min(allocated, spent + amount)
        share = Decimal(100 * spent) / Decimal(allocated)  # 28 digits: near the bound
        step = draw(st.sampled_from([Decimal(0), Decimal("1e-6"), Decimal("-1e-6")]))
        side = draw(st.sampled_from([gap, -gap]))
        pct = (share + side + step).quantize(Decimal("1e-6"))
        reports.append(f"{{date: {day}, physical_pct: {min(max(pct, Decimal(0)), Decimal(100))}}}")
    disbursed = "".join(
        f"  - {{id: PAY-{n}, allocation: AL-1, amount: {amount}, date: {day}}}\n"
        for n, (day, amount) in enumerate(zip(days, paid, strict=True))
    )
    data = (
        'projects:\n  - {id: PJ-1, name: 项目, county: "533323", category: industry, year: 2019,'
        f" budget: 1, status: implementing, progress: [{', '.join(reports)}]}}\n"
        "allocations:\n"
        f"  - {{id: AL-1, fund: F-1, project: PJ-1, amount: {allocated}, date: 2019-01-01}}\n"
        f"disbursements:\n{disbursed}"
    )
    return data, gap


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(case=_spending())
def test_t009_decides_at_the_gap_as_python(case: tuple[str, Decimal]) -> None:
    """T009's exact decimal comparison on DuckDB gives the Python check's answer at the bound."""
    data, gap = case
    note(data)
    agree_exactly(load_text(data), rule_of("T009"), max_progress_gap_pct=gap)
