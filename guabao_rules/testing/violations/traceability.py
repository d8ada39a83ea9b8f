"""Violation strategies of the traceability rules (T001-T010)."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

from guabao_rules.testing._build import RUNNING_STATUSES, Builder, cents, money
from guabao_rules.testing.generated import SHARED, Record
from guabao_rules.testing.violations.base import (
    Subject,
    _allocations_of,
    _counties,
    _earlier,
    _fund_still_fine,
    _paid,
    _violation,
)


@_violation("T001")
def _t001(b: Builder) -> tuple[Subject, str]:
    """A running project without any allocation (its budget 0, so S401 stays quiet)."""
    running = [p for p in b.all("projects") if p["status"] in RUNNING_STATUSES]
    if running and b.flag():
        project = b.pick(running)
        project["budget"] = b.pick(["0.00", 0])
        for allocation in _allocations_of(b, project):
            for payment in b.where("disbursements", allocation=allocation["id"]):
                b.remove("disbursements", payment)
            b.remove("allocations", allocation)
            _fund_still_fine(b, str(allocation["fund"]))
    else:
        county = str(b.pick(_counties(b))["id"])
        project = b.add_project(county, b.pick(list(RUNNING_STATUSES)), [], budget=0)
    return str(project["id"]), f"project {project['id']} has no allocation"


@_violation("T002")
def _t002(b: Builder) -> tuple[Subject, str]:
    """A fund with nothing allocated long after it arrived."""
    home = b.pick([SHARED, *[str(c["id"]) for c in _counties(b)]])
    fund = b.add_fund(home)
    fund["amount"] = b.amount(b.between(0, 100_000_000))
    idle = int(b.param("idle_days"))
    fund["received"] = b.as_of - timedelta(days=idle + b.between(0, 400))
    return str(fund["id"]), f"fund {fund['id']} idle since {fund['received']}"


def _fund_use(b: Builder, fund: Record) -> int:
    used = sum(cents(a["amount"]) for a in b.where("allocations", fund=fund["id"]))
    return used + sum(cents(c["amount"]) for c in b.where("funds", parent=fund["id"]))


@_violation("T003")
def _t003(b: Builder) -> tuple[Subject, str]:
    """A fund whose allocations and child funds exceed its amount."""
    used = [f for f in b.all("funds") if _fund_use(b, f) > 0]
    if used and b.flag():
        fund = b.pick(used)
    else:
        fund = b.add_fund(SHARED)
        child = b.add_fund(SHARED, parent=fund)
        child["amount"] = b.amount(b.between(1, 100_000_000))
        child["year"] = max(child["year"], fund["year"])
    total = _fund_use(b, fund)
    fund["amount"] = money(total - b.between(1, total))
    return str(
        fund["id"]
    ), f"fund {fund['id']} amount {fund['amount']} below its use {money(total)}"


@_violation("T004")
def _t004(b: Builder) -> tuple[Subject, str]:
    """A project whose allocations exceed its budget."""
    funded = [p for p in b.all("projects") if b.allocated(str(p["id"])) > 0]
    if funded and b.flag():
        project = b.pick(funded)
    else:
        county = str(b.pick(_counties(b))["id"])
        project = b.add_project(county, b.pick(list(RUNNING_STATUSES)), [])
    total = b.allocated(str(project["id"]))
    project["budget"] = money(total - b.between(1, total))
    return str(project["id"]), f"project {project['id']} budget below {money(total)} allocated"


def _payable(b: Builder) -> list[tuple[Record, date]]:
    """Allocations of projects not settled yet, with the first day a new payment can fall on."""
    out = []
    for project in b.all("projects"):
        if project["status"] not in ("in_library", "implementing"):
            continue
        reports = [r["date"] for r in project.get("progress", [])]
        for allocation in _allocations_of(b, project):
            first = max([allocation["date"], *(d + timedelta(days=1) for d in reports)])
            if first <= b.as_of:
                out.append((allocation, first))
    return out


def _fresh_allocation(b: Builder) -> Record:
    county = str(b.pick(_counties(b))["id"])
    project = b.add_project(county, "in_library", [], allocate=True)
    allocation: Record = b.pick(_allocations_of(b, project))
    return allocation


@_violation("T005")
def _t005(b: Builder) -> tuple[Subject, str]:
    """An allocation paid out beyond its amount (after the last progress report)."""
    payable = _payable(b)
    if payable and b.flag():
        allocation, first = b.pick(payable)
    else:
        allocation = _fresh_allocation(b)
        first = allocation["date"]
    over = cents(allocation["amount"]) - _paid(b, allocation) + b.between(1, 1_000_000)
    record = {"id": b.fresh(f"PAY-{allocation['id']}-over"), "allocation": allocation["id"]}
    record["amount"] = b.amount(over)
    record["date"] = b.day(first, b.as_of)
    b.add("disbursements", record, b.home_of(str(allocation["id"])))
    return str(allocation["id"]), f"allocation {allocation['id']} overpaid by {record['id']}"


def _any_allocation(b: Builder) -> Record:
    allocations = b.all("allocations")
    if allocations and b.flag():
        allocation: Record = b.pick(allocations)
        return allocation
    return _fresh_allocation(b)


@_violation("T006")
def _t006(b: Builder) -> tuple[Subject, str]:
    """An allocation made before its project entered the library."""
    allocation = _any_allocation(b)
    project = b.get(str(allocation["project"]))[1]  # type: ignore[index]
    allocation["date"] = _earlier(b, project["milestones"]["in_library"])
    return str(allocation["id"]), f"allocation {allocation['id']} dated {allocation['date']}"


@_violation("T007")
def _t007(b: Builder) -> tuple[Subject, str]:
    """A disbursement (of nothing) dated before its allocation."""
    allocation = _any_allocation(b)
    record = {"id": b.fresh(f"PAY-{allocation['id']}-early"), "allocation": allocation["id"]}
    record["amount"] = b.pick(["0.00", 0])
    record["date"] = _earlier(b, allocation["date"])
    b.add("disbursements", record, b.home_of(str(allocation["id"])))
    return str(record["id"]), f"disbursement {record['id']} before allocation {allocation['id']}"


@_violation("T008")
def _t008(b: Builder) -> tuple[Subject, str]:
    """A fund older than its parent, or funds whose parents form a cycle."""
    choice = b.between(0, 2)
    children = [f for f in b.all("funds") if f.get("parent") and b.get(str(f["parent"]))]
    if choice == 0 and children:
        child = b.pick(children)
        child["year"] = b.get(str(child["parent"]))[1]["year"] - b.between(1, 3)  # type: ignore[index]
        return str(child["id"]), f"fund {child['id']} older than its parent"
    if choice == 1 and b.all("funds"):
        parent = b.pick(b.all("funds"))
        child = b.add_fund(SHARED, parent=parent)
        child["year"] = int(parent["year"]) - b.between(1, 3)
        return str(child["id"]), f"new fund {child['id']} older than its parent {parent['id']}"
    funds = [b.add_fund(SHARED) for _ in range(b.between(1, 3))]
    year = b.between(b.start.year - 1, b.as_of.year)
    for index, fund in enumerate(funds):
        fund["parent"] = funds[(index + 1) % len(funds)]["id"]
        fund["year"] = year
    subject = min(str(f["id"]) for f in funds)
    return subject, f"funds {', '.join(str(f['id']) for f in funds)} form a cycle"


@_violation("T009")
def _t009(b: Builder) -> tuple[Subject, str]:
    """A progress report far from the share of the money paid out."""
    gap = int(b.param("max_progress_gap_pct"))
    tracked = [p for p in b.all("projects") if p.get("progress") and b.allocated(str(p["id"])) > 0]
    if tracked and b.flag():
        project = b.pick(tracked)
    else:
        county = str(b.pick(_counties(b))["id"])
        project = b.add_project(county, "implementing", [])
        if not project.get("progress"):
            project["progress"] = [{"date": b.day(project["milestones"]["start"], b.as_of)}]
            project["progress"][0]["physical_pct"] = 0
    report = b.pick(project["progress"])
    actual = Fraction(
        100 * b.paid_by(str(project["id"]), report["date"]), b.allocated(str(project["id"]))
    )
    far = [pct for pct in range(101) if abs(pct - actual) > gap]
    report["physical_pct"] = b.pick(far)
    return str(
        project["id"]
    ), f"project {project['id']} reports {report['physical_pct']}% on {report['date']}"


@_violation("T010")
def _t010(b: Builder) -> tuple[Subject, str]:
    """A completed project with money left unpaid (one payment a little smaller)."""
    done = [
        p
        for p in b.all("projects")
        if p["status"] in ("completed", "accepted") and b.allocated(str(p["id"])) >= 10
    ]
    if done and b.flag():
        project = b.pick(done)
    else:
        county = str(b.pick(_counties(b))["id"])
        project = b.add_project(county, b.pick(["completed", "accepted"]), [])
    total = b.allocated(str(project["id"]))
    payments = [
        d
        for a in _allocations_of(b, project)
        for d in b.where("disbursements", allocation=a["id"])
        if cents(d["amount"]) > 0
    ]
    payment = b.pick(payments)
    # A tenth of the money at most: progress reports stay close to spending (T009).
    cut = b.between(1, min(cents(payment["amount"]), max(1, total // 10)))
    payment["amount"] = money(cents(payment["amount"]) - cut)
    return str(project["id"]), f"project {project['id']} has {money(cut)} unpaid"
