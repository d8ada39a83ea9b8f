"""The world module both generators build with: records from the models, and the choosers."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from helpers import ROOT

import guabao_rules
from guabao_rules.models import COLLECTIONS, TABLE_COLLECTIONS
from guabao_rules.testing import SeededChooser, render_files, write_dataset
from guabao_rules.testing._build import Shape, build_dataset
from guabao_rules.testing.world import field_order, record_of, written_as


def test_a_record_has_the_models_field_order_and_leaves_none_out() -> None:
    pairing = record_of(
        "pairings", start="2018-01-01", target="HH-1", role=None, helper="C-1", kind="x", id="P"
    )
    assert list(pairing) == ["id", "kind", "helper", "target", "start"]
    assert field_order("pairings") == tuple(COLLECTIONS["pairings"].model_fields)
    with pytest.raises(KeyError, match="households has no field name"):
        record_of("households", id="HH-1", name="户")


def test_how_a_column_is_written_is_read_off_the_model() -> None:
    assert written_as("households", "village") == "code"  # a region code: quoted in YAML 1.1
    assert written_as("pairings", "target") == "id"  # a household, a unit or a region
    assert written_as("pairings", "end") == "date"
    assert written_as("reports", "recipients") == "list"
    assert written_as("cadres", "name") == "id"
    assert {written_as(c, f) for c in TABLE_COLLECTIONS for f in field_order(c)} == {
        "id",
        "code",
        "date",
        "list",
    }


def test_a_seeded_chooser_makes_the_same_choices_for_the_same_seed() -> None:
    def choices(seed: int) -> list[object]:
        chooser = SeededChooser(seed)
        return [
            chooser.between(3, 5),
            chooser.flag(),
            chooser.pick("abc"),
            chooser.choice([4, 5]),
            chooser.day(date(2019, 1, 1), date(2019, 12, 31)),
            chooser.text("甲乙", 1, 4),
        ]

    assert choices(7) == choices(7)
    assert len({repr(choices(seed)) for seed in range(20)}) > 1
    seen = {SeededChooser(seed).between(3, 5) for seed in range(200)}
    assert seen == {3, 4, 5}  # both bounds reached, nothing outside them
    with pytest.raises(ValueError, match="empty range"):
        SeededChooser(0).between(2, 1)


SHAPE = Shape(
    prefectures=(1, 2),
    counties_per_prefecture=(1, 2),
    villages_per_county=(0, 2),
    households_per_village=(0, 2),
    projects_per_county=(0, 3),
    funds_per_county=(0, 1),
    years=(1, 3),
)


@pytest.mark.parametrize("seed", range(4))
def test_the_builder_with_a_seeded_chooser_builds_a_clean_world(seed: int, tmp_path: Path) -> None:
    # The strategies' builder, outside Hypothesis: one seed, one dataset, no finding.
    dataset = build_dataset(SeededChooser(seed), SHAPE)
    assert render_files(dataset) == render_files(build_dataset(SeededChooser(seed), SHAPE))
    assert dataset.count() > 10
    write_dataset(dataset, tmp_path)
    report = guabao_rules.check(guabao_rules.load(tmp_path), dataset.config())
    assert [(d.rule, d.subject, d.message) for d in report.diagnostics] == []


def test_the_seeded_world_and_the_generator_import_without_hypothesis() -> None:
    # The benchmark generator starts without Hypothesis (≈0.3 s of imports), and the
    # lazy package still gives the function `violations`, even once its subpackage
    # was imported by name first.
    code = (
        "import sys; sys.path.insert(0, 'bench'); import generate;"
        "assert 'hypothesis' not in sys.modules, 'hypothesis imported';"
        "import guabao_rules.testing.violations.base;"
        "from guabao_rules.testing import violations;"
        "import guabao_rules.testing as testing;"
        "assert callable(violations) and testing.violations is violations"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
