"""JUnit XML output, for CI systems that show test reports (GitLab, Jenkins…).

One ``testcase`` per rule that ran, its ``classname`` the rule's family. A rule
with error findings fails (one ``failure`` listing every finding as
``file:line:column: message``); a rule with only warnings or info passes, with
its findings in ``system-out``, as the exit status treats them.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict

from guabao_rules.diagnostics import Diagnostic, Severity
from guabao_rules.engine.core import Report, catalogue
from guabao_rules.report.escape import xml
from guabao_rules.report.options import OutputOptions


def _finding_line(diagnostic: Diagnostic) -> str:
    subject = f" ({diagnostic.subject})" if diagnostic.subject is not None else ""
    # Characters XML 1.0 cannot carry are shown as escapes (a file name's
    # undecodable bytes too); ElementTree escapes the markup.
    return xml(
        f"{diagnostic.location}: {diagnostic.rule} [{diagnostic.severity.value}] "
        f"{diagnostic.message}{subject}"
    )


def format_junit(report: Report, options: OutputOptions) -> str:
    """Render the report as a JUnit XML document."""
    cat = catalogue()
    by_rule: dict[str, list[Diagnostic]] = defaultdict(list)
    for diagnostic in report.diagnostics:
        by_rule[diagnostic.rule].append(diagnostic)
    suites = ET.Element("testsuites", name="guabao-rules")
    suite = ET.SubElement(suites, "testsuite", name="guabao-rules")
    properties = ET.SubElement(suite, "properties")
    ET.SubElement(properties, "property", name="as_of", value=report.as_of.isoformat())
    failures = 0
    for stat in report.rules:
        rule = cat.get(stat.rule)
        title = rule.title.get(report.lang) if rule else stat.rule
        case = ET.SubElement(
            suite,
            "testcase",
            classname=stat.rule[0],
            name=f"{stat.rule} {title}",
        )
        findings = by_rule.get(stat.rule, [])
        errors = [d for d in findings if d.severity is Severity.ERROR]
        if errors:
            failures += 1
            failure = ET.SubElement(
                case,
                "failure",
                message=f"{len(errors)} error finding(s) of {stat.applied} subject(s) checked",
                type="error",
            )
            failure.text = "\n".join(_finding_line(d) for d in errors)
        others = [d for d in findings if d.severity is not Severity.ERROR]
        if others:
            ET.SubElement(case, "system-out").text = "\n".join(_finding_line(d) for d in others)
    counts = {"tests": str(len(report.rules)), "failures": str(failures), "errors": "0"}
    suite.attrib.update({**counts, "skipped": "0"})
    suites.attrib.update(counts)
    ET.indent(suites)
    body = ET.tostring(suites, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'
