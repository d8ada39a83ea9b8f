"""Violation strategies of the 七化 standards rules (S101-S701)."""

from __future__ import annotations

from datetime import timedelta

from guabao_rules.testing._build import LIBRARY_STATUSES, RUNNING_STATUSES, STATUSES, Builder, cents
from guabao_rules.testing.violations.base import (
    Subject,
    _earlier,
    _later,
    _new_county,
    _project,
    _township,
    _violation,
)


@_violation("S101")
def _s101(b: Builder) -> tuple[Subject, str]:
    """A library project missing library fields."""
    project = _project(b, LIBRARY_STATUSES)
    removable = ["nature", "task", "mechanism", "implementer", "period"]
    if project["category"] != "infrastructure" and "village" in project:
        removable.append("village")
    chosen = [f for f in removable if b.flag()] or [b.pick(removable)]
    for name in chosen:
        if name in ("task", "mechanism") and b.flag():
            project[name] = ""
        else:
            project.pop(name, None)
    # A blank `name` is a missing required field (D003), not an S101 finding (issue 14).
    return str(project["id"]), f"project {project['id']} lacks {', '.join(chosen)}"


@_violation("S201")
def _s201(b: Builder) -> tuple[Subject, str]:
    """Milestones out of order, or a library project without its review milestone."""
    project = _project(b, STATUSES)
    milestones = project["milestones"]
    if project["status"] in LIBRARY_STATUSES and b.flag():
        del milestones["reviewed"]
        return str(project["id"]), f"project {project['id']} lacks milestones.reviewed"
    milestones["reviewed"] = _earlier(b, milestones["proposed"])
    return str(project["id"]), f"project {project['id']} reviewed before proposed"


@_violation("S301")
def _s301(b: Builder) -> tuple[Subject, str]:
    """An implementing project not updated recently."""
    project = _project(b, ("implementing",))
    if b.flag():
        project.pop("updated", None)
        return str(project["id"]), f"project {project['id']} has no updated"
    age = int(b.param("max_update_age_days"))
    project["updated"] = _earlier(b, b.as_of - timedelta(days=age))
    return str(project["id"]), f"project {project['id']} updated {project['updated']}"


@_violation("S401")
def _s401(b: Builder) -> tuple[Subject, str]:
    """A running project whose allocations fall short of its budget."""
    project = _project(b, RUNNING_STATUSES)
    project["budget"] = b.amount(cents(project["budget"]) + b.between(1, 10_000_000))
    return str(project["id"]), f"project {project['id']} budget raised to {project['budget']}"


@_violation("S501")
def _s501(b: Builder) -> tuple[Subject, str]:
    """A library project naming a beneficiary household of another county."""
    project = _project(b, LIBRARY_STATUSES)
    elsewhere = [h for h in b.all("households") if str(h["village"])[:6] != project["county"]]
    if elsewhere and b.flag():
        household = str(b.pick(elsewhere)["id"])
    else:
        county = _new_county(b)
        village = b.add_village(_township(b, county), poor=False, team=False)
        household = b.add_household(village, "lifted")
    performance = project.setdefault("performance", {})
    performance["beneficiaries"] = [*performance.get("beneficiaries", []), household]
    return str(project["id"]), f"project {project['id']} benefits {household} of another county"


@_violation("S601")
def _s601(b: Builder) -> tuple[Subject, str]:
    """A library project whose required announcement is missing, short or late."""
    project = _project(b, LIBRARY_STATUSES)
    stages = ["intake"]
    if project["status"] in RUNNING_STATUSES:
        stages.append("implementation")
    if project["status"] in ("completed", "accepted"):
        stages.append("completion")
    stage = b.pick(stages)
    notices = [n for n in project.get("announcements", []) if n["stage"] == stage]
    minimum = int(b.param("min_announcement_days"))
    choice = b.between(0, 2)
    if choice == 0 or not notices:
        project["announcements"] = [n for n in project.get("announcements", []) if n not in notices]
        return str(project["id"]), f"project {project['id']} lacks its {stage} notice"
    if choice == 1 and minimum >= 2:
        for notice in notices:
            notice["end"] = notice["start"] + timedelta(days=b.between(0, minimum - 2))
        return str(project["id"]), f"project {project['id']} {stage} notice too short"
    if stage == "intake":
        library = project["milestones"]["in_library"]
        for notice in notices:
            notice["end"] = _later(b, library, 60)
            notice["start"] = notice["end"] - timedelta(days=minimum + b.between(0, 10))
        return str(project["id"]), f"project {project['id']} intake notice ends after in_library"
    for notice in notices:
        notice["end"] = notice["start"]
    if minimum < 2:
        project["announcements"] = [n for n in project["announcements"] if n not in notices]
    return str(project["id"]), f"project {project['id']} {stage} notice lasts one day"


@_violation("S701")
def _s701(b: Builder) -> tuple[Subject, str]:
    """An implementing project whose progress reports fell silent."""
    project = _project(b, ("implementing",))
    limit = int(b.param("max_progress_gap_days"))
    start = project["milestones"].get("start")
    if start is not None and (b.as_of - start).days > limit and b.flag():
        project.pop("progress", None)
        return str(project["id"]), f"project {project['id']} has no progress report since {start}"
    project["milestones"].pop("start", None)
    project.pop("progress", None)
    return str(project["id"]), f"project {project['id']} has neither start nor progress"
