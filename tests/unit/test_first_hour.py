"""Issue 12, "a first hour without surprises": each situation a new user met, in zh and en."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from guabao_rules.cli import main

COUNTY_DATA = """\
regions:
  - {id: "530000", name: 云南省, level: province}
  - {id: "533300", name: 怒江傈僳族自治州, level: prefecture, parent: "530000"}
  - {id: "533323", name: 福贡县, level: county, parent: "533300", tags: [sanqu_sanzhou, TAG]}
  - {id: "533323100", name: 上帕镇, level: township, parent: "533323"}
  - {id: "533323100201", name: 腊竹底村, level: village, parent: "533323100", tags: [poor_village]}
"""


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


# --- 1. no silent pass ------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "en",
            "no county is tagged `deep_poverty` (the data has the tag `深度贫困县`: did you mean",
        ),
        ("zh", "没有县带有标签 `deep_poverty`(数据中有标签 `深度贫困县`,是否应为 `deep_poverty`?)"),
    ],
)
def test_a_misspelled_scope_tag_is_no_silent_pass(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], lang: str, expected: str
) -> None:
    write(tmp_path, {"regions.yaml": COUNTY_DATA.replace("TAG", "深度贫困县")})
    status, out, _ = run_cli(
        capsys, "check", str(tmp_path), "--lang", lang, "--as-of", "2019-12-31"
    )
    lines = [line for line in out.splitlines() if " D010 " in line]
    assert len(lines) == 2, out  # one per family: Q and M
    assert lines[0].startswith("regions.yaml:4:")  # at the county that carries the tag
    assert "Q003" in lines[0] and "Q010" in lines[0] and expected in lines[0]
    assert "M003" in lines[1]
    assert status == 0  # a warning: the data is not wrong, the check is hollow


def test_a_correct_scope_tag_gives_no_d010(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, {"regions.yaml": COUNTY_DATA.replace("TAG", "deep_poverty")})
    out = run_cli(capsys, "check", str(tmp_path), "--format", "json", "--as-of", "2019-12-31")[1]
    report = json.loads(out)
    assert [d for d in report["diagnostics"] if d["rule"] == "D010"] == []
    assert {d["rule"] for d in report["diagnostics"]} >= {"Q003", "Q005", "Q010"}


def test_every_record_invalid_is_no_silent_pass(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = COUNTY_DATA.replace("TAG", "deep_poverty") + (
        'households:\n  - {id: HH-1, village: "533323100201", status: 贫困}\n'
    )
    write(tmp_path, {"data.yaml": data})
    out = run_cli(capsys, "check", str(tmp_path), "--lang", "en", "--as-of", "2019-12-31")[1]
    assert "Q011: none of the 1 records of `households` is valid (see D003)" in out
