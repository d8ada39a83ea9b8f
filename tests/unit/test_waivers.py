"""Waivers (guabao-rules-waivers.yaml) and baselines (--baseline, --write-baseline).

What D009 finds about stale waivers is tested in ``tests/rules/test_data.py``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import guabao_rules
from guabao_rules.cli import main
from guabao_rules.diagnostics import Diagnostic, Location, Severity
from guabao_rules.engine.baseline import read_baseline, write_baseline

TOML = 'as_of = 2019-12-31\nselect = ["D"]\nlang = "en"\n'
CADRES = (
    "units:\n"
    "  - {id: U-FIN, name: 云南省财政厅, kind: provincial_unit}\n"
    "cadres:\n"
    "  - {id: C-01, name: 干部甲, unit: U-FNI}\n"
    "  - {id: C-02, name: 干部乙, unit: U-XXX}\n"
)

WriteDataset = Callable[[dict[str, str | bytes]], Path]


def check_json(
    root: Path, capsys: pytest.CaptureFixture[str], *extra: str
) -> tuple[int, dict[str, Any]]:
    status = main(["check", str(root), "--format", "json", *extra])
    return status, json.loads(capsys.readouterr().out)


def findings(report: dict[str, Any], key: str = "diagnostics") -> list[tuple[str, str | None]]:
    return [(d["rule"], d["subject"]) for d in report[key]]


# --- waivers -------------------------------------------------------------------------


def test_a_waiver_in_force_leaves_counts_and_exit_status(
    write_dataset: WriteDataset, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_dataset(
        {
            "guabao-rules.toml": TOML,
            "data.yaml": CADRES,
            "guabao-rules-waivers.yaml": (
                "waivers:\n"
                "  - {rule: D002, subject: C-01, reason: 单位更名中, expires: 2020-06-30}\n"
                "  - {rule: D002, subject: C-02, reason: 待核实}\n"
            ),
        }
    )
    status, report = check_json(root, capsys, "--show-waived")
    assert status == 0
    assert findings(report) == []
    assert report["summary"]["error"] == 0
    assert findings(report, "waived") == [("D002", "C-01"), ("D002", "C-02")]
    assert main(["check", str(root), "--show-waived"]) == 0
    text = capsys.readouterr().out
    assert "waived:" in text
    assert "  data.yaml:4:27: D002 [error]" in text
    assert "2 waived" in text.splitlines()[-1]


def test_the_python_api_reads_the_waiver_file(write_dataset: WriteDataset) -> None:
    root = write_dataset(
        {
            "data.yaml": CADRES,
            "guabao-rules-waivers.yaml": "waivers:\n  - {rule: D002, subject: C-01, reason: r}\n",
        }
    )
    config = guabao_rules.Config(select=["D"], lang="en")
    report = guabao_rules.check(guabao_rules.load(root), config)
    assert [d.subject for d in report.waived] == ["C-01"]
    assert [d.subject for d in report.diagnostics] == ["C-02"]
    assert report.exit_status == 1
    assert guabao_rules.check(guabao_rules.load(root), config, waivers=[]).waived == []


@pytest.mark.parametrize(
    ("text", "where", "what"),
    [
        (
            "waivers:\n  - {rule: D002, subject: C-01}\n",
            ":2:6:",
            "missing required field `waivers[0].reason`",
        ),
        (
            "waivers:\n  - {rule: D002, reason: r}\n",
            ":2:6:",
            "missing required field `waivers[0].subject`",
        ),
        ("waivers:\n  - {rule: X999, subject: C-01, reason: r}\n", ":2:6:", "unknown rule id"),
        (
            "waivers:\n  - {rule: D002, subject: C-01, reason: r, until: 2020-01-01}\n",
            ":2:44:",
            "unknown key `until` in `waivers[0]`",
        ),
        (
            "waivers:\n  - {rule: D002, subject: C-01, reason: r, expires: 2020-02-30}\n",
            ":2:44:",
            "`waivers[0].expires`: must be a date",
        ),
        (
            "waivers:\n  - {rule: D002, subject: C-01, reason: ''}\n",
            ":2:33:",
            "`waivers[0].reason`: must say why",
        ),
        ("waivers:\n  - [D002, C-01]\n", ":2:5:", "`waivers[0]` must be a mapping"),
        ("waiver:\n  - {rule: D002, subject: C-01, reason: r}\n", ":1:1:", "unknown key"),
        ("- {rule: D002}\n", ":1:1:", "the file must be a mapping"),
        ("waivers: {rule: D002}\n", ":1:1:", "`waivers`: input should be a valid list"),
        ("waivers:\n  - {rule: D002, subject: C-01, reason: r\n", ":3:1:", "YAML syntax"),
        (
            "waivers:\n  - rule: D002\n    rule: D003\n    subject: C-01\n    reason: r\n",
            ":3:5:",
            "more than once",
        ),
    ],
)
def test_a_malformed_waiver_file_is_one_line_and_exit_2(
    write_dataset: WriteDataset,
    capsys: pytest.CaptureFixture[str],
    text: str,
    where: str,
    what: str,
) -> None:
    root = write_dataset({"guabao-rules.toml": TOML, "data.yaml": CADRES})
    (root / "guabao-rules-waivers.yaml").write_text(text, encoding="utf-8")
    assert main(["check", str(root)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    (line,) = captured.err.splitlines()
    assert line.startswith(f"guabao-rules: error: guabao-rules-waivers.yaml{where} ")
    assert what in line


def test_an_empty_waiver_file_waives_nothing(
    write_dataset: WriteDataset, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_dataset(
        {"guabao-rules.toml": TOML, "data.yaml": CADRES, "guabao-rules-waivers.yaml": "waivers:\n"}
    )
    status, report = check_json(root, capsys)
    assert status == 1
    assert findings(report) == [("D002", "C-01"), ("D002", "C-02")]


# --- baselines -----------------------------------------------------------------------


def test_a_baseline_accepts_todays_findings_and_fails_on_new_ones(
    write_dataset: WriteDataset, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    root = write_dataset({"guabao-rules.toml": TOML, "data.yaml": CADRES})
    baseline = tmp_path / "baseline.json"
    status, report = check_json(root, capsys, "--write-baseline", str(baseline))
    assert status == 0
    assert report["baseline"] == {"matched": 2, "fixed": []}
    assert json.loads(baseline.read_text(encoding="utf-8")) == {
        "version": 1,
        "findings": [{"rule": "D002", "subject": "C-01"}, {"rule": "D002", "subject": "C-02"}],
    }
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []

    # Moving records around (new lines) changes nothing; a new finding fails.
    (root / "data.yaml").write_text(
        "# 干部名单\n\n" + CADRES + "  - {id: C-03, name: 干部丙, unit: U-YYY}\n", encoding="utf-8"
    )
    status, report = check_json(root, capsys, "--baseline", str(baseline))
    assert status == 1
    assert findings(report) == [("D002", "C-03")]
    assert report["baseline"] == {"matched": 2, "fixed": []}


def test_a_baseline_reports_entries_that_no_longer_occur(
    write_dataset: WriteDataset, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    root = write_dataset({"guabao-rules.toml": TOML, "data.yaml": CADRES})
    baseline = tmp_path / "baseline.json"
    assert main(["check", str(root), "--write-baseline", str(baseline)]) == 0
    capsys.readouterr()
    (root / "data.yaml").write_text(CADRES.replace("U-FNI", "U-FIN"), encoding="utf-8")
    status, report = check_json(root, capsys, "--baseline", str(baseline))
    assert status == 0
    assert report["baseline"] == {"matched": 1, "fixed": [{"rule": "D002", "subject": "C-01"}]}
    assert main(["check", str(root), "--baseline", str(baseline)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-2] == "1 baseline entries no longer occur (update the baseline): D002 C-01"
    assert "; 1 in the baseline — judged at" in lines[-1]
    # Entries of rules that did not run are not called fixed.
    _, report = check_json(root, capsys, "--baseline", str(baseline), "--select", "D001")
    assert report["baseline"] == {"matched": 0, "fixed": []}


def test_writing_a_baseline_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    baseline = tmp_path / "baseline.json"
    one = Diagnostic("D002", Severity.ERROR, "m", "C-01", Location("a.yaml", 1, 1))
    write_baseline(baseline, [one])
    before = baseline.read_bytes()

    def interrupted(src: str, dst: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_baseline(
            baseline, [one, one.__class__("D001", Severity.ERROR, "m", "X", one.location)]
        )
    assert baseline.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["baseline.json"]
    assert read_baseline(baseline) == {("D002", "C-01")}


@pytest.mark.parametrize(
    "content",
    [
        None,
        "not json",
        '{"version": 2, "findings": []}',
        '{"version": 1, "findings": [{"rule": 3}]}',
    ],
)
def test_a_bad_baseline_is_one_line_and_exit_2(
    write_dataset: WriteDataset,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    content: str | None,
) -> None:
    root = write_dataset({"guabao-rules.toml": TOML, "data.yaml": CADRES})
    baseline = tmp_path / "baseline.json"
    if content is not None:
        baseline.write_text(content, encoding="utf-8")
    assert main(["check", str(root), "--baseline", str(baseline)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.splitlines()) == 1
    assert "baseline" in captured.err
