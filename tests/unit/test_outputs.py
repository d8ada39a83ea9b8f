"""SARIF, JUnit, GitHub and terminal output, each read back by the real tool's rules."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from helpers import EXAMPLES, ROOT
from junitparser import Failure, JUnitXml

from guabao_rules.cli import main
from guabao_rules.diagnostics import Diagnostic, Location, Related, Severity
from guabao_rules.engine.core import Report, RuleStat, catalogue
from guabao_rules.report import OutputOptions, load_formatters
from guabao_rules.report.github import escape_data, escape_property
from guabao_rules.report.sarif import fingerprint
from guabao_rules.sources.loader import load

SARIF_SCHEMA = ROOT.parent.parent / "shared" / "reference" / "sarif-schema-2.1.0.json"
if not SARIF_SCHEMA.exists():  # CI lays shared/ beside the clone
    SARIF_SCHEMA = Path("/work/shared/reference/sarif-schema-2.1.0.json")

DATA = {
    "guabao-rules.toml": (
        'as_of = 2019-12-31\nselect = ["D", "Q001"]\nlang = "en"\n'
        '[params]\nparty_secretary_prefecture = "533400"\n'
    ),
    "units.yaml": (
        "units:\n"
        "  - {id: U-FIN, name: 云南省财政厅, kind: provincial_unit}\n"
        "  - {id: U-EDU, name: 云南省教育厅, kind: provincial_unit}\n"
    ),
    "people/leaders.yaml": (
        "leaders:\n"
        "  - {id: U-FIN, name: 张三, rank: provincial}\n"
        "cadres:\n"
        "  - {id: C-01, name: 干部甲, unit: U-FNI}\n"
    ),
    "broken.yaml": "units: [\n",
}


@pytest.fixture
def dataset(write_dataset: Callable[[dict[str, str | bytes]], Path]) -> Path:
    return write_dataset(DATA)


def run_cli(
    root: Path, fmt: str, tmp_path: Path, *extra: str, monkeypatch: pytest.MonkeyPatch
) -> tuple[int, str]:
    monkeypatch.chdir(root)
    out = tmp_path / f"out.{fmt}"
    status = main(["check", ".", "--format", fmt, "-o", str(out), *extra])
    return status, out.read_text(encoding="utf-8")


def json_report(root: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, Any]:
    _, text = run_cli(root, "json", tmp_path, monkeypatch=monkeypatch)
    data: dict[str, Any] = json.loads(text)
    return data


# --- SARIF ---------------------------------------------------------------------------


def test_sarif_validates_against_the_schema_and_carries_rule_metadata(
    dataset: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    status, text = run_cli(dataset, "sarif", tmp_path, monkeypatch=monkeypatch)
    assert status == 1
    log = json.loads(text)
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validate(log, schema)
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    expected = json_report(dataset, monkeypatch, tmp_path)
    assert [r["id"] for r in rules] == [r["rule"] for r in expected["rules"]]
    d001 = next(r for r in rules if r["id"] == "D001")
    spec = catalogue().get("D001")
    assert spec is not None
    assert d001["name"] == "DuplicateId"
    assert d001["shortDescription"]["text"] == spec.title.en
    assert d001["fullDescription"]["text"] == spec.description.en
    assert d001["help"]["text"].startswith("# D001: Duplicate id")
    assert d001["defaultConfiguration"]["level"] == "error"
    results = run["results"]
    assert [(r["ruleId"], r["message"]["text"]) for r in results] == [
        (d["rule"], d["message"]) for d in expected["diagnostics"]
    ]
    for sarif_result in results:
        assert rules[sarif_result["ruleIndex"]]["id"] == sarif_result["ruleId"]


def test_sarif_locations_related_and_fingerprints(
    dataset: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, text = run_cli(dataset, "sarif", tmp_path, monkeypatch=monkeypatch)
    results = json.loads(text)["runs"][0]["results"]
    by_rule = {r["ruleId"]: r for r in results}
    d001 = by_rule["D001"]
    physical = d001["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "units.yaml"
    assert physical["region"] == {"startLine": 2, "startColumn": 6}
    related = d001["relatedLocations"][0]["physicalLocation"]
    assert related["artifactLocation"]["uri"] == "people/leaders.yaml"
    assert related["region"] == {"startLine": 2, "startColumn": 6}
    # Q001 is about a prefecture absent from the data: the config line that sets
    # its parameter (GitHub rejects a result without a physical location).
    q001 = by_rule["Q001"]
    assert q001["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
        "guabao-rules.toml"
    )
    assert q001["locations"][0]["logicalLocations"] == [{"name": "533400", "kind": "object"}]
    # D000 is about a file: a physical location and no logical one.
    d000 = by_rule["D000"]
    assert d000["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "broken.yaml"
    assert "logicalLocations" not in d000["locations"][0]
    prints = [r["partialFingerprints"]["guabaoRules/v1"] for r in results]
    assert len(set(prints)) == len(prints)


def test_sarif_fingerprint_ignores_lines_but_not_rule_or_subject() -> None:
    def diag(rule: str, subject: str | None, line: int, file: str = "a.yaml") -> Diagnostic:
        return Diagnostic(rule, Severity.ERROR, "m", subject, Location(file, line, 1))

    assert fingerprint(diag("Q003", "533323", 3)) == fingerprint(diag("Q003", "533323", 90))
    assert fingerprint(diag("Q003", "533323", 3)) != fingerprint(diag("Q005", "533323", 3))
    assert fingerprint(diag("Q003", "533323", 3)) != fingerprint(diag("Q003", "533324", 3))
    assert fingerprint(diag("D000", None, 3, "a.yaml")) != fingerprint(
        diag("D000", None, 3, "b.yaml")
    )


def test_sarif_paths_keep_the_dataset_folder_when_run_from_above(
    dataset: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(dataset.parent)
    out = tmp_path / "out.sarif"
    main(["check", dataset.name, "--format", "sarif", "-o", str(out)])
    results = json.loads(out.read_text(encoding="utf-8"))["runs"][0]["results"]
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in results
        if "physicalLocation" in r["locations"][0]
    }
    assert uris == {
        f"{dataset.name}/{name}"
        for name in ("broken.yaml", "units.yaml", "people/leaders.yaml", "guabao-rules.toml")
    }


def test_sarif_of_the_clean_example_is_valid_and_empty(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    status, text = run_cli(
        EXAMPLES / "yunnan-sanqu-sanzhou", "sarif", tmp_path, monkeypatch=monkeypatch
    )
    assert status == 0
    log = json.loads(text)
    jsonschema.validate(log, json.loads(SARIF_SCHEMA.read_text(encoding="utf-8")))
    assert log["runs"][0]["results"] == []
    assert all(r["help"]["markdown"] for r in log["runs"][0]["tool"]["driver"]["rules"])


# --- JUnit ---------------------------------------------------------------------------


def test_junit_has_one_testcase_per_rule_and_failures_with_locations(
    dataset: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    status, text = run_cli(dataset, "junit", tmp_path, monkeypatch=monkeypatch)
    assert status == 1
    path = tmp_path / "report.xml"
    path.write_text(text, encoding="utf-8")
    xml = JUnitXml.fromfile(str(path))
    cases = [case for suite in xml for case in suite]
    expected = json_report(dataset, monkeypatch, tmp_path)
    assert [c.name.split()[0] for c in cases] == [r["rule"] for r in expected["rules"]]
    assert all(c.classname == c.name[0] for c in cases)
    failed = {
        c.name.split()[0]: [r for r in c.result if isinstance(r, Failure)]
        for c in cases
        if not c.is_passed
    }
    assert sorted(failed) == sorted({d["rule"] for d in expected["diagnostics"]})
    (d001,) = failed["D001"]
    assert d001.text is not None
    assert d001.text == (
        "units.yaml:2:6: D001 [error] id `U-FIN` is already used at people/leaders.yaml:2 (U-FIN)"
    )


def test_junit_warnings_pass_with_their_findings_in_system_out(tmp_path: Path) -> None:
    report = Report(
        diagnostics=[
            Diagnostic(
                "D008", Severity.WARNING, "retired \x01code", "533421", Location("r.yaml", 3, 5)
            )
        ],
        rules=[RuleStat("D008", 4, 1)],
        as_of=date(2019, 12, 31),
        files=1,
        records=4,
        lang="en",
    )
    text = load_formatters()["junit"](report, OutputOptions())
    path = tmp_path / "report.xml"
    path.write_text(text, encoding="utf-8")
    (case,) = [case for suite in JUnitXml.fromfile(str(path)) for case in suite]
    assert case.is_passed
    # The control character XML cannot carry is shown as an escape, not lost.
    assert case.system_out == "r.yaml:3:5: D008 [warning] retired \\x01code (533421)"


# --- GitHub --------------------------------------------------------------------------


def test_github_workflow_commands(
    dataset: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    status, text = run_cli(dataset, "github", tmp_path, monkeypatch=monkeypatch)
    assert status == 1
    lines = text.splitlines()
    # Only properties escape `:`; the message keeps it.
    assert (
        "::error file=units.yaml,line=2,col=6,title=D001::"
        "id `U-FIN` is already used at people/leaders.yaml:2 (U-FIN)"
    ) in lines
    # Q001's prefecture is not in the data: the config line that sets it.
    assert any(
        line.startswith("::error file=guabao-rules.toml,line=5,col=1,title=Q001::")
        for line in lines
    )
    assert lines[-1].startswith("Found ")


def test_github_escapes_and_severities() -> None:
    assert escape_data("50% done\r\nnext") == "50%25 done%0D%0Anext"
    assert escape_property("a,b:c%\n") == "a%2Cb%3Ac%25%0A"
    report = Report(
        diagnostics=[
            Diagnostic("D008", Severity.WARNING, "w", None, Location("a,b:c.yaml", 1, 2)),
            Diagnostic("S101", Severity.INFO, "line1\nline2", "P-1", Location("x.yaml", 4, 1)),
        ],
        rules=[RuleStat("D008", 1, 1), RuleStat("S101", 1, 1)],
        as_of=date(2019, 12, 31),
        files=2,
        records=2,
        lang="en",
    )
    lines = load_formatters()["github"](report, OutputOptions()).splitlines()
    assert lines[0] == "::warning file=a%2Cb%3Ac.yaml,line=1,col=2,title=D008::w"
    assert lines[1] == "::notice file=x.yaml,line=4,col=1,title=S101::line1%0Aline2 (P-1)"


# --- text on a terminal ----------------------------------------------------------------


def _one_finding_report(file: str, line: int, column: int) -> Report:
    return Report(
        diagnostics=[
            Diagnostic(
                "D003",
                Severity.ERROR,
                "unknown field",
                "C-01",
                Location(file, line, column),
                (Related("U-FIN", Location("units.yaml", 2, 5)),),
            )
        ],
        rules=[RuleStat("D003", 1, 1)],
        as_of=date(2019, 12, 31),
        files=1,
        records=1,
        lang="en",
    )


def test_text_on_a_terminal_shows_colour_and_a_source_excerpt(dataset: Path) -> None:
    options = OutputOptions(dataset=load(dataset), color=True)
    text = load_formatters()["text"](_one_finding_report("people/leaders.yaml", 4, 27), options)
    assert "\033[" in text
    plain = _strip_ansi(text)
    lines = plain.splitlines()
    assert lines[0] == "people/leaders.yaml:4:27: D003 [error] C-01: unknown field"
    assert lines[1].strip() == "|"
    assert lines[2] == "4 |   - {id: C-01, name: 干部甲, unit: U-FNI}"
    # The caret stands under column 27 (`u` of `unit`), counting CJK characters as wide.
    caret = lines[3]
    assert caret.index("^") == lines[2].index("unit") + 3  # 干部甲 takes 6 cells, not 3


def test_text_excerpt_survives_missing_files_and_lines(dataset: Path) -> None:
    options = OutputOptions(dataset=load(dataset), color=True)
    for file, line in (("gone.yaml", 1), ("units.yaml", 99)):
        text = _strip_ansi(load_formatters()["text"](_one_finding_report(file, line, 1), options))
        assert text.splitlines()[0] == f"{file}:{line}:1: D003 [error] C-01: unknown field"
        assert "|" not in text.splitlines()[1]


def test_text_piped_is_plain(
    dataset: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, text = run_cli(dataset, "text", tmp_path, monkeypatch=monkeypatch)
    assert "\033[" not in text
    assert " | " not in text
    *findings, summary = text.splitlines()
    assert len(findings) == 4
    assert all(re.match(r"^\S+: [DQ]\d{3} \[error\] \S", line) for line in findings)
    assert summary.startswith("Found 4 errors")


def _strip_ansi(text: str) -> str:
    return re.sub(r"\033\[[0-9;]*m", "", text)


def test_sarif_lists_waived_findings_as_suppressed(
    dataset: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (dataset / "guabao-rules-waivers.yaml").write_text(
        "waivers:\n  - {rule: D002, subject: C-01, reason: 单位更名中}\n", encoding="utf-8"
    )
    _, text = run_cli(dataset, "sarif", tmp_path, monkeypatch=monkeypatch)
    log = json.loads(text)
    jsonschema.validate(log, json.loads(SARIF_SCHEMA.read_text(encoding="utf-8")))
    suppressed = [r for r in log["runs"][0]["results"] if "suppressions" in r]
    assert [(r["ruleId"], r["properties"]["subject"]) for r in suppressed] == [("D002", "C-01")]
    assert suppressed[0]["suppressions"] == [{"kind": "external", "status": "accepted"}]
