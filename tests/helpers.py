"""Helpers shared by the test modules."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from guabao_rules.config import Config
from guabao_rules.dataset import Dataset
from guabao_rules.diagnostics import Diagnostic
from guabao_rules.engine.core import Report, plan, run
from guabao_rules.sources.loader import load, load_text
from guabao_rules.testing import datasets

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def check_path(path: Path, *, as_of: date = date(2019, 12, 31), **kwargs: Any) -> Report:
    """Load and check a dataset folder with English messages."""
    config = Config(as_of=as_of, lang="en", **kwargs)
    return run(load(path), plan(config))


# --- the rule tests' one helper (the shape of yamllint's RuleTestCase) -------------------------

AS_OF = date(2019, 12, 31)
"""The day the rule tests judge their data at, unless a case needs another."""


def run_rules(
    data: str | Dataset, *rules: str, as_of: date = AS_OF, lang: str = "en", **params: Any
) -> Report:
    """Run the given rules (ids or prefixes) over a YAML text or a loaded dataset."""
    dataset = load_text(data) if isinstance(data, str) else data
    return run(dataset, plan(Config(select=list(rules), as_of=as_of, params=params, lang=lang)))


def findings(
    rule: str, data: str | Dataset, as_of: date = AS_OF, lang: str = "en", **params: Any
) -> list[Diagnostic]:
    """The findings of one rule on a YAML text or a loaded dataset."""
    report = run_rules(data, rule, as_of=as_of, lang=lang, **params)
    return [d for d in report.diagnostics if d.rule == rule]


def applied(rule: str, data: str | Dataset, as_of: date = AS_OF) -> int:
    """How many subjects one rule looked at."""
    return next(s.applied for s in run_rules(data, rule, as_of=as_of).rules if s.rule == rule)


# A small dataset shape the properties share: fast enough for CI, varied enough to find bugs.
SMALL = datasets(
    prefectures=(1, 2),
    counties_per_prefecture=(1, 2),
    villages_per_county=(0, 2),
    households_per_village=(0, 2),
    projects_per_county=(0, 2),
    funds_per_county=(0, 1),
    years=(1, 3),
)
