"""Each kind's query compiler agrees with its Python evaluator, on DuckDB.

The tables are made from a loaded dataset as the engine makes them
(:func:`~guabao_rules.columnar.tables.dataset_tables`: one column per flat
model field, the valid records, every id read); the query's rows, turned
into violations by the kind, must equal the Python evaluator's: same
subjects, same messages in both languages, same fields.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from compiled_cases import DEEP, LINEAGE, MONEY, agree_exactly, funds, rule_of
from helpers import EXAMPLES, SMALL
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guabao_rules.columnar.tables import dataset_tables
from guabao_rules.config import Config
from guabao_rules.dataset import Dataset
from guabao_rules.engine.context import RuleContext
from guabao_rules.engine.core import catalogue, plan
from guabao_rules.engine.render import render
from guabao_rules.kinds import KINDS, compile_rule, evaluate, violations_of_rows
from guabao_rules.kinds.query import CompileError
from guabao_rules.packs import RuleSpec
from guabao_rules.sources.loader import load, load_text
from guabao_rules.testing import VIOLATIONS, render_files, violations

ibis = pytest.importorskip("ibis")
pa = pytest.importorskip("pyarrow")

NOT_YET = {"Q008": "a dataset selector", "T006": "a nested path", "M006": "a distinct count"}
NOT_YET |= {"M007": "a served term", "S101": "a nested path"}
"""Rules of a compiled kind using a shape the compiler does not take (the engine runs Python)."""

COMPILED = [
    r
    for r in catalogue().rules
    if KINDS[r.constraint.kind].compile is not None and r.id not in NOT_YET
]


def tables_of(dataset: Dataset) -> dict[str, Any]:
    """One ibis table per collection as the engine builds them (and every record id read)."""
    return {name: ibis.memtable(table) for name, table in dataset_tables(dataset).items()}


def _shown(dataset: Dataset, rule: RuleSpec, found: list[Any]) -> list[tuple[Any, ...]]:
    rows = []
    for v in found:
        args = {"subject": v.subject, **v.args}
        rows.append(
            (
                v.subject,
                render(rule.message.en, args, "en"),
                render(rule.message.zh, args, "zh"),
                v.field,
            )
        )
    return sorted(rows, key=repr)


def agree(dataset: Dataset, config: Config, rules: list[RuleSpec] = COMPILED) -> int:
    """Check every compiled rule on ``dataset``; the number of violations compared."""
    the_plan = plan(config)
    tables = tables_of(dataset)
    compared = 0
    backend = ibis.duckdb.connect()
    for rule in rules:
        ctx = RuleContext(dataset, the_plan.as_of, the_plan.params, rule)
        python = _shown(dataset, rule, evaluate(ctx))
        query = compile_rule(rule, the_plan.params, tables, the_plan.as_of)
        rows = backend.to_pyarrow(query).to_pylist()
        compiled = _shown(dataset, rule, violations_of_rows(rule, the_plan.params, rows))
        assert compiled == python, rule.id
        compared += len(python)
    return compared


def test_the_compiled_kinds() -> None:
    kinds = {r.constraint.kind for r in COMPILED}
    assert {"count", "forbidden", "periodic", "compare", "sum", "lineage"} <= kinds
    # 12 counts, M004, D008, the periodic M001-M003, compare's M008, S301, T002, T007,
    # the sums T003, T004, T005, T010, S401 and the lineage T008
    assert len(COMPILED) == 27
    assert {r.id for r in COMPILED if r.constraint.kind == "sum"} == {
        "S401",
        "T003",
        "T004",
        "T005",
        "T010",
    }
    assert {r.id for r in COMPILED if r.constraint.kind == "compare"} == {
        "M008",
        "S301",
        "T002",
        "T007",
    }


@pytest.mark.parametrize("rule_id", sorted(NOT_YET))
def test_uses_that_do_not_compile_raise(rule_id: str) -> None:
    (rule,) = [r for r in catalogue().rules if r.id == rule_id]
    tables = tables_of(load(EXAMPLES / "yunnan-sanqu-sanzhou"))
    with pytest.raises(CompileError, match=NOT_YET[rule_id].split()[-1]):
        compile_rule(rule, {}, tables, date(2019, 12, 31))


@pytest.mark.parametrize("name", ["broken", "yunnan-sanqu-sanzhou"])
def test_compiled_rules_agree_on_the_examples(name: str) -> None:
    agree(load(EXAMPLES / name), Config(as_of=date(2019, 12, 31), lang="en"))


@pytest.mark.parametrize("rule", COMPILED, ids=[r.id for r in COMPILED])
def test_compiled_rules_agree_on_the_rule_examples(rule: RuleSpec) -> None:
    for example in (*rule.examples.fail, *rule.examples.pass_):
        config = Config(as_of=example.as_of or date(2019, 12, 31), params=dict(example.params))
        compared = agree(load_text(example.data), config)
        if example in rule.examples.fail:
            assert compared >= 1


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_compiled_rules_agree_on_generated_datasets(data: st.DataObject) -> None:
    dataset = data.draw(SMALL, label="dataset")
    rule = data.draw(st.sampled_from([r.id for r in COMPILED if r.id in VIOLATIONS]))
    violated = data.draw(violations(rule, dataset), label="violation")
    files = render_files(violated.dataset, None)
    text = "\n".join(b.decode("utf-8") for n, b in sorted(files.items()) if n.endswith(".yaml"))
    del text  # the files are split per collection; load them as one folder instead
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        for name, content in files.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_bytes(content)
        agree(load(root), violated.dataset.config())


def test_presence_compiles_on_flat_fields() -> None:
    """S101 without its nested fields (``period``, ``performance``) compiles, and agrees."""
    (s101,) = [r for r in catalogue().rules if r.id == "S101"]
    nested = {"period", "performance"}
    flat = [f for f in s101.constraint.fields if not {p.split(".")[0] for p in f.paths} & nested]
    assert len(flat) == len(s101.constraint.fields) - 3
    rule = s101.model_copy(
        update={"constraint": s101.constraint.model_copy(update={"fields": flat})}
    )
    compared = 0
    for example in (*rule.examples.fail, *rule.examples.pass_):
        config = Config(as_of=example.as_of or date(2019, 12, 31), params=dict(example.params))
        compared += agree(load_text(example.data), config, [rule])
    as_of = Config(as_of=date(2019, 12, 31), lang="en")
    for name in ("broken", "yunnan-sanqu-sanzhou"):
        compared += agree(load(EXAMPLES / name), as_of, [rule])
    assert compared >= 1


def test_importing_the_package_does_not_import_ibis() -> None:
    import subprocess
    import sys

    code = "import sys, guabao_rules.cli, guabao_rules.engine.core; print('ibis' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("rule_id", ["T003", "T004", "T005", "T010", "S401"])
def test_sums_agree_exactly_on_edge_cases(rule_id: str) -> None:
    found = agree_exactly(load_text(MONEY), rule_of(rule_id))
    assert found, "every sum rule fails somewhere in MONEY"


def test_an_exact_sum_keeps_the_written_digits() -> None:
    (pj1, *_) = agree_exactly(load_text(MONEY), rule_of("S401"))
    # 500000 + 200000.5 + 0.25: Python's Decimal sum has 2 digits; the budget 800000 none.
    assert pj1.subject == "PJ-1"
    assert repr(pj1.args["allocated"]) == "Decimal('700000.75')"
    assert repr(pj1.args["budget"]) == "Decimal('800000')"
    assert repr(pj1.args["shortfall"]) == "Decimal('99999.25')"
    assert pj1.related == ("AL-1", "AL-2", "AL-3")


def test_related_records_name_invalid_records_but_not_dangling_ids() -> None:
    data = MONEY.replace("budget: 800000,", "budget: 1,")  # PJ-1 over its budget
    (over, *_) = agree_exactly(load_text(data), rule_of("T004"))
    assert over.related == ("AL-1", "AL-2", "AL-3", "F-1", "F-2")  # F-2 is D003, F-404 absent


def test_a_sum_names_at_most_the_cap_of_related_records() -> None:
    allocations = "\n".join(
        f'  - {{id: AL-{n:02d}, fund: F-{n % 3}, project: PJ-1, amount: "1.00", date: 2019-03-01}}'
        for n in range(30)
    )
    data = (
        "projects:\n"
        '  - {id: PJ-1, name: 甲, county: "533323", category: industry, year: 2019,'
        ' budget: "2.00", status: implementing}\n'
        "funds:\n"
        + "".join(
            f'  - {{id: F-{n}, name: 一, source: county, year: 2019, amount: "9.00"}}\n'
            for n in range(3)
        )
        + "allocations:\n"
        + allocations
    )
    (found,) = agree_exactly(load_text(data), rule_of("T004"))
    assert len(found.related) == 20


def test_a_sum_over_nothing_selected_or_against_a_missing_parameter() -> None:
    empty = load_text("projects: []\nallocations: []\nfunds: []\ndisbursements: []")
    for rule_id in ("T003", "T004", "T005", "T010", "S401"):
        assert agree_exactly(empty, rule_of(rule_id)) == []
    # A bound taken from a parameter: unset, the rule finds nothing; set, it compares exactly.
    s401 = rule_of("S401")
    from guabao_rules.kinds.schema import ParamRef

    by_param = s401.model_copy(
        update={"constraint": s401.constraint.model_copy(update={"right": ParamRef(param="x")})}
    )
    assert agree_exactly(load_text(MONEY), by_param) == []
    found = agree_exactly(load_text(MONEY), by_param, x=Decimal("600000.5"))
    assert [v.subject for v in found] == ["PJ-3", "PJ-4"]  # 600000.50 meets it exactly


def test_sum_uses_that_do_not_compile_raise() -> None:
    from guabao_rules.kinds.schema import ParamRef

    tables = tables_of(load_text(MONEY))
    s401 = rule_of("S401")
    constraint = s401.constraint
    cases = {
        "listed ids": {"select": constraint.select.model_copy(update={"ids": ParamRef(param="x")})},
        "'in'": {"op": "in"},
        "not an amount": {"right": constraint.right.model_copy(update={"field": "year"})},
        "not a flat column": {"args": {"start": "period.start"}},
    }
    for reason, update in cases.items():
        rule = s401.model_copy(update={"constraint": constraint.model_copy(update=update)})
        with pytest.raises(CompileError, match=reason.split()[-1]):
            compile_rule(rule, {}, tables, date(2019, 12, 31))
    # Exact amounts need their written digits; tables without them run the rule in Python.
    bare = dict(tables)
    bare["allocations"] = tables["allocations"].drop("_digits_amount")
    with pytest.raises(CompileError, match="written digits"):
        compile_rule(s401, {}, bare, date(2019, 12, 31))


def test_lineage_agrees_on_cycles_trees_and_ties() -> None:
    found = agree_exactly(load_text(LINEAGE), rule_of("T008"))
    assert [v.subject for v in found] == ["F-A", "F-S", "F-C1", "F-R1", "F-R4"]
    assert found[0].args["problems"][0].en.endswith("F-A → F-B → F-A")
    assert found[2].related == ("F-C2", "F-C3")


def test_lineage_agrees_on_deep_trees_and_long_cycles() -> None:
    found = agree_exactly(load_text(DEEP), rule_of("T008"))
    cycle = found[0]
    assert cycle.subject == "F-Q000"
    assert len(cycle.related) == 20  # the cap
    assert len(found) == 1 + sum(1 for n in range(1, 300) if n % 7 == 0)


def test_lineage_on_no_funds_and_without_an_order() -> None:
    t008 = rule_of("T008")
    assert agree_exactly(load_text("funds: []"), t008) == []
    no_order = t008.model_copy(
        update={"constraint": t008.constraint.model_copy(update={"order": None})}
    )
    data = funds(("F-A", "F-B", 2019), ("F-B", "F-A", 2018), ("F-C", "F-A", 2017))
    assert [v.subject for v in agree_exactly(load_text(data), no_order)] == ["F-A"]


def test_a_compare_names_an_invalid_record_as_related() -> None:
    """The index names an invalid project (D003 says what is wrong): so does the query."""
    data = """
projects:
  - {id: PJ-1, name: 缺字段}
allocations:
  - {id: AL-1, fund: F-404, project: PJ-1, amount: "1.00", date: 2019-08-15}
disbursements:
  - {id: PAY-1, allocation: AL-1, amount: "1.00", date: 2019-08-10}
"""
    (found,) = agree_exactly(load_text(data), rule_of("T007"))
    assert found.related == ("AL-1", "PJ-1")
