"""Every example of every rule, straight from its pack.

The examples are the documentation (``explain``) and the per-rule datasets:
each failing example must yield exactly its expected findings (rule, subject,
and line and message where it names them), in order; each passing example
nothing for its rule.
"""

from __future__ import annotations

from datetime import date

import pytest

from guabao_rules.config import Config
from guabao_rules.engine.core import catalogue, plan, run
from guabao_rules.engine.waivers import parse_waivers
from guabao_rules.packs import Example, Expect, RuleSpec
from guabao_rules.sources.loader import load_text

RULES = catalogue().rules
FAILING = [(r, i, e) for r in RULES for i, e in enumerate(r.examples.fail)]
PASSING = [(r, i, e) for r in RULES for i, e in enumerate(r.examples.pass_)]

Found = tuple[str, str | None, int | None, str]


def _run(rule: RuleSpec, example: Example) -> list[Found]:
    """The findings of the rule (and of the other rules the example expects), in report order."""
    rules = [rule.id, *sorted({e.rule for e in example.expect if e.rule and e.rule != rule.id})]
    config = Config(
        # D010 judges the other rules' statistics: its examples run every rule.
        select=["ALL"] if rule.id == "D010" else rules,
        as_of=example.as_of or date(2019, 12, 31),
        params=dict(example.params),
        lang="en",
    )
    # D009's examples carry a waiver file beside the data.
    waivers = parse_waivers(example.waivers.encode("utf-8")) if example.waivers else []
    report = run(load_text(example.data), plan(config), waivers)
    return [(d.rule, d.subject, d.line, d.message) for d in report.diagnostics if d.rule in rules]


def _as_expected(rule: RuleSpec, expect: Expect, found: Found) -> Found:
    """The finding with what the expectation leaves out taken as found."""
    _, _, line, message = found
    return (
        expect.rule or rule.id,
        expect.subject,
        line if expect.line is None else expect.line,
        message if expect.message is None else expect.message,
    )


@pytest.mark.parametrize(
    ("rule", "index", "example"), FAILING, ids=[f"{r.id}-fail{i}" for r, i, _ in FAILING]
)
def test_failing_example_fails_as_expected(rule: RuleSpec, index: int, example: Example) -> None:
    assert example.expect, f"{rule.id}: failing example {index} must say what it expects"
    assert any((e.rule or rule.id) == rule.id for e in example.expect), (
        f"{rule.id}: failing example {index} must expect a finding of its own rule"
    )
    found = _run(rule, example)
    assert len(found) == len(example.expect), found
    expected = [_as_expected(rule, e, f) for e, f in zip(example.expect, found, strict=True)]
    assert found == expected


@pytest.mark.parametrize(
    ("rule", "index", "example"), PASSING, ids=[f"{r.id}-pass{i}" for r, i, _ in PASSING]
)
def test_passing_example_passes(rule: RuleSpec, index: int, example: Example) -> None:
    assert not example.expect, f"{rule.id}: passing example {index} expects findings"
    assert _run(rule, example) == []


def test_an_example_that_finds_otherwise_fails_the_comparison() -> None:
    """The comparison can fail: a wrong subject, line or message is caught."""
    rule = next(r for r in RULES if r.id == "Q003")
    example = rule.examples.fail[0]
    (found,) = _run(rule, example)
    for wrong in (
        Expect(subject="NOT-A-SUBJECT"),
        Expect(subject=found[1], line=(found[2] or 0) + 1),
        Expect(subject=found[1], message=found[3] + "!"),
        Expect(subject=found[1], rule="Q001"),
    ):
        assert _as_expected(rule, wrong, found) != found
