"""Helpers shared by the test modules."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from guabao_rules.config import Config
from guabao_rules.dataset import Dataset
from guabao_rules.diagnostics import Diagnostic
from guabao_rules.engine.core import Report, plan, rules_known, run
from guabao_rules.engine.waivers import read_waivers
from guabao_rules.sources.loader import load, load_text
from guabao_rules.testing import datasets

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def check_path(
    path: Path, *, as_of: date = date(2019, 12, 31), lang: str = "en", **kwargs: Any
) -> Report:
    """Load and check a dataset folder (English messages unless ``lang`` says)."""
    config = Config(as_of=as_of, lang=lang, **kwargs)
    return run(load(path), plan(config))


# --- the rule tests' one helper (the shape of yamllint's RuleTestCase) -------------------------

AS_OF = date(2019, 12, 31)
"""The day the rule tests judge their data at, unless a case needs another."""


Data = str | Dataset | Path
"""What a rule test judges: a YAML text, a loaded dataset, or a dataset folder."""


def run_rules(
    data: Data, *rules: str, as_of: date = AS_OF, lang: str = "en", **params: Any
) -> Report:
    """Run the given rules (ids or prefixes) over a YAML text, a dataset or a folder.

    A folder is loaded as the command loads it, with its waiver file.
    """
    config = Config(select=list(rules), as_of=as_of, params=params, lang=lang)
    if isinstance(data, Path):
        return run(load(data), plan(config), read_waivers(data, rules_known()))
    return run(load_text(data) if isinstance(data, str) else data, plan(config))


def findings(
    rule: str, data: Data, as_of: date = AS_OF, lang: str = "en", **params: Any
) -> list[Diagnostic]:
    """The findings of one rule on a YAML text, a dataset or a folder."""
    report = run_rules(data, rule, as_of=as_of, lang=lang, **params)
    return [d for d in report.diagnostics if d.rule == rule]


Place = tuple[str | None, str | None, int | None, int | None]


def places(found: list[Diagnostic]) -> list[Place]:
    """Each finding's subject, file, line and column."""
    return [(d.subject, d.file, d.line, d.column) for d in found]


def found(report: Report, rule: str) -> list[str | None]:
    """The subjects of one rule's findings in a report."""
    return [d.subject for d in report.diagnostics if d.rule == rule]


def applied(rule: str, data: Data, as_of: date = AS_OF, **params: Any) -> int:
    """How many subjects one rule looked at."""
    report = run_rules(data, rule, as_of=as_of, **params)
    return next(s.applied for s in report.rules if s.rule == rule)


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
