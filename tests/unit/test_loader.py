"""The loader: every kind of bad input becomes a finding with its place."""

from __future__ import annotations

import concurrent.futures
import os
from collections.abc import Callable
from pathlib import Path

from helpers import check_path

from guabao_rules.sources.loader import load

Write = Callable[[dict[str, str | bytes]], Path]

UNIT = "units:\n  - {id: U-1, name: 云南省财政厅, kind: provincial_unit}\n"


def findings(root: Path, rule: str) -> list[tuple[str | None, str | None, int | None, int | None]]:
    report = check_path(root, select=[rule])
    return [(d.subject, d.file, d.line, d.column) for d in report.diagnostics]


def test_syntax_error_is_d000_and_other_files_still_load(write_dataset: Write) -> None:
    root = write_dataset({"a.yaml": "units: [\n  {id: U-1\n", "b.yaml": UNIT})
    assert [(s, f) for s, f, _, _ in findings(root, "D000")] == [(None, "a.yaml")]
    assert "U-1" in load(root).by_id


def test_gbk_file_gets_a_hint(write_dataset: Write) -> None:
    root = write_dataset(
        {"a.yaml": "units:\n  - {id: U-1, name: 财政厅, kind: other}\n".encode("gbk")}
    )
    report = check_path(root, select=["D000"])
    (diagnostic,) = report.diagnostics
    assert "GBK" in diagnostic.message
    assert diagnostic.line == 2


def test_structural_problems_spare_the_rest(write_dataset: Write) -> None:
    root = write_dataset(
        {
            "a.yaml": "regions: {id: x}\nunits:\n  - just a string\n"
            "  - {id: U-1, name: 财政厅, kind: other}\n",
            "b.yaml": "- a list at the top\n",
        }
    )
    found = findings(root, "D000")
    assert [(f, line) for _, f, line, _ in found] == [("a.yaml", 1), ("a.yaml", 3), ("b.yaml", 1)]
    assert load(root).by_id["U-1"].valid


def test_forbidden_tag_is_rejected_and_nothing_runs(write_dataset: Write, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    root = write_dataset(
        {"a.yaml": f"units:\n  - !!python/object/apply:os.system ['touch {marker}']\n"}
    )
    assert [f for _, f, _, _ in findings(root, "D000")] == ["a.yaml"]
    assert not marker.exists()


def test_alias_bomb_is_bounded(write_dataset: Write) -> None:
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 10) + "]")
    root = write_dataset({"a.yaml": "\n".join(lines) + "\n"})
    (found,) = findings(root, "D000")
    assert found[1] == "a.yaml"


def test_file_over_the_size_bound(write_dataset: Write) -> None:
    root = write_dataset({"a.yaml": UNIT + "#" * 2_000_000 + "\n"})
    report = check_path(root, select=["D000"], params={"max_file_mb": 1})
    assert [d.file for d in report.diagnostics] == []  # the CLI passes the bound to load
    dataset = load(root, max_file_mb=1)
    assert [i.rule for i in dataset.issues] == ["D000"]


def test_duplicate_key_in_a_record_keeps_the_first_value(write_dataset: Write) -> None:
    root = write_dataset(
        {"a.yaml": "units:\n  - id: U-1\n    name: 甲\n    name: 乙\n    kind: other\n"}
    )
    assert findings(root, "D007") == [("U-1", "a.yaml", 4, 5)]
    unit = load(root).by_id["U-1"].model
    assert unit is not None and unit.name == "甲"  # type: ignore[attr-defined]


def test_collection_named_twice_joins_lists(write_dataset: Write) -> None:
    root = write_dataset(
        {
            "a.yaml": UNIT
            + "cadres: []\nunits:\n  - {id: U-2, name: 交通运输厅, kind: provincial_unit}\n"
        }
    )
    assert findings(root, "D007") == [(None, "a.yaml", 4, 1)]
    dataset = load(root)
    assert {"U-1", "U-2"} <= set(dataset.by_id)
    assert dataset.by_id["U-2"].source.mark is not None
    assert dataset.by_id["U-2"].source.mark.line == 5


def test_duplicate_id_points_at_the_second_and_relates_the_first(write_dataset: Write) -> None:
    root = write_dataset(
        {"a.yaml": UNIT, "b.yaml": "leaders:\n  - {id: U-1, name: 甲, rank: other}\n"}
    )
    report = check_path(root, select=["D001"])
    (diagnostic,) = report.diagnostics
    assert (diagnostic.subject, diagnostic.file, diagnostic.line) == ("U-1", "b.yaml", 2)
    assert [(r.subject, r.location.file, r.location.line) for r in diagnostic.related] == [
        ("U-1", "a.yaml", 2)
    ]
    assert load(root).by_id["U-1"].collection == "units"


def test_unknown_field_suggests_and_record_still_loads(write_dataset: Write) -> None:
    root = write_dataset(
        {"a.yaml": "units:\n  - id: U-1\n    name: 甲\n    kind: other\n    knid: other\n"}
    )
    report = check_path(root, select=["D003"])
    (diagnostic,) = report.diagnostics
    assert (diagnostic.subject, diagnostic.line, diagnostic.column) == ("U-1", 5, 5)
    assert "did you mean `kind`" in diagnostic.message
    assert load(root).by_id["U-1"].valid


def test_unknown_collection_suggests(write_dataset: Write) -> None:
    root = write_dataset({"a.yaml": "unit:\n  - {id: U-1, name: 甲, kind: other}\n"})
    report = check_path(root, select=["D003"])
    (diagnostic,) = report.diagnostics
    assert diagnostic.subject is None and diagnostic.line == 1
    assert "did you mean `units`" in diagnostic.message


def test_several_problems_make_one_d003(write_dataset: Write) -> None:
    root = write_dataset(
        {
            "a.yaml": "funds:\n  - id: F-1\n    name: 资金\n    source: central\n"
            "    year: '2019'\n    amount: 1.500\n    received: 2019-02-30\n    extra: yes\n"
        }
    )
    report = check_path(root, select=["D003"])
    (diagnostic,) = report.diagnostics
    assert diagnostic.line == 2
    for part in ("year", "amount", "received", "extra"):
        assert f"`{part}`" in diagnostic.message
    assert not load(root).by_id["F-1"].valid


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


def test_reference_to_an_invalid_record_is_not_d002(write_dataset: Write) -> None:
    root = write_dataset(
        {
            "a.yaml": "units:\n  - {id: U-1, kind: provincial_unit}\ncadres:\n"
            "  - {id: C-1, name: 甲, unit: U-1}\n"
        }
    )
    report = check_path(root, select=["D"])
    assert [(d.rule, d.subject) for d in report.diagnostics] == [("D003", "U-1")]


def test_wrong_collection_and_level_are_d002(write_dataset: Write) -> None:
    root = write_dataset(
        {
            "a.yaml": UNIT + "regions:\n  - {id: '530000', name: 云南省, level: province}\n"
            "households:\n  - {id: H-1, village: '530000', status: poor}\n"
            "cadres:\n  - {id: C-1, name: 甲, unit: H-1}\n"
        }
    )
    report = check_path(root, select=["D002"])
    assert [(d.subject, d.line, d.column) for d in report.diagnostics] == [
        ("H-1", 6, 15),
        ("C-1", 8, 24),
    ]


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


# --- one finding per (rule, id) when records share an id (issue 14) ----------------------


def test_three_records_sharing_an_id_are_one_d001_with_the_others_related(
    write_dataset: Write,
) -> None:
    root = write_dataset(
        {
            "a.yaml": UNIT,
            "b.yaml": "leaders:\n  - {id: U-1, name: 甲, rank: other}\n",
            "c.yaml": "cadres:\n  - {id: U-1, name: 乙, unit: U-1}\n",
        }
    )
    (diagnostic,) = check_path(root, select=["D001"]).diagnostics
    assert (diagnostic.subject, diagnostic.file, diagnostic.line) == ("U-1", "b.yaml", 2)
    assert [(r.subject, r.location.file, r.location.line) for r in diagnostic.related] == [
        ("U-1", "a.yaml", 2),
        ("U-1", "c.yaml", 2),
    ]


def test_invalid_records_sharing_an_id_are_one_d003_listing_each_records_problems(
    write_dataset: Write,
) -> None:
    root = write_dataset(
        {
            "a.yaml": "units:\n  - {id: U-1, kind: provincial_unit}\n",
            "b.yaml": "leaders:\n  - {id: U-1, name: 甲, rank: boss, extra: 1}\n",
        }
    )
    (diagnostic,) = check_path(root, select=["D003"]).diagnostics
    assert (diagnostic.subject, diagnostic.file, diagnostic.line) == ("U-1", "a.yaml", 2)
    assert [(r.location.file, r.location.line) for r in diagnostic.related] == [("b.yaml", 2)]
    first, second = diagnostic.message.split("; ")
    assert first.startswith("record breaks the format: a.yaml:2: ") and "`name`" in first
    assert second.startswith("b.yaml:2: ") and "`rank`" in second and "`extra`" in second
    zh = check_path(root, select=["D003"], lang="zh").diagnostics[0].message
    assert "a.yaml:2:" in zh and ";b.yaml:2:" in zh


def test_duplicate_keys_in_records_sharing_an_id_are_one_d007(write_dataset: Write) -> None:
    record = "  - id: U-1\n    name: 甲\n    name: 乙\n    kind: other\n"
    root = write_dataset({"a.yaml": "units:\n" + record, "b.yaml": "units:\n" + record})
    (diagnostic,) = check_path(root, select=["D007"]).diagnostics
    assert (diagnostic.file, diagnostic.line) == ("a.yaml", 4)
    assert "name, name (b.yaml:4)" in diagnostic.message
    assert [(r.location.file, r.location.line) for r in diagnostic.related] == [("b.yaml", 4)]
