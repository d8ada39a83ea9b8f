"""M rules: the working mechanisms of seed (一)(三)(四)(六).

M001–M003 count events (visits, reports, joint meetings) in each complete
year or quarter of a record (a pairing, a work team), all through
:func:`short_periods`; the calendar comes from :mod:`guabao_rules.timecal`.
M004 is the general ``forbidden`` check: every record matching the ``where``
of the rule's ``select`` is a finding. M005 is a declarative count in the pack.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Iterator, Sequence
from typing import TypeVar

from guabao_rules.diagnostics import Text, Violation
from guabao_rules.engine.context import RuleContext
from guabao_rules.kinds.python import PythonConstraint, register
from guabao_rules.kinds.schema import Selector
from guabao_rules.kinds.select import select
from guabao_rules.models import (
    Household,
    Meeting,
    Pairing,
    Region,
    Report,
    Unit,
    Visit,
    WorkTeam,
)
from guabao_rules.timecal import (
    Quarter,
    complete_quarters,
    complete_years,
    is_active,
)

P = TypeVar("P", bound=Hashable)


def short_periods(periods: Sequence[P], events: Iterable[P], minimum: int) -> list[tuple[P, int]]:
    """Count events per period and keep the periods with fewer than ``minimum``.

    Args:
        periods: The complete periods to judge (years or quarters), in order.
        events: The period of each qualifying event; events outside ``periods``
            are ignored.
        minimum: The number of events each period needs.

    Returns:
        ``(period, count)`` for each short period, in the order of ``periods``.
    """
    wanted = set(periods)
    counts = Counter(event for event in events if event in wanted)
    return [(period, counts[period]) for period in periods if counts[period] < minimum]


def _int_param(ctx: RuleContext, name: str) -> int | None:
    """An integer parameter, None when unset."""
    value = ctx.params.get(name)
    return None if value is None else int(value)


def _rule_selector(ctx: RuleContext) -> Selector:
    """The ``select`` a rule declares beside its Python check (required there)."""
    constraint = ctx.rule.constraint
    if not isinstance(constraint, PythonConstraint) or constraint.select is None:
        raise ValueError(f"rule {ctx.rule.id}: its Python check needs a `select`")
    return constraint.select


def _years_text(shortfalls: list[tuple[int, int]]) -> list[Text]:
    """Each short year with its count, e.g. ``2019 年 1 次`` / ``1 in 2019``."""
    return [Text(zh=f"{year} 年 {count} 次", en=f"{count} in {year}") for year, count in shortfalls]


# --- M001: main leaders' visits ----------------------------------------------------------


@register("main-leader-visits")
def main_leader_visits(ctx: RuleContext) -> Iterator[Violation]:
    """Unit county links with a complete year of too few main-leader visits."""
    minimum = _int_param(ctx, "min_visits_per_year")
    if minimum is None:
        return
    index = ctx.index
    # The visit years of each unit to each county, from the unit's own visits
    # (the `visitor` index): built once per unit, so the rule stays linear.
    visit_years: dict[str, dict[str, list[int]]] = {}
    for entry in index.by_collection.get("pairings", ()):
        pairing = entry.model
        assert isinstance(pairing, Pairing)
        if pairing.kind != "county_link" or index.get(pairing.helper, Unit) is None:
            continue
        target = index.get(pairing.target, Region)
        if target is None or target.level != "county":
            continue  # a target that is not a county is D002's; nothing to count visits to
        ctx.applied += 1
        by_county = visit_years.get(pairing.helper)
        if by_county is None:
            by_county = {}
            for visit in index.referring(pairing.helper, "visits", "visitor", Visit):
                if visit.main_leader:
                    by_county.setdefault(visit.county, []).append(visit.date.year)
            visit_years[pairing.helper] = by_county
        years = complete_years(pairing.start, pairing.end, ctx.as_of)
        short = short_periods(years, by_county.get(pairing.target, []), minimum)
        if short:
            yield Violation(
                pairing.id,
                {
                    "min": minimum,
                    "unit": pairing.helper,
                    "county": pairing.target,
                    "years": _years_text(short),
                },
                related=(pairing.helper, pairing.target),
            )


# --- M002: quarterly reports on poor households ------------------------------------------


@register("quarterly-reports")
def quarterly_reports(ctx: RuleContext) -> Iterator[Violation]:
    """Poor households missing a work-team report for a complete quarter of the team.

    Every work team active on ``as_of`` in the household's village is judged on
    its own: each of its complete quarters needs a report on the household for
    that period from one of *its* members. When the village has several active
    teams, a missing quarter is named with its team.
    """
    index = ctx.index
    team_quarters: dict[str, list[Quarter]] = {}
    for entry in index.by_collection.get("households", ()):
        household = entry.model
        assert isinstance(household, Household)
        if household.status != "poor":
            continue
        teams = [
            team
            for team in index.referring(household.village, "work_teams", "village", WorkTeam)
            if is_active(team.start, team.end, ctx.as_of)
        ]
        if not teams:
            continue
        ctx.applied += 1
        reports = list(index.referring(household.id, "reports", "household", Report))
        missing: list[Text] = []
        for team in teams:
            quarters = team_quarters.get(team.id)
            if quarters is None:
                quarters = complete_quarters(team.start, team.end, ctx.as_of)
                team_quarters[team.id] = quarters
            members = set(team.members)
            reported = (Quarter.parse(r.period) for r in reports if r.reporter in members)
            for quarter, _ in short_periods(quarters, reported, 1):
                if len(teams) == 1:
                    missing.append(Text(zh=str(quarter), en=str(quarter)))
                else:
                    missing.append(Text(zh=f"{quarter}({team.id})", en=f"{quarter} ({team.id})"))
        if missing:
            yield Violation(
                household.id,
                {"quarters": missing, "teams": [team.id for team in teams]},
                related=tuple(team.id for team in teams),
            )


# --- M003: joint meetings convened by the lead unit -------------------------------------


@register("joint-meetings")
def joint_meetings(ctx: RuleContext) -> Iterator[Violation]:
    """In-scope counties whose one lead unit convened too few joint meetings in a year.

    The counties are those of the rule's ``select``. A county without exactly one
    active lead unit ``county_link`` is left to Q009 and is not counted as applied.
    """
    minimum = _int_param(ctx, "min_joint_meetings_per_year")
    if minimum is None:
        return
    index = ctx.index
    for county, _ in select(ctx, _rule_selector(ctx)):
        if county is None:
            continue
        leads = [
            pairing
            for pairing in index.active_pairings(county, "county_link", ctx.as_of)
            if pairing.role == "lead" and index.get(pairing.helper, Unit) is not None
        ]
        if len(leads) != 1:
            ctx.applied -= 1  # not a subject: with 0 or 2+ lead units only Q009 reports
            continue
        lead = leads[0]
        years = complete_years(lead.start, lead.end, ctx.as_of)
        meetings = (
            meeting.date.year
            for meeting in index.referring(county, "meetings", "county", Meeting)
            if meeting.convened_by == lead.helper
        )
        short = short_periods(years, meetings, minimum)
        if short:
            yield Violation(
                county,
                {
                    "min": minimum,
                    "unit": lead.helper,
                    "pairing": lead.id,
                    "years": _years_text(short),
                },
                related=(lead.id, lead.helper),
            )
