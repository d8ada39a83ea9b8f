"""Datasets and one check for the sum and lineage compilers, shared by the DuckDB and Spark tests.

:func:`agree_exactly` runs a rule through a query engine's evaluator and
through the Python evaluator and requires the same violations in every
detail.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from guabao_rules.config import Config, SparkSettings
from guabao_rules.dataset import Dataset
from guabao_rules.engine.context import RuleContext
from guabao_rules.engine.core import catalogue, plan
from guabao_rules.engine.render import render
from guabao_rules.kinds import evaluate
from guabao_rules.packs import RuleSpec


def agree_exactly(
    dataset: Dataset,
    rule: RuleSpec,
    engine: str = "duckdb",
    spark: SparkSettings | None = None,
    **params: Any,
) -> list[Any]:
    """The rule through a query engine equals the Python evaluator in every detail.

    Compared: each violation's subject, field, related records and arguments
    (``repr``, so a Decimal's digits count), the rendered messages in both
    languages, the order, and the applied count. Returns the violations.
    """
    from guabao_rules.columnar.engine import QueryEvaluator

    the_plan = plan(Config(as_of=date(2019, 12, 31)))
    values = {**the_plan.params, **params}  # a test rule's own parameters too
    python_ctx = RuleContext(dataset, the_plan.as_of, values, rule)
    python = evaluate(python_ctx)
    query_ctx = RuleContext(dataset, the_plan.as_of, values, rule)
    evaluator = QueryEvaluator(dataset, engine, spark)
    compiled = evaluator(query_ctx)
    assert evaluator.as_queries == [rule.id]

    def exactly(found: list[Any]) -> list[tuple[Any, ...]]:
        return [
            (
                v.subject,
                v.field,
                v.related,
                repr(sorted(v.args.items())),
                render(rule.message.en, {"subject": v.subject, **v.args}, "en"),
                render(rule.message.zh, {"subject": v.subject, **v.args}, "zh"),
            )
            for v in found
        ]

    assert exactly(compiled) == exactly(python)
    assert query_ctx.applied == python_ctx.applied
    return python


def rule_of(rule_id: str) -> RuleSpec:
    (rule,) = [r for r in catalogue().rules if r.id == rule_id]
    return rule


PROJECT = '  - {{id: {}, name: 项目, county: "533323", category: industry, year: 2019, {}}}\n'

MONEY = (
    "projects:\n"
    + PROJECT.format("PJ-1", "budget: 800000, status: implementing")
    + PROJECT.format("PJ-2", 'budget: "600000.5", status: completed')
    + PROJECT.format("PJ-3", 'budget: "100.00", status: accepted')
    + PROJECT.format("PJ-4", "budget: 0, status: completed")
    + PROJECT.format("PJ-5", 'budget: "1.00", status: proposed')
    + """
funds:
  - {id: F-1, name: 一, source: county, year: 2019, amount: 1000000}
  - {id: F-2, name: 二, source: county, year: 2019, amount: "oops"}
  - {id: F-3, name: 三, source: county, year: 2019, amount: "100000.00", parent: F-1}
  - {id: F-4, name: 四, source: county, year: 2019, amount: "50.00", parent: F-5}
  - {id: F-5, name: 五, source: county, year: 2019, amount: "50.00", parent: F-4}
  - {id: F-6, name: 六, source: county, year: 2019, amount: "10.00", parent: F-4}
  - {id: F-7, name: 七, source: county, year: 2019, amount: "1.00", parent: F-7}
allocations:
  - {id: AL-1, fund: F-1, project: PJ-1, amount: 500000, date: 2019-03-01}
  - {id: AL-2, fund: F-2, project: PJ-1, amount: "200000.5", date: 2019-03-02}
  - {id: AL-3, fund: F-404, project: PJ-1, amount: "0.25", date: 2019-03-03}
  - {id: AL-4, fund: F-1, project: PJ-2, amount: "600000.50", date: 2019-03-04}
  - {id: AL-5, fund: F-1, project: PJ-3, amount: 100, date: 2019-03-05}
  - {id: AL-6, fund: F-4, project: PJ-3, amount: "0.01", date: 2019-03-06}
  - {id: AL-7, fund: F-6, project: PJ-404, amount: "20.00", date: 2019-03-07}
  - {id: AL-8, fund: F-1, project: PJ-4, amount: 0, date: 2019-03-08}
disbursements:
  - {id: PAY-1, allocation: AL-4, amount: "300000.25", date: 2019-06-01}
  - {id: PAY-2, allocation: AL-4, amount: "300000.25", date: 2019-05-01}
  - {id: PAY-3, allocation: AL-4, amount: "0.01", date: 2019-05-01}
  - {id: PAY-4, allocation: AL-5, amount: 60, date: 2019-05-01}
  - {id: PAY-5, allocation: AL-6, amount: "0.01", date: 2019-05-01}
  - {id: PAY-6, allocation: AL-5, amount: "40.5", date: 2019-04-01}
  - {id: PAY-7, allocation: AL-8, amount: "0.00", date: 2019-04-01}
"""
)
"""Amounts written with 0, 1 and 2 fraction digits, an invalid fund (D003) and a dangling
one named as related, ties on the order field, empty relations, fund cycles and a fund
below a cycle, a zero budget."""


def funds(*links: tuple[str, str | None, int]) -> str:
    """A funds list: (id, parent, year) each."""
    lines = ["funds:"]
    for key, parent, year in links:
        up = f", parent: {parent}" if parent else ""
        lines.append(
            f'  - {{id: {key}, name: 资金, source: county, year: {year}, amount: "1.00"{up}}}'
        )
    return "\n".join(lines) + "\n"


LINEAGE = funds(
    ("F-Z", "F-B", 2019),  # below the B-A cycle: found first, from here
    ("F-B", "F-A", 2019),
    ("F-A", "F-B", 2018),
    ("F-S", "F-S", 2019),  # its own parent
    ("F-R", None, 2019),  # a root
    ("F-R1", "F-R", 2018),  # before its parent
    ("F-R2", "F-R", 2019),  # the same year: fine
    ("F-R3", "F-R2", 2020),
    ("F-R4", "F-R3", 2017),  # before its parent, deeper down
    ("F-D", "F-404", 2019),  # a dangling parent ends the walk
    ("F-X", "F-Y", 2019),  # a cycle through an invalid record is no cycle
    ("F-Y", "F-X", 2019),
    ("F-C3", "F-C1", 2019),  # a three-cycle whose smallest id comes last
    ("F-C2", "F-C3", 2019),
    ("F-C1", "F-C2", 2019),
).replace('{id: F-Y, name: 资金, source: county, year: 2019, amount: "1.00"', "{id: F-Y")
"""Fund cycles (one found from a fund below it, a fund its own parent, one through an
invalid fund), children before their parents, ties, a dangling parent."""

DEEP = funds(
    *((f"F-P{n:03d}", f"F-P{n + 1:03d}" if n < 99 else "F-Q017", 2019) for n in range(100)),
    *((f"F-T{n:03d}", f"F-T{n - 1:03d}" if n else None, 2000 + n % 7) for n in range(300)),
    *((f"F-Q{n:03d}", f"F-Q{(n + 1) % 40:03d}", 2019) for n in range(40)),
)
"""A chain of 100 funds into a 40-fund cycle, and a tree 300 deep with every 7th fund
before its parent."""


DATES = """
allocations:
  - {id: AL-1, fund: F-1, project: PJ-1, amount: 1, date: 2020-01-01}
  - {id: AL-2, fund: F-1, project: PJ-1, amount: 1, date: 2019-12-31}
projects:
  - id: PJ-1
    name: 项目
    county: "533323"
    category: industry
    year: 2019
    budget: 1
    status: implementing
    updated: 2020-02-01
    period: {start: 2019-06-01, end: 2019-05-31}
    milestones: {proposed: 2020-01-01, in_library: 2019-12-31, accepted: 2021-03-01}
    announcements:
      - {stage: intake, start: 2019-03-01, end: 2019-02-28, place: 村委会}
      - {stage: implementation, start: 2019-03-01, end: 2019-03-01, place: 村委会}
      - {stage: completion, start: 2019-04-02, end: 2019-04-01, place: 村委会}
    progress:
      - {date: 2020-01-05, physical_pct: 10}
      - {date: 2019-12-31, physical_pct: 20}
      - {date: 2020-06-30, physical_pct: 30}
  - {id: PJ-2, name: 项目, county: "533323", category: industry, year: 2019, budget: 1,
     status: implementing, period: {start: 2019-06-01, end: 2019-06-01}}
  - {id: PJ-3, name: 项目, county: "533323", category: industry, year: 2019, budget: 1,
     status: implementing, milestones: {completed: 2020-01-01}}
  - {id: PJ-BAD, name: 缺字段, updated: 2030-01-01}
regions:
  - {id: "533323", name: 福贡县, level: county, parent: "533300"}
funds:
  - {id: F-1, name: 一, source: county, year: 2019, amount: 10, received: 2020-01-01}
  - {id: F-2, name: 二, source: county, year: 2019, amount: 10}
pairings:
  - {id: P-1, kind: household_help, helper: C-1, target: H-1, start: 2019-01-02, end: 2019-01-01}
  - {id: P-2, kind: household_help, helper: C-1, target: H-1, start: 2019-01-02, end: 2019-01-02}
  - {id: P-3, kind: household_help, helper: C-1, target: H-1, start: 2021-01-02}
findings:
  - {id: FD-1, county: "533323", raised_by: SG-1, date: 2020-01-02, deadline: 2020-01-01,
     closed: 2020-02-01, summary: 问题}
  - {id: FD-2, county: "533323", raised_by: SG-1, date: 2019-01-02, deadline: 2020-01-01,
     summary: 问题}
visits:
  - {id: V-1, visitor: U-1, county: "533323", date: 2020-01-01}
  - {id: V-1, visitor: U-1, county: "533323", date: 2021-01-01}
  - {id: V-2, visitor: U-1, county: "533323", date: 2020-13-01}
meetings:
  - {id: M-1, county: "533323", convened_by: U-1, date: 2020-01-01}
reports:
  - {id: R-1, reporter: C-1, household: H-1, period: 2019-Q4, date: 2020-01-01}
disbursements:
  - {id: PAY-1, allocation: AL-1, amount: 1, date: 2020-01-01}
work_teams:
  - {id: WT-1, village: "533323200205", unit: U-1, members: [C-1], start: 2019-01-01,
     end: 2018-12-31}
"""
"""Every dated field D005 checks, in and out of order, beside invalid and duplicate records."""


def progress_project(project_id: str, *reports: tuple[str, str]) -> str:
    """A project with progress reports ``(date, physical_pct)``, as a YAML list item."""
    lines = [PROJECT.format(project_id, "budget: 1, status: implementing, progress: [{}]")]
    items = ", ".join(f"{{date: {day}, physical_pct: {pct}}}" for day, pct in reports)
    return lines[0].replace("progress: [{}]", f"progress: [{items}]")


SPENDING = (
    "projects:\n"
    # 100 of 300 spent: 33.33...%; 3.333...3 (19 threes) is just over 30 points away,
    # 3.333...34 just under.
    + progress_project(
        "PJ-THIRD",
        ("2019-06-30", "3.3333333333333333333"),
        ("2019-07-31", "3.33333333333333333334"),
        ("2019-07-01", "-0.0"),
    )
    # 50 of 100 spent by the day itself: 50%; 20 is exactly 30 points away (fine), 19.99 is not.
    + progress_project("PJ-HALF", ("2019-08-31", "20"), ("2019-08-31", "19.99"), ("2019-01-01", 0))
    + progress_project("PJ-ZERO", ("2019-08-31", 90))  # allocations total 0: skipped
    + progress_project("PJ-NONE", ("2019-08-31", 90))  # no allocations: skipped
    + progress_project("PJ-MANY", ("2019-08-31", 100), ("2019-09-30", "100.000"))
    + "  - {id: PJ-BAD, name: 缺字段, progress: [{date: 2019-08-31, physical_pct: 90}]}\n"
    + """
funds:
  - {id: F-1, name: 一, source: county, year: 2019, amount: 1000000}
allocations:
  - {id: AL-T1, fund: F-1, project: PJ-THIRD, amount: 200, date: 2019-01-01}
  - {id: AL-T2, fund: F-404, project: PJ-THIRD, amount: "100.00", date: 2019-01-01}
  - {id: AL-H1, fund: F-1, project: PJ-HALF, amount: "100.0", date: 2019-01-01}
  - {id: AL-Z1, fund: F-1, project: PJ-ZERO, amount: 0, date: 2019-01-01}
  - {id: AL-B1, fund: F-1, project: PJ-BAD, amount: 5, date: 2019-01-01}
  - {id: AL-F1, fund: F-1, project: F-1, amount: 5, date: 2019-01-01}
"""
    + "".join(
        f"  - {{id: AL-M{n:02}, fund: F-1, project: PJ-MANY, amount: 1, date: 2019-01-01}}\n"
        for n in range(22, 0, -1)
    )
    + """disbursements:
  - {id: PAY-T1, allocation: AL-T1, amount: 60, date: 2019-02-01}
  - {id: PAY-T2, allocation: AL-T2, amount: 40, date: 2019-06-30}
  - {id: PAY-T3, allocation: AL-T2, amount: 40, date: 2019-12-01}
  - {id: PAY-H1, allocation: AL-H1, amount: "50.00", date: 2019-08-31}
  - {id: PAY-Z1, allocation: AL-Z1, amount: 5, date: 2019-02-01}
  - {id: PAY-B1, allocation: AL-B1, amount: 5, date: 2019-02-01}
  - {id: PAY-X1, allocation: AL-404, amount: 5, date: 2019-02-01}
  - {id: PAY-M1, allocation: AL-M01, amount: 22, date: 2019-09-01}
"""
)
"""Projects whose spending and physical progress meet T009's bound, on both sides of it."""


def beneficiaries_project(project_id: str, status: str, extra: str) -> str:
    """A project of county 533323 with ``extra`` fields, as a YAML list item."""
    return PROJECT.format(project_id, f"budget: 1, status: {status}, {extra}").replace(
        'county: "533323"', 'county: "533323"' if "county:" not in extra else ""
    )


_TARGET = "{indicator: 户数, value: 1, unit: 户}"
_AWAY = [f"H-A{n:02}" for n in range(23)]

PERFORMANCE = (
    "projects:\n"
    + beneficiaries_project("PJ-EMPTY", "in_library", "performance: {}")
    + beneficiaries_project("PJ-PROPOSED", "proposed", "performance: {}")
    + beneficiaries_project("PJ-CANCELLED", "cancelled", "performance: {}")
    + beneficiaries_project(
        "PJ-ZERO", "implementing", f"performance: {{targets: [{_TARGET}], poor_households: 0}}"
    )
    + beneficiaries_project(
        "PJ-MIXED",
        "completed",
        "performance: {targets: ["
        + _TARGET
        + "], beneficiaries: [H-HOME, H-AWAY, H-AWAY, H-404, H-BAD, H-TOWN, H-LOST, H-HOME]}",
    )
    + beneficiaries_project(
        "PJ-MANY",
        "accepted",
        f"performance: {{targets: [{_TARGET}], beneficiaries: [{', '.join(_AWAY)}]}}",
    )
    + '  - {id: PJ-NOWHERE, name: 项目, county: "533323200205", category: industry, year: 2019,'
    + " budget: 1, status: accepted, performance: {poor_households: 3, beneficiaries: [H-AWAY]}}\n"
    + """regions:
  - {id: "533323", name: 福贡县, level: county, parent: "533300"}
  - {id: "533323200", name: 匹河怒族乡, level: township, parent: "533323"}
  - {id: "533323200205", name: 老姆登村, level: village, parent: "533323200"}
  - {id: "533324", name: 贡山县, level: county, parent: "533300"}
  - {id: "533324205", name: 独龙江乡, level: township, parent: "533324"}
  - {id: "533324205201", name: 孔当村, level: village, parent: "533324205"}
  - {id: "533325999201", name: 无乡村, level: village, parent: "533325999"}
households:
  - {id: H-HOME, village: "533323200205", status: poor}
  - {id: H-AWAY, village: "533324205201", status: poor}
  - {id: H-BAD, village: "533324205201", status: 未知}
  - {id: H-TOWN, village: "533324205", status: poor}
  - {id: H-LOST, village: "533325999201", status: poor}
"""
    + "".join(f'  - {{id: {h}, village: "533324205201", status: poor}}\n' for h in _AWAY)
)
"""Library projects with and without targets and poor beneficiaries, some living elsewhere."""


UNIT_LINKS = """\
regions:
  - {id: "533300", name: 怒江州, level: prefecture}
  - {id: "533323", name: 福贡县, level: county, parent: "533300", tags: [deep_poverty]}
  - {id: "533323101", name: 上帕镇, level: township, parent: "533323"}
  - {id: "533323101201", name: 腊竹底村, level: village, parent: "533323101"}
  - {id: "533324", name: 贡山县, level: county, parent: "533300"}
units:
  - {id: U-1, name: 财政厅, kind: provincial_unit}
  - {id: U-2, name: 水利厅, kind: provincial_unit}
  - {id: U-3, name: 交通厅, kind: provincial_unit}
  - {id: U-4, name: 农业厅, kind: provincial_unit}
leaders:
  - {id: L-1, name: 甲, position: 副省长}
pairings:
  - {id: P-1, kind: county_link, helper: U-1, target: "533323", start: 2018-01-01}
  - {id: P-2, kind: county_link, helper: U-1, target: "533323", start: 2019-01-01}
  - {id: P-3, kind: county_link, helper: U-2, target: "533324", start: 2018-01-01}
  - {id: P-4, kind: county_link, helper: U-3, target: "533323101201", start: 2018-01-01}
  - {id: P-5, kind: county_link, helper: U-4, target: "533323", start: 2018-01-01, end: 2019-06-30}
  - {id: P-6, kind: county_link, helper: L-1, target: "533323", start: 2018-01-01}
  - {id: P-7, kind: village_package, helper: U-2, target: "533323101201", start: 2018-01-01}
  - {id: P-8, kind: county_link, helper: U-9, target: "533323", start: 2018-01-01}
  - {id: P-9, kind: county_link, helper: U-3, target: "533323", start: 2020-01-01}
"""
"""Q008: units linked to counties; only U-1 counts (a leader, a village, a county out of
scope, a dangling helper, an ended and a future link do not)."""
