"""GitHub Actions workflow commands: each finding becomes an annotation.

``::error file=F,line=L,col=C,title=RULE::message`` (``warning`` and
``notice`` for the other severities), escaped as GitHub's runner expects:
``%``, CR and LF everywhere, and ``:`` and ``,`` too inside properties.
Control and invisible characters are shown as escapes first (the log renders
ANSI codes), so no value starts a line of its own or a command of its own.
"""

from __future__ import annotations

from guabao_rules.diagnostics import Diagnostic, Severity
from guabao_rules.engine.core import Report
from guabao_rules.report.escape import github_data, github_property
from guabao_rules.report.options import OutputOptions
from guabao_rules.report.sarif import display_path

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


escape_data = github_data
"""Escape a workflow command's message (control and invisible characters shown first)."""

escape_property = github_property
"""Escape a workflow command property value."""


def command(diagnostic: Diagnostic, options: OutputOptions) -> str:
    """One finding as a workflow command."""
    props: list[tuple[str, str]] = []
    if diagnostic.file is not None:
        props.append(("file", display_path(diagnostic.file, options)))
        if diagnostic.line is not None:
            props.append(("line", str(diagnostic.line)))
            if diagnostic.column is not None:
                props.append(("col", str(diagnostic.column)))
    props.append(("title", diagnostic.rule))
    joined = ",".join(f"{key}={escape_property(value)}" for key, value in props)
    message = diagnostic.message
    if diagnostic.subject is not None:
        message = f"{message} ({diagnostic.subject})"
    return f"::{COMMANDS[diagnostic.severity]} {joined}::{escape_data(message)}"


def format_github(report: Report, options: OutputOptions) -> str:
    """Render the report as GitHub Actions workflow commands."""
    from guabao_rules.report.text import summary_line

    lines = [command(d, options) for d in report.diagnostics]
    # The summary quotes the config and profile paths: data for the log, too.
    lines.append(github_data(summary_line(report, report.lang)))
    return "\n".join(lines) + "\n"
