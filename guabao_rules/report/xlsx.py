"""The findings as a workbook (``--format xlsx``), for a county office to work through.

Three sheets: the findings (one row per finding, with an empty 整改责任人 /
整改期限 / 整改情况 block for the office to fill in), the per-rule counts, and
the 七化 scorecard per county. Every header row is frozen and filtered, and
column widths are measured in display cells, so Chinese text fits.

Every cell is written as a string or a number, never as a formula: a value
such as ``=HYPERLINK(...)`` is a text cell, and gets the leading ``'`` of
:func:`guabao_rules.report.escape.cell`, so it stays text even when someone
edits the cell or saves the sheet as CSV (the workbook is also written with
XlsxWriter's string-to-formula and string-to-URL conversions off).

XlsxWriter is an optional dependency (``pip install guabao-rules[xlsx]``),
imported only when this format is asked for.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, time
from typing import Any

from guabao_rules.diagnostics import Severity, Text
from guabao_rules.engine.core import Report, catalogue
from guabao_rules.packs import MEASURES
from guabao_rules.report.escape import cap, cell
from guabao_rules.report.office import (
    NO_COUNTY,
    SEVERITY_NAMES,
    Counties,
    FindingRow,
    finding_rows,
)
from guabao_rules.report.options import OutputOptions
from guabao_rules.report.statistics import FAMILIES, count_cell, scorecard
from guabao_rules.report.text import display_width

MAX_CELL = 32_767
"""Excel's limit on the characters of one cell."""
MAX_WIDTH = 60
"""The widest column, in character cells; longer text wraps."""

SHEETS = {
    "findings": Text(zh="问题清单", en="Findings"),
    "rules": Text(zh="规则统计", en="Rules"),
    "scorecard": Text(zh="七化评分", en="七化 scorecard"),
}

FINDING_COLUMNS: list[Text] = [
    Text(zh="规则", en="Rule"),
    Text(zh="严重程度", en="Severity"),
    Text(zh="规则名称", en="Title"),
    Text(zh="对象", en="Subject"),
    Text(zh="县代码", en="County"),
    Text(zh="县名称", en="County name"),
    Text(zh="问题描述", en="Message"),
    Text(zh="文件", en="File"),
    Text(zh="行", en="Line"),
    Text(zh="列", en="Column"),
    Text(zh="相关记录", en="Related records"),
]
CORRECTION_COLUMNS: list[Text] = [
    Text(zh="整改责任人", en="整改责任人 Responsible"),
    Text(zh="整改期限", en="整改期限 Deadline"),
    Text(zh="整改情况", en="整改情况 Status"),
]
"""The block the office fills in; its Chinese name stays in every language."""
CORRECTION_STATES = Text(zh="未整改,整改中,已整改", en="未整改,整改中,已整改")

RULE_COLUMNS: list[Text] = [
    Text(zh="规则", en="Rule"),
    Text(zh="类别", en="Family"),
    Text(zh="规则名称", en="Title"),
    Text(zh="默认严重程度", en="Default severity"),
    Text(zh="适用对象数", en="Applied"),
    Text(zh="不合格数", en="Failed"),
    Text(zh="错误", en="Errors"),
    Text(zh="警告", en="Warnings"),
    Text(zh="提示", en="Info"),
]


def cell_text(value: str, lang: str = "en") -> str:
    """A value as cell text: never a formula, within Excel's limit on one cell."""
    return cell(cap(value, MAX_CELL - 40, lang))


class _Sheet:
    """A worksheet written row by row, remembering how wide each column must be."""

    def __init__(self, workbook: Any, name: str, header: Sequence[str], header_format: Any):
        self.sheet = workbook.add_worksheet(name)
        self.widths = [display_width(h) + 4 for h in header]  # room for the filter button
        self.rows = 0
        for column, title in enumerate(header):
            self.sheet.write_string(0, column, title, header_format)

    def row(self, values: Sequence[str | int | None], formats: Sequence[Any] = ()) -> None:
        self.rows += 1
        for column, value in enumerate(values):
            fmt = formats[column] if column < len(formats) else None
            if value is None:
                if fmt is not None:
                    self.sheet.write_blank(self.rows, column, None, fmt)
                continue
            if isinstance(value, int):
                self.sheet.write_number(self.rows, column, value, fmt)
                shown = str(value)
            else:
                shown = cell_text(value)
                self.sheet.write_string(self.rows, column, shown, fmt)
            # Measured only when it could widen the column: a character takes at most two cells.
            if 2 * len(shown) + 2 > self.widths[column] < MAX_WIDTH:
                width = len(shown) if shown.isascii() else display_width(shown)
                if "\n" in shown:
                    width = max(display_width(part) for part in shown.splitlines())
                self.widths[column] = max(self.widths[column], width + 2)

    def finish(self, formats: dict[int, Any]) -> None:
        """Frozen header, filters on every column, widths that fit the text."""
        self.sheet.freeze_panes(1, 0)
        self.sheet.autofilter(0, 0, max(self.rows, 1), len(self.widths) - 1)
        for column, width in enumerate(self.widths):
            self.sheet.set_column(column, column, min(width, MAX_WIDTH), formats.get(column))


def _findings_sheet(
    workbook: Any, rows: list[FindingRow], lang: str, styles: dict[str, Any]
) -> None:
    header = [t.get(lang) for t in FINDING_COLUMNS + CORRECTION_COLUMNS]
    sheet = _Sheet(workbook, SHEETS["findings"].get(lang), header, styles["header"])
    for column in range(len(FINDING_COLUMNS), len(header)):
        sheet.sheet.write_string(0, column, header[column], styles["todo_header"])
    plain = [None] * len(FINDING_COLUMNS)
    for row in rows:
        d = row.diagnostic
        sheet.row(
            [
                d.rule,
                SEVERITY_NAMES[d.severity].get(lang),
                row.title,
                d.subject or "",
                row.county or "",
                row.county_name,
                d.message,
                d.file or "",
                d.line,
                d.column,
                row.related,
            ],
            [*plain[:1], styles[d.severity.value], *plain[2:]],
        )
    first = len(FINDING_COLUMNS)
    for column in range(first, len(header)):
        sheet.widths[column] = max(sheet.widths[column], 16)
    if rows:
        last = len(rows)
        # Only a date in 整改期限 and one of three states in 整改情况: the sheet is
        # sorted and filtered by them later.
        sheet.sheet.data_validation(
            1,
            first + 1,
            last,
            first + 1,
            {
                "validate": "date",
                "criteria": ">=",
                "value": datetime(2000, 1, 1),
                "error_message": "YYYY-MM-DD",
            },
        )
        sheet.sheet.data_validation(
            1,
            first + 2,
            last,
            first + 2,
            {"validate": "list", "source": CORRECTION_STATES.get(lang).split(",")},
        )
    # The block to fill in is shaded by its columns' format: no cell is written there.
    sheet.finish(
        {6: styles["wrap"], 10: styles["wrap"], first: styles["todo"]}
        | {first + 1: styles["todo_date"], first + 2: styles["todo"]}
    )


def _rules_sheet(workbook: Any, report: Report, lang: str, styles: dict[str, Any]) -> None:
    header = [t.get(lang) for t in RULE_COLUMNS]
    sheet = _Sheet(workbook, SHEETS["rules"].get(lang), header, styles["header"])
    rules = {rule.id: rule for rule in catalogue().rules}
    counts = Counter((d.rule, d.severity) for d in report.diagnostics)
    for stat in report.rules:
        rule = rules.get(stat.rule)
        family = FAMILIES.get(stat.rule[0])
        sheet.row(
            [
                stat.rule,
                f"{stat.rule[0]} {family.get(lang)}" if family else stat.rule[0],
                rule.title.get(lang) if rule else "",
                SEVERITY_NAMES[rule.severity].get(lang) if rule else "",
                stat.applied,
                stat.failed,
                counts[(stat.rule, Severity.ERROR)],
                counts[(stat.rule, Severity.WARNING)],
                counts[(stat.rule, Severity.INFO)],
            ]
        )
    sheet.finish({2: styles["wrap"]})


def _scorecard_sheet(
    workbook: Any, report: Report, options: OutputOptions, lang: str, styles: dict[str, Any]
) -> None:
    measures = list(MEASURES)
    header = [
        Text(zh="县代码", en="County").get(lang),
        Text(zh="县名称", en="County name").get(lang),
        Text(zh="项目数", en="Projects").get(lang),
        *(f"S{i + 1} {MEASURES[key].get(lang)}" for i, key in enumerate(measures)),
    ]
    sheet = _Sheet(workbook, SHEETS["scorecard"].get(lang), header, styles["header"])
    rows = scorecard(report, options.dataset) if options.dataset is not None else []
    for score in rows:
        # A measure whose rules did not run reads "—" (not checked), never 0.
        counts = (
            count_cell(None) if score.failed[k] is None else score.failed[k] for k in measures
        )
        sheet.row([score.county, score.name, score.projects, *counts])
    if rows:
        # Projects failing a measure stand out in red, a clean measure in green;
        # "—" is text, which Excel ranks above every number: test for numbers.
        span = (1, 3, len(rows), 2 + len(measures))
        sheet.sheet.conditional_format(
            *span,
            {"type": "formula", "criteria": "=AND(ISNUMBER(D2),D2>0)", "format": styles["bad"]},
        )
        sheet.sheet.conditional_format(
            *span,
            {"type": "formula", "criteria": "=AND(ISNUMBER(D2),D2=0)", "format": styles["good"]},
        )
    for column in range(3, len(header)):
        sheet.widths[column] = min(sheet.widths[column], 14)
    sheet.finish({})
    sheet.sheet.set_row(0, 36, styles["header_wrap"])


def workbook_bytes(report: Report, options: OutputOptions) -> bytes:
    """The workbook of a report, as the bytes of an ``.xlsx`` file.

    Raises:
        ImportError: XlsxWriter is not installed.
    """
    import xlsxwriter  # type: ignore[import-untyped]  # no type hints shipped

    lang = report.lang
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            # Data is data: never a formula, a link or a number guessed from text.
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    # The same findings give the same bytes: the document's date is the as-of day.
    workbook.set_properties(
        {
            "title": Text(zh="挂包帮数据检查问题清单", en="guabao-rules findings").get(lang),
            "author": "guabao-rules",
            "created": datetime.combine(report.as_of, time()),
        }
    )
    todo = {"bg_color": "#FFFBEA", "border": 1, "border_color": "#D9D9D9"}
    bold = {"bold": True, "bg_color": "#DDEBF7", "border": 1, "valign": "top"}
    styles = {
        "header": workbook.add_format(bold),
        "header_wrap": workbook.add_format({**bold, "text_wrap": True}),
        "todo_header": workbook.add_format({**bold, "bg_color": "#FFF2CC"}),
        "todo": workbook.add_format(todo),
        "todo_date": workbook.add_format({**todo, "num_format": "yyyy-mm-dd"}),
        "wrap": workbook.add_format({"text_wrap": True, "valign": "top"}),
        "error": workbook.add_format({"font_color": "#C00000", "bold": True}),
        "warning": workbook.add_format({"font_color": "#9C5700"}),
        "info": workbook.add_format({"font_color": "#1F4E79"}),
        "bad": workbook.add_format({"bg_color": "#F8CBAD", "font_color": "#9C0006"}),
        "good": workbook.add_format({"bg_color": "#C6EFCE", "font_color": "#006100"}),
    }
    counties = Counties(options.dataset)
    rows = list(finding_rows(report, counties))
    rows = [row if row.county is not None else _without_county(row, lang) for row in rows]
    _findings_sheet(workbook, rows, lang, styles)
    _rules_sheet(workbook, report, lang, styles)
    _scorecard_sheet(workbook, report, options, lang, styles)
    workbook.close()
    return buffer.getvalue()


def _without_county(row: FindingRow, lang: str) -> FindingRow:
    return FindingRow(row.diagnostic, row.title, None, NO_COUNTY.get(lang), row.related)


def format_xlsx(report: Report, options: OutputOptions) -> bytes:
    """Render the report as an Excel workbook (bytes)."""
    try:
        return workbook_bytes(report, options)
    except ImportError:
        from guabao_rules.config import ConfigError

        raise ConfigError(
            zh="--format xlsx 需要 XlsxWriter:{install}",
            en="--format xlsx needs XlsxWriter: {install}",
            install="pip install 'guabao-rules[xlsx]'",
        ) from None
