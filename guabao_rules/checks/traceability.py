"""T rules: fund-to-project traceability, seed (二) 资金、项目逐一对应.

Every check reads its sums from the dataset's :mod:`~guabao_rules.money`
graph (built once, exact ``Decimal``), so each rule is linear in the data.
A finding names the records the money passed through in ``related`` (funds,
allocations, disbursements, the project), at most :data:`RELATED_CAP` of them,
and writes amounts exactly with thousands separators. T001 is a declarative
``count`` rule in ``rules/traceability.yaml``; the rest are here.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from decimal import MAX_PREC, Decimal, localcontext
from fractions import Fraction
from typing import Any

from guabao_rules.diagnostics import Text, Violation
from guabao_rules.engine.context import RuleContext
from guabao_rules.kinds.python import CheckQuery, register, register_query
from guabao_rules.kinds.query import CompileError, Tables
from guabao_rules.kinds.select import RELATED_CAP, related_ids
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


def _lagging(day: Any, physical: str, spent: Decimal, allocated: Decimal) -> Text:
    """The text of a report whose physical percentage is far from the share spent."""
    shown = _percent_text(100 * Fraction(spent) / Fraction(allocated))
    amounts = f"{yuan(spent)} / {yuan(allocated)}"
    return Text(
        zh=f"{day} 实物进度 {physical}%,资金支出 {shown}%({amounts})",
        en=f"{day}: physical {physical}%, funds {shown}% spent ({amounts})",
    )


def _lags_violation(
    subject: str, faults: list[tuple[int, Any, Text]], gap: Any, related: tuple[str, ...]
) -> Violation:
    """The violation of a project from its faults ``(place, day, text)``, listed by day."""
    faults = sorted(faults, key=lambda fault: fault[1])
    field: tuple[Key, ...] = ("progress", faults[0][0]) if len(faults) == 1 else ("progress",)
    return Violation(
        subject,
        {"reports": [text for _, _, text in faults], "max": gap},
        field=field,
        related=related,
    )


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
        faults: list[tuple[int, Any, Text]] = []
        for position, report in enumerate(project.progress):
            spent = funding.disbursed_by(report.date)
            spent_pct = 100 * Fraction(spent) / total
            physical_pct, physical = _physical_percent(report.physical_pct)
            if abs(spent_pct - physical_pct) > gap:
                faults.append(
                    (
                        position,
                        report.date,
                        _lagging(report.date, physical, spent, funding.allocated),
                    )
                )
        if faults:
            yield _lags_violation(
                project.id,
                faults,
                ctx.params["max_progress_gap_pct"],
                related_ids(ctx.index, funding.allocation_ids),
            )


# T009 as a query. At a report of day d of a project with allocations A > 0 and
# disbursements S up to d, |100 S / A - P| > G is, multiplied by A > 0,
# 100 S > (P + G) A or 100 S < (P - G) A (and every report, for a negative G).
# Every operand is an exact decimal: A and S are sums of decimal(38, 2)
# amounts, P has at most PERCENT_SCALE fraction digits (the table holds it
# exactly), G is the parameter. A and S are cast to decimal(a + 2, 2) and
# P +- G to decimal(max(p, a) + s, s), a, p and s just enough for the data
# (s >= 2, so the second type contains the first, as ibis needs to type a
# product); their product is exact on DuckDB (the digits added) and on Spark
# (one more) while that stays within 38 digits. Wider data runs it in Python.

_DECIMAL = "decimal(38, 2)"


def _integer_digits(value: Decimal) -> int:
    """The digits of the integer part of ``value`` (at least 1)."""
    return max(1, len(str(int(abs(value)))))


def _gap_decimal(value: Any) -> Decimal:
    """The gap parameter as an exact decimal, as :func:`_exact` reads it."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int | float | str):
        raise CompileError(f"the gap {value!r} is not a number")
    gap = value if isinstance(value, Decimal) else Decimal(str(value))
    if not gap.is_finite():
        raise CompileError(f"the gap {value!r} is not a finite number")
    return gap


def _project_money(tables: Tables) -> tuple[Any, Any]:
    """The projects' allocations and their disbursements, each joined to a valid project."""
    projects = tables["projects"].select(_project="id")
    allocations = tables["allocations"]
    allocations = allocations.join(projects, allocations.project == projects._project)
    allocations = allocations.select("id", "project", "amount", "_ordinal")
    paid_from = allocations.select(_allocation="id", _to=allocations.project)
    disbursements = tables["disbursements"]
    disbursements = disbursements.join(paid_from, disbursements.allocation == paid_from._allocation)
    return allocations, disbursements.select(_to="_to", _day="date", _paid="amount")


def _funded(allocations: Any) -> Any:
    """Each project whose allocations total more than 0: ``_funded``, ``_allocated``, ``_items``.

    ``_items``: its first RELATED_CAP allocations in reading order, as ``{p, v}``.
    """
    import ibis

    totals = allocations.group_by(_funded=allocations.project).aggregate(
        _allocated=allocations.amount.sum().cast(_DECIMAL)
    )
    ranked = allocations.mutate(
        _p=ibis.row_number().over(group_by=allocations.project, order_by=allocations._ordinal)
    )
    ranked = ranked.filter(ranked._p < RELATED_CAP)
    items = ranked.group_by(_owner=ranked.project).aggregate(
        _items=ibis.struct({"p": ranked._p, "v": ranked.id}).collect()
    )
    totals = totals.join(items, totals._funded == items._owner).drop("_owner")
    return totals.filter(totals._allocated > 0)


def _percent_digits(tables: Tables) -> int:
    """The most fraction digits a progress report's percentage is written with.

    Raises:
        CompileError: A percentage the table does not hold exactly (nor its text, which
            the message prints), whatever the gap.
    """
    from guabao_rules.columnar.tables import PERCENT_SCALE, digits_column, item_table_name

    progress = tables[item_table_name("projects", "progress")]
    written = int(progress[digits_column("physical_pct")].max().to_pyarrow().as_py() or 0)
    if written > PERCENT_SCALE:
        raise CompileError(f"a percentage has more than {PERCENT_SCALE} fraction digits")
    return written


def _widths(tables: Tables, gap: Decimal, written: int) -> tuple[str, str]:
    """The decimal types of the amounts and of ``P +- G`` that keep T009's products exact.

    Raises:
        CompileError: Products wider than 38 digits.
    """
    # Amounts are never negative: no project's sum exceeds a whole column's.
    totals = [tables[c].amount.sum().to_pyarrow().as_py() for c in ("allocations", "disbursements")]
    amount = _integer_digits(max((Decimal(t or 0) for t in totals), default=Decimal(0)))
    exponent = gap.as_tuple().exponent
    scale = max(2, int(written), -exponent if isinstance(exponent, int) and exponent < 0 else 0)
    # P + G and P - G lie within 100 + |G|.
    share = max(amount, _integer_digits(100 + abs(gap))) + scale
    if (amount + 2) + share + 1 > 38:
        raise CompileError("the percentages and amounts are too wide for exact 38-digit decimals")
    return f"decimal({amount + 2}, 2)", f"decimal({share}, {scale})"


def _lags_query(params: Mapping[str, Any], tables: Tables, as_of: date) -> Any:
    """The reports at fault, a row each, with their project's sums and allocations."""
    import ibis

    from guabao_rules.columnar.tables import item_table_name, text_column

    name = item_table_name("projects", "progress")
    if name not in tables:
        raise CompileError(f"no table {name!r} of the projects' progress reports")
    gap = _gap_decimal(params["max_progress_gap_pct"])
    written = _percent_digits(tables)  # before the gap's sign: a negative gap prints them too
    allocations, disbursements = _project_money(tables)
    reports = tables[name]
    funded = _funded(allocations)
    reports = reports.join(funded, reports._owner == funded._funded)
    days = reports.select(_o=reports._owner, _i=reports._item, _d=reports.date)
    paid = days.join(disbursements, [days._o == disbursements._to, disbursements._day <= days._d])
    spent = paid.group_by(["_o", "_i"]).aggregate(_spent=paid._paid.sum().cast(_DECIMAL))
    rows = reports.left_join(spent, [reports._owner == spent._o, reports._item == spent._i])
    zero = ibis.literal(Decimal(0)).cast(_DECIMAL)
    rows = rows.mutate(_spent=rows._spent.fill_null(zero))
    if gap < 0:
        fails: Any = ibis.literal(True)  # |x| > a negative gap: every report
    else:
        money, share = _widths(tables, gap, written)
        physical = rows.physical_pct.cast(share)
        bound = ibis.literal(f"{gap:f}").cast(share)  # from its text: a literal decimal may round
        allocated = rows._allocated.cast(money)
        left = rows._spent.cast(money) * ibis.literal(100).cast("decimal(3, 0)")
        above = (physical + bound).cast(share) * allocated
        below = (physical - bound).cast(share) * allocated
        fails = (left > above) | (left < below)
    failing = rows.filter(fails)
    return failing.select(
        subject=failing._owner,
        _ordinal=failing._ordinal,
        _item=failing._item,
        _day=failing.date,
        _physical=failing[text_column("physical_pct")],
        _spent=failing._spent,
        _allocated=failing._allocated,
        _items=failing._items,
    )


def _lags_violations(
    params: Mapping[str, Any], rows: Iterable[Mapping[str, Any]]
) -> Iterator[Violation]:
    ordered = sorted(rows, key=lambda row: (row["_ordinal"], row["_day"], row["_item"]))
    for _, group in itertools.groupby(ordered, key=lambda row: row["_ordinal"]):
        found = list(group)
        first = found[0]
        allocated = Decimal(first["_allocated"])
        faults = [
            (
                row["_item"],
                row["_day"],
                _lagging(row["_day"], row["_physical"], Decimal(row["_spent"]), allocated),
            )
            for row in found
        ]
        ranked = sorted(first["_items"] or (), key=lambda item: item["p"])
        related = tuple(dict.fromkeys(item["v"] for item in ranked))[:RELATED_CAP]
        yield _lags_violation(first["subject"], faults, params["max_progress_gap_pct"], related)


def _lags_applied(params: Mapping[str, Any], tables: Tables, as_of: date) -> Any:
    allocations, _ = _project_money(tables)
    return _funded(allocations).count()


register_query(
    "progress-matches-spending", CheckQuery(_lags_query, _lags_violations, _lags_applied)
)
