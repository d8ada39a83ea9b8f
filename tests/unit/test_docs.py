"""The documentation: generated rule pages are fresh, and mkdocs builds strictly."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import ROOT

from guabao_rules.docs import REGENERATE, explain, main, rule_pages, stale_pages
from guabao_rules.engine.core import catalogue

RULE_DOCS = ROOT / "docs" / "rules"


def test_the_rule_pages_are_fresh() -> None:
    stale = stale_pages(RULE_DOCS)
    assert stale == [], f"docs/rules is stale ({', '.join(stale)}); regenerate with: {REGENERATE}"


def test_every_rule_has_an_english_and_a_chinese_page_listed_in_the_index() -> None:
    pages = rule_pages()
    for rule in catalogue().rules:
        assert pages[f"{rule.id}.md"].endswith(explain(rule, "en"))
        assert pages[f"zh/{rule.id}.md"].endswith(explain(rule, "zh"))
        assert f"[{rule.id}]({rule.id}.md)" in pages["index.md"]
        assert f"[{rule.id}]({rule.id}.md)" in pages["zh/index.md"]
    assert "## D — Data integrity" in pages["index.md"]
    assert "## D — 数据完整性" in pages["zh/index.md"]


def test_the_generator_writes_checks_and_prunes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "rules"
    assert main(["--check", str(target)]) == 1
    assert capsys.readouterr().out.splitlines()[-1] == f"regenerate with: {REGENERATE}"
    assert main(["--write", str(target)]) == 0
    assert main(["--check", str(target)]) == 0
    (target / "X999.md").write_text("# gone\n", encoding="utf-8")
    (target / "D000.md").write_text("edited by hand\n", encoding="utf-8")
    (target / "notes.md").write_text("kept: not a generated page\n", encoding="utf-8")
    assert stale_pages(target) == ["D000.md", "X999.md"]
    main(["--write", str(target)])
    assert not (target / "X999.md").exists()
    assert (target / "notes.md").exists()
    assert stale_pages(target) == []


@pytest.mark.skipif(importlib.util.find_spec("mkdocs") is None, reason="mkdocs is not installed")
def test_mkdocs_builds_strictly(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "--quiet",
            "-f",
            str(ROOT / "mkdocs.yml"),
            "-d",
            str(tmp_path / "site"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "site" / "rules" / "Q003" / "index.html").is_file()
    assert (tmp_path / "site" / "rules" / "zh" / "Q003" / "index.html").is_file()
    assert (tmp_path / "site" / "api" / "index.html").is_file()


def test_every_chinese_column_name_is_documented() -> None:
    from guabao_rules.models import COLLECTIONS, TABLE_COLLECTIONS, Column

    text = (ROOT / "docs" / "data-format.md").read_text(encoding="utf-8")
    for collection in sorted(TABLE_COLLECTIONS):
        for name, info in COLLECTIONS[collection].model_fields.items():
            for meta in info.metadata:
                if isinstance(meta, Column):
                    assert f"{meta.zh} `{name}`" in text, (collection, name, meta.zh)
