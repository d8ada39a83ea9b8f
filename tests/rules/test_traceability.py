"""Edge cases of the money graph and the T rules (fund-to-project traceability)."""

from __future__ import annotations

import time
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from helpers import applied, findings, found, run_rules

from guabao_rules.kinds.lineage import parent_cycles
from guabao_rules.kinds.select import RELATED_CAP
from guabao_rules.models import Fund
from guabao_rules.money import exact_difference, money_graph, yuan
from guabao_rules.sources.loader import load_text


def flow(record: dict[str, Any]) -> str:
    """A record as a one-line YAML flow mapping (strings quoted, dates bare)."""
    parts = []
    for key, value in record.items():
        if isinstance(value, str) and not _is_date(value):
            parts.append(f'{key}: "{value}"')
        elif isinstance(value, dict):
            parts.append(f"{key}: {flow(value)}")
        elif isinstance(value, list):
            parts.append(f"{key}: [{', '.join(flow(v) for v in value)}]")
        else:
            parts.append(f"{key}: {value}")
    return "{" + ", ".join(parts) + "}"


def _is_date(value: str) -> bool:
    return len(value) == 10 and value[4] == "-" and value[7] == "-" and value[:4].isdigit()


def dataset(**collections: list[dict[str, Any]]) -> str:
    """YAML text with one flow-mapping line per record."""
    lines = []
    for name, records in collections.items():
        lines.append(f"{name}:")
        lines.extend(f"  - {flow(r)}" for r in records)
    return "\n".join(lines) + "\n"


def fund(fund_id: str, amount: str, **extra: Any) -> dict[str, Any]:
    """A fund line of 2019."""
    return {
        "id": fund_id,
        "name": "专项扶贫资金",
        "source": "central",
        "year": 2019,
        "amount": amount,
        **extra,
    }


def project(project_id: str, budget: str = "1000000.00", **extra: Any) -> dict[str, Any]:
    """A project of 福贡县, implementing unless changed, in the library since 2019-03-01."""
    record: dict[str, Any] = {
        "id": project_id,
        "name": "老姆登村人畜饮水巩固提升工程",
        "county": "533323",
        "category": "infrastructure",
        "year": 2019,
        "budget": budget,
        "status": "implementing",
        "milestones": {"in_library": "2019-03-01"},
    }
    record.update(extra)
    return record


def allocation(
    allocation_id: str, amount: str, *, fund: str = "F-1", to: str = "PJ-1", on: str = "2019-04-01"
) -> dict[str, Any]:
    """An allocation of ``amount`` from ``fund`` to project ``to``."""
    return {"id": allocation_id, "fund": fund, "project": to, "amount": amount, "date": on}


def disbursement(pay_id: str, amount: str, *, of: str = "AL-1", on: str) -> dict[str, Any]:
    """A disbursement of ``amount`` out of allocation ``of``."""
    return {"id": pay_id, "allocation": of, "amount": amount, "date": on}


# --- the money graph ---------------------------------------------------------------


def test_money_graph_sums_exactly_once_per_index() -> None:
    data = load_text(
        dataset(
            funds=[fund("F-1", "1000.00"), fund("F-2", "0.10", parent="F-1")],
            projects=[project("PJ-1")],
            allocations=[
                allocation("AL-1", "0.10"),
                allocation("AL-2", "0.20"),
                allocation("AL-3", "5.00", fund="F-GONE"),
            ],
            disbursements=[
                disbursement("PAY-2", "0.05", on="2019-06-01"),
                disbursement("PAY-1", "0.05", on="2019-05-01"),
                disbursement("PAY-3", "1.00", of="AL-3", on="2019-05-01"),
                disbursement("PAY-4", "9.00", of="AL-GONE", on="2019-05-01"),
            ],
        )
    )
    money = money_graph(data.index)
    assert money_graph(data.index) is money
    f1 = money.fund("F-1")
    assert f1.allocated == Decimal("0.30")  # not 0.30000000000000004
    assert [a.id for a in f1.allocations] == ["AL-1", "AL-2"]
    assert [c.id for c in f1.children] == ["F-2"]
    assert f1.child_total == Decimal("0.10")
    assert f1.committed == Decimal("0.40")
    pj = money.project("PJ-1")
    # An allocation from a missing fund still belongs to its project.
    assert pj.allocated == Decimal("5.30")
    assert pj.allocation_ids == ["AL-1", "AL-2", "AL-3"]
    assert [d.id for d in pj.disbursements] == ["PAY-1", "PAY-3", "PAY-2"]
    assert pj.disbursed == Decimal("1.10")
    assert [d.id for d in money.allocation("AL-1").disbursements] == ["PAY-1", "PAY-2"]
    assert money.allocation("AL-1").disbursed == Decimal("0.10")
    assert pj.disbursed_by(date(2019, 4, 30)) == 0
    assert pj.disbursed_by(date(2019, 5, 1)) == Decimal("1.05")
    assert pj.disbursed_by(date(2019, 6, 1)) == Decimal("1.10")
    assert money.fund("F-GONE").is_idle
    assert money.project("PJ-NONE").allocated == 0
    assert money.allocation("AL-GONE").disbursements == []


def test_money_graph_self_parent_is_not_a_child_and_sums_never_round() -> None:
    big = "9" * 40 + ".99"
    data = load_text(
        dataset(
            funds=[fund("F-1", big, parent="F-1")],
            projects=[project("PJ-1", budget=big)],
            allocations=[allocation("AL-1", big), allocation("AL-2", "0.01")],
        )
    )
    money = money_graph(data.index)
    assert money.fund("F-1").children == []
    assert money.fund("F-1").allocated == Decimal("1" + "0" * 40)
    assert exact_difference(money.fund("F-1").allocated, Decimal(big)) == Decimal("0.01")
    assert yuan(Decimal("1200000.5")) == "1,200,000.50"


# --- T001 ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("proposed", []),
        ("in_library", []),
        ("implementing", ["PJ-2"]),
        ("completed", ["PJ-2"]),
        ("accepted", ["PJ-2"]),
        ("cancelled", []),
    ],
)
def test_t001_statuses_that_need_money(status: str, expected: list[str]) -> None:
    data = dataset(
        projects=[project("PJ-1"), project("PJ-2", status=status)],
        allocations=[allocation("AL-1", "0.00")],  # an allocation of 0 is still one
    )
    assert [d.subject for d in findings("T001", data)] == expected


# --- T002 ------------------------------------------------------------------------------


@pytest.mark.parametrize(("received", "idle"), [("2019-10-02", True), ("2019-10-03", False)])
def test_t002_fires_from_exactly_idle_days(received: str, idle: bool) -> None:
    data = dataset(funds=[fund("F-1", "100.00", received=received)])
    found = findings("T002", data)
    assert [d.subject for d in found] == (["F-1"] if idle else [])
    if idle:
        assert "for 90 days" in found[0].message


def test_t002_a_child_fund_or_an_allocation_is_use_and_unreceived_funds_are_skipped() -> None:
    data = dataset(
        funds=[
            fund("F-1", "100.00", received="2019-01-01"),
            fund("F-2", "50.00", received="2019-01-01", parent="F-1"),
            fund("F-3", "50.00"),
            fund("F-4", "50.00", received="2019-01-01", parent="F-4"),
            fund("F-5", "50.00", received="2019-01-01"),
        ],
        projects=[project("PJ-1")],
        allocations=[allocation("AL-1", "50.00", fund="F-2")],
    )
    # F-4 names itself as parent: a cycle, which T008 alone reports (issue 14).
    assert [d.subject for d in findings("T002", data)] == ["F-5"]
    assert applied("T002", data) == 3
    assert findings("T002", data, idle_days=400) == []


# --- T003 ------------------------------------------------------------------------------


@pytest.mark.parametrize(("allocated", "over"), [("400000.00", False), ("400000.01", True)])
def test_t003_exact_bound(allocated: str, over: bool) -> None:
    data = dataset(
        funds=[fund("F-1", "1000000.00"), fund("F-2", "600000.00", parent="F-1")],
        projects=[project("PJ-1")],
        allocations=[allocation("AL-1", allocated)],
    )
    found = findings("T003", data)
    assert [d.subject for d in found] == (["F-1"] if over else [])
    if over:
        assert found[0].message == (
            "allocations 400,000.01 plus child funds 600,000.00 total 1,000,000.01, "
            "exceeding the fund's amount 1,000,000.00 by 0.01"
        )
        assert [r.subject for r in found[0].related] == ["AL-1", "F-2"]


def test_t003_a_fund_with_nothing_passed_on_and_related_capped() -> None:
    children = [fund(f"F-C{n:02}", "1.00", parent="F-1") for n in range(30)]
    data = dataset(funds=[fund("F-1", "29.99"), fund("F-0", "0.00"), *children])
    (finding,) = findings("T003", data)
    assert finding.subject == "F-1"
    assert len(finding.related) == RELATED_CAP
    assert "by 0.01" in finding.message


# --- T004 ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("second", "expected"),
    [("300000.00", []), ("300000.01", ["PJ-1"]), ("500000.00", ["PJ-1"])],
)
def test_t004_exact_bound(second: str, expected: list[str]) -> None:
    data = dataset(
        funds=[fund("F-1", "5000000.00"), fund("F-2", "5000000.00")],
        projects=[project("PJ-1")],
        allocations=[allocation("AL-1", "700000.00"), allocation("AL-2", second, fund="F-2")],
    )
    found = findings("T004", data)
    assert [d.subject for d in found] == expected
    if second == "500000.00":
        assert found[0].message == (
            "allocations 1,200,000.00 exceed the budget 1,000,000.00 by 200,000.00"
        )
        assert [r.subject for r in found[0].related] == ["AL-1", "AL-2", "F-1", "F-2"]


def test_t004_zero_allocations_never_exceed() -> None:
    data = dataset(projects=[project("PJ-1", budget="0.00"), project("PJ-2")])
    assert findings("T004", data) == []
    assert applied("T004", data) == 2


# --- T005 ------------------------------------------------------------------------------


@pytest.mark.parametrize(("second", "over"), [("200000.00", False), ("200000.01", True)])
def test_t005_exact_bound(second: str, over: bool) -> None:
    data = dataset(
        funds=[fund("F-1", "5000000.00")],
        projects=[project("PJ-1")],
        allocations=[allocation("AL-1", "500000.00")],
        disbursements=[
            disbursement("PAY-1", "300000.00", on="2019-05-01"),
            disbursement("PAY-2", second, on="2019-06-01"),
        ],
    )
    found = findings("T005", data, lang="zh")
    assert [d.subject for d in found] == (["AL-1"] if over else [])
    if over:
        assert found[0].message == "支出合计 500,000.01 元,超出资金安排 500,000.00 元 0.01 元"
        assert [r.subject for r in found[0].related] == ["PAY-1", "PAY-2", "PJ-1", "F-1"]


# --- T006 ------------------------------------------------------------------------------


def test_t006_allocation_dates_against_the_library() -> None:
    data = dataset(
        funds=[fund("F-1", "5000000.00")],
        projects=[
            project("PJ-1"),
            project("PJ-2", status="reviewed", milestones={"reviewed": "2019-02-01"}),
        ],
        allocations=[
            allocation("AL-SAME", "1.00", on="2019-03-01"),
            allocation("AL-EARLY", "1.00", on="2019-02-28"),
            allocation("AL-NOLIB", "1.00", to="PJ-2", on="2019-05-01"),
            allocation("AL-DANGLING", "1.00", to="PJ-GONE", on="2019-05-01"),
        ],
    )
    found = {d.subject: d.message for d in findings("T006", data)}
    assert found == {
        "AL-EARLY": "allocated on 2019-02-28, before project PJ-1 entered the library: "
        "it entered the library on 2019-03-01",
        "AL-NOLIB": "allocated on 2019-05-01, before project PJ-2 entered the library: "
        "it has no milestones.in_library",
    }
    assert applied("T006", data) == 3


# --- T007 ------------------------------------------------------------------------------


def test_t007_same_day_is_fine_the_day_before_is_not() -> None:
    data = dataset(
        allocations=[allocation("AL-1", "100.00", on="2019-08-15")],
        disbursements=[
            disbursement("PAY-SAME", "50.00", on="2019-08-15"),
            disbursement("PAY-EARLY", "50.00", on="2019-08-14"),
            disbursement("PAY-DANGLING", "50.00", of="AL-GONE", on="2019-01-01"),
        ],
    )
    found = findings("T007", data)
    assert [d.subject for d in found] == ["PAY-EARLY"]
    # The allocation's fund and project are not in the data: only the allocation is named.
    assert [r.subject for r in found[0].related] == ["AL-1"]
    assert applied("T007", data) == 2


# --- T008 ------------------------------------------------------------------------------


def _funds(links: dict[str, str | None]) -> dict[str, Fund]:
    return {
        fid: Fund(id=fid, name="资金", source="county", year=2019, amount=Decimal(1), parent=parent)
        for fid, parent in links.items()
    }


def test_parent_cycles_finds_each_cycle_once_from_its_smallest_id() -> None:
    links: dict[str, str | None] = {
        "F-9": "F-9",  # length 1
        "F-5": "F-4",
        "F-4": "F-5",  # length 2
        "F-8": "F-6",
        "F-6": "F-7",
        "F-7": "F-8",  # length 3
        "F-1": "F-6",  # leads into a cycle, is not in it
        "F-2": "F-GONE",
        "F-3": None,
    }
    assert sorted(parent_cycles({k: f.parent for k, f in _funds(links).items()})) == [
        ["F-4", "F-5"],
        ["F-6", "F-7", "F-8"],
        ["F-9"],
    ]


def test_parent_cycles_walks_a_long_chain_without_recursion() -> None:
    n = 50_000
    links: dict[str, str | None] = {f"F-{i:06}": f"F-{i + 1:06}" for i in range(n)}
    links[f"F-{n:06}"] = "F-000000"
    (cycle,) = parent_cycles({k: f.parent for k, f in _funds(links).items()})
    assert len(cycle) == n + 1 and cycle[0] == "F-000000"


@pytest.mark.parametrize(
    ("links", "subject", "chain"),
    [
        ({"F-A": "F-A"}, "F-A", "F-A → F-A"),
        ({"F-B": "F-A", "F-A": "F-B"}, "F-A", "F-A → F-B → F-A"),
        ({"F-C": "F-A", "F-B": "F-C", "F-A": "F-B"}, "F-A", "F-A → F-B → F-C → F-A"),
    ],
)
def test_t008_one_finding_per_cycle(links: dict[str, str], subject: str, chain: str) -> None:
    data = dataset(funds=[fund(fid, "1.00", parent=parent) for fid, parent in links.items()])
    (finding,) = findings("T008", data)
    assert finding.subject == subject
    assert finding.message == f"fund parent links are wrong: the parent links form a cycle {chain}"
    assert sorted(r.subject or "" for r in finding.related) == sorted(set(links) - {subject})


@pytest.mark.parametrize("years", [(2018, 2019), (2019, 2017)])
def test_t008_year_before_the_parent_and_no_year_order_around_a_cycle(
    years: tuple[int, int],
) -> None:
    year_a, year_b = years
    data = dataset(
        funds=[
            fund("F-A", "1.00", parent="F-B", year=year_a),
            fund("F-B", "1.00", parent="F-A", year=year_b),
            fund("F-C", "1.00", parent="F-B", year=year_b - 1),
            fund("F-D", "1.00", parent="F-B", year=2020),
        ]
    )
    # Around a cycle some fund always comes before its parent: the cycle is the one finding.
    found = {d.subject: d.message for d in findings("T008", data)}
    assert found == {
        "F-A": "fund parent links are wrong: the parent links form a cycle F-A → F-B → F-A",
        "F-C": "fund parent links are wrong: "
        f"its year {year_b - 1} is before the year {year_b} of its parent F-B",
    }


@pytest.mark.parametrize(
    "links",
    [
        {"F-A": "F-A"},
        {"F-A": "F-B", "F-B": "F-A"},
        {"F-A": "F-B", "F-B": "F-C", "F-C": "F-A"},
    ],
)
def test_t002_and_t003_stay_off_funds_on_a_cycle(links: dict[str, str]) -> None:
    funds = [
        fund(fid, "1.00", parent=parent, received="2019-01-01") for fid, parent in links.items()
    ]
    # F-X hangs below the cycle and is over-committed: it is still judged.
    funds.append(fund("F-X", "1.00", parent="F-A", received="2019-01-01"))
    data = dataset(
        funds=funds,
        projects=[project("PJ-1")],
        allocations=[allocation(f"AL-{fid}", "5.00", fund=fid) for fid in (*links, "F-X")],
    )
    assert [d.subject for d in findings("T003", data)] == ["F-X"]
    assert applied("T003", data) == 1
    data = dataset(funds=funds)
    assert [d.subject for d in findings("T002", data)] == ["F-X"]
    assert [d.subject for d in findings("T008", data)] == ["F-A"]


# --- T009 ------------------------------------------------------------------------------


def t009_data(progress: list[dict[str, Any]]) -> str:
    """A project with 1,000,000.00 allocated, 100,000.00 spent on 06-10 and 300,000.00 on 09-30."""
    return dataset(
        funds=[fund("F-1", "5000000.00")],
        projects=[project("PJ-1", progress=progress)],
        allocations=[
            allocation("AL-1", "1000000.00", on="2019-04-01"),
            allocation("AL-2", "0.00", on="2019-04-01"),
        ],
        disbursements=[
            disbursement("PAY-1", "100000.00", on="2019-06-10"),
            disbursement("PAY-2", "300000.00", of="AL-2", on="2019-09-30"),
        ],
    )


def test_t009_report_before_any_disbursement() -> None:
    early = [{"date": "2019-05-31", "physical_pct": 30}]
    assert findings("T009", t009_data(early)) == []  # 0 % spent, 30 points: not more than 30
    early = [{"date": "2019-05-31", "physical_pct": Decimal("30.01")}]
    (finding,) = findings("T009", t009_data(early))
    assert "2019-05-31: physical 30.01%, funds 0.00% spent (0.00 / 1,000,000.00)" in finding.message


def test_t009_counts_same_day_disbursements_and_lists_every_report_at_fault() -> None:
    progress = [
        {"date": "2019-09-30", "physical_pct": 100},  # 40 % spent that day: 60 points
        {"date": "2019-06-10", "physical_pct": 40},  # 10 % spent: exactly 30 points, fine
        {"date": "2019-06-09", "physical_pct": 35},  # nothing spent yet: 35 points
    ]
    (finding,) = findings("T009", t009_data(progress))
    assert finding.message == (
        "spending and physical progress differ by more than 30 points: "
        "2019-06-09: physical 35%, funds 0.00% spent (0.00 / 1,000,000.00), "
        "2019-09-30: physical 100%, funds 40.00% spent (400,000.00 / 1,000,000.00)"
    )
    assert [r.subject for r in finding.related] == ["AL-1", "AL-2"]


def test_t009_compares_exactly_where_the_share_does_not_terminate() -> None:
    # 100,000 of 300,000 spent: 33.333…%; 63.33 is within 30 points, 63.34 is not.
    data = dataset(
        projects=[
            project("PJ-1", progress=[{"date": "2019-06-30", "physical_pct": Decimal("63.34")}])
        ],
        allocations=[allocation("AL-1", "300000.00")],
        disbursements=[disbursement("PAY-1", "100000.00", on="2019-06-10")],
    )
    (finding,) = findings("T009", data)
    assert "funds ≈33.33% spent" in finding.message
    assert finding.line == 2
    assert findings("T009", data.replace("63.34", "63.33")) == []
    assert findings("T009", data, max_progress_gap_pct=31) == []


def test_t009_skips_projects_without_money() -> None:
    data = dataset(
        projects=[
            project("PJ-1", progress=[{"date": "2019-06-30", "physical_pct": 90}]),
            project("PJ-2", progress=[{"date": "2019-06-30", "physical_pct": 90}]),
        ],
        allocations=[allocation("AL-1", "0.00")],
    )
    assert findings("T009", data) == []
    assert applied("T009", data) == 0


# --- T010 ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "paid", "balance"),
    [
        ("completed", "200000.00", None),
        ("completed", "199999.99", "0.01 not disbursed"),
        ("accepted", "200000.01", "0.01 more than allocated"),
        ("implementing", "100.00", None),
    ],
)
def test_t010_settled_exactly(status: str, paid: str, balance: str | None) -> None:
    data = dataset(
        projects=[project("PJ-1", budget="500000.00", status=status)],
        allocations=[allocation("AL-1", "300000.00"), allocation("AL-2", "200000.00")],
        disbursements=[
            disbursement("PAY-1", "300000.00", on="2019-05-01"),
            disbursement("PAY-2", paid, of="AL-2", on="2019-05-01"),
        ],
    )
    found = findings("T010", data)
    assert [d.message.split(": ")[-1] for d in found] == ([balance] if balance else [])


def test_t010_completed_without_any_money_is_settled() -> None:
    data = dataset(projects=[project("PJ-1", status="completed")])
    assert findings("T010", data) == []
    assert applied("T010", data) == 1


# --- review: exact money beyond 28 digits, a percentage with 10^8 fraction digits --------

BIG = "1" + "0" * 30  # 10^30 yuan: 31 digits, more than a default Decimal context keeps


def test_t003_excess_of_one_fen_over_a_31_digit_fund_is_found() -> None:
    data = (
        "funds:\n"
        f"  - {{id: F-1, name: 资金甲, source: central, year: 2019, amount: '{BIG}.00'}}\n"
        "  - {id: F-2, name: 资金乙, source: central, year: 2019, amount: '0.01', parent: F-1}\n"
        "projects:\n"
        "  - {id: PJ-1, name: 项目甲, county: '533323', category: industry, year: 2019,"
        f" budget: '{BIG}.00', status: implementing}}\n"
        "allocations:\n"
        f"  - {{id: AL-1, fund: F-1, project: PJ-1, amount: '{BIG}.00', date: 2019-03-01}}\n"
    )
    report = run_rules(data, "T003")
    assert found(report, "T003") == ["F-1"]
    assert "by 0.01" in report.diagnostics[0].message


def test_t009_percent_with_a_hundred_million_fraction_digits_is_judged_quickly() -> None:
    # Fraction(1e-99999999) builds 10^99999999, and printing it exactly writes as many
    # zeros: hours. Past 60 fraction digits a percentage is rounded, and shown as ≈.
    data = (
        "funds:\n"
        "  - {id: F-1, name: 资金甲, source: central, year: 2019, amount: '100.00'}\n"
        "projects:\n"
        "  - {id: PJ-1, name: 项目甲, county: '533323', category: industry, year: 2019,"
        " budget: '100.00', status: implementing,"
        " progress: [{date: 2019-06-01, physical_pct: 1e-99999999}]}\n"
        "allocations:\n"
        "  - {id: AL-1, fund: F-1, project: PJ-1, amount: '100.00', date: 2019-03-01}\n"
        "disbursements:\n"
        "  - {id: DB-1, allocation: AL-1, amount: '100.00', date: 2019-04-01}\n"
    )
    started = time.monotonic()
    report = run_rules(data, "T009")
    assert time.monotonic() - started < 5
    assert found(report, "T009") == ["PJ-1"]
    assert "physical ≈0.00%, funds 100.00% spent" in report.diagnostics[0].message
