"""The Spark engine (local mode) reports what the Python engine reports, byte for byte.

Skipped where pyspark or Java is missing; CI installs both (``.ci/run``,
``scripts/test``). One local session serves every test: starting Spark
costs seconds.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator

import pytest
from compiled_cases import (
    DATES,
    LINEAGE,
    MONEY,
    PERFORMANCE,
    SPENDING,
    UNIT_LINKS,
    agree_exactly,
    rule_of,
)
from helpers import EXAMPLES, SMALL
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_prop_engines import _written, json_report

from guabao_rules.config import Config, SparkSettings
from guabao_rules.sources.loader import load_text
from guabao_rules.testing import violations as violation_of

pytest.importorskip("pyspark")
pytest.importorskip("ibis")
if shutil.which("java") is None:
    pytest.skip("local-mode Spark needs Java", allow_module_level=True)

# py4j leaves its gateway sockets to the garbage collector: its warnings, not ours.
pytestmark = [
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkSettings]:
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("guabao-rules-tests")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield SparkSettings(session=session)
    session.stop()


def _same(root: object, config: Config, spark: SparkSettings) -> None:
    fields = {n: getattr(config, n) for n in ("as_of", "params", "lang", "select", "ignore")}
    python = json_report(root, Config(**fields, engine="python"))  # type: ignore[arg-type]
    other = json_report(root, Config(**fields, engine="spark", spark=spark))  # type: ignore[arg-type]
    assert other == python


@pytest.mark.parametrize("name", ["broken", "yunnan-sanqu-sanzhou"])
def test_spark_agrees_on_the_examples(name: str, spark: SparkSettings) -> None:
    _same(EXAMPLES / name, Config(as_of="2019-12-31", lang="en"), spark)


@pytest.mark.parametrize("rule", ["Q005", "T003", "T008"])
def test_spark_agrees_on_a_generated_dataset(rule: str, spark: SparkSettings) -> None:
    @settings(max_examples=1, deadline=None, suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        dataset = data.draw(SMALL, label="dataset")
        violated = data.draw(violation_of(rule, dataset), label="violation")
        with tempfile.TemporaryDirectory() as folder:
            _same(_written(violated.dataset, folder), violated.dataset.config(), spark)

    check()


@pytest.mark.parametrize(
    ("rule", "name"),
    [*((r, "MONEY") for r in ("T003", "T004", "T005", "T010", "S401")), ("T008", "LINEAGE")],
)
def test_spark_sums_and_lineage_agree_exactly(rule: str, name: str, spark: SparkSettings) -> None:
    """Spark's decimal sums (their type and scale) and joins give the evaluator's findings."""
    data = {"MONEY": MONEY, "LINEAGE": LINEAGE}[name]
    assert agree_exactly(load_text(data), rule_of(rule), "spark", spark)


@pytest.mark.parametrize(
    ("rule", "name"),
    [
        ("D005", "DATES"),
        ("T009", "SPENDING"),
        ("S501", "PERFORMANCE"),
        ("T006", "T006"),
        ("Q008", "UNIT_LINKS"),
    ],
)
def test_spark_query_forms_agree_exactly(rule: str, name: str, spark: SparkSettings) -> None:
    """The registered checks' query forms, T006's nested path and Q008's count of the
    dataset, on Spark's types and joins."""
    params = {"total_units": 2} if rule == "Q008" else {}
    if name == "T006":
        (example,) = rule_of(rule).examples.fail
        data = example.data
    else:
        texts = {"DATES": DATES, "SPENDING": SPENDING, "PERFORMANCE": PERFORMANCE}
        data = {**texts, "UNIT_LINKS": UNIT_LINKS}[name]
    assert agree_exactly(load_text(data), rule_of(rule), "spark", spark, **params)


def test_spark_spending_with_whole_percentages(spark: SparkSettings) -> None:
    """T009 where the percentages are whole (the narrowest decimal types), and at the gap."""
    (example,) = rule_of("T009").examples.fail
    assert agree_exactly(load_text(example.data), rule_of("T009"), "spark", spark)
