r"""The report page (``--format html``): one self-contained file a leader reads.

It opens on a per-county overview (the 七化 scorecard, then error and warning
counts per rule family), draws each county's money (fund → allocation →
project) as an inline SVG flow with the records that T rules found broken
marked, and lists every finding with its source excerpt and caret, grouped by
county and rule, filterable, paginated (a province's ten thousand findings stay
quick), with each rule's explanation one click away.

Nothing is fetched: styles, script and data are inside the file, and its
Content-Security-Policy forbids any request, so it works on an office PC
without a network. Everything from the data is escaped: HTML text through
:func:`guabao_rules.report.escape.html`, the findings as JSON in a
``<script type=application/json>`` block whose ``<``, ``>`` and ``&`` are
``\u`` escapes, and the script (``assets/report.js``) builds
the list with ``textContent`` only.

Labels, rule titles and explanations come in Chinese and English (a button
switches); the findings' messages are in the report's language (``--lang``).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import resources
from typing import Any

from guabao_rules import __version__
from guabao_rules.dataset import Dataset
from guabao_rules.diagnostics import Diagnostic, Severity, Text
from guabao_rules.engine.core import Report, catalogue
from guabao_rules.models import Allocation, Fund, Project
from guabao_rules.packs import MEASURES
from guabao_rules.report.escape import html as escape
from guabao_rules.report.escape import terminal
from guabao_rules.report.office import NO_COUNTY, SEVERITY_NAMES, Counties, family_counts
from guabao_rules.report.options import OutputOptions
from guabao_rules.report.statistics import FAMILIES, CountyScore, scorecard
from guabao_rules.report.text import SourceLines

PAGE_SIZE = 100
"""Findings shown at once; the rest are a page away (and found by the filter)."""
MAX_EXCERPT = 160
"""Characters of a source line shown in an excerpt."""
MAX_FLOW_PROJECTS = 40
"""Projects drawn per county; the smaller rest are drawn as one node."""

MEASURE_HUES = (210, 160, 40, 280, 0, 320, 190)
"""A hue per 七化 measure, in the seed's order: each column has its own colour."""


def bi(text: Text) -> str:
    """Both languages of a text as spans, the page's language switch shows one."""
    return f'<span class="zh">{escape(text.zh)}</span><span class="en">{escape(text.en)}</span>'


def _t(zh: str, en: str) -> str:
    return bi(Text(zh=zh, en=en))


def script_json(data: Any) -> str:
    """JSON that is safe inside a ``<script>`` element: no tag can be closed or opened."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return (
        text.replace("&", "\\u0026")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


# --- the overview -----------------------------------------------------------------


def _share_colour(failed: int | None, projects: int) -> str:
    if failed is None or projects == 0:
        return "#f2f2f2"
    if failed == 0:
        return "#d9f2d9"
    share = failed / projects
    # amber for a few failing projects, deep red when all fail
    lightness = 88 - int(40 * share)
    hue = 40 - int(40 * share)
    return f"hsl({hue}, 85%, {lightness}%)"


def _count_cell(failed: int | None) -> str:
    if failed is None:  # the measure's rules did not run: not checked, never "0"
        return f'<span title="{_t("未检查", "not checked")}">—</span>'
    return str(failed)


def _scorecard_table(rows: Sequence[CountyScore]) -> str:
    if not rows:
        empty = _t("数据中没有项目,七化评分卡为空。", "No projects in the data: no 七化 scorecard.")
        return f"<p>{empty}</p>"
    head = "".join(
        f'<th class="measure" style="border-top: 6px solid hsl({MEASURE_HUES[i]}, 65%, 45%)"'
        f' title="{escape(MEASURES[key].zh)} / {escape(MEASURES[key].en)}">'
        f"S{i + 1}<br>{bi(MEASURES[key])}</th>"
        for i, key in enumerate(MEASURES)
    )
    body = []
    for row in rows:
        cells = "".join(
            f'<td class="num" style="background: {_share_colour(row.failed[key], row.projects)}">'
            f"{_count_cell(row.failed[key])}</td>"
            for key in MEASURES
        )
        body.append(
            f'<tr><td><a href="#flow-{escape(row.county)}">{escape(row.county)}</a></td>'
            f"<td>{escape(row.name)}</td><td class=num>{row.projects}</td>{cells}</tr>"
        )
    caption = _t(
        "各县各措施不合格的项目数(颜色越深,不合格比例越高)",
        "Projects failing each measure, per county (the deeper the colour, the larger the share)",
    )
    return (
        f'<table id="scorecard"><caption>{caption}</caption><thead><tr>'
        f"<th>{_t('县代码', 'County')}</th><th>{_t('县名称', 'Name')}</th>"
        f"<th>{_t('项目数', 'Projects')}</th>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def _family_table(report: Report, counties: Counties, pictured: set[str]) -> str:
    counts = family_counts(report, counties)
    families = list(FAMILIES)
    head = "".join(f'<th colspan="2">{escape(f)} {bi(FAMILIES[f])}</th>' for f in families)
    sub = "".join(
        f"<th class=err>{_t('错误', 'errors')}</th><th class=warn>{_t('警告', 'warnings')}</th>"
        for _ in families
    )
    body = []
    order = sorted(counts, key=lambda c: (c is None, c or ""))
    for county in order:
        by_family = counts[county]
        cells = []
        for family in families:
            numbers = by_family.get(family, dict.fromkeys(Severity, 0))
            for severity, css in ((Severity.ERROR, "err"), (Severity.WARNING, "warn")):
                n = numbers[severity]
                cells.append(f'<td class="num {css if n else "zero"}">{n}</td>')
        if county is None:
            label = bi(NO_COUNTY)
        else:
            name = escape(counties.name(county))
            label = (
                f'<a href="#flow-{escape(county)}">{escape(county)}</a> {name}'
                if county in pictured
                else f"{escape(county)} {name}"
            )
        body.append(f"<tr><td>{label}</td>{''.join(cells)}</tr>")
    if not body:
        return f"<p class=clean>{_t('没有发现问题。', 'No findings.')}</p>"
    return (
        '<table id="families"><caption>'
        f"{_t('各县各类规则的错误和警告数', 'Errors and warnings per county and rule family')}"
        "</caption>"
        f"<thead><tr><th rowspan=2>{_t('县', 'County')}</th>{head}</tr><tr>{sub}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
    )


# --- the money ----------------------------------------------------------------------


@dataclass
class _Flow:
    county: str
    name: str
    funds: dict[str, Decimal] = field(default_factory=dict)
    projects: dict[str, Decimal] = field(default_factory=dict)
    bands: list[tuple[str, str, str, Decimal]] = field(default_factory=list)  # alloc, fund, project


def _flows(dataset: Dataset, counties: Counties) -> list[_Flow]:
    dataset.make_records(["allocations"], reason="the money flows")
    index = dataset.index
    flows: dict[str, _Flow] = {}
    for record in index.records("projects"):
        assert isinstance(record, Project)
        county = index.county_of(record.county) or record.county
        flow = flows.setdefault(county, _Flow(county, counties.name(county)))
        flow.projects.setdefault(record.id, Decimal(0))
    for record in index.records("allocations"):
        assert isinstance(record, Allocation)
        project = index.get(record.project, Project)
        if project is None:
            continue  # a dangling project (D002): it belongs to no county's picture
        county = index.county_of(project.county) or project.county
        flow = flows[county]
        flow.projects[project.id] += record.amount
        flow.funds[record.fund] = flow.funds.get(record.fund, Decimal(0)) + record.amount
        flow.bands.append((record.id, record.fund, project.id, record.amount))
    return [flows[c] for c in sorted(flows)]


def _money(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def _broken(report: Report) -> dict[str, list[Diagnostic]]:
    """Findings of T rules (and dangling references) by subject: the broken links."""
    out: dict[str, list[Diagnostic]] = defaultdict(list)
    for diagnostic in report.diagnostics:
        if diagnostic.subject is not None and (
            diagnostic.rule[0] == "T" or diagnostic.rule == "D002"
        ):
            out[diagnostic.subject].append(diagnostic)
    return out


def _title(record_id: str, label: str, broken: dict[str, list[Diagnostic]]) -> str:
    lines = [label, *(f"{d.rule}: {d.message}" for d in broken.get(record_id, ()))]
    return f"<title>{escape(chr(10).join(lines))}</title>"


def _flow_svg(flow: _Flow, dataset: Dataset, broken: dict[str, list[Diagnostic]]) -> str:
    index = dataset.index
    projects = sorted(flow.projects.items(), key=lambda kv: (-kv[1], kv[0]))
    shown = dict(projects[:MAX_FLOW_PROJECTS])
    rest = projects[MAX_FLOW_PROJECTS:]
    funds = sorted(flow.funds)
    total = max(sum(flow.funds.values(), Decimal(0)), Decimal(1))
    gap, stub, width = 8, 6, 1160
    left_x, right_x, node_w = 250, 600, 14
    n_nodes = max(len(funds), len(shown) + (1 if rest else 0), 1)
    # Heights in pixels: a flow's share of the county's money; never thinner than 2.
    usable = max(160, 22 * n_nodes)

    def px(amount: Decimal) -> float:
        return max(2.0, float(amount / total) * usable) if amount > 0 else float(stub)

    parts: list[str] = []
    fund_y: dict[str, float] = {}
    y = 20.0
    for fund_id in funds:
        h = px(flow.funds[fund_id])
        fund = index.get(fund_id, Fund)
        bad = fund_id in broken or fund is None
        label = fund.name if fund is not None else Text(zh="缺失的资金", en="missing fund").zh
        text = f"{fund_id} {label}: {_money(flow.funds[fund_id])}"
        if fund is not None:
            text += f" / {_money(fund.amount)}"
        parts.append(
            f'<g class="node fund{" broken" if bad else ""}" data-id="{escape(fund_id)}">'
            f"{_title(fund_id, text, broken)}"
            f'<rect x="{left_x - node_w}" y="{y:.1f}" width="{node_w}" height="{h:.1f}"/>'
            f'<text x="{left_x - node_w - 6}" y="{y + h / 2 + 4:.1f}" text-anchor="end">'
            f"{escape(fund_id)}{' ⚠' if bad else ''}</text></g>"
        )
        fund_y[fund_id] = y
        y += h + gap
    left_end = y
    project_y: dict[str, float] = {}
    y = 20.0
    for project_id, amount in shown.items():
        h = px(amount)
        project = index.get(project_id, Project)
        bad = project_id in broken
        name = project.name if project is not None else ""
        text = f"{project_id} {name}: {_money(amount)}"
        if project is not None:
            text += f" / {_money(project.budget)}"
        parts.append(
            f'<g class="node project{" broken" if bad else ""}{" unfunded" if amount == 0 else ""}"'
            f' data-id="{escape(project_id)}">{_title(project_id, text, broken)}'
            f'<rect x="{right_x}" y="{y:.1f}" width="{node_w}" height="{h:.1f}"/>'
            f'<text x="{right_x + node_w + 6}" y="{y + h / 2 + 4:.1f}">'
            f"{escape(project_id)} {escape(name[:24])}{' ⚠' if bad else ''}</text></g>"
        )
        project_y[project_id] = y
        y += h + gap
    if rest:
        amount = sum((a for _, a in rest), Decimal(0))
        h = px(amount)
        label = f"+{len(rest)}: {_money(amount)}"
        parts.append(
            f'<g class="node project rest"><title>{escape(label)}</title>'
            f'<rect x="{right_x}" y="{y:.1f}" width="{node_w}" height="{h:.1f}"/>'
            f'<text x="{right_x + node_w + 6}" y="{y + h / 2 + 4:.1f}">{escape(label)}</text></g>'
        )
        project_y[""] = y
        y += h + gap
    height = max(left_end, y) + 10
    fund_off = dict.fromkeys(funds, 0.0)
    project_off = dict.fromkeys(project_y, 0.0)
    bands: list[str] = []
    for allocation_id, fund_id, project_id, amount in sorted(flow.bands):
        target = project_id if project_id in shown else ""
        t = px(amount) if amount > 0 else 2.0
        y0 = fund_y[fund_id] + fund_off[fund_id] + t / 2
        y1 = project_y[target] + project_off[target] + t / 2
        fund_off[fund_id] += t
        project_off[target] += t
        mid = (left_x + right_x) / 2
        bad = allocation_id in broken
        label = f"{allocation_id}: {fund_id} → {project_id} {_money(amount)}"
        bands.append(
            f'<path class="band{" broken" if bad else ""}" data-id="{escape(allocation_id)}"'
            f' d="M{left_x},{y0:.1f} C{mid},{y0:.1f} {mid},{y1:.1f} {right_x},{y1:.1f}"'
            f' stroke-width="{t:.1f}">{_title(allocation_id, label, broken)}</path>'
        )
    return (
        f'<svg class="flow" role="img" viewBox="0 0 {width} {height:.0f}" width="{width}"'
        f' height="{height:.0f}" xmlns="http://www.w3.org/2000/svg">'
        f"<desc>{escape(flow.county)} {escape(flow.name)}</desc>"
        f"{''.join(bands)}{''.join(parts)}</svg>"
    )


def _money_section(report: Report, dataset: Dataset | None, counties: Counties) -> str:
    if dataset is None:
        return ""
    flows = _flows(dataset, counties)
    broken = _broken(report)
    legend = _t(
        "左:资金;右:项目;带宽:安排金额。红色 ⚠:T 类规则(或悬空引用)发现的问题,悬停查看。",
        "Left: funds; right: projects; band width: the amount allocated. Red ⚠: a problem a T rule "
        "(or a dangling reference) found; hover for the finding.",
    )
    parts = [
        f'<section id="money"><h2>{_t("资金流向", "The money")}</h2><p class=legend>{legend}</p>'
    ]
    if not flows:
        parts.append(f"<p>{_t('数据中没有项目。', 'No projects in the data.')}</p>")
    for flow in flows:
        summary = (
            f"{escape(flow.county)} {escape(flow.name)} — "
            f"{_t('资金', 'funds')} {len(flow.funds)}, "
            f"{_t('项目', 'projects')} {len(flow.projects)}, "
            f"{_t('安排', 'allocated')} {_money(sum(flow.funds.values(), Decimal(0)))}"
        )
        parts.append(
            f'<figure class="county-flow" id="flow-{escape(flow.county)}">'
            f"<figcaption>{summary}</figcaption>{_flow_svg(flow, dataset, broken)}</figure>"
        )
    parts.append("</section>")
    return "".join(parts)


# --- the findings ------------------------------------------------------------------


def _finding_data(
    report: Report, options: OutputOptions, counties: Counties
) -> list[dict[str, Any]]:
    sources = SourceLines(options.dataset)
    out = []
    for n, d in enumerate(report.diagnostics):
        county = counties.of(d.subject)
        item: dict[str, Any] = {
            "n": n,
            "rule": d.rule,
            "sev": d.severity.value,
            "subject": None if d.subject is None else terminal(d.subject),
            "county": county,
            "message": terminal(d.message),
            "where": terminal(str(d.location)),
            "related": [
                [None if r.subject is None else terminal(r.subject), terminal(str(r.location))]
                for r in d.related
            ],
        }
        if d.file is not None and d.line is not None:
            line = sources.line(d.file, d.line)
            if line is not None:
                # The caret stands under the column: the page draws the text
                # before it, invisible, in the same font (wide characters too).
                cut = min(max(1, d.column or 1) - 1, MAX_EXCERPT)
                item["src"] = [d.line, terminal(line[:cut]), terminal(line[cut:MAX_EXCERPT])]
        out.append(item)
    return out


def _rules_section(report: Report) -> str:
    from guabao_rules.docs import explain

    ran = {stat.rule: stat for stat in report.rules}
    fired = {d.rule for d in report.diagnostics}
    parts = [f'<section id="rules"><h2>{_t("规则说明", "The rules")}</h2>']
    for rule in catalogue().rules:
        if rule.id not in ran and rule.id not in fired:
            continue
        stat = ran.get(rule.id)
        counts = f" ({stat.failed}/{stat.applied})" if stat else ""
        parts.append(
            f'<details class="rule" id="rule-{escape(rule.id)}"><summary><b>{escape(rule.id)}</b> '
            f"{bi(rule.title)}{counts}</summary>"
            f'<pre class="zh">{escape(explain(rule, "zh"))}</pre>'
            f'<pre class="en">{escape(explain(rule, "en"))}</pre></details>'
        )
    parts.append("</section>")
    return "".join(parts)


def _options(values: Iterable[tuple[str, str]]) -> str:
    return "".join(f'<option value="{escape(v)}">{escape(label)}</option>' for v, label in values)


def _any(zh: str, en: str, lang: str) -> str:
    """The first option of a filter: an option holds text only, so the script relabels it."""
    label = zh if lang == "zh" else en
    return (
        f'<option value="" data-zh="{escape(zh)}" data-en="{escape(en)}">{escape(label)}</option>'
    )


def _findings_section(report: Report, counties: Counties) -> str:
    lang = report.lang
    rules = sorted({d.rule for d in report.diagnostics})
    found = sorted({c for d in report.diagnostics if (c := counties.of(d.subject))})
    county_options = [(c, f"{c} {counties.name(c)}".strip()) for c in found]
    if any(counties.of(d.subject) is None for d in report.diagnostics):
        county_options.append(("-", NO_COUNTY.get(report.lang)))
    severities = [(s.value, SEVERITY_NAMES[s].get(report.lang)) for s in Severity]
    hint = Text(zh="筛选:规则、对象、文件、描述", en="Filter: rule, subject, file, message")
    return (
        f'<section id="findings"><h2>{_t("问题清单", "Findings")}</h2>'
        f'<form id="filters" onsubmit="return false">'
        f'<input id="q" type="search" placeholder="{escape(hint.get(lang))}">'
        f'<select id="f-sev">{_any("全部严重程度", "every severity", lang)}'
        f"{_options(severities)}</select>"
        f'<select id="f-county">{_any("全部县", "every county", lang)}'
        f"{_options(county_options)}</select>"
        f'<select id="f-rule">{_any("全部规则", "every rule", lang)}'
        f"{_options((r, r) for r in rules)}</select>"
        f"</form>"
        f'<p id="shown" aria-live="polite"></p><nav class="pager" id="pager-top"></nav>'
        f'<div id="list"></div><nav class="pager" id="pager-bottom"></nav></section>'
    )


# --- the page ---------------------------------------------------------------------


def _asset(name: str) -> str:
    """The page's style sheet or script, shipped beside this module."""
    return (resources.files("guabao_rules.report") / "assets" / name).read_text(encoding="utf-8")


def page(report: Report, options: OutputOptions) -> str:
    """The whole report page."""
    lang = report.lang
    counties = Counties(options.dataset)
    counts = report.counts()
    rows = scorecard(report, options.dataset) if options.dataset is not None else []
    findings = _finding_data(report, options, counties)
    found = {item["county"] for item in findings if item["county"]}
    data = {
        "findings": findings,
        "page": PAGE_SIZE,
        "counties": {c: counties.name(c) for c in sorted(found)},
        "titles": {r.id: {"zh": r.title.zh, "en": r.title.en} for r in catalogue().rules},
        "sevnames": {s.value: {"zh": t.zh, "en": t.en} for s, t in SEVERITY_NAMES.items()},
        "nocounty": {"zh": NO_COUNTY.zh, "en": NO_COUNTY.en},
        "relatedlabel": {"zh": "相关记录", "en": "related"},
    }
    title = Text(zh="挂包帮数据检查报告", en="guabao-rules report")
    summary = (
        f'<span class="counts"><b class=err>{counts["error"]} {_t("错误", "errors")}</b>'
        f"<b class=warn>{counts['warning']} {_t('警告', 'warnings')}</b>"
        f"<b>{counts['info']} {_t('提示', 'info')}</b></span>"
        f"<span>{_t('判定日', 'as of')} {report.as_of.isoformat()} · {report.files} "
        f"{_t('个文件', 'files')} · {report.records} {_t('条记录', 'records')} · "
        f"{len(report.rules)} {_t('条规则', 'rules')}</span>"
    )
    overview = (
        f'<section id="overview"><h2>{_t("各县概况", "Overview per county")}</h2>'
        f"{_scorecard_table(rows)}"
        f"{_family_table(report, counties, {r.county for r in rows})}</section>"
    )
    html_lang = "zh-CN" if lang == "zh" else "en"
    return (
        f'<!DOCTYPE html>\n<html lang="{html_lang}"><head><meta charset="utf-8">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="generator" content="guabao-rules {escape(__version__)}">'
        f"<title>{escape(title.get(lang))} {report.as_of.isoformat()}</title>"
        f"<style>{_asset('report.css')}</style></head>"
        f'<body class="{lang}"><header><h1>{bi(title)}</h1>{summary}'
        '<span><button type="button" class="lang" data-lang="zh">中文</button>'
        '<button type="button" class="lang" data-lang="en">English</button></span></header>'
        f'<nav class="top"><a href="#overview">{_t("概况", "Overview")}</a>'
        f'<a href="#money">{_t("资金流向", "Money")}</a>'
        f'<a href="#findings">{_t("问题清单", "Findings")}</a>'
        f'<a href="#rules">{_t("规则说明", "Rules")}</a></nav>'
        f"{overview}{_money_section(report, options.dataset, counties)}"
        f"{_findings_section(report, counties)}{_rules_section(report)}"
        f'<script type="application/json" id="data">{script_json(data)}</script>'
        f"<script>{_asset('report.js')}</script></body></html>\n"
    )


def format_html(report: Report, options: OutputOptions) -> str:
    """Render the report as one self-contained HTML page."""
    return page(report, options)
