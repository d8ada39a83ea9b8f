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


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("en", "Q rules checked nothing: Q011: none of the 1 records of `households` is valid"),
        ("zh", "Q 类规则什么也没检查:Q011:`households` 的 1 条记录都未通过格式校验(见 D003)"),
    ],
)
def test_every_record_invalid_is_no_silent_pass(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], lang: str, said: str
) -> None:
    data = COUNTY_DATA.replace("TAG", "deep_poverty") + (
        'households:\n  - {id: HH-1, village: "533323100201", status: 贫困}\n'
    )
    write(tmp_path, {"data.yaml": data})
    out = run_cli(capsys, "check", str(tmp_path), "--lang", lang, "--as-of", "2019-12-31")[1]
    assert said in out


@pytest.mark.parametrize(
    ("lang", "skipped"),
    [("en", "; 2 files skipped, see --list-files)"), ("zh", ";跳过 2 个文件,见 --list-files)")],
)
def test_files_that_look_like_data_but_are_not_read_are_counted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], lang: str, skipped: str
) -> None:
    write(
        tmp_path,
        {
            "regions.yaml": COUNTY_DATA.replace("TAG", "deep_poverty"),
            "leaders.YAML": "leaders: []\n",
            "units.json": "{}",
        },
    )
    out = run_cli(capsys, "check", str(tmp_path), "--lang", lang, "--as-of", "2019-12-31")[1]
    assert skipped in out.splitlines()[-1]
    listed = run_cli(capsys, "check", str(tmp_path), "--list-files", "--lang", lang)[1]
    mark = "(skipped)" if lang == "en" else "(跳过)"
    assert listed.splitlines() == ["regions.yaml", f"leaders.YAML  {mark}", f"units.json  {mark}"]


@pytest.mark.parametrize(
    ("lang", "d005", "none"),
    [
        (
            "en",
            "dates out of order",
            "no data files (*.yaml, *.yml, collection *.csv / *.parquet) in ",
        ),
        ("zh", "日期错误", " 中没有数据文件(*.yaml、*.yml、集合的 *.csv / *.parquet)"),
    ],
)
def test_a_folder_inside_the_dataset_is_checked_within_it(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    lang: str,
    d005: str,
    none: str,
) -> None:
    root = example_copy(tmp_path)
    reports = root / "reports"
    reports.mkdir()
    (reports / "2018-2019.csv").write_text(
        "id,reporter,household,period,date,recipients\n"
        "R-X,C-533323-01,HH-533323-0001,2019-Q4,2020-01-09,U-SLT\n",
        encoding="utf-8",
    )
    expected = f"reports/2018-2019.csv:2:40: D005 [{'error' if lang == 'en' else '错误'}] R-X: "
    # Inside the folder, on the folder, on the file: the same one finding, located in
    # the dataset, and the references into the rest of the dataset resolve (no D002).
    monkeypatch.chdir(reports)
    for argv in (["check"], ["check", "."], ["check", "2018-2019.csv"], ["check", str(reports)]):
        status, out, err = run_cli(capsys, *argv, "--lang", lang)
        lines = out.splitlines()
        assert status == 1 and err == "", (argv, err)
        assert len(lines) == 2 and lines[0].startswith(expected) and d005 in lines[0], out
    # A folder of the dataset with no data of its own is no pass on the rest of it.
    (root / "empty").mkdir()
    status, out, err = run_cli(capsys, "check", str(root / "empty"), "--lang", lang)
    assert status == 2 and out == "" and none in err


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


def _utf16(path: Path) -> None:
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-16"))


@pytest.mark.parametrize(
    ("lang", "follow"), [("en", "3 follow from another finding"), ("zh", "其中 3 个由其他发现引起")]
)
def test_findings_about_the_dataset_fold_under_the_file_their_collection_lost(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], lang: str, follow: str
) -> None:
    root = example_copy(tmp_path)
    _utf16(root / "pairings" / "prefecture-links.yaml")
    status, out, _ = run_cli(capsys, "check", str(root), "--lang", lang)
    lines = out.splitlines()
    assert status == 1
    assert lines[0].startswith("pairings/prefecture-links.yaml:1:1: D000 ")
    # Q001, Q002 and M005 judge the prefectures a parameter names: the links lost with
    # the file are why no party secretary, governor or partner city is found.
    assert [line.split()[2] for line in lines[1:4]] == ["Q001", "M005", "Q002"]
    assert all(line.startswith("  ↳ regions.yaml:") for line in lines[1:4])
    assert follow in lines[-1]
    report = json.loads(run_cli(capsys, "check", str(root), "--format", "json")[1])
    cause = {
        "rule": "D000",
        "subject": None,
        "file": "pairings/prefecture-links.yaml",
        "line": 1,
        "column": 1,
    }
    assert [(d["rule"], d.get("caused_by")) for d in report["diagnostics"]] == [
        ("D000", None),
        ("Q001", cause),
        ("M005", cause),
        ("Q002", cause),
    ]
    sarif = json.loads(run_cli(capsys, "check", str(root), "--format", "sarif")[1])
    results = sarif["runs"][0]["results"]
    assert len(results) == 4  # every finding kept
    assert [r.get("properties", {}).get("caused_by", {}).get("rule") for r in results] == [
        None,
        "D000",
        "D000",
        "D000",
    ]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_q008_folds_under_an_unreadable_units_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], lang: str
) -> None:
    root = example_copy(tmp_path)
    _utf16(root / "organisation" / "units.yaml")
    report = json.loads(run_cli(capsys, "check", str(root), "--format", "json", "--lang", lang)[1])
    (q008,) = [d for d in report["diagnostics"] if d["rule"] == "Q008"]
    assert q008["subject"] is None and q008["file"] == "guabao-rules.toml"
    assert q008["caused_by"]["file"] == "organisation/units.yaml"
    assert q008["caused_by"]["rule"] == "D000"
    text = run_cli(capsys, "check", str(root), "--lang", lang)[1]
    # No finding stands on its own line: all 451 are under the D000.
    assert [line for line in text.splitlines() if not line.startswith("  ↳")][:-1] == [
        line for line in text.splitlines() if " D000 " in line
    ]


@pytest.mark.parametrize(
    ("lang", "q008"),
    [
        ("en", "35 distinct units have an active county_link"),
        ("zh", "有效挂联范围内县的单位共 35 家"),
    ],
)
def test_q008_folds_under_the_invalid_pairing_it_could_not_count(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], lang: str, q008: str
) -> None:
    root = example_copy(tmp_path)
    edit(
        root / "pairings" / "county-links.yaml",
        'helper: U-LCJ, target: "533401", start: 2018-01-01',
        'helper: U-LCJ, target: "533401", start: 2018-13-01',
    )
    lines = run_cli(capsys, "check", str(root), "--lang", lang)[1].splitlines()
    assert lines[0].startswith("pairings/county-links.yaml:8:78: D003 ")
    assert lines[1].startswith("  ↳ guabao-rules.toml:2:1: Q008 ") and q008 in lines[1]
    report = json.loads(run_cli(capsys, "check", str(root), "--format", "json")[1])
    (found,) = [d for d in report["diagnostics"] if d["rule"] == "Q008"]
    assert found["caused_by"] == {
        "rule": "D003",
        "subject": "P-CL-533401-02",
        "file": "pairings/county-links.yaml",
        "line": 8,
        "column": 78,
    }


def test_a_dataset_finding_with_nothing_lost_in_its_collections_stands_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = example_copy(tmp_path)
    # The unit's only county link removed: Q008 counts 35 of 36 for a reason of its own.
    edit(
        root / "pairings" / "county-links.yaml",
        '  - {id: P-CL-533401-02, kind: county_link, helper: U-LCJ, target: "533401",'
        " start: 2018-01-01}\n",
        "",
    )
    # A broken record of a collection Q008 does not read causes nothing of Q008.
    edit(root / "funds" / "upstream.yaml", 'amount: "11910000.00"', "amount: 1,500,000")
    report = json.loads(run_cli(capsys, "check", str(root), "--format", "json")[1])
    (q008,) = [d for d in report["diagnostics"] if d["rule"] == "Q008"]
    assert "caused_by" not in q008
    assert any(d["rule"] == "T003" and "caused_by" in d for d in report["diagnostics"])


# --- 3. rules cite the policy document ---------------------------------------------


@pytest.mark.parametrize(
    ("lang", "title"),
    [
        ("en", "The 挂包帮 poverty-alleviation organisation of the 三区三州, "),
        ("zh", "《“三区三州”“挂包帮”扶贫组织模式》"),
    ],
)
def test_sarif_rule_help_cites_the_policy_document_and_section(
    capsys: pytest.CaptureFixture[str], lang: str, title: str
) -> None:
    from guabao_rules.engine.core import catalogue

    sarif = json.loads(
        run_cli(capsys, "check", str(EXAMPLE), "--format", "sarif", "--lang", lang)[1]
    )
    rules = sarif["runs"][0]["tool"]["driver"]["rules"]
    assert len(rules) == len(catalogue().rules)
    for descriptor in rules:
        rule = catalogue().get(descriptor["id"])
        assert rule is not None
        cited = rule.source.citation(lang)
        assert descriptor["properties"]["source"] == cited
        # The policy rules cite the policy; the data rules the data-format spec.
        assert (title in cited) == (rule.source.document == "seed"), cited
        assert cited in descriptor["help"]["text"] and cited in descriptor["help"]["markdown"]
        assert f"seed {rule.source.clause}" not in json.dumps(descriptor, ensure_ascii=False)
    assert sum(title in d["properties"]["source"] for d in rules) >= 30
    q003 = next(d for d in rules if d["id"] == "Q003")
    section = "(一)组织领导机制" if lang == "zh" else "(一) organisational leadership"
    assert section in q003["properties"]["source"]


# --- 9. the API is the CLI ------------------------------------------------------


def test_check_path_is_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import guabao_rules
    from guabao_rules.report import OutputOptions
    from guabao_rules.report.json_format import report_dict

    root = example_copy(tmp_path)
    # A config the bare API used to ignore: an exclude, an as_of and a selection.
    (root / "junk").mkdir()
    (root / "junk" / "notes.yaml").write_text("not: [valid", encoding="utf-8")
    config = root / "guabao-rules.toml"
    config.write_text(
        config.read_text(encoding="utf-8") + 'exclude = ["junk/**"]\nignore = ["S"]\n',
        encoding="utf-8",
    )
    edit(
        root / "pairings" / "county-links.yaml",
        'helper: U-ZRT, target: "533323"',
        'helper: U-NONE, target: "533323"',
    )
    for lang in ("en", "zh"):
        cli = json.loads(run_cli(capsys, "check", str(root), "--format", "json", "--lang", lang)[1])
        report = guabao_rules.check_path(root, lang=lang)
        api = json.loads(json.dumps(report_dict(report, OutputOptions()), ensure_ascii=False))
        assert api == cli
        assert api["as_of"] == "2019-12-31"
        assert {d["rule"] for d in api["diagnostics"]} >= {"D002"}
        assert not [d for d in api["diagnostics"] if d["file"].startswith("junk/")]
        assert not [s for s in api["rules"] if s["rule"].startswith("S")]
    # Overrides are the options: --as-of, --select.
    narrowed = guabao_rules.check_path(str(root), as_of="2018-12-31", select=["D002"])
    assert narrowed.as_of.isoformat() == "2018-12-31"
    assert {d.rule for d in narrowed.diagnostics} == {"D002"}
    (tmp_path / "empty").mkdir()
    with pytest.raises(guabao_rules.ConfigError, match="no data files"):
        guabao_rules.check_path(tmp_path / "empty")
    with pytest.raises(FileNotFoundError):
        guabao_rules.check_path(tmp_path / "nowhere")


README = Path(__file__).parents[2] / "README.md"


def readme_api_example() -> str:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Python API") :]
    return section[section.index("```python\n") + len("```python\n") : section.index("```\n", 20)]


def test_the_readme_api_example_type_checks_and_runs(tmp_path: Path) -> None:
    import subprocess
    import sys

    example = tmp_path / "readme_example.py"
    example.write_text(readme_api_example(), encoding="utf-8")
    assert "check_path(" in example.read_text(encoding="utf-8")
    repo = README.parent
    typed = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(example)],
        capture_output=True,
        text=True,
        cwd=repo,
        check=False,
    )
    assert typed.returncode == 0, typed.stdout + typed.stderr
    ran = subprocess.run(
        [sys.executable, str(example)], capture_output=True, text=True, cwd=repo, check=False
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip().splitlines()[-1] == "0"  # the example dataset passes


# --- 10. checking one file reports that file ------------------------------------


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("with_config", [True, False])
def test_checking_one_file_reports_that_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], lang: str, with_config: bool
) -> None:
    root = example_copy(tmp_path)
    if not with_config:
        (root / "guabao-rules.toml").unlink()
    households = root / "counties" / "533323-fugong" / "households"
    households.mkdir(exist_ok=True)
    table = households / "extra.csv"
    table.write_text(
        "id,village,status\nHH-X-1,533323200205,poor\nHH-X-2,999999999999,poor\n",
        encoding="utf-8",
    )
    argv = ["check", str(table), "--lang", lang, "--as-of", "2019-12-31", "--select", "D"]
    status, out, _ = run_cli(capsys, *argv)
    lines = out.splitlines()[:-1]
    assert lines, out
    # The root: the config's folder, else the folder above the table folder.
    shown = "counties/533323-fugong/households/extra.csv:" if with_config else "households/"
    assert all(line.startswith(shown) for line in lines), out
    assert any("999999999999" in line and " D002 " in line for line in lines)  # its own
    assert not any("533323200205" in line for line in lines)  # resolved against the dataset
    assert status == 1
    # A file without findings passes, whatever the rest of the dataset holds.
    table.write_text("id,village,status\nHH-X-1,533323200205,poor\n", encoding="utf-8")
    (root / "regions.yaml").write_text(
        (root / "regions.yaml").read_text(encoding="utf-8") + "  - {id: 1}\n", encoding="utf-8"
    )
    status, out, _ = run_cli(capsys, *argv)
    assert status == 0, out


# --- 7. a scorecard that reads as perfect when nothing was checked -------------------


@pytest.mark.parametrize(("lang", "legend"), [("en", "— not checked"), ("zh", "— 未检查")])
def test_a_measure_not_checked_shows_a_dash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], lang: str, legend: str
) -> None:
    import openpyxl

    argv = ("check", str(EXAMPLE), "--statistics", "--ignore", "S1,S3", "--lang", lang)
    out = run_cli(capsys, *argv)[1]
    row = next(line for line in out.splitlines() if line.strip().startswith("533323 "))
    assert row.split()[2:9] == ["—", "0", "—", "0", "0", "0", "0"], row
    assert legend in out
    report = json.loads(run_cli(capsys, *argv, "--format", "json")[1])
    fugong = next(r for r in report["scorecard"] if r["county"] == "533323")
    from guabao_rules.packs import MEASURES

    s1, _, s3, *_ = MEASURES
    assert [k for k, v in fugong["failed"].items() if v is None] == [s1, s3]
    assert 0 in fugong["failed"].values()
    html = tmp_path / "report.html"
    run_cli(capsys, *argv, "--format", "html", "-o", str(html))
    table = html.read_text(encoding="utf-8").split('id="scorecard"')[1].split("</table>")[0]
    assert table.count(">—</span>") == 2 * 7  # two measures, seven counties
    book = tmp_path / "report.xlsx"
    run_cli(capsys, *argv, "--format", "xlsx", "-o", str(book))
    sheet = openpyxl.load_workbook(book).worksheets[-1]
    values = [[c.value for c in r] for r in sheet.iter_rows(min_row=2)]
    fugong_row = next(r for r in values if r[0] == "533323")
    assert fugong_row[3:10] == ["—", 0, "—", 0, 0, 0, 0]
    # Everything ignored: every measure reads "—", never a perfect row of zeros.
    everything = json.loads(
        run_cli(capsys, "check", str(EXAMPLE), "--statistics", "--ignore", "S", "--format", "json")[
            1
        ]
    )
    assert all(v is None for r in everything["scorecard"] for v in r["failed"].values())


# --- 1. no silent pass: nothing to read is a usage error ---------------------------


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize(
    "files",
    [{}, {"data.xlsx.bak": "x", "regions.YAML": COUNTY_DATA, "regions.json": "{}"}],
    ids=["empty", "not-data"],
)
def test_no_data_files_is_exit_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], lang: str, files: dict[str, str]
) -> None:
    write(tmp_path, files)
    status, out, err = run_cli(capsys, "check", str(tmp_path), "--lang", lang)
    assert status == 2 and out == ""
    assert len(err.splitlines()) == 1
    assert ("no data files" if lang == "en" else "中没有数据文件") in err
    if files:
        assert ("2 skipped" if lang == "en" else "跳过 2 个") in err and "regions.YAML" in err
        listed = run_cli(capsys, "check", str(tmp_path), "--list-files", "--lang", lang)[1]
        assert ("regions.YAML  (skipped)" if lang == "en" else "regions.YAML  (跳过)") in listed


# --- 5. the judging date is printed ------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("en", "judged at {day} (as_of from today: no as_of set)"),
        ("zh", "评估日 {day}(来自 今天:未设置 as_of)"),
    ],
)
def test_the_summary_says_the_judging_date_and_where_it_came_from(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], lang: str, said: str
) -> None:
    from datetime import date

    write(tmp_path, {"regions.yaml": COUNTY_DATA.replace("TAG", "deep_poverty")})
    out = run_cli(capsys, "check", str(tmp_path), "--lang", lang)[1]
    assert said.format(day=date.today().isoformat()) in out.splitlines()[-1]
    out = run_cli(capsys, "check", str(tmp_path), "--lang", lang, "--as-of", "2019-12-31")[1]
    assert "2019-12-31" in out.splitlines()[-1] and "--as-of" in out.splitlines()[-1]
    settings = run_cli(capsys, "check", str(tmp_path), "--as-of", "2019-12-31", "--show-settings")[
        1
    ]
    assert "as_of: 2019-12-31 (from --as-of)" in settings and "config file: none" in settings
    zh = run_cli(
        capsys, "check", str(tmp_path), "--as-of", "2019-12-31", "--show-settings", "--lang", "zh"
    )[1]
    assert "as_of: 2019-12-31 (来自 --as-of)" in zh and "配置文件: 无" in zh and "lang: zh" in zh
    # The same settings with the same values; only the words around them differ.
    en = run_cli(
        capsys, "check", str(tmp_path), "--as-of", "2019-12-31", "--show-settings", "--lang", "en"
    )[1]

    def values(text: str) -> list[str]:
        return [line.split(": ", 1)[-1] for line in text.splitlines()]

    assert len(values(en)) == len(values(zh))
    assert [(e, z) for e, z in zip(values(en), values(zh), strict=True) if e != z] == [
        ("none", "无"),  # no config file
        ("none", "无"),  # no profile
        ("2019-12-31 (from --as-of)", "2019-12-31 (来自 --as-of)"),
        ("en", "zh"),
    ]


# --- 6. SARIF that code scanning accepts ------------------------------------------


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_sarif_result_has_a_physical_location(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], lang: str
) -> None:
    root = example_copy(tmp_path)
    edit(root / "pairings" / "county-links.yaml", "role: lead, ", "")  # Q009 and friends
    (root / "organisation" / "units.yaml").write_text("units: [", encoding="utf-8")  # Q008
    sarif = json.loads(run_cli(capsys, "check", str(root), "--format", "sarif", "--lang", lang)[1])
    results = sarif["runs"][0]["results"]
    assert {r["ruleId"] for r in results} >= {"Q008", "D000", "D002"}
    assert all(r["locations"] and "physicalLocation" in r["locations"][0] for r in results)
    q008 = next(r for r in results if r["ruleId"] == "Q008")
    # At the line that sets the profile, in the user's own config.
    assert q008["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith(
        "guabao-rules.toml"
    )


# --- 9. the API is the CLI (the small traps) ---------------------------------------


def test_config_takes_iso_strings_and_find_config_takes_str() -> None:
    import guabao_rules

    assert guabao_rules.Config(as_of="2019-12-31").as_of == __import__("datetime").date(
        2019, 12, 31
    )
    with pytest.raises(guabao_rules.ConfigError):
        guabao_rules.Config(as_of="31/12/2019")
    assert guabao_rules.find_config(str(EXAMPLE)).profile == "yunnan-sanqu-sanzhou"


# --- 10. the conventions of ruff and yamllint --------------------------------------


@pytest.mark.parametrize(("lang", "word"), [("en", "[warning]"), ("zh", "[警告]")])
def test_the_usual_options(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    lang: str,
    word: str,
) -> None:
    import io

    data = write(tmp_path / "a", {"regions.yaml": COUNTY_DATA.replace("TAG", "深度贫困县")})
    base = ("check", str(data), "--lang", lang, "--as-of", "2019-12-31")
    status, out, _ = run_cli(capsys, *base)
    assert status == 0 and word in out  # D010 warnings do not fail by default
    extra = 'households:\n  - {id: HH-1, village: "533323100299", status: poor}\n'
    write(tmp_path / "more", {"regions.yaml": COUNTY_DATA.replace("TAG", "x") + extra})
    errors = run_cli(capsys, "check", str(tmp_path / "more"), "--lang", lang, "--select", "D002")
    assert errors[0] == 1
    assert " D002 " in errors[1] and "] HH-1: " in errors[1]  # the subject id leads the message
    assert run_cli(capsys, *base, "--fail-on", "warning")[0] == 1
    assert run_cli(capsys, *base, "--fail-on", "warning", "--exit-zero")[0] == 0
    quiet = run_cli(capsys, *base, "--quiet")[1]
    assert quiet.splitlines() == [x for x in out.splitlines() if " D010 " in x]
    shown = run_cli(capsys, *base, "--show-source")[1]
    assert "| " in shown and "^" in shown and "\033[" not in shown
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert "\033[" in run_cli(capsys, *base)[1]
    monkeypatch.delenv("FORCE_COLOR")
    piped = (COUNTY_DATA + extra).encode()
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(piped)))
    status, out, _ = run_cli(capsys, "check", "-", "--lang", lang, "--select", "D002")
    assert status == 1 and out.startswith("-:8:16: D002 ")  # standard input is named `-`
    listed = run_cli(capsys, "check", str(data), "--list-files")[1]
    assert listed == "regions.yaml\n"
