"""Profiles: the documented format, the county profile, and rules citing the policy text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import EXAMPLES, ROOT, rule_pack

from guabao_rules.config import Config
from guabao_rules.engine.core import catalogue, plan, run
from guabao_rules.packs import (
    SEED_FILE,
    SEED_SECTIONS,
    PackError,
    Profile,
    load_profile,
    parse_pack,
    profile_dir,
)
from guabao_rules.sources.loader import load

PROFILES_DOC = (ROOT / "docs" / "profiles.md").read_text(encoding="utf-8")
BUILT_IN = sorted(p.name[:-5] for p in profile_dir().iterdir() if p.name.endswith(".yaml"))
PROVINCE_WIDE = {"Q001", "Q002", "Q008"}

SEED = ROOT.parent.parent / "shared" / "seed" / SEED_FILE
if not SEED.exists():  # CI lays shared/ beside the clone
    SEED = Path("/work/shared/seed") / SEED_FILE


@pytest.mark.parametrize("name", BUILT_IN)
def test_every_built_in_profile_loads_and_is_documented(name: str) -> None:
    profile = load_profile(name)
    assert profile.name == name
    assert f"| `{name}` |" in PROFILES_DOC, f"docs/profiles.md does not list {name}"


@pytest.mark.parametrize("key", sorted(Profile.model_fields))
def test_every_profile_key_is_documented(key: str) -> None:
    assert f"| `{key}` |" in PROFILES_DOC


def test_the_configuration_page_links_the_profile_page() -> None:
    assert "(profiles.md)" in (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")


def test_the_county_profile_runs_every_rule_but_the_province_wide_ones() -> None:
    county = {r.id for r in plan(Config(profile="county")).rules}
    every = {r.id for r in catalogue().rules}
    assert every - county == PROVINCE_WIDE


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_county_dataset_under_the_county_profile_gets_only_findings_it_can_fix(
    lang: str,
) -> None:
    config = Config(profile="county", as_of="2019-12-31", lang=lang, params={"total_units": 5})
    report = run(load(EXAMPLES / "broken"), plan(config))
    rules = {d.rule for d in report.diagnostics}
    assert not rules & PROVINCE_WIDE
    assert {"Q003", "Q011", "M001", "T003"} <= rules  # the county's own problems remain
    assert all(d.location.file for d in report.diagnostics), [
        (d.rule, d.subject) for d in report.diagnostics if not d.location.file
    ]
    # The county's findings speak its language.
    q003 = next(d for d in report.diagnostics if d.rule == "Q003")
    assert ("provincial leaders" in q003.message) == (lang == "en"), q003.message
    assert ("省级领导" in q003.message) == (lang == "zh"), q003.message
    province = run(
        load(EXAMPLES / "broken"),
        plan(Config(profile="yunnan-sanqu-sanzhou", as_of="2019-12-31", lang=lang)),
    )
    assert {d.rule for d in province.diagnostics} & PROVINCE_WIDE  # what the county is spared
    assert all(d.location.file for d in province.diagnostics)


def test_a_profile_with_an_unknown_key_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "p.yaml"
    bad.write_text("name: p\ndescription: {zh: 甲, en: a}\nparms: {}\n", encoding="utf-8")
    with pytest.raises(PackError, match="parms"):
        load_profile(str(bad))


# --- citing the policy text ------------------------------------------------------------


@pytest.mark.parametrize("clause", ["(9)", "seed (一)", "一"])
def test_a_seed_clause_must_be_a_section_of_the_seed(clause: str) -> None:
    with pytest.raises(PackError, match="no section"):
        parse_pack(rule_pack(clause=clause), "test.yaml")


def _seed_sections(text: str) -> dict[str, str]:
    parts = re.split(r"\n(?=\([一二三四五六]\))", text)
    sections = {"导语": parts[0]}
    sections.update((part[:3], part) for part in parts[1:])
    return sections


@pytest.mark.skipif(not SEED.exists(), reason="the seed text is not beside the clone")
def test_every_quote_stands_in_the_seed_section_it_cites() -> None:
    sections = _seed_sections(SEED.read_text(encoding="utf-8"))
    assert set(sections) == set(SEED_SECTIONS)

    def plain(text: str) -> str:
        return text.replace("“", "").replace("”", "")

    for rule in catalogue().rules:
        source = rule.source
        if source.document == "seed":
            assert plain(source.quote) in plain(sections[source.clause]), rule.id


def test_rule_pages_cite_the_policy_document_and_its_section() -> None:
    page = (ROOT / "docs" / "rules" / "Q003.md").read_text(encoding="utf-8")
    assert "(一) organisational leadership (seed `000_c5d3c9bf12f5ab75.txt`)" in page
    zh = (ROOT / "docs" / "rules" / "zh" / "Q003.md").read_text(encoding="utf-8")
    assert "《“三区三州”“挂包帮”扶贫组织模式》(一)组织领导机制" in zh
