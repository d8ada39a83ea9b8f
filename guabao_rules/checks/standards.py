"""S rules: the 七化 standards of the project library, seed (二).

S101 is a declarative ``presence`` constraint; the rules here need dates,
money or the region tree. Each looks only at projects whose status the rule
names, counts those as applied, and reports all of a project's problems in
one violation.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from itertools import pairwise

from guabao_rules.diagnostics import Text, Violation
from guabao_rules.engine.context import RuleContext
from guabao_rules.kinds.python import register
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


@register("poverty-performance", reads=["projects", "regions", "households"])
def poverty_performance(ctx: RuleContext) -> Iterator[Violation]:
    """Library projects without targets, without poor beneficiaries, or helping elsewhere."""
    index = ctx.index
    for project in _projects(ctx, at_least="in_library"):
        performance = project.performance
        problems: list[tuple[tuple[Key, ...] | None, Text]] = []
        if not performance.targets:
            problems.append(
                (("performance", "targets"), Text(zh="没有绩效目标", en="no performance target"))
            )
        if not performance.poor_households and not performance.beneficiaries:
            problems.append(
                (
                    ("performance", "poor_households"),
                    Text(
                        zh="没有受益贫困户(带贫户数为 0 且无受益对象)",
                        en="no benefiting poor households (poor_households 0, no beneficiaries)",
                    ),
                )
            )
        outside: list[str] = []
        details: list[str] = []
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
                    outside.append(household_id)
                    details.append(f"{household_id} ({county})")
        if outside:
            problems.append(
                (
                    ("performance", "beneficiaries"),
                    Text(
                        zh=f"受益户不在项目所在县 {project.county}:{'、'.join(details)}",
                        en=f"beneficiary households outside county {project.county}: "
                        + ", ".join(details),
                    ),
                )
            )
        if problems:
            yield Violation(
                project.id,
                {"problems": [t for _, t in problems]},
                field=_single_field(problems),
                related=tuple(outside[:RELATED_CAP]),
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
