"""A valid dataset, however it is split into files, has no finding at all."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import given, note
from prop_support import checked, run_cli, scaled

from guabao_rules.testing import GeneratedDataset, Layout, datasets, layouts, write_dataset

VALID = datasets(
    prefectures=(1, 2),
    counties_per_prefecture=(1, 2),
    villages_per_county=(0, 3),
    households_per_village=(0, 3),
    projects_per_county=(0, 4),
    funds_per_county=(0, 2),
    years=(1, 4),
)


@scaled(1.0)
@given(VALID, layouts())
def test_a_valid_dataset_has_no_finding(dataset: GeneratedDataset, layout: Layout) -> None:
    with checked(dataset, layout) as result:
        assert result.findings == set()
        assert result.report.exit_status == 0


@scaled(0.3)
@given(VALID, layouts())
def test_the_command_line_finds_nothing_either(dataset: GeneratedDataset, layout: Layout) -> None:
    with tempfile.TemporaryDirectory() as folder:
        write_dataset(dataset, folder, layout)
        (Path(folder) / "guabao-rules.toml").write_text(dataset.config_toml(), encoding="utf-8")
        note(dataset.to_yaml())
        status, out, err = run_cli(["check", folder, "--format", "json"])
        report = json.loads(out)
        assert (status, err, report["diagnostics"]) == (0, "", [])
        assert report["as_of"] == dataset.as_of.isoformat()
        assert report["summary"]["records"] == dataset.count()
