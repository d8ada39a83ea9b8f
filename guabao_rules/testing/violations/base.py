"""The registry of violation strategies, and the helpers the families share.

:data:`VIOLATIONS` maps a rule id to its strategy; ``_violation(rule)``
registers a mutation as one. The family modules (``data``, ``quota``,
``mechanisms``, ``standards``, ``traceability``) import from here, never from
the package, and the package imports them so that every rule is registered.
The underscored helpers are private to this package.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.strategies import DrawFn, SearchStrategy

from guabao_rules.testing._build import Builder, cents, complete_years
from guabao_rules.testing.generated import GeneratedDataset, Record
from guabao_rules.testing.strategies import datasets
from guabao_rules.testing.world import DrawChooser

Subject = str | None


@dataclass(frozen=True)
class Violated:
    """A dataset that breaks one rule on one subject.

    Attributes:
        dataset: The mutated dataset (params, raw files and waivers included).
        rule: The rule it breaks.
        subject: The subject of the one finding expected (None for a file or the dataset).
        change: What was changed, in words (for failure reports).
    """

    dataset: GeneratedDataset
    rule: str
    subject: Subject
    change: str

    @property
    def expected(self) -> set[tuple[str, Subject]]:
        """The findings checking the dataset must yield: exactly ``{(rule, subject)}``."""
        return {(self.rule, self.subject)}


Mutation = Callable[[Builder], tuple[Subject, str]]
VIOLATIONS: dict[str, Callable[[GeneratedDataset], SearchStrategy[Violated]]] = {}
"""Rule id → a function from a valid dataset to a strategy of :class:`Violated`."""


def _violation(rule: str) -> Callable[[Mutation], Mutation]:
    """Register a mutation as the violation strategy of ``rule``."""

    def register(mutate: Mutation) -> Mutation:
        def strategy(dataset: GeneratedDataset) -> SearchStrategy[Violated]:
            @st.composite
            def build(draw: DrawFn) -> Violated:
                builder = Builder(DrawChooser(draw), dataset)
                subject, change = mutate(builder)
                return Violated(builder.result(), rule, subject, change)

            return build()

        strategy.__doc__ = mutate.__doc__
        VIOLATIONS[rule] = strategy
        return mutate

    return register


def violations(
    rule: str, dataset: GeneratedDataset | SearchStrategy[GeneratedDataset] | None = None
) -> SearchStrategy[Violated]:
    """Datasets that break exactly ``rule`` on one subject.

    Args:
        rule: A rule id of the catalogue (``"Q003"``).
        dataset: A valid dataset, a strategy of them, or None for :func:`datasets`.

    Raises:
        InvalidArgument: No violation strategy is known for ``rule``.
    """
    if rule not in VIOLATIONS:
        raise InvalidArgument(f"no violation strategy for rule {rule!r}")
    make = VIOLATIONS[rule]
    if dataset is None:
        dataset = datasets()
    if isinstance(dataset, GeneratedDataset):
        return make(dataset)
    return dataset.flatmap(make)


# --- shared helpers ----------------------------------------------------------------


def _counties(b: Builder) -> list[Record]:
    return [r for r in b.all("regions") if r["level"] == "county"]


def _in_scope(b: Builder) -> list[Record]:
    counties = [r for r in _counties(b) if b.in_scope(r)]
    if not counties:
        raise InvalidArgument("the dataset has no in-scope county")
    return counties


def _prefectures(b: Builder) -> list[Record]:
    return [r for r in b.all("regions") if r["level"] == "prefecture"]


def _new_county(b: Builder) -> str:
    """A bare out-of-scope county (no pairings: no quota applies to it)."""
    prefecture = b.pick(_prefectures(b))
    return str(b.add_county_region(str(prefecture["id"]), in_scope=False)["id"])


def _township(b: Builder, county: str) -> str:
    townships = b.regions_under(county, "township")
    if townships and b.flag():
        return str(b.pick(townships)["id"])
    return str(b.add_township(county)["id"])


def _village(b: Builder) -> str:
    """An existing village, or a new one (with a team) in some county."""
    villages = [str(v["id"]) for v in b.all("regions") if v["level"] == "village"]
    if villages and b.between(0, 3) > 0:
        return str(b.pick(villages))
    county = str(b.pick(_counties(b))["id"])
    return b.add_village(_township(b, county), poor=b.flag(), team=True)


def _later(b: Builder, day: date, most: int = 400) -> date:
    return day + timedelta(days=b.between(1, most))


def _earlier(b: Builder, day: date, most: int = 400) -> date:
    return day - timedelta(days=b.between(1, most))


def _active(b: Builder, record: Record) -> bool:
    return bool(
        record["start"] <= b.as_of and (record.get("end") is None or b.as_of <= record["end"])
    )


def _project(
    b: Builder,
    statuses: tuple[str, ...],
    ok: Callable[[Record], bool] = lambda p: True,
    fresh: tuple[str, ...] | None = None,
) -> Record:
    """A project of one of ``statuses`` satisfying ``ok``, or a new clean one.

    The new one (made when none is found, and now and then anyway) has one of
    the ``fresh`` statuses (default ``statuses``), which must satisfy ``ok``.
    """
    found = [p for p in b.all("projects") if p["status"] in statuses and ok(p)]
    if found and b.between(0, 3) > 0:
        chosen: Record = b.pick(found)
        return chosen
    county = str(b.pick(_counties(b))["id"])
    return b.add_project(county, b.pick(list(fresh or statuses)), [])


def _allocations_of(b: Builder, project: Record) -> list[Record]:
    return b.where("allocations", project=project["id"])


def _paid(b: Builder, allocation: Record) -> int:
    return sum(cents(d["amount"]) for d in b.where("disbursements", allocation=allocation["id"]))


def _unit_links(b: Builder) -> list[Record]:
    return [
        p
        for p in b.where("pairings", kind="county_link")
        if b.collection_of(str(p["helper"])) == "units" and b.get(str(p["target"]))
    ]


def _ensure_visits(
    b: Builder, unit: str, county: str, start: date, *, skip: int | None, end: date | None = None
) -> None:
    """Enough main-leader visits in every complete year from ``start`` to ``end`` but ``skip``."""
    need = int(b.param("min_visits_per_year"))
    for year in complete_years(start, end, b.as_of):
        if year == skip:
            continue
        have = [
            v
            for v in b.where("visits", visitor=unit, county=county)
            if v.get("main_leader") is True and v["date"].year == year
        ]
        for _ in range(need - len(have)):
            b.add_visit(unit, county, b.day(date(year, 1, 1), date(year, 12, 31)), main_leader=True)


def _ensure_meetings(b: Builder, unit: str, county: str, start: date, skip: int | None) -> None:
    """Enough joint meetings by ``unit`` in every complete year from ``start`` but ``skip``."""
    need = int(b.param("min_joint_meetings_per_year"))
    for year in complete_years(start, None, b.as_of):
        if year == skip:
            continue
        have = [
            m
            for m in b.where("meetings", county=county, convened_by=unit)
            if m["date"].year == year
        ]
        for _ in range(need - len(have)):
            record: Record = {"id": b.fresh(f"MT-{county}-{year}"), "county": county}
            record["convened_by"] = unit
            record["date"] = b.day(date(year, 1, 1), date(year, 12, 31))
            b.add("meetings", record, county)


def _extend_back(b: Builder, link: Record) -> None:
    """Start a link on 1 January of the year before as_of, so it has a complete year."""
    link["start"] = min(link["start"], date(b.as_of.year - 1, 1, 1))


def _fund_still_fine(b: Builder, fund_id: str) -> None:
    """After allocations were taken away: an idle fund must not look idle for long (T002)."""
    found = b.get(fund_id)
    if found is None:
        return
    fund = found[1]
    if not b.where("allocations", fund=fund_id) and not b.where("funds", parent=fund_id):
        fund.pop("received", None)
