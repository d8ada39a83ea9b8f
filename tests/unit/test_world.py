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
from guabao_rules.testing.world import (
    Place,
    Places,
    codes_under,
    field_order,
    household_id,
    record_of,
    walk,
    written_as,
)


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


class _Recorder(Places):
    """Records where the walk stands, with fixed counts."""

    villages_per_township = 2

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    def prefectures(self) -> int:
        return 2

    def province(self, place: Place) -> None:
        self.seen.append((place.level, place.code))

    prefecture = township = village = county = province

    def top(self, prefectures: list[Place]) -> None:
        self.seen.append(("top", ",".join(p.code for p in prefectures)))

    def counties_in(self, prefecture: Place) -> int:
        return 2 if prefecture.position == 0 else 1

    def villages_in(self, county: Place) -> int:
        return 3

    def households_in(self, village: Place) -> int:
        return village.position + 1

    def households(self, village: Place, ids: list[str]) -> None:
        self.seen.extend(("household", hid) for hid in ids)

    def county_end(self, county: Place) -> None:
        self.seen.append(("county_end", county.code))

    def end(self) -> None:
        self.seen.append(("end", ""))


def test_the_walk_goes_county_by_county_with_codes_from_positions() -> None:
    places = _Recorder()
    yielded = []
    for county in walk(places):
        yielded.append(county.code)
        assert places.seen[-1] == ("county_end", county.code)  # done before it is yielded
    assert yielded == ["530101", "530102", "530301"]
    assert places.seen[:4] == [
        ("province", "530000"),
        ("prefecture", "530100"),
        ("prefecture", "530300"),
        ("top", "530100,530300"),
    ]
    first = places.seen[4 : places.seen.index(("county_end", "530101")) + 1]
    assert first == [
        ("county", "530101"),
        ("township", "530101100"),
        ("village", "530101100200"),
        ("household", "HH-530101100200-1"),
        ("village", "530101100201"),
        ("household", "HH-530101100201-1"),
        ("household", "HH-530101100201-2"),
        ("township", "530101101"),
        ("village", "530101101200"),
        ("household", "HH-530101101200-1"),
        ("county_end", "530101"),
    ]
    assert places.seen[-1] == ("end", "")
    codes = [code for what, code in places.seen if what not in ("top", "county_end", "end")]
    assert len(codes) == len(set(codes))  # unique by construction: nothing remembered


@pytest.mark.parametrize("seed", range(3))
def test_a_world_built_from_nothing_has_the_walks_own_codes(seed: int) -> None:
    # The builder numbers by the first free code: from nothing, the position's code.
    dataset = build_dataset(SeededChooser(seed), SHAPE)
    regions = dataset.records["regions"]
    for level, child in (("prefecture", "county"), ("county", "township")):
        for parent in (r["id"] for r in regions if r["level"] == level):
            children = [r["id"] for r in regions if r.get("parent") == parent]
            assert children == list(codes_under(child, parent)[: len(children)])
    households = [h["id"] for h in dataset.records.get("households", [])]
    for village in {h["village"] for h in dataset.records.get("households", [])}:
        mine = [h for h in households if h.startswith(f"HH-{village}-")]
        assert mine == [household_id(village, n) for n in range(len(mine))]
