"""S rules: the 七化 standards of the project library, seed (二).

S101 is a declarative ``presence`` constraint; the rules here need dates,
money or the region tree. Each looks only at projects whose status the rule
names, counts those as applied, and reports all of a project's problems in
one violation.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from itertools import pairwise
from typing import Any

from guabao_rules.diagnostics import Text, Violation
from guabao_rules.engine.context import RuleContext
from guabao_rules.kinds.python import CheckQuery, register, register_query
from guabao_rules.kinds.query import CompileError, Tables, unnest_positions
from guabao_rules.kinds.select import RELATED_CAP
from guabao_rules.models import (
    Announcement,
    Household,
    Project,
    Region,
    status_at_least,
)
from guabao_rules.sources.positions import Key
from guabao_rules.timecal import days_between

MILESTONE_ORDER = ("proposed", "reviewed", "in_library", "start", "completed", "accepted")
"""The order project milestones must keep (each on or before the next present one)."""


def _projects(
    ctx: RuleContext, at_least: str | None = None, exactly: str | None = None
) -> Iterator[Project]:
    """Valid projects at or past ``at_least`` or with status ``exactly``, counted as applied."""
    for entry in ctx.index.by_collection.get("projects", ()):
        project = entry.model
        if not isinstance(project, Project):
            continue
        if at_least is not None and not status_at_least(project.status, at_least):
            continue
        if exactly is not None and project.status != exactly:
            continue
        ctx.applied += 1
        yield project


def _single_field(problems: list[tuple[tuple[Key, ...] | None, Text]]) -> tuple[Key, ...] | None:
    """The field at fault when there is exactly one problem, else None (the record)."""
    return problems[0][0] if len(problems) == 1 else None


# --- S201 项目入库科学化 ------------------------------------------------------------


@register("milestone-order", reads=["projects"])
def milestone_order(ctx: RuleContext) -> Iterator[Violation]:
    """Milestones out of order, or a library project not reviewed and entered."""
    for project in _projects(ctx):
        milestones = project.milestones
        problems: list[tuple[tuple[Key, ...] | None, Text]] = []
        present = [(n, d) for n in MILESTONE_ORDER if (d := getattr(milestones, n)) is not None]
        # Consecutive present milestones in order imply the whole chain is in order.
        for (earlier, first), (later, second) in pairwise(present):
            if second < first:
                problems.append(
                    (
                        ("milestones", later),
                        Text(
                            zh=f"{later} {second} 早于 {earlier} {first}",
                            en=f"{later} {second} is before {earlier} {first}",
                        ),
                    )
                )
        if status_at_least(project.status, "in_library"):
            for name in ("reviewed", "in_library"):
                if getattr(milestones, name) is None:
                    problems.append(
                        (
                            ("milestones", name),
                            Text(
                                zh=f"状态为 {project.status} 但缺少 milestones.{name}",
                                en=f"status {project.status} without milestones.{name}",
                            ),
                        )
                    )
        if problems:
            yield Violation(
                project.id, {"problems": [t for _, t in problems]}, field=_single_field(problems)
            )


# --- S501 带贫减贫绩效化 ------------------------------------------------------------


def _performance_violation(
    subject: str, county: str, *, no_targets: bool, no_poor: bool, outside: list[tuple[str, str]]
) -> Violation | None:
    """S501's violation of a project: its problems in order (None when it has none).

    ``outside``: the beneficiary households living in another county, with that county.
    """
    problems: list[tuple[tuple[Key, ...] | None, Text]] = []
    if no_targets:
        problems.append(
            (("performance", "targets"), Text(zh="没有绩效目标", en="no performance target"))
        )
    if no_poor:
        problems.append(
            (
                ("performance", "poor_households"),
                Text(
                    zh="没有受益贫困户(带贫户数为 0 且无受益对象)",
                    en="no benefiting poor households (poor_households 0, no beneficiaries)",
                ),
            )
        )
    if outside:
        details = [f"{household} ({elsewhere})" for household, elsewhere in outside]
        problems.append(
            (
                ("performance", "beneficiaries"),
                Text(
                    zh=f"受益户不在项目所在县 {county}:{'、'.join(details)}",
                    en=f"beneficiary households outside county {county}: " + ", ".join(details),
                ),
            )
        )
    if not problems:
        return None
    return Violation(
        subject,
        {"problems": [t for _, t in problems]},
        field=_single_field(problems),
        related=tuple(household for household, _ in outside[:RELATED_CAP]),
    )


@register("poverty-performance", reads=["projects", "regions", "households"])
def poverty_performance(ctx: RuleContext) -> Iterator[Violation]:
    """Library projects without targets, without poor beneficiaries, or helping elsewhere."""
    index = ctx.index
    for project in _projects(ctx, at_least="in_library"):
        performance = project.performance
        outside: list[tuple[str, str]] = []
        # A county that is not a county, a household that is missing, or its village
        # that is not a village, are D002's: skip what needs them.
        where = index.get(project.county, Region)
        if where is not None and where.level == "county":
            for household_id in dict.fromkeys(performance.beneficiaries):
                household = index.get(household_id, Household)
                village = index.get(household.village, Region) if household else None
                if village is None or village.level != "village":
                    continue
                county = index.county_of(village.id)
                if county is not None and county != project.county:
                    outside.append((household_id, county))
        found = _performance_violation(
            project.id,
            project.county,
            no_targets=not performance.targets,
            no_poor=not performance.poor_households and not performance.beneficiaries,
            outside=outside,
        )
        if found is not None:
            yield found


# S501 as a query: the library projects with their targets counted, and their
# beneficiaries unnested (first place of each), resolved household -> village
# -> county (the index's walk, kinds.reference.county_of_regions) and kept when
# that county is another; a row per project at fault.


def _library_projects(tables: Tables) -> Any:
    from guabao_rules.kinds.query import where_filter
    from guabao_rules.kinds.schema import AtLeast

    projects = tables["projects"]
    return where_filter(projects, {"status": AtLeast(at_least="in_library")}, {})


def _performance_query(params: Mapping[str, Any], tables: Tables, as_of: date) -> Any:
    """The library projects at fault, with what S501 says of each."""
    import ibis

    from guabao_rules.columnar.tables import item_table_name
    from guabao_rules.kinds.reference import county_of_regions

    targets_name = item_table_name("projects", "performance__targets")
    for name in (targets_name, "households", "regions"):
        if name not in tables:
            raise CompileError(f"no table {name!r}")
    projects = _library_projects(tables)
    projects = projects.select(
        _id=projects.id,
        _ordinal=projects._ordinal,
        _county=projects.county,
        _poor=projects.performance__poor_households,
        _listed=projects.performance__beneficiaries,
    )
    targets = tables[targets_name]
    counted = targets.group_by(_t_owner=targets._owner).aggregate(_targets=targets.count())
    # The beneficiaries of projects in a valid county, each at its first place.
    regions = tables["regions"]
    counties = regions.filter(regions.level == "county").select(_in=regions.id)
    placed = projects.join(counties, projects._county == counties._in)
    listed = placed.select(_owner=placed._id, _home=placed._county, _household=placed._listed)
    listed = unnest_positions(listed, "_household", "_position")
    listed = listed.filter(listed._household.notnull())
    listed = listed.group_by(["_owner", "_home", "_household"]).aggregate(
        _position=listed._position.cast("int64").min()
    )
    households = tables["households"].select(_h_id="id", _village="village")
    villages = regions.filter(regions.level == "village").select(_v_id=regions.id)
    walked = county_of_regions(tables)
    homes = households.join(villages, households._village == villages._v_id)
    homes = homes.join(walked, homes._village == walked._c_id)
    homes = homes.filter(homes._c_county.notnull()).select("_h_id", "_c_county")
    lives = listed.join(homes, listed._household == homes._h_id)
    # "Lives in another county" as an anti-join on (household, county), not as
    # `_c_county != _home`: DuckDB's join planner takes an inequality for a join
    # condition and paired every listed household with every village (7.7e6
    # rows, 1 GiB at 10^6 records; quadratic in the province). Ids are unique in
    # the tables (the first of each), so a household has one county here.
    same = homes.select(_s_id=homes._h_id, _s_county=homes._c_county)
    away = lives.anti_join(same, [lives._household == same._s_id, lives._home == same._s_county])
    away = away.group_by(_a_owner=away._owner).aggregate(
        _outside=ibis.struct(
            {"p": away._position, "h": away._household, "c": away._c_county}
        ).collect()
    )
    rows = projects.left_join(counted, projects._id == counted._t_owner)
    rows = rows.left_join(away, rows._id == away._a_owner)
    rows = rows.mutate(
        _no_targets=rows._targets.isnull(),
        _no_poor=(rows._poor.isnull() | (rows._poor == 0))
        & (rows._listed.isnull() | (rows._listed.length() == 0)),
    )
    failing = rows.filter(rows._no_targets | rows._no_poor | rows._outside.notnull())
    return failing.select(
        subject=failing._id,
        _ordinal=failing._ordinal,
        _county=failing._county,
        _no_targets=failing._no_targets,
        _no_poor=failing._no_poor,
        _outside=failing._outside,
    )


def _performance_violations(
    params: Mapping[str, Any], rows: Iterable[Mapping[str, Any]]
) -> Iterator[Violation]:
    for row in sorted(rows, key=lambda row: row["_ordinal"]):
        outside = sorted(row["_outside"] or (), key=lambda item: item["p"])
        found = _performance_violation(
            row["subject"],
            row["_county"],
            no_targets=bool(row["_no_targets"]),
            no_poor=bool(row["_no_poor"]),
            outside=[(item["h"], item["c"]) for item in outside],
        )
        if found is not None:
            yield found


def _performance_applied(params: Mapping[str, Any], tables: Tables, as_of: date) -> Any:
    return _library_projects(tables).count()


register_query(
    "poverty-performance",
    CheckQuery(_performance_query, _performance_violations, _performance_applied),
)


# --- S601 内外监督公开化 ------------------------------------------------------------

_STAGE_NAMES = {
    "intake": Text(zh="入库公示(intake)", en="intake"),
    "implementation": Text(zh="实施公告(implementation)", en="implementation"),
    "completion": Text(zh="竣工公示(completion)", en="completion"),
}

_REQUIRED_FROM = {
    "intake": "in_library",
    "implementation": "implementing",
    "completion": "completed",
}
"""Each announcement stage and the status from which it is required."""


def announcement_days(notice: Announcement) -> int:
    """The length of an announcement in days, both ends counted (end − start + 1)."""
    return days_between(notice.start, notice.end) + 1


def _stage_problem(
    stage: str, notices: list[Announcement], minimum: int, deadline: date | None
) -> Text | None:
    """Why no notice of ``stage`` qualifies (None when one does)."""
    name = _STAGE_NAMES[stage]
    if not notices:
        return Text(zh=f"缺少{name.zh}", en=f"{name.en} announcement missing")
    on_time = [n for n in notices if deadline is None or n.end <= deadline]
    if not on_time:
        return Text(
            zh=f"{name.zh}结束晚于入库日期 {deadline}",
            en=f"{name.en} announcement ends after milestones.in_library {deadline}",
        )
    longest = max(announcement_days(n) for n in on_time)
    if longest >= minimum:
        return None
    return Text(
        zh=f"{name.zh}仅 {longest} 天(至少 {minimum} 天)",
        en=f"{name.en} announcement only {longest} days (at least {minimum})",
    )


@register("announcements", reads=["projects"])
def announcements(ctx: RuleContext) -> Iterator[Violation]:
    """Library projects whose required public announcements are missing or short."""
    minimum = int(ctx.params["min_announcement_days"])
    for project in _projects(ctx, at_least="in_library"):
        problems: list[Text] = []
        for stage, threshold in _REQUIRED_FROM.items():
            if not status_at_least(project.status, threshold):
                continue
            notices = [n for n in project.announcements if n.stage == stage]
            deadline = project.milestones.in_library if stage == "intake" else None
            problem = _stage_problem(stage, notices, minimum, deadline)
            if problem is not None:
                problems.append(problem)
        if problems:
            yield Violation(project.id, {"problems": problems, "min": minimum})


# --- S701 进度监测信息化 ------------------------------------------------------------


@register("progress-gap", reads=["projects"])
def progress_gaps(ctx: RuleContext) -> Iterator[Violation]:
    """Implementing projects with a long silence in their progress reports."""
    limit = int(ctx.params["max_progress_gap_days"])
    for project in _projects(ctx, exactly="implementing"):
        start = project.milestones.start
        reports = sorted(p.date for p in project.progress)
        if start is None and not reports:
            problem = Text(
                zh="既无开工日期也无进度报告",
                en="neither a start milestone nor any progress report",
            )
            yield Violation(project.id, {"problems": [problem], "max": limit})
            continue
        # The timeline runs from the start (if known) through every report to as_of;
        # sorting keeps a report dated before the start from hiding a silence.
        points = sorted([*([start] if start is not None else []), *reports])
        points.append(ctx.as_of)
        problems = [
            Text(zh=f"{a} 至 {b} 间隔 {gap} 天", en=f"{gap} days from {a} to {b}")
            for a, b in pairwise(points)
            if (gap := days_between(a, b)) > limit
        ]
        if problems:
            yield Violation(project.id, {"problems": problems, "max": limit})
