"""Text output: ``file:line:column: RULE [severity] message`` and a summary line."""

from __future__ import annotations

from guabao_rules.diagnostics import Diagnostic, Severity
from guabao_rules.engine import Report
from guabao_rules.output import OutputOptions, formatter

_COLORS = {Severity.ERROR: "\033[31m", Severity.WARNING: "\033[33m", Severity.INFO: "\033[36m"}
_BOLD, _RESET = "\033[1m", "\033[0m"


def _line(diagnostic: Diagnostic, color: bool) -> str:
    where = str(diagnostic.location)
    if not color:
        return f"{where}: {diagnostic.rule} [{diagnostic.severity.value}] {diagnostic.message}"
    tint = _COLORS[diagnostic.severity]
    return (
        f"{_BOLD}{where}{_RESET}: {tint}{_BOLD}{diagnostic.rule}{_RESET} "
        f"{tint}[{diagnostic.severity.value}]{_RESET} {diagnostic.message}"
    )


def summary_line(report: Report, lang: str) -> str:
    """The closing line: counts by severity, files and records."""
    counts = report.counts()
    if lang == "zh":
        text = (
            f"发现 {counts['error']} 个错误、{counts['warning']} 个警告、{counts['info']} 个提示"
            f"({report.files} 个文件,{report.records} 条记录,{len(report.rules)} 条规则)"
        )
        if report.waived:
            text += f";{len(report.waived)} 个已豁免"
        return text
    text = (
        f"Found {counts['error']} errors, {counts['warning']} warnings, {counts['info']} info "
        f"({report.files} files, {report.records} records, {len(report.rules)} rules)"
    )
    if report.waived:
        text += f"; {len(report.waived)} waived"
    return text


@formatter("text")
def format_text(report: Report, options: OutputOptions) -> str:
    """Render the report as one line per finding and a summary line."""
    lines = [_line(d, options.color) for d in report.diagnostics]
    if options.show_waived and report.waived:
        lines.append("waived:" if report.lang == "en" else "已豁免:")
        lines.extend("  " + _line(d, False) for d in report.waived)
    if options.statistics:
        from guabao_rules.output.statistics import statistics_text

        lines.append(statistics_text(report, options.dataset, report.lang))
    lines.append(summary_line(report, report.lang))
    return "\n".join(lines) + "\n"
