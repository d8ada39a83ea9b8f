"""Every hostile case, through every output format: the guarantees of ``docs/security.md``.

For each case of :mod:`corpus` (the builders live in :mod:`cases`):

- the check ends with status 0, 1 or 2 and no traceback or internal error;
- it ends in time (an alarm in process; a timeout for the child process);
- no file of the case changed (contents, links and special files compared);
- every format parses with a real parser: JSON, SARIF (and its schema), GitLab
  (its schema), JUnit XML, HTML, the xlsx workbook; text and GitHub output hold
  no raw control, bidi or invisible character and one line per finding;
- no value reaches the HTML or XML as a tag, or a workbook cell as a formula;
- the expected findings are reported, located.

The check runs in process (fast); cases marked ``subprocess`` also run the
real program in a child process.
"""

from __future__ import annotations

import contextlib
import hashlib
import html.parser
import io
import json
import os
import re
import signal
import stat
import subprocess
import sys
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cases  # noqa: F401  # registers the builders
import jsonschema
import pytest
from corpus import ANY, CASES, INJECTED_TAG, Case, Expect
from helpers import ROOT

from guabao_rules.cli import main
from guabao_rules.report import FORMATS

TIMEOUT = 60
"""Seconds one check of a small case may take, at most (each takes well under one)."""

SARIF_SCHEMA = ROOT.parent.parent / "shared" / "reference" / "sarif-schema-2.1.0.json"
if not SARIF_SCHEMA.exists():  # CI lays shared/ beside the clone
    SARIF_SCHEMA = Path("/work/shared/reference/sarif-schema-2.1.0.json")
GITLAB_SCHEMA = ROOT / "tests" / "fixtures" / "gitlab-code-quality.schema.json"

# RFC 3986 relative reference with a path only (no scheme: no ":" in the first segment).
_PCHAR = r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})"
_NC = r"(?:[A-Za-z0-9\-._~!$&'()*+,;=@]|%[0-9A-Fa-f]{2})"
RELATIVE_REF = re.compile(rf"(?:{_NC}+(?:/{_PCHAR}*)*|/?(?:{_PCHAR}+(?:/{_PCHAR}*)*)?)")

_FINDING_LINE = re.compile(r"^(?:.+: )?[A-Z][0-9]{3} \[(?:error|warning|info)\] ")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _raw_controls(text: str) -> list[str]:
    """Characters that could repaint a terminal, forge a line or hide text (LF excepted)."""
    return sorted(
        {
            f"U+{ord(ch):04X}"
            for ch in text
            if ch != "\n" and unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Cs", "Cn")
        }
    )


def snapshot(root: Path) -> dict[bytes, tuple[str, str]]:
    """Every entry under ``root`` (bytes names), its kind and its contents' hash.

    Links are read as links, special files by their kind: nothing is opened
    that is not a regular file, and nothing is followed.
    """
    found: dict[bytes, tuple[str, str]] = {}
    base = os.fsencode(root)
    stack = [base]
    while stack:  # iterative: a case may nest folders deeply
        folder = stack.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                rel = os.path.relpath(entry.path, base)
                info = entry.stat(follow_symlinks=False)
                if stat.S_ISLNK(info.st_mode):
                    found[rel] = ("link", os.fsdecode(os.readlink(entry.path)))
                elif stat.S_ISDIR(info.st_mode):
                    found[rel] = ("dir", "")
                    stack.append(entry.path)
                elif stat.S_ISREG(info.st_mode):
                    with open(entry.path, "rb") as handle:
                        digest = hashlib.file_digest(handle, "sha256").hexdigest()
                    found[rel] = ("file", digest)
                else:
                    found[rel] = ("special", oct(stat.S_IFMT(info.st_mode)))
    return found


@contextlib.contextmanager
def alarm(seconds: int) -> Iterator[None]:
    """Fail the test (not hang it) when the block takes longer than ``seconds``."""

    def expired(signum: int, frame: Any) -> None:
        raise TimeoutError(f"the check took more than {seconds} s: a hang")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def run_format(
    root: Path, out: Path, fmt: str, expect: Expect, capsys: pytest.CaptureFixture[str]
) -> tuple[int, bytes]:
    """``guabao-rules check`` in process, the report written to ``out``."""
    argv = ["check", str(root), "--format", fmt, "-o", str(out), "--as-of", "2019-12-31"]
    argv += ["--lang", "en", *expect.args]
    capsys.readouterr()
    with alarm(TIMEOUT):
        status = main(argv)
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err, captured.err
    assert "internal error" not in captured.err, captured.err
    assert status in expect.status, (status, captured.err)
    if status == 2:
        return status, b""
    return status, out.read_bytes()


class _Tags(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)


def check_text(text: str, findings: int) -> None:
    assert not _raw_controls(text), _raw_controls(text)
    lines = text.splitlines()
    # One line per finding and the summary: no value starts a line of its own.
    assert len(lines) == findings + 1, lines[:5]
    assert all(_FINDING_LINE.match(line) for line in lines[:-1]), lines[:5]
    # A CI log runs any line starting with "::" as a workflow command, whatever the format.
    assert not any(line.startswith("::") for line in lines), lines[:5]
    assert lines[-1].startswith("Found ")


def check_github(text: str, findings: int) -> None:
    assert not _raw_controls(text), _raw_controls(text)
    lines = text.split("\n")
    assert lines[-1] == ""
    commands = [line for line in lines if line.startswith("::")]
    assert len(commands) == findings
    assert len(lines) == findings + 2  # the summary, and the final newline
    for line in commands:  # ::error file=…,line=…,col=…,title=RULE::message
        head, _, _message = line[2:].partition("::")
        assert re.fullmatch(r"(?:error|warning|notice) [a-z]+=[^:,]*(?:,[a-z]+=[^:,]*)*", head)


def check_sarif(log: dict[str, Any]) -> None:
    if SARIF_SCHEMA.exists():
        jsonschema.validate(log, json.loads(SARIF_SCHEMA.read_text(encoding="utf-8")))
    for result in log["runs"][0]["results"]:
        for location in [*result["locations"], *result.get("relatedLocations", [])]:
            uri = location.get("physicalLocation", {}).get("artifactLocation", {}).get("uri")
            if uri is not None:
                assert RELATIVE_REF.fullmatch(uri), uri


def check_xlsx(data: bytes) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(_FORMULA_START), cell.value


def check_outputs(outputs: dict[str, bytes], report: dict[str, Any]) -> None:
    """Every format parses, and none carries data as live markup."""
    findings = len(report["diagnostics"])
    check_text(outputs["text"].decode("utf-8"), findings)
    check_github(outputs["github"].decode("utf-8"), findings)
    check_sarif(json.loads(outputs["sarif"].decode("utf-8")))
    issues = json.loads(outputs["gitlab"].decode("utf-8"))
    jsonschema.validate(issues, json.loads(GITLAB_SCHEMA.read_text(encoding="utf-8")))
    assert len(issues) == findings
    junit = ET.fromstring(outputs["junit"])
    assert all(element.tag != INJECTED_TAG for element in junit.iter())
    page = _Tags()
    page.feed(outputs["html"].decode("utf-8"))
    page.close()
    assert INJECTED_TAG not in page.tags
    assert "<" + INJECTED_TAG not in outputs["html"].decode("utf-8")
    if "xlsx" in outputs:
        check_xlsx(outputs["xlsx"])


def check_findings(report: dict[str, Any], expect: Expect) -> None:
    found = [
        (d["rule"], d["subject"], d["file"], d["line"], d["column"]) for d in report["diagnostics"]
    ]
    for want in expect.findings:
        matches = [
            f
            for f in found
            if f[0] == want.rule
            and (want.subject is ANY or f[1] == want.subject)
            and f[2] == want.file
            and all(
                got is not None if wanted is ANY else got == wanted
                for got, wanted in ((f[3], want.line), (f[4], want.column))
            )
        ]
        assert matches, (want, found[:20])
    messages = [d["message"] for d in report["diagnostics"]]
    for text in expect.messages:
        assert any(text in message for message in messages), (text, messages[:5])
    assert not expect.absent & {f[0] for f in found}, found[:20]
    if expect.records is not None:
        assert report["summary"]["records"] == expect.records
    for diagnostic in report["diagnostics"]:  # the long-value cap holds everywhere
        assert len(diagnostic["message"]) < 5000, diagnostic["message"][:100]


def _formats() -> list[str]:
    names = list(FORMATS)
    try:
        import xlsxwriter  # noqa: F401
    except ImportError:
        names.remove("xlsx")
    return names


@pytest.mark.parametrize("hostile", CASES, ids=[c.name for c in CASES])
def test_hostile_case(hostile: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "case"
    root.mkdir()
    expect = hostile.build(root)
    before = snapshot(root)
    outputs: dict[str, bytes] = {}
    statuses = set()
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    for fmt in _formats():
        status, outputs[fmt] = run_format(root, out_dir / f"report.{fmt}", fmt, expect, capsys)
        statuses.add(status)
    assert snapshot(root) == before, "the check changed a file of the dataset"
    assert len(statuses) == 1, statuses  # every format agrees on the outcome
    if statuses == {2}:
        assert not expect.findings
        return
    report = json.loads(outputs["json"].decode("utf-8"))
    check_outputs(outputs, report)
    check_findings(report, expect)


SUBPROCESS_CASES = [c for c in CASES if c.subprocess]


@pytest.mark.parametrize("hostile", SUBPROCESS_CASES, ids=[c.name for c in SUBPROCESS_CASES])
def test_hostile_case_in_a_child_process(hostile: Case, tmp_path: Path) -> None:
    """The real program, its text on a real pipe: no traceback, no hang, status 0-2."""
    root = tmp_path / "case"
    root.mkdir()
    expect = hostile.build(root)
    before = snapshot(root)
    argv = [sys.executable, "-m", "guabao_rules", "check", str(root), "--as-of", "2019-12-31"]
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "NO_COLOR": "1"}
    done = subprocess.run(
        [*argv, "--lang", "en", *expect.args],
        capture_output=True,
        timeout=TIMEOUT,
        cwd=tmp_path,
        env=env,
        check=False,
    )
    err = done.stderr.decode("utf-8", "replace")
    assert "Traceback" not in err and "internal error" not in err, err
    assert done.returncode in expect.status, (done.returncode, err)
    text = done.stdout.decode("utf-8")
    assert not _raw_controls(text), _raw_controls(text)
    assert not _raw_controls(err), _raw_controls(err)
    assert snapshot(root) == before


def test_every_class_of_issue_11_has_cases() -> None:
    covered = set().union(*(c.classes for c in CASES))
    wanted = {
        "control", "bidi", "github", "xml", "json", "uri", "formula", "html", "long",
        "yaml-edge", "csv-cell", "nul", "surrogate-name", "huge-line", "deep", "alias",
        "bom", "line-endings",
    }  # fmt: skip
    assert wanted <= covered, wanted - covered
