"""Helpers shared by the test modules."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from guabao_rules.config import Config
from guabao_rules.engine.core import Report, plan, run
from guabao_rules.sources.loader import load
from guabao_rules.testing import datasets

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def check_path(
    path: Path, *, as_of: date = date(2019, 12, 31), lang: str = "en", **kwargs: Any
) -> Report:
    """Load and check a dataset folder (English messages unless ``lang`` says)."""
    config = Config(as_of=as_of, lang=lang, **kwargs)
    return run(load(path), plan(config))


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
