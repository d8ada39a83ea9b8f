"""The loader's mechanics: which files are data, how values are read, never a hang.

What each D rule finds on bad input is tested in ``tests/rules/test_data.py``.
"""

from __future__ import annotations

import concurrent.futures
import os
from collections.abc import Callable
from pathlib import Path

from helpers import check_path

from guabao_rules.sources.loader import load

Write = Callable[[dict[str, str | bytes]], Path]

UNIT = "units:\n  - {id: U-1, name: 云南省财政厅, kind: provincial_unit}\n"


def test_yaml_11_booleans_are_strings(write_dataset: Write) -> None:
    root = write_dataset(
        {
            "a.yaml": UNIT + "regions:\n  - {id: '533323', name: 福贡县, level: county, "
            "parent: '533300'}\nvisits:\n  - {id: V-1, visitor: U-1, county: '533323', "
            "date: 2019-03-01, main_leader: yes}\n"
        }
    )
    report = check_path(root, select=["D003"])
    assert [(d.subject, d.line, d.column) for d in report.diagnostics] == [("V-1", 6, 65)]


def test_integer_ids_and_references_are_decimal_strings(write_dataset: Write) -> None:
    root = write_dataset(
        {
            "a.yaml": "regions:\n  - {id: 530000, name: 云南省, level: province}\n"
            "  - {id: 533300, name: 怒江州, level: prefecture, parent: 530000}\n"
        }
    )
    dataset = load(root)
    assert set(dataset.by_id) == {"530000", "533300"}
    assert check_path(root).diagnostics == []


def test_hidden_excluded_and_waiver_files_are_not_data(write_dataset: Write) -> None:
    root = write_dataset(
        {
            ".hidden/a.yaml": "broken: [",
            ".b.yaml": "broken: [",
            "drafts/c.yaml": "broken: [",
            "guabao-rules-waivers.yaml": "waivers: []\n",
            "notes.txt": "not data",
            "d.yml": UNIT,
        }
    )
    assert load(root, exclude=["drafts/**"]).files == ["d.yml"]


def test_empty_files_and_collections_are_valid(write_dataset: Write) -> None:
    root = write_dataset({"a.yaml": "", "b.yaml": "# nothing\n", "c.yaml": "regions:\nunits: []\n"})
    assert check_path(root).diagnostics == []


def test_a_fifo_named_like_data_is_d000_not_a_hang(write_dataset: Write) -> None:
    root = write_dataset({"b.yaml": UNIT})
    os.mkfifo(root / "a.yaml")
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        future = pool.submit(load, root)
        try:
            dataset = future.result(timeout=10)
        except concurrent.futures.TimeoutError:
            with (root / "a.yaml").open("wb"):  # let the blocked reader go
                pass
            raise
    assert [(i.rule, i.violation.at.file) for i in dataset.issues] == [("D000", "a.yaml")]
    assert "U-1" in dataset.by_id
