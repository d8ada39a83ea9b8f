"""Rule packs are validated strictly: nothing checks silently nothing."""

from __future__ import annotations

import pytest

from guabao_rules.engine.core import catalogue
from guabao_rules.packs import PackError, RuleSpec, parse_pack, validate_rule

RULE = """
pack: {name: test, description: {zh: 测试, en: test}}
rules:
  - id: X001
    name: test-rule
    title: {zh: 标题, en: title}
    message: {zh: 消息, en: message}
    severity: error
    subject: {zh: 县, en: county}
    description: {zh: 说明, en: description}
    rationale: {zh: 理由, en: rationale}
    source: {clause: (一), quote: 引文}
    constraint: CONSTRAINT
    params: {limit: {type: int, default: 1, description: {zh: 上限, en: limit}}}
    examples:
      fail: {data: "units: []", expect: [{subject: null}]}
      pass: {data: "units: []"}
"""

COUNT = (
    "{kind: count, select: {collection: regions}, "
    "checks: [{relation: {collection: pairings, via: target}, min: {param: limit}}]}"
)


def pack(constraint: str = COUNT, extra: str = "") -> bytes:
    return (RULE.replace("CONSTRAINT", constraint) + extra).encode()


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
