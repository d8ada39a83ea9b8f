"""The hostile corpus's CSV tables read by the columnar reader exactly as by the Python reader.

Each case of the corpus that writes a bulk CSV table is built, and its tables
are read by both readers (:func:`helpers.columnar_mismatches`): the same
findings at the same places, the same valid rows.
"""

from __future__ import annotations

import tempfile
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


def _table_cases() -> list[Case]:
    """The cases that write a bulk table (built once here, so none is skipped later)."""
    with tempfile.TemporaryDirectory() as scratch:
        return [c for n, c in enumerate(CASES) if _tables(c, Path(scratch) / str(n))]


TABLE_CASES = _table_cases()


def test_the_corpus_has_csv_cases() -> None:
    assert len(TABLE_CASES) >= 5


@pytest.mark.parametrize("case", TABLE_CASES, ids=[case.name for case in TABLE_CASES])
def test_hostile_tables_read_alike(case: Case, tmp_path: Path) -> None:
    files = _tables(case, tmp_path)
    assert files, "the case wrote a bulk table when collected"
    assert columnar_mismatches(files) == []
