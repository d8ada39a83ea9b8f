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


# --- 2. the root cause comes first ----------------------------------------------

EXAMPLE = Path(__file__).parents[2] / "examples" / "yunnan-sanqu-sanzhou"


def example_copy(tmp_path: Path) -> Path:
    import shutil

    return Path(shutil.copytree(EXAMPLE, tmp_path / "data"))


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.mark.parametrize(
    ("lang", "more"), [("en", "more findings caused by this one"), ("zh", "个发现由此引起")]
)
def test_a_utf16_file_comes_before_the_references_it_breaks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], lang: str, more: str
) -> None:
    root = example_copy(tmp_path)
    units = root / "organisation" / "units.yaml"
    units.write_bytes(units.read_text(encoding="utf-8").encode("utf-16"))
    status, out, _ = run_cli(capsys, "check", str(root), "--lang", lang)
    lines = out.splitlines()
    assert status == 1
    assert lines[0].startswith("organisation/units.yaml:1:1: D000 "), lines[:3]
    assert lines[1].startswith("  ↳ ") and " D002 " in lines[1] and "U-" in lines[1]
    assert more in lines[4]
    report = json.loads(run_cli(capsys, "check", str(root), "--format", "json")[1])
    d002 = [d for d in report["diagnostics"] if d["rule"] == "D002"]
    assert d002 and all(
        d["caused_by"]
        == {
            "rule": "D000",
            "subject": None,
            "file": "organisation/units.yaml",
            "line": 1,
            "column": 1,
        }
        for d in d002
    )
    # The quota findings of counties whose unit pairings point into the lost file follow too.
    assert any(d["rule"] == "Q005" and "caused_by" in d for d in report["diagnostics"])
    assert not [d for d in report["diagnostics"] if d["rule"] == "D000" and "caused_by" in d]
    sarif = json.loads(run_cli(capsys, "check", str(root), "--format", "sarif")[1])
    result = next(r for r in sarif["runs"][0]["results"] if r["ruleId"] == "D002")
    assert result["properties"]["caused_by"]["rule"] == "D000"
    assert result["relatedLocations"][-1]["message"]["text"] == "caused by D000"
    assert result["relatedLocations"][-1]["physicalLocation"]["artifactLocation"]["uri"].endswith(
        "organisation/units.yaml"
    )


def test_a_reference_simply_missing_has_no_cause(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = example_copy(tmp_path)
    (root / "broken.yaml").write_text("regions: [{id: 1, name: x\n", encoding="utf-8")
    edit(
        root / "pairings" / "county-links.yaml",
        'helper: U-ZRT, target: "533323"',
        'helper: U-NONE, target: "533323"',
    )
    report = json.loads(run_cli(capsys, "check", str(root), "--format", "json")[1])
    d002 = [d for d in report["diagnostics"] if d["rule"] == "D002"]
    assert [d["subject"] for d in d002] == ["P-CL-533323-01"]
    assert "caused_by" not in d002[0]  # U-NONE is in no unreadable file


@pytest.mark.parametrize(
    ("lang", "q003", "t003"),
    [
        ("en", "0 provincial leaders have an active county_link", "the fund's amount 1.00"),
        ("zh", "Q003", "T003"),
    ],
)
def test_an_invalid_record_comes_before_what_it_causes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], lang: str, q003: str, t003: str
) -> None:
    root = example_copy(tmp_path)
    edit(
        root / "organisation" / "leaders.yaml",
        "{id: L-P05, name: 周某某, rank: provincial}",
        "{id: L-P05, name: 周某某, rank: provincal}",
    )
    edit(root / "funds" / "upstream.yaml", 'amount: "11910000.00"', "amount: 1,500,000")
    out = run_cli(capsys, "check", str(root), "--lang", lang)[1]
    lines = out.splitlines()
    assert lines[0].startswith("funds/upstream.yaml:6:6: D003 ") and "`500`" in lines[0]
    assert lines[1].startswith("  ↳ funds/upstream.yaml:6:") and t003 in lines[1]
    assert lines[2].startswith("organisation/leaders.yaml:14:") and " D003 " in lines[2]
    assert lines[3].startswith("  ↳ regions.yaml:") and "533323" in lines[3] and q003 in lines[3]
    assert (
        "2 follow from another finding" if lang == "en" else "其中 2 个由其他发现引起"
    ) in lines[-1]
    report = json.loads(run_cli(capsys, "check", str(root), "--format", "json")[1])
    caused = {d["rule"]: d["caused_by"] for d in report["diagnostics"] if "caused_by" in d}
    assert caused == {
        "T003": {
            "rule": "D003",
            "subject": "F-CEN-2019",
            "file": "funds/upstream.yaml",
            "line": 6,
            "column": 6,
        },
        "Q003": {
            "rule": "D003",
            "subject": "L-P05",
            "file": "organisation/leaders.yaml",
            "line": 14,
            "column": 28,
        },
    }
    assert report["summary"]["error"] == 4  # folding hides nothing from the counts
