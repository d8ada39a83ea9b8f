"""Every rule's failing and passing example, straight from its pack.

The examples are the documentation (``explain``) and the per-rule datasets:
the failing one must yield exactly the expected (rule, subject, line), the
passing one nothing for that rule.
"""

from __future__ import annotations

from datetime import date

import pytest

from guabao_rules.config import Config
from guabao_rules.engine.core import catalogue, plan, run
from guabao_rules.engine.waivers import parse_waivers
from guabao_rules.packs import Example, RuleSpec
from guabao_rules.sources.loader import load_text

RULES = catalogue().rules


def _run(rule: RuleSpec, example: Example) -> list[tuple[str | None, int | None]]:
    config = Config(
        # D010 judges the other rules' statistics: its examples run every rule.
        select=["ALL"] if rule.id == "D010" else [rule.id],
        as_of=example.as_of or date(2019, 12, 31),
        params=dict(example.params),
        lang="en",
    )
    # D009's examples carry a waiver file beside the data.
    waivers = parse_waivers(example.waivers.encode("utf-8")) if example.waivers else []
    report = run(load_text(example.data), plan(config), waivers)
    return [(d.subject, d.line) for d in report.diagnostics if d.rule == rule.id]


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_failing_example_fails_as_expected(rule: RuleSpec) -> None:
    example = rule.examples.fail
    assert example.expect, f"{rule.id}: the failing example must say what it expects"
    found = _run(rule, example)
    assert [s for s, _ in found] == [e.subject for e in example.expect]
    for (_, line), expect in zip(found, example.expect, strict=True):
        if expect.line is not None:
            assert line == expect.line


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_passing_example_passes(rule: RuleSpec) -> None:
    assert not rule.examples.pass_.expect
    assert _run(rule, rule.examples.pass_) == []
