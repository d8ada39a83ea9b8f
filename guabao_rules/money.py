"""The money graph: where each yuan comes from and where it goes, summed once.

Funds (资金) flow to child funds (``parent`` links) and to projects through
allocations (资金安排); allocations are paid out by disbursements (资金支出).
:func:`money_graph` walks the valid funds, allocations and disbursements once
and keeps exact :class:`~decimal.Decimal` totals per fund, per project and per
allocation, so the T rules (and S401) read sums in constant time instead of
re-adding them. The graph is built once per :class:`~guabao_rules.graph.Index`
and cached for as long as that index lives.

Only valid records count, and a link counts only when it resolves to a valid
record of the right collection: an allocation whose fund is missing still
belongs to its project, but to no fund (D002 reports the dangling reference).
A fund whose ``parent`` is itself is not its own child fund: that loop is a
T008 finding, not money moved.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date
from decimal import MAX_PREC, Decimal, localcontext
from itertools import accumulate
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from guabao_rules.models import Allocation, Disbursement, Fund, Project

if TYPE_CHECKING:
    from guabao_rules.graph import Index

ZERO = Decimal(0)


@dataclass(slots=True)
class FundMoney:
    """Where a fund's money went.

    Attributes:
        allocations: The valid allocations out of the fund, in reading order.
        allocated: Their total.
        children: The valid funds whose ``parent`` is this fund (itself excluded).
        child_total: The total amount of those child funds.
    """

    allocations: list[Allocation] = field(default_factory=list)
    allocated: Decimal = ZERO
    children: list[Fund] = field(default_factory=list)
    child_total: Decimal = ZERO

    @property
    def committed(self) -> Decimal:
        """Allocations plus child funds: everything the fund has passed on (exact)."""
        with localcontext(prec=MAX_PREC):
            return self.allocated + self.child_total

    @property
    def is_idle(self) -> bool:
        """Whether the fund has neither an allocation nor a child fund."""
        return not self.allocations and not self.children


@dataclass(slots=True)
class AllocationMoney:
    """What has been paid out of an allocation.

    Attributes:
        disbursements: The valid disbursements of the allocation, by date
            (reading order among the same day).
        disbursed: Their total.
    """

    disbursements: list[Disbursement] = field(default_factory=list)
    disbursed: Decimal = ZERO


@dataclass(slots=True)
class ProjectMoney:
    """A project's money: allocated to it and paid out for it.

    Attributes:
        allocations: The valid allocations to the project, in reading order.
        allocated: Their total.
        disbursements: The valid disbursements of those allocations, by date.
        disbursed: Their total.
    """

    allocations: list[Allocation] = field(default_factory=list)
    allocated: Decimal = ZERO
    disbursements: list[Disbursement] = field(default_factory=list)
    disbursed: Decimal = ZERO
    _days: list[date] = field(default_factory=list, repr=False)
    _running: list[Decimal] = field(default_factory=list, repr=False)

    @property
    def allocation_ids(self) -> list[str]:
        """The ids of the project's allocations, in reading order."""
        return [a.id for a in self.allocations]

    def disbursed_by(self, day: date) -> Decimal:
        """The total disbursed for the project on or before ``day`` (binary search)."""
        position = bisect_right(self._days, day)
        return self._running[position - 1] if position else ZERO

    def _finish(self) -> None:
        self.disbursements.sort(key=lambda d: d.date)
        self._days = [d.date for d in self.disbursements]
        self._running = list(accumulate((d.amount for d in self.disbursements), initial=ZERO))[1:]


class MoneyGraph:
    """Exact totals of funds, projects and allocations over a dataset's valid records.

    Build it with :func:`money_graph` (cached per index). Asking about an id
    the graph has never seen (a record without money, or one that is not of
    that kind) returns empty totals, never an error.
    """

    def __init__(self, index: Index) -> None:
        self._funds: dict[str, FundMoney] = {}
        self._projects: dict[str, ProjectMoney] = {}
        self._allocations: dict[str, AllocationMoney] = {}
        # Unbounded precision: a sum of amounts is exact however many digits it has.
        with localcontext(prec=MAX_PREC):
            self._build(index)

    def _build(self, index: Index) -> None:
        for fund in index.records("funds"):
            assert isinstance(fund, Fund)
            if fund.parent != fund.id and index.get(fund.parent, Fund) is not None:
                assert fund.parent is not None
                parent = self._funds.setdefault(fund.parent, FundMoney())
                parent.children.append(fund)
                parent.child_total += fund.amount
        for allocation in index.records("allocations"):
            assert isinstance(allocation, Allocation)
            if index.get(allocation.fund, Fund) is not None:
                source = self._funds.setdefault(allocation.fund, FundMoney())
                source.allocations.append(allocation)
                source.allocated += allocation.amount
            if index.get(allocation.project, Project) is not None:
                target = self._projects.setdefault(allocation.project, ProjectMoney())
                target.allocations.append(allocation)
                target.allocated += allocation.amount
        for disbursement in index.records("disbursements"):
            assert isinstance(disbursement, Disbursement)
            paid_from = index.get(disbursement.allocation, Allocation)
            if paid_from is None:
                continue
            spent = self._allocations.setdefault(paid_from.id, AllocationMoney())
            spent.disbursements.append(disbursement)
            spent.disbursed += disbursement.amount
            if index.get(paid_from.project, Project) is not None:
                project = self._projects[paid_from.project]
                project.disbursements.append(disbursement)
                project.disbursed += disbursement.amount
        for spent in self._allocations.values():
            spent.disbursements.sort(key=lambda d: d.date)
        for project in self._projects.values():
            project._finish()

    def fund(self, fund_id: str) -> FundMoney:
        """The allocations and child funds of a fund."""
        return self._funds.get(fund_id) or FundMoney()

    def project(self, project_id: str) -> ProjectMoney:
        """The allocations and disbursements of a project."""
        return self._projects.get(project_id) or ProjectMoney()

    def allocation(self, allocation_id: str) -> AllocationMoney:
        """The disbursements of an allocation."""
        return self._allocations.get(allocation_id) or AllocationMoney()


_CACHE: WeakKeyDictionary[Index, MoneyGraph] = WeakKeyDictionary()


def money_graph(index: Index) -> MoneyGraph:
    """The money graph of an index, built on first use and kept while the index lives."""
    graph = _CACHE.get(index)
    if graph is None:
        graph = _CACHE[index] = MoneyGraph(index)
    return graph


def exact_difference(minuend: Decimal, subtrahend: Decimal) -> Decimal:
    """``minuend - subtrahend`` without rounding, whatever the number of digits."""
    with localcontext(prec=MAX_PREC):
        return minuend - subtrahend


def yuan(amount: Decimal) -> str:
    """An amount written exactly with thousands separators: ``1,200,000.00``."""
    return f"{amount:,.2f}"
