"""The JSON output: a stable contract (``cli.md``)."""

from __future__ import annotations

from typing import Any

from guabao_rules import __version__
from guabao_rules.diagnostics import Diagnostic
from guabao_rules.engine.core import Report
from guabao_rules.report.escape import json_dumps
from guabao_rules.report.options import OutputOptions


def diagnostic_dict(diagnostic: Diagnostic) -> dict[str, Any]:
    """One finding as the JSON contract has it (``caused_by`` only on a caused one)."""
    out: dict[str, Any] = {
        "rule": diagnostic.rule,
        "severity": diagnostic.severity.value,
        "subject": diagnostic.subject,
        "message": diagnostic.message,
        "file": diagnostic.file,
        "line": diagnostic.line,
        "column": diagnostic.column,
        "related": [
            {
                "subject": r.subject,
                "file": r.location.file,
                "line": r.location.line,
                "column": r.location.column,
            }
            for r in diagnostic.related
        ],
    }
    cause = diagnostic.caused_by
    if cause is not None:
        # An added key, only where it applies: reports without causes stay as they were.
        out["caused_by"] = {
            "rule": cause.rule,
            "subject": cause.subject,
            "file": cause.location.file,
            "line": cause.location.line,
            "column": cause.location.column,
        }
    return out


def report_dict(report: Report, options: OutputOptions) -> dict[str, Any]:
    """The whole report as the JSON contract has it."""
    out: dict[str, Any] = {
        "version": 1,
        "tool": {"name": "guabao-rules", "version": __version__},
        "as_of": report.as_of.isoformat(),
        "summary": {
            **report.counts(),
            "files": report.files,
            "records": report.records,
            "rules": len(report.rules),
        },
        "diagnostics": [diagnostic_dict(d) for d in report.diagnostics],
        "rules": [{"rule": s.rule, "applied": s.applied, "failed": s.failed} for s in report.rules],
    }
    if options.statistics and options.dataset is not None:
        from guabao_rules.report.statistics import scorecard

        out["scorecard"] = [
            {"county": row.county, "name": row.name, "projects": row.projects, "failed": row.failed}
            for row in scorecard(report, options.dataset)
        ]
    if options.show_waived:
        # Beside the contract's keys, never inside `summary`: consumers that
        # compare the summary's keys keep working.
        out["waived"] = [diagnostic_dict(d) for d in report.waived]
    if report.baseline_fixed is not None:
        # Only with --baseline: how many findings it accepted, and which of its
        # entries no longer occur.
        out["baseline"] = {
            "matched": len(report.baselined),
            "fixed": [
                {"rule": rule, "subject": subject} for rule, subject in report.baseline_fixed
            ],
        }
    return out


def format_json(report: Report, options: OutputOptions) -> str:
    """Render the report as JSON."""
    return json_dumps(report_dict(report, options), indent=2) + "\n"
