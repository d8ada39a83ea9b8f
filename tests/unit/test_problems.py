"""The one problem record: every reader returns a ReadProblem with one bilingual text."""

from __future__ import annotations

import dataclasses
from pathlib import PurePosixPath

import pytest

from guabao_rules.diagnostics import Text
from guabao_rules.sources.csvsource import read_table
from guabao_rules.sources.positions import Mark
from guabao_rules.sources.problems import ReadProblem
from guabao_rules.sources.workbook import read_workbook
from guabao_rules.sources.yamlsource import parse_yaml


def test_fields_are_keyword_only_and_frozen() -> None:
    with pytest.raises(TypeError):
        ReadProblem("D000", Text(zh="坏", en="bad"), Mark(1, 1))  # type: ignore[misc]
    problem = ReadProblem(rule="D000", text=Text(zh="坏", en="bad"), mark=Mark(1, 1))
    with pytest.raises(dataclasses.FrozenInstanceError):
        problem.rule = "D007"  # type: ignore[misc]


def test_a_yaml_duplicate_and_a_csv_duplicate_are_the_same_record() -> None:
    (in_yaml,) = parse_yaml(b"households:\n  - id: H-1\n    id: H-2\n").problems
    (in_csv,) = read_table(b"id,id\nH-1,H-2\n", "households").problems
    assert type(in_yaml) is type(in_csv) is ReadProblem
    assert (in_yaml.rule, in_yaml.key, in_yaml.code) == ("D007", "id", "duplicate_key")
    assert (in_csv.rule, in_csv.key, in_csv.mark) == ("D007", "id", Mark(1, 4))
    for problem in (in_yaml, in_csv):
        assert "`id`" in problem.text.en
        assert "`id`" in problem.text.zh


def test_an_unknown_column_carries_the_known_names() -> None:
    (problem,) = read_table(b"id,vilage\nH-1,x\n", "households").problems
    assert (problem.rule, problem.key) == ("D003", "vilage")
    assert "village" in problem.known


def test_gbk_advice_reaches_both_languages_of_a_table_problem() -> None:
    (problem,) = read_table("名字\n".encode("gbk"), "households").problems
    assert problem.rule == "D000"
    assert 'encoding = "gb18030"' in problem.text.en
    assert 'encoding = "gb18030"' in problem.text.zh


def test_a_damaged_workbook_is_a_read_problem() -> None:
    parsed = read_workbook(b"PK\x03\x04 not a zip", PurePosixPath("households.xlsx"))
    ((sheet, problem),) = parsed.problems
    assert sheet is None
    assert isinstance(problem, ReadProblem)
    assert problem.text.en.startswith("The workbook is damaged")
    assert problem.text.zh.startswith("工作簿已损坏")
