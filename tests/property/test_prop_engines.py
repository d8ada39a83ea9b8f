"""The query engines agree with the Python engine: the same JSON report, byte for byte.

On generated datasets (clean, and with a violation of every rule) and on the
examples, ``engine = "duckdb"`` must report exactly what ``engine = "python"``
reports: rule, subject, message, location, related records, statistics.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from helpers import EXAMPLES, SMALL
from hypothesis import given, note
from hypothesis import strategies as st
from prop_support import scaled

import guabao_rules
from guabao_rules.api import QUERY_ENGINES
from guabao_rules.columnar.reading import ColumnarTables
from guabao_rules.config import Config
from guabao_rules.engine.core import catalogue
from guabao_rules.report import OutputOptions, load_formatters
from guabao_rules.testing import VIOLATIONS, GeneratedDataset, files_text, layouts, render_files
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
    root = Path(folder)
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return root


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
