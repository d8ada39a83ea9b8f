"""Rule packs are validated strictly: nothing checks silently nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from guabao_rules.cli import main
from guabao_rules.config import Config, ConfigError
from guabao_rules.engine.core import assemble, catalogue, plan
from guabao_rules.packs import Pack, PackError, RuleSpec, parse_pack, validate_rule
from tests.helpers import COUNT, EXAMPLES
from tests.helpers import rule_pack as pack


def only_rule(data: bytes) -> RuleSpec:
    (rule,) = parse_pack(data, "test.yaml").rules
    return rule


def test_a_well_formed_pack_loads() -> None:
    validate_rule(only_rule(pack()), {"limit"})


@pytest.mark.parametrize(
    ("constraint", "extra", "needle"),
    [
        (COUNT, "    colour: red\n", "colour"),
        ("{kind: regex, select: {collection: regions}}", "", "regex"),
        (COUNT.replace("collection: regions", "collection: region"), "", "unknown collection"),
        (COUNT.replace("via: target", "via: target, actve: true"), "", "actve"),
        ("{kind: python, check: X001, select: {colection: regions}}", "", "colection"),
        (COUNT + "\n    measure: tidiness", "", "unknown measure"),
    ],
)
def test_unknown_keys_kinds_and_names_are_pack_errors(
    constraint: str, extra: str, needle: str
) -> None:
    with pytest.raises(PackError, match=needle):
        parse_pack(pack(constraint, extra), "test.yaml")


def test_unregistered_check_is_a_pack_error() -> None:
    catalogue()  # registers the built-in checks
    rule = only_rule(pack("{kind: python, check: NO_SUCH_CHECK}"))
    with pytest.raises(PackError, match="NO_SUCH_CHECK"):
        validate_rule(rule, {"limit"})


def test_undeclared_parameter_is_a_pack_error() -> None:
    rule = only_rule(pack(COUNT.replace("param: limit", "param: limt")))
    with pytest.raises(PackError, match="limt"):
        validate_rule(rule, {"limit"})


def test_tags_in_packs_are_refused() -> None:
    with pytest.raises(PackError):
        parse_pack(b"pack: !!python/object:os.system {}\n", "evil.yaml")


def test_every_builtin_rule_has_both_languages_and_a_source() -> None:
    for rule in catalogue().rules:
        for text in (rule.title, rule.message, rule.description, rule.rationale, rule.subject):
            assert text.zh.strip() and text.en.strip(), rule.id
        assert rule.source.quote.strip(), rule.id


def test_every_rule_has_a_unique_kebab_case_name() -> None:
    from guabao_rules.engine.core import catalogue

    rules = catalogue().rules
    names = [rule.name for rule in rules]
    assert len(set(names)) == len(rules)
    assert catalogue().get("fund-overcommitted") is not None
    assert catalogue().get("fund-overcommitted").id == "T003"  # type: ignore[union-attr]


def test_a_rule_name_selects_like_its_id() -> None:
    from guabao_rules.engine.core import rule_codes

    assert rule_codes(["fund-overcommitted", "Q0"], "test") == ["T003", "Q0"]


def test_rules_json_shows_each_rules_kind_and_name() -> None:
    import json
    from contextlib import redirect_stdout
    from io import StringIO

    from guabao_rules.cli import main

    out = StringIO()
    with redirect_stdout(out):
        assert main(["rules", "--format", "json"]) == 0
    data = {item["rule"]: item for item in json.loads(out.getvalue())}
    assert data["T003"]["name"] == "fund-overcommitted"
    assert data["T003"]["kind"] == "sum"
    assert data["D004"]["kind"] == "python"
    assert data["D004"]["check"] == "region-code"
    assert data["D008"]["params"]["legacy_codes"]["type"] == "str_map"
    declarative = [r for r in data.values() if r["kind"] != "python"]
    assert len(declarative) >= 35


def test_a_kind_is_looked_up_in_the_table() -> None:
    from guabao_rules.kinds import KINDS
    from guabao_rules.packs import builtin_packs

    used = {rule.constraint.kind for pack in builtin_packs() for rule in pack.rules}
    assert used <= set(KINDS)
    for name, kind in KINDS.items():
        assert kind.schema.model_fields["kind"].annotation.__args__ == (name,)  # type: ignore[union-attr]


# --- positions: every pack and profile error names file:line:column ---------------


def _pack_error(data: bytes) -> str:
    with pytest.raises(PackError) as caught:
        parse_pack(data, "rules/test.yaml")
    (line,) = str(caught.value).splitlines()
    return line


@pytest.mark.parametrize(
    ("old", "new", "where", "needle"),
    [
        # An unknown key points at the key itself.
        ("    severity: error\n", "    severity: error\n    colour: red\n", ":9:5:", "`colour`"),
        # A value of the wrong type points at its key.
        ("severity: error", "severity: fatal", ":8:5:", "rules[0].severity"),
        ("params: {limit: {type: int", "params: {limit: {type: integer", ":14:22:", "type"),
        # A constraint kind that does not exist points at `kind`, inside the flow mapping.
        ("constraint: {kind: count,", "constraint: {kind: regex,", ":13:18:", "'regex'"),
        # A missing key points at the mapping that lacks it (the rule's first key).
        ("    title: {zh: 标题, en: title}\n", "", ":4:5:", "`rules[0].title`"),
        ("  - id: X001\n    name:", "  - name:", ":4:5:", "`rules[0].id`"),
        ("id: X001", "id: x1", ":4:5:", "capital letter"),
        ("name: test-rule", "name: Test_Rule", ":5:5:", "kebab-case"),
        ("name: test-rule", "name: test--rule", ":5:5:", "kebab-case"),
        # A bad example: data that is not text, an expectation with an unknown key.
        ('fail: {data: "units: []"', "fail: {data: [1]", ":16:14:", "examples.fail.data"),
        ("expect: [{subject: null}]", "expect: [{subjet: null}]", ":16:43:", "subject"),
    ],
)
def test_a_malformed_pack_names_the_place(old: str, new: str, where: str, needle: str) -> None:
    text = pack().decode()
    assert old in text
    line = _pack_error(text.replace(old, new, 1).encode())
    assert line.startswith(f"rules/test.yaml{where} "), line
    assert needle in line


def test_a_pack_that_is_not_yaml_names_the_place() -> None:
    assert _pack_error(b"pack: {name: [\n").startswith("rules/test.yaml:2:1: ")


def _two_packs(second: str) -> list[Pack]:
    return [
        parse_pack(pack(), "rules/a.yaml"),
        parse_pack(pack().decode().replace(*second.split("|")).encode(), "rules/b.yaml"),
    ]


def test_a_rule_id_declared_twice_names_both_places() -> None:
    with pytest.raises(PackError) as caught:
        assemble(_two_packs("name: test-rule|name: other-rule"))
    assert str(caught.value) == (
        "rules/b.yaml:4:5: rule X001 is declared twice (first at rules/a.yaml:4:5)"
    )


def test_a_rule_name_taken_twice_names_the_place() -> None:
    with pytest.raises(PackError, match=r"^rules/b\.yaml:5:5: rule X002: name 'test-rule'"):
        assemble(_two_packs("id: X001|id: X002"))


def test_an_undeclared_parameter_names_its_reference() -> None:
    catalogue()
    data = pack(COUNT.replace("param: limit", "param: limt"))
    with pytest.raises(PackError, match=r"^rules/test\.yaml:13:125: rule X001: parameter 'limt'"):
        assemble([parse_pack(data, "rules/test.yaml")])


def test_an_unregistered_check_names_its_place() -> None:
    catalogue()
    data = pack("{kind: python, check: NO_SUCH_CHECK}")
    with pytest.raises(PackError, match=r"^rules/test\.yaml:13:32: rule X001: no registered"):
        assemble([parse_pack(data, "rules/test.yaml")])


PROFILE = "name: mine\ndescription: {zh: 我的, en: mine}\nparams:\n  leaders_per_county: 2\n"


@pytest.mark.parametrize(
    ("extra", "where", "needle"),
    [
        ("selct: [Q]\n", ":5:1:", "unknown key `selct`"),
        ("select: Q\n", ":5:1:", "`select`"),
        ("ignore: [[Q]]\n", ":5:10:", "`ignore[0]`"),
    ],
)
@pytest.mark.parametrize("command", ["check", "explain"])
def test_a_malformed_profile_is_one_line_naming_the_place(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    command: str,
    extra: str,
    where: str,
    needle: str,
) -> None:
    profile = tmp_path / "mine.yaml"
    profile.write_text(PROFILE + extra, encoding="utf-8")
    argv = {
        "check": ["check", str(EXAMPLES / "yunnan-sanqu-sanzhou")],
        "explain": ["explain", "Q001"],
    }[command]
    assert main([*argv, "--profile", str(profile)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    (line,) = captured.err.splitlines()
    assert line.startswith(f"guabao-rules: error: {profile}{where} "), line
    assert needle in line


@pytest.fixture
def broken_plugin_pack(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A plugin pack whose second rule has a bad severity, seen by every command."""
    from guabao_rules import packs
    from guabao_rules.engine import core

    bad = pack().decode().replace("severity: error", "severity: fatal").encode()
    real = packs._pack_sources

    def sources() -> Iterator[tuple[str, bytes]]:
        yield from real()
        yield "myplugin:quota.yaml", bad

    monkeypatch.setattr(packs, "_pack_sources", sources)
    monkeypatch.setattr(core, "_CATALOGUE", None)
    packs.builtin_packs.cache_clear()
    yield
    packs.builtin_packs.cache_clear()


@pytest.mark.usefixtures("broken_plugin_pack")
@pytest.mark.parametrize(
    "argv",
    [["check", str(EXAMPLES / "yunnan-sanqu-sanzhou")], ["rules"], ["explain", "Q001"]],
)
def test_a_malformed_plugin_pack_is_one_line_in_every_command(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "guabao-rules: error: myplugin:quota.yaml:8:5: `rules[0].severity`: "
        "input should be 'error', 'warning' or 'info'\n"
    )


# --- parameters: a count, a number of days or a percentage is a finite number >= 0 ------


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("min_team_term_years", -1),  # M007 raised "a term cannot be negative"
        ("max_progress_gap_pct", float("nan")),  # T009 raised on NaN
        ("max_file_mb", float("inf")),  # the loader raised OverflowError
        ("idle_days", -3),
    ],
)
def test_parameter_negative_or_not_finite_is_a_config_error(name: str, value: Any) -> None:
    with pytest.raises(ConfigError, match=name):
        plan(Config(params={name: value}))
