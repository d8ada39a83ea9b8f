"""T rules: fund-to-project traceability, seed (二) 资金、项目逐一对应.

Every check reads its sums from the dataset's :mod:`~guabao_rules.money`
graph (built once, exact ``Decimal``), so each rule is linear in the data.
A finding names the records the money passed through in ``related`` (funds,
allocations, disbursements, the project), at most :data:`RELATED_CAP` of them,
and writes amounts exactly with thousands separators. T001 is a declarative
``count`` rule in ``rules/traceability.yaml``; the rest are here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import MAX_PREC, Decimal, localcontext
from fractions import Fraction
from typing import Any

from guabao_rules.checks import register
from guabao_rules.diagnostics import Text, Violation
from guabao_rules.engine.context import RuleContext
from guabao_rules.graph import Index
from guabao_rules.models import Fund, Project
from guabao_rules.money import money_graph, yuan
from guabao_rules.sources.positions import Key

RELATED_CAP = 20
"""At most this many related records are named in one finding."""


def related_ids(index: Index, *groups: Iterable[str]) -> tuple[str, ...]:
    """The ids of ``groups`` that name records, in order, each once, at most :data:`RELATED_CAP`.

    A dangling reference names no record (D002 reports it), so it is left out.
    """
    seen: dict[str, None] = {}
    for group in groups:
        for record_id in group:
            if len(seen) >= RELATED_CAP:
                return tuple(seen)
            if record_id in index.entries:
                seen.setdefault(record_id, None)
    return tuple(seen)


def _exact(value: Any) -> Fraction:
    """A parameter or amount as an exact fraction (never through binary floating point)."""
    if isinstance(value, Decimal | int):
        return Fraction(value)
    return Fraction(str(value))


# --- T008 资金流向无环、年度有序 ------------------------------------------------------


def parent_cycles(funds: dict[str, Fund]) -> list[list[str]]:
    """The cycles of ``parent`` links among ``funds``, each from its smallest id.

    Every fund has at most one parent, so one walk up from each fund not yet
    seen finds every cycle in time linear in the number of funds.

    Returns:
        Each cycle as the ids met walking from its smallest id up the parents.
    """
    cycles: list[list[str]] = []
    done: set[str] = set()
    for start in funds:
        path: dict[str, int] = {}
        current: str | None = start
        while current is not None and current not in done and current not in path:
            path[current] = len(path)
            parent = funds[current].parent
            current = parent if parent in funds else None
        if current is not None and current in path:
            walk = list(path)[path[current] :]
            first = walk.index(min(walk))
            cycles.append(walk[first:] + walk[:first])
        done.update(path)
    return cycles


@register("T008")
def fund_lineage(ctx: RuleContext) -> Iterator[Violation]:
    """Parent links that form a cycle, and child funds older than their parent."""
    funds: dict[str, Fund] = {}
    for fund in ctx.each("funds"):
        assert isinstance(fund, Fund)
        funds[fund.id] = fund
    problems: dict[str, list[tuple[tuple[Key, ...], Text]]] = {}
    others: dict[str, list[str]] = {}
    for cycle in parent_cycles(funds):
        chain = " → ".join([*cycle, cycle[0]])
        subject = cycle[0]
        text = Text(f"上级资金关系成环:{chain}", f"the parent links form a cycle {chain}")
        problems.setdefault(subject, []).append((("parent",), text))
        others.setdefault(subject, []).extend(cycle[1:])
    for fund in funds.values():
        parent = funds.get(fund.parent) if fund.parent is not None else None
        if parent is not None and fund.year < parent.year:
            text = Text(
                f"年度 {fund.year} 早于上级资金 {parent.id} 的年度 {parent.year}",
                f"its year {fund.year} is before the year {parent.year} of its parent {parent.id}",
            )
            problems.setdefault(fund.id, []).append((("year",), text))
            others.setdefault(fund.id, []).append(parent.id)
    for subject, found in problems.items():
        yield Violation(
            subject,
            {"problems": [text for _, text in found]},
            field=found[0][0],
            related=related_ids(ctx.index, others[subject]),
        )


# --- T009 以资金支出进度倒逼项目实施进度 ---------------------------------------------


PERCENT_DIGITS = 60
"""Fraction digits of a physical percentage kept exactly; a longer tail is rounded off.

``1e-99999999`` is a valid YAML number: exact arithmetic on it, or printing it in
full, would build a hundred-million-digit number.
"""


def _physical_percent(value: Decimal) -> tuple[Fraction, str]:
    """A reported physical percentage as an exact fraction and as text."""
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= -PERCENT_DIGITS:
        return Fraction(value), f"{value:f}"
    if value == 0:
        return Fraction(0), "0"
    with localcontext(prec=MAX_PREC):
        rounded = Fraction(value.quantize(Decimal(1).scaleb(-PERCENT_DIGITS)))
    return rounded, _percent_text(rounded, approximate=True)


def _percent_text(value: Fraction, *, approximate: bool = False) -> str:
    """A percentage to two decimals, marked ``≈`` when that rounds it."""
    hundredths = round(value * 100)  # exact integer rounding, half to even
    shown = Decimal(f"{hundredths}e-2")  # the constructor never rounds
    exact = not approximate and Fraction(hundredths, 100) == value
    return f"{shown:f}" if exact else f"≈{shown:f}"


@register("T009")
def spending_lags_progress(ctx: RuleContext) -> Iterator[Violation]:
    """Progress reports whose physical percentage is far from the share of money spent."""
    gap = _exact(ctx.params["max_progress_gap_pct"])
    money = money_graph(ctx.index)
    for project in ctx.index.records("projects"):
        assert isinstance(project, Project)
        funding = money.project(project.id)
        if not funding.allocations or funding.allocated == 0:
            continue
        ctx.applied += 1
        total = Fraction(funding.allocated)
        faults: list[tuple[int, Text]] = []
        for position, report in enumerate(project.progress):
            spent = funding.disbursed_by(report.date)
            spent_pct = 100 * Fraction(spent) / total
            physical_pct, physical = _physical_percent(report.physical_pct)
            if abs(spent_pct - physical_pct) > gap:
                shown = _percent_text(spent_pct)
                amounts = f"{yuan(spent)} / {yuan(funding.allocated)}"
                faults.append(
                    (
                        position,
                        Text(
                            f"{report.date} 实物进度 {physical}%,资金支出 {shown}%({amounts})",
                            f"{report.date}: physical {physical}%, "
                            f"funds {shown}% spent ({amounts})",
                        ),
                    )
                )
        if not faults:
            continue
        faults.sort(key=lambda fault: project.progress[fault[0]].date)
        field: tuple[Key, ...] = ("progress", faults[0][0]) if len(faults) == 1 else ("progress",)
        yield Violation(
            project.id,
            {"reports": [text for _, text in faults], "max": ctx.params["max_progress_gap_pct"]},
            field=field,
            related=related_ids(ctx.index, funding.allocation_ids),
        )
