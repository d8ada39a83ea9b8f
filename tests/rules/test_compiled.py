"""Each kind's query compiler agrees with its Python evaluator, on DuckDB.

The tables are made from a loaded dataset as the engine makes them
(:func:`~guabao_rules.columnar.tables.dataset_tables`: one column per flat
model field, the valid records, and the reader's tables: every record read,
the files, the readers' problems and personal data); the query's rows,
turned into violations by the kind, must equal the Python evaluator's: same
subjects, same messages in both languages, same fields, places and related
records (in the same order for a kind without a selector).
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from compiled_cases import (
    DATES,
    DEEP,
    LINEAGE,
    MONEY,
    PERFORMANCE,
    SPENDING,
    UNIT_LINKS,
    agree_exactly,
    funds,
    rule_of,
)
from helpers import EXAMPLES, SMALL, run_rules
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guabao_rules.columnar.tables import dataset_tables
from guabao_rules.config import Config
from guabao_rules.dataset import Dataset
from guabao_rules.engine.context import RuleContext
from guabao_rules.engine.core import catalogue, plan
from guabao_rules.engine.render import render
from guabao_rules.kinds import KINDS, compile_rule, evaluate, violations_of_rows
from guabao_rules.kinds.python import QUERIES
from guabao_rules.kinds.query import CompileError, QuerySource
from guabao_rules.packs import RuleSpec
from guabao_rules.sources.loader import load, load_text
from guabao_rules.testing import VIOLATIONS, render_files, violations

ibis = pytest.importorskip("ibis")
pa = pytest.importorskip("pyarrow")

NOT_YET = {"M006": "a distinct count"}
NOT_YET |= {"M007": "a served term", "S101": "a nested path"}
"""Rules of a compiled kind using a shape the compiler does not take (the engine runs Python)."""


def _compiles(rule: RuleSpec) -> bool:
    """Whether the rule's kind compiles it (a registered check: when it has a query form)."""
    constraint = rule.constraint
    if KINDS[constraint.kind].compile is None or rule.id in NOT_YET:
        return False
    return constraint.kind != "python" or getattr(constraint, "check", None) in QUERIES


COMPILED = [r for r in catalogue().rules if _compiles(r)]


def tables_of(dataset: Dataset) -> dict[str, Any]:
    """One ibis table per collection as the engine builds them (and every record id read)."""
    return {name: ibis.memtable(table) for name, table in dataset_tables(dataset).items()}


def _shown(
    dataset: Dataset, rule: RuleSpec, found: list[Any], *, ordered: bool = False
) -> list[tuple[Any, ...]]:
    rows = []
    for v in found:
        args = {"subject": v.subject, **v.args}
        rows.append(
            (
                v.subject,
                render(rule.message.en, args, "en"),
                render(rule.message.zh, args, "zh"),
                v.field,
                v.at,
                v.related,
            )
        )
    return rows if ordered else sorted(rows, key=repr)


def agree(dataset: Dataset, config: Config, rules: list[RuleSpec] = COMPILED) -> int:
    """Check every compiled rule on ``dataset``; the number of violations compared."""
    the_plan = plan(config)
    tables = tables_of(dataset)
    compared = 0
    backend = ibis.duckdb.connect()
    source = QuerySource(tables, backend.to_pyarrow)
    for rule in rules:
        ctx = RuleContext(dataset, the_plan.as_of, the_plan.params, rule)
        # A kind without a selector yields in the evaluator's own order: compare it too.
        ordered = getattr(rule.constraint, "select", None) is None
        python = _shown(dataset, rule, evaluate(ctx), ordered=ordered)
        query = compile_rule(rule, the_plan.params, tables, the_plan.as_of)
        rows = backend.to_pyarrow(query).to_pylist()
        found = violations_of_rows(rule, the_plan.params, rows, source)
        compiled = _shown(dataset, rule, found, ordered=ordered)
        assert compiled == python, rule.id
        compared += len(python)
    return compared


def test_the_compiled_kinds() -> None:
    kinds = {r.constraint.kind for r in COMPILED}
    assert {"count", "forbidden", "periodic", "compare", "sum", "lineage"} <= kinds
    assert {"reader", "reference"} <= kinds
    # 13 counts (Q008's subject the dataset), M004, D008, the periodic M001-M003,
    # compare's M008, S301, T002, T007, T006, the sums T003, T004, T005, T010, S401,
    # the lineage T008, the reader's D000, D001, D003, D006, D007, the reference
    # kind's D002 and the query forms of the registered checks D005, T009 and S501
    assert len(COMPILED) == 38
    assert {r.id for r in COMPILED if r.constraint.kind == "python"} == {"D005", "T009", "S501"}
    assert {r.id for r in COMPILED if r.constraint.kind in ("reader", "reference")} == {
        "D000",
        "D001",
        "D002",
        "D003",
        "D006",
        "D007",
    }
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
        "T006",
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


# --- the D rules as queries: reader and reference --------------------------------------------

D_RULES = [r for r in catalogue().rules if r.constraint.kind in ("reader", "reference")]

ORGANISATION = {
    "regions": [
        '{id: "530000", name: 云南省, level: province}',
        '{id: "533300", name: 怒江州, level: prefecture, parent: "530000"}',
        '{id: "533323", name: 福贡县, level: county, parent: "533300"}',
        '{id: "533324", name: 贡山县, level: county, parent: "533300"}',
        '{id: "533323100", name: 上帕镇, level: township, parent: "533323"}',
        '{id: "533323100201", name: 腊竹底村, level: village, parent: "533323100"}',
        '{id: "533324100", name: 茨开镇, level: township, parent: "533324"}',
        '{id: "533324100201", name: 丹珠村, level: village, parent: "533324100"}',
    ],
    "units": [
        "{id: U-FIN, name: 云南省财政厅, kind: provincial_unit}",
        "{id: U-SH, name: 上海市, kind: partner_city}",
    ],
    "leaders": ["{id: L-1, name: 领导甲, rank: provincial, unit: null}"],
    "cadres": ["{id: C-01, name: 干部甲, unit: U-FIN}", "{id: C-02, name: 干部乙, unit: U-FIN}"],
    "households": ['{id: H-0001, village: "533323100201", status: poor}'],
}
"""The organisation the D-rule cases add their records to."""


def with_records(**extra: list[str]) -> str:
    """The YAML of :data:`ORGANISATION` with more records (flow mappings) per collection."""
    lines = []
    for collection in dict.fromkeys([*ORGANISATION, *extra]):
        lines.append(f"{collection}:")
        lines.extend(
            f"  - {item}"
            for item in (*ORGANISATION.get(collection, []), *extra.get(collection, []))
        )
    return "\n".join(lines) + "\n"


def _agree_d(data: str, lang: str = "en") -> int:
    return agree(load_text(data), Config(as_of=date(2019, 12, 31), lang=lang), D_RULES)


def test_duplicate_ids_across_collections_agree() -> None:
    data = with_records(
        leaders=[
            "{id: U-FIN, name: 张三, rank: provincial}",  # the id of a unit
            "{id: C-01, name: 李四, rank: other}",
        ],
        funds=[
            "{id: U-FIN, name: 第三条, source: central, year: 2019, amount: 1}",
            "{id: 533323, name: 数字编号, source: central, year: 2019, amount: 1}",
        ],
        visits=["{id: C-01, visitor: U-FIN, county: 533323, date: 2019-13-01}"],  # invalid too
    )
    dataset = load_text(data)
    assert sum(1 for i in dataset.issues if i.rule == "D001") == 3
    assert [len(i.violation.related) for i in dataset.issues if i.rule == "D001"] == [2, 2, 1]
    assert _agree_d(data) >= 3
    assert _agree_d(data, "zh") >= 3


def test_list_nested_and_null_references_agree() -> None:
    data = with_records(
        work_teams=[
            "{id: WT-1, village: '533323100201', unit: U-FIN, first_secretary: null,"
            " members: [C-01, C-09, H-0001, C-02, C-08], start: 2019-01-01}"
        ],
        reports=[
            "{id: R-1, reporter: C-01, household: H-0001, period: 2019-Q1, date: 2019-03-30,"
            " recipients: [U-FIN, H-0001, U-FNI]}",
            "{id: R-2, reporter: C-01, household: H-0001, period: 2019-Q1, date: 2019-03-30,"
            " recipients: []}",
        ],
        projects=[
            "{id: PJ-1, name: 产业, county: '533323', village: '533324100201', category: industry,"
            " year: 2019, budget: 10, status: in_library,"
            " performance: {beneficiaries: [H-0001, H-0002, '533323']}}",
            "{id: PJ-2, name: 道路, county: '533323', village: U-FIN, category: infrastructure,"
            " year: 2019, budget: 10, status: in_library}",
            "{id: PJ-3, name: 住房, county: '533323', village: '533323100', category: housing,"
            " year: 2019, budget: 10, status: in_library}",
            "{id: PJ-4, name: 教育, county: '533323', village: '533323100201', category: education,"
            " year: 2019, budget: 10, status: in_library}",
        ],
        pairings=[
            "{id: P-1, kind: county_link, helper: L-1, target: '533300', start: 2018-01-01}",
            "{id: P-2, kind: east_west, helper: U-FIN, target: '533300', start: 2018-01-01}",
            "{id: P-3, kind: household_help, helper: C-01, target: H-0001, start: 2018-01-01}",
            "{id: P-4, kind: household_help, helper: U-SH, target: H-O001, start: 2018-01-01}",
        ],
        funds=["{id: F-1, name: 中央资金, source: central, year: 2019, amount: 1, parent: null}"],
        allocations=["{id: A-1, fund: F-2, project: PJ-1, amount: 1, date: 2019-01-01}"],
        disbursements=[
            "{id: DB-1, allocation: A-1, amount: 1, date: 2019-01-02}",
            "{id: DB-2, allocation: A-9, amount: 1, date: 2019-01-02}",
        ],
    )
    dataset = load_text(data)
    assert [i.rule for i in dataset.issues] == []
    bad = dataset.index.bad_references
    assert set(bad) == {"WT-1", "R-1", "PJ-1", "PJ-2", "PJ-3", "P-1", "P-2", "P-4", "A-1", "DB-2"}
    assert [b.reason for b in bad["PJ-1"]] == ["missing", "collection", "outside"]
    assert [b.path for b in bad["WT-1"]] == [("members", 1), ("members", 2), ("members", 4)]
    assert _agree_d(data) >= 10
    assert _agree_d(data, "zh") >= 10


def test_references_into_an_invalid_record_agree() -> None:
    data = with_records(
        units=["{id: U-BAD, name: 坏单位, kind: ministry}"],  # D003: kind outside the enum
        leaders=["{id: L-BAD, name: 坏领导, rank: general}"],
        cadres=[
            "{id: C-03, name: 干部丙, unit: U-BAD}",  # resolves: its D003 says enough
            "{id: C-04, name: 干部丁, unit: L-BAD}",  # the wrong collection, even invalid
            "{id: C-05, name: 干部戊, unit: U-LOST}",
        ],
        projects=[
            "{id: PJ-9, name: 坏项目, county: '533323', category: spaceport, year: 2019,"
            " budget: 1, status: in_library}"
        ],
        allocations=["{id: A-9, fund: F-1, project: PJ-9, amount: 1, date: 2019-01-01}"],
    )
    dataset = load_text(data)
    assert set(dataset.index.bad_references) == {"C-04", "C-05", "A-9"}
    assert _agree_d(data) >= 5


def test_hostile_ids_and_their_suggestions_agree() -> None:
    long_id = "U-" + "长" * 400
    data = with_records(
        units=[
            '{id: "U-\'; DROP TABLE units; --", name: 注入, kind: other}',
            '{id: "0012", name: 数字, kind: other}',
            "{id: 0034, name: 未加引号, kind: other}",  # YAML reads 34
            '{id: "U-\\u202eNIF", name: 双向, kind: other}',
        ],
        cadres=[
            '{id: C-10, name: 甲, unit: "U-\'; DROP TABLE units; -"}',
            "{id: C-11, name: 乙, unit: 12}",  # YAML dropped the zeros of 0012
            '{id: C-19, name: 壬, unit: "0034"}',  # the hint on the unquoted 0034
            '{id: C-12, name: 丙, unit: "u-fin"}',
            '{id: C-13, name: 丁, unit: "U-\\u202eNIF "}',
            f'{{id: C-14, name: 戊, unit: "{long_id}"}}',
            '{id: C-15, name: 己, unit: "U-FIN\\nU-SH"}',
            '{id: "C-\\"16", name: 庚, unit: "U-\\\\"}',
            '{id: C-17, name: "干部 13812345678", unit: U-FIN, notes: {phone: 13912345678}}',
            '{id: C-18, name: 辛, unit: U-FIN, note: "11010519491231002X"}',
        ],
    )
    dataset = load_text(data)
    assert len(dataset.index.bad_references) == 8
    assert sum(1 for e in dataset.entries if e.personal) == 2
    report = run_rules(dataset, "D002")
    assert any("without quotes" in d.message for d in report.diagnostics)
    assert _agree_d(data) >= 10
    assert _agree_d(data, "zh") >= 10


def test_the_suggestion_budget_is_spent_in_the_same_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("guabao_rules.suggest.LOOKUP_BUDGET", 2)
    data = with_records(
        reports=["{id: R-1, reporter: C-0l, household: H-0001, period: 2019-Q1, date: 2019-03-30}"],
        households=["{id: H-0002, village: '533323100202', status: poor}"],
        cadres=["{id: C-03, name: 丙, unit: U-FlN}", "{id: C-04, name: 丁, unit: U-SHH}"],
    )
    dataset = load_text(data)
    assert len(dataset.index.bad_references) == 4
    assert _agree_d(data) >= 4


def test_reader_problems_agree_on_a_folder(tmp_path: Path) -> None:
    (tmp_path / "org.yaml").write_text(with_records(), encoding="utf-8")
    (tmp_path / "broken.yaml").write_text("units: [{id: U-LOST, name: x\n", encoding="utf-8")
    (tmp_path / "keys.yaml").write_text(
        "units:\n  - {id: U-K, name: a, name: b, kind: other}\n", encoding="utf-8"
    )
    (tmp_path / "cadres.csv").write_text(
        "id,name,unit,extra\nC-20,甲,U-FIN,1\nC-21,乙,U-LOST,2\nC-01,重复,U-FIN,3\n"
        'C-22,"13812345678",U-FIN,4\n,无编号,U-FIN,5\n',
        encoding="utf-8",
    )
    (tmp_path / "gbk.yaml").write_bytes(
        "units: [{id: U-G, name: 中文, kind: other}]\n".encode("gbk")
    )
    dataset = load(tmp_path)
    assert {i.rule for i in dataset.issues} >= {"D000", "D001", "D003", "D007"}
    assert agree(dataset, Config(as_of=date(2019, 12, 31), lang="en"), D_RULES) >= 5


def test_cause_folding_holds_with_the_compiled_d_rules(tmp_path: Path) -> None:
    """A D002 whose target lies in an unreadable file is caused by its D000, on DuckDB too."""
    from guabao_rules.engine.core import check
    from guabao_rules.report import OutputOptions, load_formatters

    (tmp_path / "org.yaml").write_text(with_records(), encoding="utf-8")
    (tmp_path / "units.yaml").write_bytes(
        "units:\n  - {id: U-LOST, name: 失, kind: other}\n".encode("utf-16")
    )
    (tmp_path / "more.yaml").write_text(
        "cadres:\n  - {id: C-30, name: 甲, unit: U-LOST}\n  - {id: C-31, name: 乙, unit: U-NONE}\n"
        "unitz:\n  - {id: U-TYPO, name: 错, kind: other}\n"
        "leaders:\n  - {id: L-30, name: 丙, rank: other, unit: U-TYPO}\n",
        encoding="utf-8",
    )
    reports = []
    for engine in ("python", "duckdb"):
        dataset = load(tmp_path)
        report = check(dataset, Config(as_of=date(2019, 12, 31), lang="en", engine=engine))
        out = load_formatters()["json"](report, OutputOptions(dataset=dataset))
        reports.append(json.loads(out))
    assert reports[0] == reports[1]
    d002 = {d["subject"]: d for d in reports[1]["diagnostics"] if d["rule"] == "D002"}
    assert d002["C-30"]["caused_by"]["rule"] == "D000"
    assert d002["L-30"]["caused_by"]["rule"] == "D003"
    assert "caused_by" not in d002["C-31"]


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


def test_a_compare_reads_a_nested_field_of_a_joined_record() -> None:
    """T006 reads ``project.milestones.in_library``: a column of the projects' table."""
    project = (
        '{{id: {}, name: 项目, county: "533323", category: industry, year: 2019, budget: 1, '
        "status: implementing{}}}"
    )
    allocation = "{{id: {}, fund: F-1, project: {}, amount: 1, date: {}}}"
    data = f"""
projects:
  - {project.format("PJ-LATE", ", milestones: {in_library: 2019-05-21}")}
  - {project.format("PJ-SAME", ", milestones: {in_library: 2019-05-20}")}
  - {project.format("PJ-NONE", ", milestones: {}")}
  - {project.format("PJ-NOMS", "")}
  - {project.format("PJ-NULL", ", milestones: {in_library: null, reviewed: 2019-01-01}")}
  - {{id: PJ-BAD, name: 缺字段, milestones: {{in_library: 2020-01-01}}}}
funds:
  - {{id: F-1, name: 一, source: county, year: 2019, amount: 10}}
allocations:
  - {allocation.format("AL-1", "PJ-LATE", "2019-05-20")}
  - {allocation.format("AL-2", "PJ-SAME", "2019-05-20")}
  - {allocation.format("AL-3", "PJ-NONE", "2019-05-20")}
  - {allocation.format("AL-4", "PJ-NOMS", "2019-05-20")}
  - {allocation.format("AL-5", "PJ-NULL", "2019-05-20")}
  - {allocation.format("AL-6", "PJ-BAD", "2019-05-20")}
  - {allocation.format("AL-7", "PJ-404", "2019-05-20")}
  - {allocation.format("AL-8", "F-1", "2019-05-20")}
"""
    found = agree_exactly(load_text(data), rule_of("T006"))
    assert [v.subject for v in found] == ["AL-1", "AL-3", "AL-4", "AL-5"]
    assert found[0].related == ("PJ-LATE", "F-1")


def test_a_path_through_a_list_of_nested_models_does_not_compile() -> None:
    rule = rule_of("T006")
    checks = [{"test": {"present": "project.progress.date"}, "field": "date"}]
    constraint = rule.constraint.model_copy(
        update={
            "checks": type(rule.constraint)
            .model_validate({**rule.constraint.model_dump(by_alias=True), "checks": checks})
            .checks
        }
    )
    changed = rule.model_copy(update={"constraint": constraint})
    tables = tables_of(load(EXAMPLES / "yunnan-sanqu-sanzhou"))
    with pytest.raises(CompileError, match=r"project\.progress\.date"):
        compile_rule(changed, {}, tables, date(2019, 12, 31))


def test_dates_in_order_agree_on_every_dated_field() -> None:
    """D005's query form: spans, events, a project's nested dates, several problems a record."""
    found = agree_exactly(load_text(DATES), rule_of("D005"))
    subjects = [v.subject for v in found]
    assert subjects[:4] == ["AL-1", "PJ-1", "PJ-3", "F-1"]
    assert {"P-1", "FD-1", "V-1", "M-1", "R-1", "PAY-1", "WT-1"} <= set(subjects)
    assert "P-3" not in subjects  # a start may lie ahead
    assert "PJ-2" not in subjects and "PJ-BAD" not in subjects and "FD-2" not in subjects
    assert len(found[1].args["problems"]) == 8 and found[1].field is None
    assert found[2].field == ("milestones", "completed")


def test_dates_in_order_on_no_records() -> None:
    assert agree_exactly(load_text("regions: []\n"), rule_of("D005")) == []


def test_spending_against_progress_agrees_at_the_bound() -> None:
    """T009's query form decides exactly as the Python check, on either side of the gap."""
    dataset = load_text(SPENDING)
    found = agree_exactly(dataset, rule_of("T009"))
    assert [v.subject for v in found] == ["PJ-THIRD", "PJ-HALF", "PJ-MANY"]
    third, half, many = found
    assert [t.en.split(":")[0] for t in third.args["reports"]] == ["2019-06-30", "2019-07-01"]
    assert "physical -0.0%" in third.args["reports"][1].en
    assert half.field == ("progress", 1) and "19.99%" in half.args["reports"][0].en
    assert len(many.related) == 20 and many.related[0] == "AL-M22"
    assert many.field == ("progress", 0)  # 100.000% on 2019-09-30 is all 22 spent


@pytest.mark.parametrize("gap", [0, -1, 0.5, Decimal("29.99999999999999999999"), 100, 10**6])
def test_spending_against_progress_agrees_for_any_gap(gap: object) -> None:
    agree_exactly(load_text(SPENDING), rule_of("T009"), max_progress_gap_pct=gap)


def test_spending_against_progress_too_wide_for_exact_decimals_runs_in_python() -> None:
    rule = rule_of("T009")
    tables = tables_of(load_text(SPENDING))
    params = {"max_progress_gap_pct": Decimal("1e-30")}
    with pytest.raises(CompileError, match="too wide"):
        compile_rule(rule, params, tables, date(2019, 12, 31))


@pytest.mark.parametrize("gap", [-1, 30])
def test_a_percentage_the_tables_cannot_hold_runs_t009_in_python_for_any_gap(gap: int) -> None:
    """36 fraction digits: its text is not in the table, so the message could not print it."""
    long = "50." + "0" * 35 + "1"
    data = SPENDING.replace("physical_pct: 3.3333333333333333333}", f"physical_pct: {long}}}")
    assert long in data
    tables = tables_of(load_text(data))
    with pytest.raises(CompileError, match="fraction digits"):
        compile_rule(rule_of("T009"), {"max_progress_gap_pct": gap}, tables, date(2019, 12, 31))


def test_poverty_performance_agrees_on_every_kind_of_beneficiary() -> None:
    """S501's query form: targets, poor households, and households resolved to their county."""
    found = agree_exactly(load_text(PERFORMANCE), rule_of("S501"))
    by_subject = {v.subject: v for v in found}
    assert list(by_subject) == ["PJ-EMPTY", "PJ-ZERO", "PJ-MIXED", "PJ-MANY", "PJ-NOWHERE"]
    # Its county is a village: where its households live is not looked at.
    assert by_subject["PJ-NOWHERE"].field == ("performance", "targets")
    assert by_subject["PJ-EMPTY"].field is None
    assert by_subject["PJ-ZERO"].field == ("performance", "poor_households")
    mixed = by_subject["PJ-MIXED"]
    assert mixed.related == ("H-AWAY",) and mixed.field == ("performance", "beneficiaries")
    assert len(by_subject["PJ-MANY"].related) == 20
    assert "H-A22 (533324)" in by_subject["PJ-MANY"].args["problems"][0].en


@pytest.mark.parametrize("total", [0, 1, 2, 36])
def test_the_total_of_pairing_units_agrees(total: int) -> None:
    """Q008's query: distinct units, active links, in-scope counties; a leader, a village,
    a dangling helper, an ended and a future link are not counted (only U-1 is)."""
    found = agree_exactly(load_text(UNIT_LINKS), rule_of("Q008"), total_units=total)
    assert [(v.subject, v.args["count"]) for v in found] == ([] if total == 1 else [(None, 1)])


def test_the_total_of_pairing_units_with_no_pairings_agrees() -> None:
    found = agree_exactly(load_text("regions: []\n"), rule_of("Q008"), total_units=36)
    assert [(v.subject, v.args["count"]) for v in found] == [(None, 0)]


@pytest.mark.parametrize("selector", ["dataset", "county"])
def test_a_distinct_count_counts_a_missing_value_once(selector: str) -> None:
    """Python counts the distinct values of a field with None among them; so does the query."""
    rule = rule_of("Q008")
    relation = rule.constraint.checks[0].relation.model_copy(update={"distinct": "end"})
    if selector == "county":  # the same count for each county the pairings target
        relation = relation.model_copy(update={"via": "target", "ends": relation.ends[:1]})
        select = rule.constraint.select.model_copy(
            update={"dataset": False, "collection": "regions", "where": {"level": "county"}}
        )
    else:
        select = rule.constraint.select
    check = rule.constraint.checks[0].model_copy(update={"relation": relation})
    constraint = rule.constraint.model_copy(update={"checks": [check], "select": select})
    changed = rule.model_copy(update={"constraint": constraint})
    data = UNIT_LINKS.replace(
        'helper: U-1, target: "533323", start: 2019-01-01}',
        'helper: U-1, target: "533323", start: 2019-01-01, end: 2020-12-31}',
    )
    assert "end: 2020-12-31" in data
    found = agree_exactly(load_text(data), changed, total_units=5)
    assert [v.args["count"] for v in found][:1] == [2]  # 2020-12-31, and no end
