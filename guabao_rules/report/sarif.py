"""SARIF 2.1.0 output, for code scanning (GitHub, GitLab, IDE viewers).

Each rule that ran is described in ``tool.driver.rules`` with its explain text
as help; each finding is a result pointing at ``file:line:column`` with the
records it involves as related locations. ``partialFingerprints`` are keyed on
(rule, subject), never on line numbers, so a finding keeps its identity when
the file around it is edited.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Any

from guabao_rules import __version__
from guabao_rules.diagnostics import Diagnostic, Location, Severity
from guabao_rules.engine.core import Report, catalogue
from guabao_rules.packs import RuleSpec
from guabao_rules.report.escape import json_dumps, uri
from guabao_rules.report.options import OutputOptions

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://pypi.org/project/guabao-rules/"
FINGERPRINT = "guabaoRules/v1"

LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def display_path(file: str, options: OutputOptions) -> str:
    """A data file's path as CI tools want it: relative to the working directory.

    Annotations and code scanning resolve paths against the repository root,
    which is where CI runs; a dataset in a subfolder (``check data/``) must
    therefore keep that folder in its paths. A dataset outside the working
    directory keeps paths relative to its own root.
    """
    if options.dataset is None:
        return file
    try:
        prefix = Path(os.path.relpath(options.dataset.root, Path.cwd())).as_posix()
    except ValueError:  # another drive on Windows
        return file
    if prefix == "." or prefix.startswith(".."):
        return file
    return f"{prefix}/{file}"


def rule_name(rule: RuleSpec) -> str:
    """The rule's English title as a PascalCase identifier (SARIF ``name``)."""
    words = re.findall(r"[A-Za-z0-9]+", rule.title.en)
    return "".join(word[:1].upper() + word[1:] for word in words) or rule.id


def rule_descriptor(rule: RuleSpec, lang: str) -> dict[str, Any]:
    """A ``reportingDescriptor`` for one rule, with its documentation as help."""
    from guabao_rules.docs import explain

    help_text = explain(rule, lang)
    return {
        "id": rule.id,
        "name": rule_name(rule),
        "shortDescription": {"text": rule.title.get(lang)},
        "fullDescription": {"text": rule.description.get(lang)},
        "help": {"text": help_text, "markdown": help_text},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {
            "family": rule.family,
            "tags": [rule.family, *([rule.measure] if rule.measure else [])],
            "source": rule.source.citation(lang),
        },
    }


def physical_location(location: Location, options: OutputOptions) -> dict[str, Any] | None:
    """A SARIF ``physicalLocation``, or None for a finding about the whole dataset."""
    if location.file is None:
        return None
    # A valid URI reference: a name holding ':', '%', spaces or undecodable
    # bytes is percent-encoded, so no viewer reads a scheme into it.
    out: dict[str, Any] = {"artifactLocation": {"uri": uri(display_path(location.file, options))}}
    if location.line is not None:
        out["region"] = {"startLine": location.line, "startColumn": location.column or 1}
    return out


def fingerprint(diagnostic: Diagnostic) -> str:
    """A stable hash of (rule, subject); the file stands in for a missing subject."""
    key = diagnostic.subject if diagnostic.subject is not None else f"file:{diagnostic.file}"
    data = f"{diagnostic.rule}\0{key}".encode("utf-8", "surrogateescape")
    return hashlib.sha256(data).hexdigest()[:32]


def result(diagnostic: Diagnostic, rule_index: int, options: OutputOptions) -> dict[str, Any]:
    """One finding as a SARIF ``result``."""
    location: dict[str, Any] = {}
    physical = physical_location(diagnostic.location, options)
    if physical is None and options.dataset is not None and options.dataset.files:
        # GitHub code scanning rejects a whole upload for one result without a
        # physical location (github/codeql-action#1738, #2459). A finding the
        # engine could not place (no config or profile file sets its parameter)
        # points at the first data file of the dataset it is about.
        physical = physical_location(Location(options.dataset.files[0], 1, 1), options)
    if physical is not None:
        location["physicalLocation"] = physical
    if diagnostic.subject is not None:
        location["logicalLocations"] = [{"name": diagnostic.subject, "kind": "object"}]
    out: dict[str, Any] = {
        "ruleId": diagnostic.rule,
        "ruleIndex": rule_index,
        "level": LEVELS[diagnostic.severity],
        "message": {"text": diagnostic.message},
        "locations": [location] if location else [],
        "partialFingerprints": {FINGERPRINT: fingerprint(diagnostic)},
    }
    related = []
    for number, item in enumerate(diagnostic.related, start=1):
        entry: dict[str, Any] = {"id": number}
        physical = physical_location(item.location, options)
        if physical is not None:
            entry["physicalLocation"] = physical
        if item.subject is not None:
            entry["logicalLocations"] = [{"name": item.subject, "kind": "object"}]
            entry["message"] = {"text": item.subject}
        related.append(entry)
    cause = diagnostic.caused_by
    properties: dict[str, Any] = {}
    if cause is not None:
        # The cause as a related location (viewers link it) and as a property
        # (SARIF has no standard "caused by" relation between results).
        entry = {"id": len(related) + 1, "message": {"text": f"caused by {cause.rule}"}}
        physical = physical_location(cause.location, options)
        if physical is not None:
            entry["physicalLocation"] = physical
        related.append(entry)
        properties["caused_by"] = {
            "rule": cause.rule,
            "subject": cause.subject,
            "file": cause.location.file,
            "line": cause.location.line,
            "column": cause.location.column,
        }
    if related:
        out["relatedLocations"] = related
    if diagnostic.subject is not None:
        out["properties"] = {"subject": diagnostic.subject, **properties}
    elif properties:
        out["properties"] = properties
    return out


def sarif_log(report: Report, options: OutputOptions) -> dict[str, Any]:
    """The report as a SARIF 2.1.0 log (a dict ready for ``json.dumps``)."""
    cat = catalogue()
    rule_ids = [stat.rule for stat in report.rules]
    for diagnostic in (*report.diagnostics, *report.waived):
        if diagnostic.rule not in rule_ids:
            rule_ids.append(diagnostic.rule)
    descriptors: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    for rule_id in rule_ids:
        rule = cat.get(rule_id)
        if rule is None:
            continue
        index[rule_id] = len(descriptors)
        descriptors.append(rule_descriptor(rule, report.lang))
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "guabao-rules",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": descriptors,
                    }
                },
                "language": "zh-CN" if report.lang == "zh" else "en-US",
                "results": [
                    *(result(d, index.get(d.rule, -1), options) for d in report.diagnostics),
                    # Waived findings stay visible to code scanning, as suppressed.
                    *(
                        {
                            **result(d, index.get(d.rule, -1), options),
                            "suppressions": [{"kind": "external", "status": "accepted"}],
                        }
                        for d in report.waived
                    ),
                ],
                "properties": {"as_of": report.as_of.isoformat()},
            }
        ],
    }


def format_sarif(report: Report, options: OutputOptions) -> str:
    """Render the report as a SARIF 2.1.0 log."""
    return json_dumps(sarif_log(report, options), indent=2) + "\n"
