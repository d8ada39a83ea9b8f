"""Every rule of the catalogue can be broken alone, and then it reports exactly that subject.

A rule without a violation strategy in ``guabao_rules.testing.VIOLATIONS``
fails here: a new rule cannot arrive unproven.
"""

from __future__ import annotations

import pytest
from helpers import SMALL
from hypothesis import given, note
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from prop_support import checked, location_problems, scaled

from guabao_rules.engine.core import catalogue
from guabao_rules.testing import VIOLATIONS, layouts, violations

RULES = [rule.id for rule in catalogue().rules]


@pytest.mark.parametrize("rule", RULES)
def test_every_rule_has_a_violation_strategy(rule: str) -> None:
    assert rule in VIOLATIONS, f"{rule} has no violation strategy in guabao_rules.testing"


def test_every_violation_strategy_names_a_rule() -> None:
    assert set(VIOLATIONS) <= set(RULES)


def test_an_unknown_rule_is_an_invalid_argument() -> None:
    with pytest.raises(InvalidArgument):
        violations("X999")


@pytest.mark.parametrize("rule", RULES)
@scaled(0.25, least=4)
@given(data=st.data())
def test_a_violation_yields_exactly_its_finding(rule: str, data: st.DataObject) -> None:
    if rule not in VIOLATIONS:
        pytest.fail(f"{rule} has no violation strategy")
    dataset = data.draw(SMALL, label="dataset")
    violated = data.draw(violations(rule, dataset), label="violation")
    note(f"change: {violated.change}")
    layout = data.draw(layouts(), label="layout")
    with checked(violated.dataset, layout) as result:
        assert result.findings == violated.expected
        assert location_problems(result) == []
