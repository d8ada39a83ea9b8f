"""The :func:`datasets` strategy: valid datasets of a chosen shape."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.strategies import DrawFn, SearchStrategy

from guabao_rules.testing._build import (
    DEFAULT_PARAMS,
    LEGACY_COUNTY,
    PREFECTURE_CODES,
    Builder,
    Shape,
)
from guabao_rules.testing.generated import GeneratedDataset

Count = int | tuple[int, int]
"""A number of things: exactly ``n``, or any from ``low`` to ``high`` (inclusive)."""

_LIMITS: dict[str, tuple[int, int]] = {
    "prefectures": (1, len(PREFECTURE_CODES)),
    "counties_per_prefecture": (1, 20),
    "villages_per_county": (0, 30),
    "households_per_village": (0, 30),
    "projects_per_county": (0, 30),
    "funds_per_county": (0, 20),
    "years": (1, 10),
}


def _count(name: str, value: object) -> tuple[int, int]:
    """Validate a shape argument now, as Hypothesis validates its own strategies' arguments."""
    least, most = _LIMITS[name]
    if isinstance(value, bool):
        raise InvalidArgument(f"{name}={value!r} must be an int or a (low, high) pair, not a bool")
    if isinstance(value, int):
        low = high = value
    elif (
        isinstance(value, tuple)
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    ):
        low, high = value
    else:
        raise InvalidArgument(f"{name}={value!r} must be an int or a (low, high) pair of ints")
    if low > high:
        raise InvalidArgument(f"{name}={value!r}: low={low} is greater than high={high}")
    if low < least or high > most:
        raise InvalidArgument(f"{name}={value!r} must lie within {least}..{most}")
    return low, high


def datasets(
    *,
    prefectures: Count = 1,
    counties_per_prefecture: Count = (1, 2),
    villages_per_county: Count = (0, 2),
    households_per_village: Count = (0, 2),
    projects_per_county: Count = (0, 3),
    funds_per_county: Count = (0, 2),
    years: Count = (1, 3),
) -> SearchStrategy[GeneratedDataset]:
    """Valid datasets of a chosen shape: no rule finds anything at their ``as_of``.

    Each dataset has a province, its prefectures (the first linked by the party
    secretary, the last by the governor, some paired with an east-west partner
    city), and counties. The first county is in scope (``deep_poverty``), the
    others are drawn in or out. An in-scope county gets its full quota: one
    provincial leader, provincial/central units and a state-owned enterprise
    (one of them the lead unit), main-leader visits and joint meetings in every
    complete year, a supervision group. Villages get a village package and a
    work team whose members report on every poor household each complete
    quarter; projects of every status carry the fields, milestones,
    announcements, progress reports and money the 七化 standards and the
    traceability rules ask for. ``params`` holds profile-like values (so Q001,
    Q002, Q008 and M005 apply) and ``total_units`` is the number of units drawn.

    Every argument is an ``int`` (exactly that many) or an inclusive
    ``(low, high)`` pair; they are checked at once and a bad one raises
    :class:`hypothesis.errors.InvalidArgument`.

    Args:
        prefectures: Prefectures (1–16).
        counties_per_prefecture: Counties in each prefecture (1–20).
        villages_per_county: Villages in each county (0–30).
        households_per_village: Registered households in each village (0–30).
        projects_per_county: Projects in each county's library (0–30).
        funds_per_county: County fund lines (0–20); allocations use a county's
            own funds, or a fund made for the project when the county has none.
        years: Calendar years of history; ``as_of`` falls in the last (1–10).

    Returns:
        A strategy for :class:`GeneratedDataset`.
    """
    shape = Shape(
        prefectures=_count("prefectures", prefectures),
        counties_per_prefecture=_count("counties_per_prefecture", counties_per_prefecture),
        villages_per_county=_count("villages_per_county", villages_per_county),
        households_per_village=_count("households_per_village", households_per_village),
        projects_per_county=_count("projects_per_county", projects_per_county),
        funds_per_county=_count("funds_per_county", funds_per_county),
        years=_count("years", years),
    )
    return _datasets(shape)


def known_params(params: dict[str, Any]) -> dict[str, Any]:
    """Keep the parameters the rule catalogue declares (the rest would be a config error)."""
    from guabao_rules.engine.core import catalogue

    declared = catalogue().params
    return {name: value for name, value in params.items() if name in declared}


@st.composite
def _datasets(draw: DrawFn, shape: Shape) -> GeneratedDataset:
    base = draw(st.integers(2014, 2020))
    span = draw(st.integers(*shape.years))
    start = date(base, 1, 1)
    final = base + span - 1
    if draw(st.booleans()):
        as_of = date(final, 12, 31)
    else:
        as_of = date(final, 1, 1) + timedelta(days=draw(st.integers(0, 364)))
    codes = PREFECTURE_CODES[: draw(st.integers(*shape.prefectures))]
    prefectures = [f"53{code}00" for code in codes]
    east_west = [p for p in prefectures if draw(st.booleans())] or [prefectures[-1]]
    params: dict[str, Any] = dict(DEFAULT_PARAMS)
    params.update(
        {
            "party_secretary_prefecture": prefectures[0],
            "governor_prefecture": prefectures[-1],
            "total_units": 0,
            "east_west_prefectures": east_west,
            "legacy_codes": {f"53{codes[0]}{LEGACY_COUNTY}": f"53{codes[0]}01"},
            "units_per_county": draw(st.integers(1, 3)),
            "min_visits_per_year": draw(st.integers(1, 2)),
            "min_team_members": draw(st.integers(2, 3)),
            "max_team_members": draw(st.sampled_from([4, 5])),
            "min_announcement_days": draw(st.sampled_from([5, 10])),
            "scope_tag": draw(st.sampled_from(["deep_poverty", "deep_poverty", "sanqu_sanzhou"])),
        }
    )
    builder = Builder(draw, GeneratedDataset({}, as_of, params, start))
    builder.add_province()
    for _ in prefectures:
        builder.add_prefecture()
    builder.add_top(prefectures)
    first = True
    for prefecture in prefectures:
        for _ in range(draw(st.integers(*shape.counties_per_prefecture))):
            builder.add_county(prefecture, first or draw(st.booleans()), shape)
            first = False
    builder.finish()
    builder.params = known_params(builder.params)
    return builder.result()


def joined_with_unrelated(
    dataset: GeneratedDataset,
    *,
    counties: Count = (1, 2),
    villages_per_county: Count = (0, 2),
    households_per_village: Count = (0, 2),
    projects_per_county: Count = (0, 2),
    funds_per_county: Count = (0, 1),
) -> SearchStrategy[GeneratedDataset]:
    """The dataset joined with clean records no rule relates to it.

    Adds whole counties out of scope (their own units, visits, villages,
    households, projects and funds, in existing prefectures), so checking the
    result yields exactly the findings of ``dataset``: a metamorphic test of
    rules that must look only at what concerns each subject. Arguments are
    checked at once like those of :func:`datasets`.

    Args:
        dataset: A generated dataset, valid or violated.
        counties: How many counties to add (1–20).
        villages_per_county: Villages in each (0–30).
        households_per_village: Households in each village (0–30).
        projects_per_county: Projects in each (0–30).
        funds_per_county: County fund lines in each (0–20).
    """
    shape = Shape(
        prefectures=(1, 1),
        counties_per_prefecture=_count("counties_per_prefecture", counties),
        villages_per_county=_count("villages_per_county", villages_per_county),
        households_per_village=_count("households_per_village", households_per_village),
        projects_per_county=_count("projects_per_county", projects_per_county),
        funds_per_county=_count("funds_per_county", funds_per_county),
        years=(1, 1),
    )
    return _joined(dataset, shape)


@st.composite
def _joined(draw: DrawFn, dataset: GeneratedDataset, shape: Shape) -> GeneratedDataset:
    builder = Builder(draw, dataset)
    prefectures = [str(r["id"]) for r in builder.all("regions") if r.get("level") == "prefecture"]
    for _ in range(draw(st.integers(*shape.counties_per_prefecture))):
        prefecture = prefectures[draw(st.integers(0, len(prefectures) - 1))]
        builder.add_county(prefecture, False, shape, shared_funds=False)
    return builder.result()
