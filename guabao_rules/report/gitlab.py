"""GitLab Code Quality report (``--format gitlab``): a JSON array of issues.

Each finding is one issue with GitLab's documented keys: ``description``,
``check_name`` (the rule id), ``fingerprint``, ``severity`` (``info``,
``minor``, ``major``, ``critical`` or ``blocker``), ``location.path``
(relative to the repository root, where CI runs) and ``location.lines.begin``.

Fingerprints are keyed on (rule, subject), as SARIF's are, never on lines:
a finding keeps its identity when the file around it is edited, so the merge
request widget shows only the new ones. GitLab keeps one issue per
fingerprint, so findings that share a key are told apart by their order.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from typing import Any

from guabao_rules.diagnostics import Diagnostic, Severity
from guabao_rules.engine.core import Report
from guabao_rules.report.escape import json_dumps
from guabao_rules.report.options import OutputOptions
from guabao_rules.report.sarif import display_path

SEVERITIES = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.INFO: "info"}
"""Errors rank above warnings in the merge request widget; nothing claims 'blocker'."""


def _key(diagnostic: Diagnostic) -> str:
    if diagnostic.subject is not None:
        return f"{diagnostic.rule}\0{diagnostic.subject}"
    # A file or the dataset: the file and what is wrong with it.
    return f"{diagnostic.rule}\0\0{diagnostic.file or ''}\0{diagnostic.message}"


def issue(diagnostic: Diagnostic, options: OutputOptions, fingerprint: str) -> dict[str, Any]:
    """One finding as a Code Quality issue."""
    if diagnostic.file is not None:
        path = display_path(diagnostic.file, options)
    else:
        # A finding about the whole dataset (Q008): GitLab needs a path, so the
        # dataset's folder stands for it.
        path = display_path(".", options).removesuffix("/.") if options.dataset else "."
    description = diagnostic.message
    if diagnostic.subject is not None:
        description = f"{diagnostic.rule} {diagnostic.subject}: {description}"
    else:
        description = f"{diagnostic.rule}: {description}"
    return {
        "description": description,
        "check_name": diagnostic.rule,
        "fingerprint": fingerprint,
        "severity": SEVERITIES[diagnostic.severity],
        "location": {"path": path, "lines": {"begin": diagnostic.line or 1}},
    }


def format_gitlab(report: Report, options: OutputOptions) -> str:
    """Render the report as a GitLab Code Quality report."""
    seen: Counter[str] = Counter()
    issues = []
    for diagnostic in report.diagnostics:
        key = _key(diagnostic)
        seen[key] += 1
        if seen[key] > 1:
            key = f"{key}\0{seen[key]}"
        fingerprint = hashlib.sha256(
            f"guabaoRules/v1\0{key}".encode("utf-8", "surrogateescape")
        ).hexdigest()
        issues.append(issue(diagnostic, options, fingerprint))
    return json_dumps(issues, indent=2) + "\n"
