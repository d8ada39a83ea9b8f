"""The command line: exit statuses, the JSON contract, deterministic output."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import EXAMPLES

from guabao_rules.cli import main

Write = Callable[[dict[str, str | bytes]], Path]

CLEAN = EXAMPLES / "yunnan-sanqu-sanzhou"
BROKEN = EXAMPLES / "broken"


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_clean_example_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run_cli(capsys, "check", str(CLEAN), "--lang", "en")
    assert status == 0
    assert out.startswith("Found 0 errors")


def test_broken_example_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run_cli(capsys, "check", str(BROKEN), "--lang", "en")
    assert status == 1
    assert "D000" in out


def test_exit_zero(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, _ = run_cli(capsys, "check", str(BROKEN), "--exit-zero")
    assert status == 0


def test_warnings_alone_do_not_fail(
    write_dataset: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_dataset(
        {
            "a.yaml": "regions:\n  - {id: '530000', name: 云南省, level: province}\n"
            "  - {id: '533300', name: 怒江州, level: prefecture, parent: '530000'}\n"
            "  - {id: '533321', name: 泸水县, level: county, parent: '533300'}\n"
        }
    )
    status, out, _ = run_cli(
        capsys,
        "check",
        str(root),
        "--profile",
        "yunnan-sanqu-sanzhou",
        "--select",
        "D008",
        "--format",
        "json",
    )
    data = json.loads(out)
    assert [d["rule"] for d in data["diagnostics"]] == ["D008"]
    assert data["summary"]["warning"] == 1
    assert status == 0


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["check", "/no/such/path"], "does not exist"),
        (["check", str(CLEAN), "--select", "X999"], "unknown rule"),
        (["check", str(CLEAN), "--format", "yaml"], "unknown format"),
        (["check", str(CLEAN), "--as-of", "2019-02-30"], "as_of"),
        (["check", str(CLEAN), "--as-of", ""], "as_of"),
        (["graph", str(CLEAN), "--format", "json", "--as-of", ""], "as_of"),
        (["check", str(CLEAN), "--profile", "nowhere"], "unknown profile"),
        (["check", str(CLEAN), "--config", "/no/such.toml"], "does not exist"),
        (["explain", "Z123"], "unknown rule"),
        (["frobnicate"], "invalid choice"),
        (["check", "--bogus"], "unrecognized"),
        ([], "a command is required"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], needle: str
) -> None:
    status, out, err = run_cli(capsys, *argv)
    assert status == 2
    assert out == ""
    assert err.count("\n") == 1 and needle in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("config", "needle"),
    [
        ("profile = 3\n", "profile"),
        ("colour = true\n", "guabao-rules.toml:1:1: unknown key `colour`"),
        ("[params]\nno_such_param = 1\n", "unknown parameter"),
        ("[params]\nleaders_per_county = 'two'\n", "type int"),
        ("[severity]\nQ003 = 'fatal'\n", "severity"),
        ("select = ['Q', 'ZZ']\n", "unknown rule"),
        ("this is not toml", "guabao-rules.toml"),
        (b"as_of = \xff\n", "guabao-rules.toml"),
    ],
)
def test_bad_config_exits_2(
    write_dataset: Write, capsys: pytest.CaptureFixture[str], config: str | bytes, needle: str
) -> None:
    root = write_dataset({"guabao-rules.toml": config, "a.yaml": ""})
    status, _, err = run_cli(capsys, "check", str(root))
    assert status == 2
    assert err.count("\n") == 1 and needle in err and "internal error" not in err


def test_a_pyproject_that_is_not_utf8_is_passed_over_like_broken_toml(
    write_dataset: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_dataset({"pyproject.toml": b"[tool.guabao-rules]\nas_of = \xff\n", "a.yaml": ""})
    status, _, err = run_cli(capsys, "check", str(root))
    assert (status, err) == (0, "")


def test_json_contract(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run_cli(capsys, "check", str(BROKEN), "--format", "json", "--lang", "en")
    data = json.loads(out)
    assert status == 1
    assert set(data) >= {"version", "tool", "as_of", "summary", "diagnostics", "rules"}
    assert data["version"] == 1
    assert data["tool"]["name"] == "guabao-rules"
    assert data["as_of"] == "2019-12-31"
    assert set(data["summary"]) >= {"error", "warning", "info", "files", "records", "rules"}
    for item in data["diagnostics"]:
        assert set(item) == {
            "rule",
            "severity",
            "subject",
            "message",
            "file",
            "line",
            "column",
            "related",
        }
        assert item["file"] is None or not item["file"].startswith("/")
        assert "\\" not in (item["file"] or "")
    keys = [
        (d["file"] or "", d["line"] or 0, d["column"] or 0, d["rule"]) for d in data["diagnostics"]
    ]
    assert keys == sorted(keys)
    for stat in data["rules"]:
        assert set(stat) == {"rule", "applied", "failed"}
        assert stat["failed"] <= stat["applied"]
    assert data["summary"]["rules"] == len(data["rules"])


def test_output_is_deterministic(capsys: pytest.CaptureFixture[str]) -> None:
    first = run_cli(capsys, "check", str(BROKEN), "--format", "json")[1]
    second = run_cli(capsys, "check", str(BROKEN), "--format", "json")[1]
    assert first == second


def test_select_and_ignore_prefixes(capsys: pytest.CaptureFixture[str]) -> None:
    out = run_cli(capsys, "check", str(BROKEN), "--format", "json", "--select", "D")[1]
    rules = {r["rule"] for r in json.loads(out)["rules"]}
    assert rules and all(r.startswith("D") for r in rules)
    # A selection that leaves no rule is a usage error, never a silent pass (issue 11).
    status, out, err = run_cli(
        capsys, "check", str(BROKEN), "--format", "json", "--select", "D", "--ignore", "D0"
    )
    assert (status, out, err) == (2, "", "guabao-rules: error: no rule selected\n")


def test_output_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    status, out, _ = run_cli(capsys, "check", str(BROKEN), "--format", "json", "-o", str(target))
    assert status == 1 and out == ""
    assert json.loads(target.read_text(encoding="utf-8"))["summary"]["error"] > 0


def test_language(capsys: pytest.CaptureFixture[str]) -> None:
    zh = run_cli(capsys, "check", str(BROKEN), "--lang", "zh")[1]
    en = run_cli(capsys, "check", str(BROKEN), "--lang", "en")[1]
    assert "发现" in zh and "Found" in en


def test_rules_and_explain(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run_cli(capsys, "rules", "--lang", "en")
    assert status == 0 and "Q003" in out
    status, out, _ = run_cli(capsys, "explain", "q003", "--lang", "en")
    assert status == 0
    for heading in ("What it checks", "Why", "Example", "Passing example", "Parameters"):
        assert f"## {heading}" in out


def test_console_script_runs_as_a_module() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "guabao_rules", "check", str(CLEAN)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "argv",
    [
        ["check", str(CLEAN), "-o", "{missing}/report.txt"],
        ["check", str(CLEAN), "-o", "{folder}"],
        ["check", str(CLEAN), "--write-baseline", "{missing}/baseline.json"],
        ["check", str(CLEAN), "--write-baseline", "{folder}"],
        ["graph", str(CLEAN), "--format", "json", "-o", "{missing}/graph.json"],
        ["schema", "-o", "{file}/schemas"],
    ],
)
def test_unwritable_output_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str]
) -> None:
    (tmp_path / "file").write_text("", encoding="utf-8")
    places = {"missing": tmp_path / "missing", "folder": tmp_path, "file": tmp_path / "file"}
    status, out, err = run_cli(capsys, *(arg.format(**places) for arg in argv))
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and "cannot write" in err and str(tmp_path) in err
    assert "internal error" not in err and ".tmp" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


@pytest.mark.parametrize("option", ["--select", "--ignore"])
def test_an_unknown_rule_on_the_command_line_is_blamed_on_the_option(
    capsys: pytest.CaptureFixture[str], option: str
) -> None:
    # CLEAN has a guabao-rules.toml, which is not where the bad code came from.
    status, _, err = run_cli(capsys, "check", str(CLEAN), option, "Q,X999")
    assert status == 2
    assert err == f"guabao-rules: error: {option}: unknown rule id or prefix `X999`\n"
