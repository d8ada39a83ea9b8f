"""T rules: fund-to-project traceability, seed (二) 资金、项目逐一对应.

Every check reads its sums from the dataset's :mod:`~guabao_rules.money`
graph (built once, exact ``Decimal``), so each rule is linear in the data.
A finding names the records the money passed through in ``related`` (funds,
allocations, disbursements, the project), at most :data:`RELATED_CAP` of them,
and writes amounts exactly with thousands separators. T001 is a declarative
``count`` rule in ``rules/traceability.yaml``; the rest are here.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import MAX_PREC, Decimal, localcontext
from fractions import Fraction
from typing import Any

from guabao_rules.diagnostics import Text, Violation
from guabao_rules.engine.context import RuleContext
from guabao_rules.kinds.python import register
from guabao_rules.kinds.select import related_ids
from guabao_rules.models import Project
from guabao_rules.money import money_graph, yuan
from guabao_rules.sources.positions import Key


def _exact(value: Any) -> Fraction:
    """A parameter or amount as an exact fraction (never through binary floating point)."""
    if isinstance(value, Decimal | int):
        return Fraction(value)
    return Fraction(str(value))


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


@register("progress-matches-spending", reads=["projects", "funds", "allocations", "disbursements"])
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
                            zh=f"{report.date} 实物进度 {physical}%,资金支出 {shown}%({amounts})",
                            en=f"{report.date}: physical {physical}%, "
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
