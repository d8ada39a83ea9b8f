"""Every query the DuckDB engine runs is planned without a nested-loop join (never timing).

A join DuckDB cannot hash pairs every row of one side with every row of the
other: quadratic, invisible on test data and fatal on a province (S501's
"lives in another county" once paired each listed household with each
village). The plans are read on the benchmark's shape, where the tables have
the proportions of a real province.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers import bench_generator

from guabao_rules.config import Config
from guabao_rules.engine.core import evaluator_for, plan, run
from guabao_rules.sources.loader import load

# The physical operators that compare every pair of rows of their two inputs.
PAIRWISE = {"NESTED_LOOP_JOIN", "CROSS_PRODUCT", "BLOCKWISE_NL_JOIN", "PIECEWISE_MERGE_JOIN"}


def test_no_query_pairs_every_row_with_every_row(tmp_path: Path) -> None:
    pytest.importorskip("ibis")
    generate = bench_generator()
    generate.generate(generate.Shape(villages=8), tmp_path / "data", form="csv")
    dataset = load(tmp_path / "data")
    evaluator = evaluator_for(dataset, Config(as_of="2019-12-31", engine="duckdb"))
    assert evaluator._ready() is not None  # type: ignore[attr-defined]
    con = evaluator._con  # type: ignore[attr-defined]
    plans: list[str] = []  # the operators of every plan
    execute = con.to_pyarrow

    def explained(expr: Any, **kwargs: Any) -> Any:
        result = execute(expr, **kwargs)  # first: it registers the in-memory tables
        rows = con.con.execute(f"EXPLAIN (FORMAT JSON) {con.compile(expr)}").fetchall()
        plans.extend(_operators(json.loads(cell) for _kind, cell in rows))
        return result

    con.to_pyarrow = explained
    the_plan = plan(Config(as_of="2019-12-31"))
    run(dataset, the_plan, evaluator=evaluator)
    assert len(evaluator.as_queries) >= 30  # type: ignore[attr-defined]
    assert "HASH_JOIN" in plans
    assert sorted(PAIRWISE.intersection(plans)) == []


def _operators(nodes: Any) -> list[str]:
    """The names of every operator in these plan nodes, depth first."""
    found: list[str] = []
    for node in nodes:
        for each in node if isinstance(node, list) else [node]:
            found.append(each["name"])
            found.extend(_operators(each.get("children", [])))
    return found
