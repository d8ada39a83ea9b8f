"""``check --statistics``: per-rule counts and the 七化 scorecard per county."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from guabao_rules.dataset import Dataset
from guabao_rules.diagnostics import Text
from guabao_rules.engine.core import Report, catalogue
from guabao_rules.models import Project, Region
from guabao_rules.packs import MEASURES
from guabao_rules.report.escape import terminal

FAMILIES: dict[str, Text] = {
    "D": Text(zh="数据完整性", en="Data integrity"),
    "Q": Text(zh="组织与配额", en="Organisation and quotas"),
    "M": Text(zh="工作机制", en="Working mechanisms"),
    "T": Text(zh="资金项目可追溯", en="Fund-to-project traceability"),
    "S": Text(zh="七化项目标准", en="The 七化 project standards"),
}
"""The rule families, in the catalogue's order."""


@dataclass(frozen=True, slots=True)
class CountyScore:
    """How one county's projects fare under each 七化 measure.

    Attributes:
        county: The county id.
        name: Its name ("" when the county is not in the data).
        projects: How many valid projects it has.
        failed: Per measure key, how many of its projects have a finding;
            None when none of the measure's rules ran on any subject (ignored,
            not selected, or nothing to apply to): not checked, never "0".
    """

    county: str
    name: str
    projects: int
    failed: dict[str, int | None]


NOT_CHECKED = Text(
    zh="— 未检查:该措施的规则未运行(被忽略、未选择或没有适用对象)",
    en="— not checked: the measure's rules did not run"
    " (ignored, not selected or nothing to apply to)",
)
"""The legend of a "—" cell: a measure whose rules did not run."""


def checked_measures(report: Report) -> set[str]:
    """The 七化 measures at least one of whose rules ran on at least one subject."""
    measure_of = {r.id: r.measure for r in catalogue().rules if r.measure}
    return {measure_of[s.rule] for s in report.rules if s.rule in measure_of and s.applied > 0}


def scorecard(report: Report, dataset: Dataset) -> list[CountyScore]:
    """The 七化 scorecard: per county, projects failing each measure's rules."""
    measure_of = {r.id: r.measure for r in catalogue().rules if r.measure}
    index = dataset.index
    projects: dict[str, int] = defaultdict(int)
    for record in index.records("projects"):
        assert isinstance(record, Project)
        projects[record.county] += 1
    failing: dict[tuple[str, str], set[str]] = defaultdict(set)
    for diagnostic in report.diagnostics:
        measure = measure_of.get(diagnostic.rule)
        project = index.get(diagnostic.subject, Project)
        if measure and project is not None:
            failing[(project.county, measure)].add(project.id)
    checked = checked_measures(report)
    rows = []
    for county in sorted(projects):
        region = index.get(county, Region)
        failed: dict[str, int | None] = {
            m: len(failing.get((county, m), ())) if m in checked else None for m in MEASURES
        }
        rows.append(CountyScore(county, region.name if region else "", projects[county], failed))
    return rows


def count_cell(value: int | None) -> str:
    """A scorecard count as shown: the number, or "—" when the measure was not checked."""
    return "—" if value is None else str(value)


def engine_lines(engine: dict[str, Any], zh: bool) -> list[str]:
    """What a query engine ran as queries, what in Python, and the bulk rows it made records of."""
    queries, python = engine["as_queries"], engine["in_python"]
    made = engine["materialised"]
    why: dict[str, list[str]] = engine.get("made_for", {})

    def made_rows(by: str, sep: str) -> str:
        return (
            sep.join(
                f"{name} {count}" + (f" ({by} {', '.join(why[name])})" if name in why else "")
                for name, count in sorted(made.items())
            )
            or "-"
        )

    kept = engine.get("left_as_rows", {})
    left = ", ".join(f"{name} {count}" for name, count in sorted(kept.items())) or "-"
    huge = engine.get("out_of_range")
    if zh:
        return [
            f"引擎 {engine['engine']}:{len(queries)} 条规则以查询运行,"
            f"{len(python)} 条在 Python 中运行" + (f"({', '.join(python)})" if python else ""),
            f"  由列式读取的表格行转为 Python 记录:{made_rows('因', ', ')}",
            f"  仅作为表格行(未录入为记录):{left}",
            *(
                [f"  {huge['zh']} 超出查询的 decimal(38, 2):全部规则在 Python 中运行"]
                if huge
                else []
            ),
        ]
    return [
        f"engine {engine['engine']}: {len(queries)} rules ran as queries, {len(python)} in Python"
        + (f" ({', '.join(python)})" if python else ""),
        f"  table rows read columnar and made into Python records: {made_rows('for', ', ')}",
        f"  table rows left as rows (not entered as records): {left}",
        *(
            [f"  {huge['en']} does not fit a query's decimal(38, 2): every rule ran in Python"]
            if huge
            else []
        ),
    ]


def statistics_text(report: Report, dataset: Dataset | None, lang: str) -> str:
    """The per-rule table grouped by family, then the 七化 scorecard per county."""
    zh = lang == "zh"
    lines: list[str] = []
    rules = {r.id: r for r in catalogue().rules}
    family = ""
    header = "规则   适用    不合格" if zh else "rule   applied   failed"
    for stat in report.rules:
        if stat.rule[0] != family:
            family = stat.rule[0]
            name = FAMILIES[family].get(lang) if family in FAMILIES else family
            lines += ["", f"{family} — {name}", f"  {header}"]
        title = rules[stat.rule].title.get(lang) if stat.rule in rules else ""
        lines.append(f"  {stat.rule}  {stat.applied:>7}  {stat.failed:>7}  {title}")
    if report.engine is not None:
        lines += ["", *engine_lines(report.engine, zh)]
    if dataset is not None:
        rows = scorecard(report, dataset)
        if rows:
            lines += [
                "",
                "七化 scorecard: projects failing each measure"
                if not zh
                else "七化 评分卡:各措施不合格项目数",
            ]
            keys = list(MEASURES)
            head = "  ".join(f"S{i + 1}" for i in range(len(keys)))
            lines.append(f"  {'county':<8} {'projects':>8}  {head}  name")
            for row in rows:
                cells = "  ".join(f"{count_cell(row.failed[k]):>2}" for k in keys)
                county, name = terminal(row.county), terminal(row.name)
                lines.append(f"  {county:<8} {row.projects:>8}  {cells}  {name}")
            legend = "; ".join(f"S{i + 1} {MEASURES[k].get(lang)}" for i, k in enumerate(keys))
            lines.append(f"  ({legend})")
            if any(v is None for v in rows[0].failed.values()):
                lines.append(f"  ({NOT_CHECKED.get(lang)})")
    return "\n".join(lines).lstrip("\n")
