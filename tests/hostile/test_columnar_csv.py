"""The hostile corpus's CSV tables read by the columnar reader exactly as by the Python reader.

Each case of the corpus that writes a bulk CSV table is built, and its tables
are read by both readers (:func:`helpers.columnar_mismatches`): the same
findings at the same places, the same valid rows.
"""

from __future__ import annotations

from pathlib import Path

import cases  # noqa: F401  # registers the builders
import pytest
from corpus import CASES, Case
from helpers import bulk_files, columnar_mismatches

pytest.importorskip("duckdb")
pytest.importorskip("pyarrow")


def _tables(case: Case, root: Path) -> list[object]:
    case.build(root)
    return bulk_files(root)


def test_the_corpus_has_csv_cases(tmp_path: Path) -> None:
    with_tables = [c for n, c in enumerate(CASES) if _tables(c, tmp_path / str(n))]
    assert len(with_tables) >= 5


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_hostile_tables_read_alike(case: Case, tmp_path: Path) -> None:
    files = _tables(case, tmp_path)
    if not files:
        pytest.skip("the case writes no bulk table")
    assert columnar_mismatches(files) == []
