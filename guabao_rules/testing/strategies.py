"""The :func:`datasets` strategy: valid datasets of a chosen shape."""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.strategies import DrawFn, SearchStrategy

from guabao_rules.testing._build import PREFECTURE_CODES, Builder, Shape, build_dataset
from guabao_rules.testing.generated import GeneratedDataset
from guabao_rules.testing.world import DrawChooser

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


@st.composite
def _datasets(draw: DrawFn, shape: Shape) -> GeneratedDataset:
    return build_dataset(DrawChooser(draw), shape)


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
    builder = Builder(DrawChooser(draw), dataset)
    prefectures = [str(r["id"]) for r in builder.all("regions") if r.get("level") == "prefecture"]
    for _ in range(draw(st.integers(*shape.counties_per_prefecture))):
        prefecture = prefectures[draw(st.integers(0, len(prefectures) - 1))]
        builder.add_county(prefecture, False, shape, shared_funds=False)
    return builder.result()
