"""The findings workbook and the GitLab Code Quality report, read back by real readers."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import jsonschema
import openpyxl
import pytest
from helpers import EXAMPLES, ROOT

from guabao_rules.cli import main

BROKEN = EXAMPLES / "broken"
GITLAB_SCHEMA = ROOT / "tests" / "fixtures" / "gitlab-code-quality.schema.json"

HOSTILE = {
    "guabao-rules.toml": 'as_of = 2019-12-31\nselect = ["D"]\nlang = "zh"\n',
    "units.yaml": "units:\n  - {id: U-1, name: 单位, kind: provincial_unit}\n",
    "cadres.yaml": (
        "cadres:\n"
        '  - {id: "=1+1", name: "=HYPERLINK(\\"http://x\\")", unit: "=cmd|\' /C calc\'!A0"}\n'
        '  - {id: "@SUM(A1)", name: 干部, unit: U-9}\n'
    ),
}


def check_json(path: Path, *extra: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-m", "guabao_rules", "check", str(path), "--format", "json", *extra],
        capture_output=True,
        check=False,
        text=True,
    )
    data: dict[str, object] = json.loads(out.stdout)
    return data


def write_xlsx(path: Path, out: Path, *extra: str) -> openpyxl.Workbook:
    status = main(["check", str(path), "--format", "xlsx", "-o", str(out), *extra])
    assert status in (0, 1)
    return openpyxl.load_workbook(out)


def test_workbook_has_one_row_per_finding(tmp_path: Path) -> None:
    expected = check_json(BROKEN, "--lang", "en")["diagnostics"]
    assert isinstance(expected, list) and expected
    book = write_xlsx(BROKEN, tmp_path / "findings.xlsx", "--lang", "en")
    assert book.sheetnames == ["Findings", "Rules", "七化 scorecard"]
    sheet = book["Findings"]
    header = [c.value for c in sheet[1]]
    assert header[:11] == [
        "Rule",
        "Severity",
        "Title",
        "Subject",
        "County",
        "County name",
        "Message",
        "File",
        "Line",
        "Column",
        "Related records",
    ]
    assert [h.split()[0] for h in header[11:]] == ["整改责任人", "整改期限", "整改情况"]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert len(rows) == len(expected)
    for row, finding in zip(rows, expected, strict=True):
        assert row[0] == finding["rule"]
        assert row[1] == finding["severity"]
        assert (row[3] or None) == finding["subject"]
        assert row[6] == finding["message"]
        assert (row[7] or None) == finding["file"]
        assert row[8] == finding["line"] and row[9] == finding["column"]
        assert row[11:] == [None, None, None]  # the office fills these in
    # a project's finding is filed under its county
    cash = next(r for r in rows if r[0] == "M004")
    assert cash[4] == "533323" and cash[5] == "福贡县"


def test_workbook_is_laid_out_for_an_office(tmp_path: Path) -> None:
    book = write_xlsx(BROKEN, tmp_path / "findings.xlsx", "--lang", "zh")
    assert book.sheetnames == ["问题清单", "规则统计", "七化评分"]
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref is not None and sheet.auto_filter.ref.startswith("A1:")
    findings = book["问题清单"]
    assert findings["B2"].value in ("错误", "警告", "提示")
    widths = {key: dim.width for key, dim in findings.column_dimensions.items()}
    # The message column is wide enough for Chinese text but capped; a line number is narrow.
    assert 40 <= widths["G"] <= 62
    assert widths["I"] < 12
    assert findings.data_validations.dataValidation  # 整改期限 dates, 整改情况 states
    states = [v for v in findings.data_validations.dataValidation if v.type == "list"]
    assert states and "已整改" in (states[0].formula1 or "")


def test_rules_and_scorecard_sheets_match_the_statistics(tmp_path: Path) -> None:
    data = check_json(BROKEN, "--lang", "en", "--statistics")
    book = write_xlsx(BROKEN, tmp_path / "findings.xlsx", "--lang", "en")
    rules = [[c.value for c in row] for row in book["Rules"].iter_rows(min_row=2)]
    stats = data["rules"]
    assert isinstance(stats, list)
    assert [(r[0], r[4], r[5]) for r in rules] == [
        (s["rule"], s["applied"], s["failed"]) for s in stats
    ]
    scores = [[c.value for c in row] for row in book["七化 scorecard"].iter_rows(min_row=2)]
    card = data["scorecard"]
    assert isinstance(card, list) and card
    assert [(r[0], r[2], r[3:]) for r in scores] == [
        (c["county"], c["projects"], list(c["failed"].values())) for c in card
    ]


def test_no_cell_is_a_formula(
    write_dataset: Callable[[dict[str, str | bytes]], Path], tmp_path: Path
) -> None:
    root = write_dataset(HOSTILE)
    book = write_xlsx(root, tmp_path / "findings.xlsx")
    texts = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    texts.append(cell.value)
    subjects = [c.value for c in book["问题清单"]["D"][1:]]
    assert "'=1+1" in subjects and "'@SUM(A1)" in subjects
    assert not any(t.startswith(("=", "+", "-", "@")) for t in texts)


def test_workbook_bytes_are_reproducible(tmp_path: Path) -> None:
    main(["check", str(BROKEN), "--format", "xlsx", "-o", str(tmp_path / "a.xlsx")])
    main(["check", str(BROKEN), "--format", "xlsx", "-o", str(tmp_path / "b.xlsx")])
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()


def test_workbook_to_a_pipe_is_the_file(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "guabao_rules", "check", str(BROKEN), "--format", "xlsx"],
        capture_output=True,
        check=False,
    )
    assert out.returncode == 1
    assert out.stdout.startswith(b"PK\x03\x04")
    (tmp_path / "piped.xlsx").write_bytes(out.stdout)
    assert openpyxl.load_workbook(tmp_path / "piped.xlsx").sheetnames[0] in ("问题清单", "Findings")


def test_workbook_to_a_terminal_is_refused() -> None:
    leader, follower = pty.openpty()
    try:
        out = subprocess.run(
            [sys.executable, "-m", "guabao_rules", "check", str(BROKEN), "--format", "xlsx"],
            stdout=follower,
            stderr=subprocess.PIPE,
            check=False,
            text=True,
        )
    finally:
        os.close(follower)
    os.set_blocking(leader, False)
    try:
        written = os.read(leader, 1024)
    except (BlockingIOError, OSError):
        written = b""
    os.close(leader)
    assert out.returncode == 2
    assert written == b""  # not a byte of the workbook reached the terminal
    lines = out.stderr.splitlines()
    assert len(lines) == 1 and "-o FILE" in lines[0]


def test_gitlab_report_validates_against_the_documented_schema(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    out = tmp_path / "gl-code-quality-report.json"
    assert main(["check", "examples/broken", "--format", "gitlab", "-o", str(out)]) == 1
    issues = json.loads(out.read_text(encoding="utf-8"))
    schema = json.loads(GITLAB_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(issues, schema)
    expected = check_json(BROKEN)["diagnostics"]
    assert isinstance(expected, list)
    assert len(issues) == len(expected)
    fingerprints = [i["fingerprint"] for i in issues]
    assert len(set(fingerprints)) == len(fingerprints)
    # paths are relative to the repository root (the working directory), as GitLab resolves them
    assert all(i["location"]["path"].startswith("examples/broken/") for i in issues)
    by_rule = {i["check_name"]: i for i in issues}
    assert by_rule["Q003"]["severity"] == "major"
    assert by_rule["M007"]["severity"] == "minor"


def test_gitlab_fingerprints_survive_an_edit_above(
    write_dataset: Callable[[dict[str, str | bytes]], Path], tmp_path: Path
) -> None:
    root = write_dataset(HOSTILE)
    out = tmp_path / "cq.json"
    main(["check", str(root), "--format", "gitlab", "-o", str(out)])
    lines = lambda: {  # noqa: E731
        i["fingerprint"]: i["location"]["lines"]["begin"] for i in json.loads(out.read_text())
    }
    before = lines()
    cadres = root / "cadres.yaml"
    cadres.write_text("# 注释\n# another\n" + cadres.read_text(encoding="utf-8"), encoding="utf-8")
    main(["check", str(root), "--format", "gitlab", "-o", str(out)])
    after = lines()
    assert before.keys() == after.keys()
    assert any(after[k] == before[k] + 2 for k in before)
