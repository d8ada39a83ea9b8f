"""Chinese as good as English: both messages of every finding carry the same facts.

The facts are what a user acts on: the names in backticks (fields, ids, values),
the quoted values (an enum's allowed ones) and the numbers. They are compared,
as multisets, between the zh and en message of each finding, over every rule's
failing example, every rule's generated violation and the reader's findings on
broken files (YAML syntax errors from both parsers, typing traps).
"""

from __future__ import annotations

import re
import tempfile
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
import yaml
from helpers import EXAMPLES, SMALL
from hypothesis import given, note
from hypothesis import strategies as st
from prop_support import scaled

from guabao_rules.config import Config
from guabao_rules.diagnostics import Diagnostic
from guabao_rules.engine.core import catalogue, plan, run
from guabao_rules.engine.waivers import parse_waivers
from guabao_rules.sources import yamlsource
from guabao_rules.sources.loader import Dataset, load, load_text
from guabao_rules.testing import VIOLATIONS, render_files, violations

RULES = catalogue().rules

_TICKED = re.compile(r"`([^`]*)`")
_QUOTED = re.compile(r"'([^'\s]*)'")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def facts(message: str) -> tuple[Counter[str], Counter[str], Counter[str]]:
    """The names, quoted values and numbers of a message."""
    return (
        Counter(_TICKED.findall(message)),
        Counter(_QUOTED.findall(message)),
        Counter(_NUMBER.findall(message)),
    )


def in_both(dataset: Dataset | None, config: Config, load_again: object = None) -> list[str]:
    """Run twice (zh, en); the pairs of messages whose facts differ, described."""
    found: dict[str, list[Diagnostic]] = {}
    for lang in ("zh", "en"):
        config.lang = lang
        data = load_again() if callable(load_again) else dataset
        assert data is not None
        found[lang] = run(data, plan(config)).diagnostics
    differ = []
    for zh, en in zip(found["zh"], found["en"], strict=True):
        assert (zh.rule, zh.subject, zh.location) == (en.rule, en.subject, en.location)
        if facts(zh.message) != facts(en.message):
            differ.append(f"{zh.location} {zh.rule}\n  zh: {zh.message}\n  en: {en.message}")
    return differ


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_failing_examples_say_the_same_in_zh_and_en(rule: object) -> None:
    for example in rule.examples.fail:  # type: ignore[attr-defined]
        config = Config(
            select=["ALL"] if rule.id == "D010" else [rule.id],  # type: ignore[attr-defined]
            as_of=example.as_of or date(2019, 12, 31),
            params=dict(example.params),
        )
        waivers = parse_waivers(example.waivers.encode("utf-8")) if example.waivers else []
        found: dict[str, list[Diagnostic]] = {}
        for lang in ("zh", "en"):
            config.lang = lang
            found[lang] = run(load_text(example.data), plan(config), waivers).diagnostics
        assert found["en"], "the failing example yields nothing to compare"
        for zh, en in zip(found["zh"], found["en"], strict=True):
            assert facts(zh.message) == facts(en.message), (zh.message, en.message)


@pytest.mark.parametrize("rule", sorted(VIOLATIONS))
@scaled(0.05, least=2)
@given(data=st.data())
def test_generated_violations_say_the_same_in_zh_and_en(rule: str, data: st.DataObject) -> None:
    dataset = data.draw(SMALL, label="dataset")
    violated = data.draw(violations(rule, dataset), label="violation")
    note(f"change: {violated.change}")
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        for name, content in render_files(violated.dataset).items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_bytes(content)
        assert in_both(None, violated.dataset.config(), lambda: load(root)) == []


BROKEN_YAML = {
    "unclosed flow mapping": "meetings:\n  - {id: M-1, date: 2019-11-20\n  - {id: M-2}\n",
    "bad indentation": "units:\n  - id: U-X\n    name: x\n   kind: provincial_unit\n",
    "full-width colon": "cadres:\n  - id: C-1\n    name：甲\n    unit: U-1\n",
    "full-width comma": "cadres:\n  - {id: C-1，name: 甲}\n",
    "tab indentation": "cadres:\n\t- {id: C-1}\n",
    "tab inside a record": "cadres:\n  - id: C-1\n\tname: 甲\n",
    "unclosed flow sequence": "regions: [1,\n",
    "mapping value in a plain scalar": "regions: a: b\n",
    "unknown escape": 'regions: "\\q"\n',
    "undefined alias": "regions: *nowhere\n",
    "unclosed quote": "regions:\n  - {id: 'x}\n",
    "two documents": "regions: []\n---\nunits: []\n",
    "block entry in a flow": "regions: {a: - b}\n",
    "control character": "regions: [\x07]\n",
    "duplicate anchor": "a: &x 1\nb: &x 2\nc: *x\n",
    "bad tag": "regions: !!python/object:os.system x\n",
    "not a record, full-width colon": "cadres:\n  - id：C-1\n",
    "comma in a number": "funds:\n"
    "  - {id: F-1, name: x, amount: 1,500,000, source: s, year: 2019}\n",
    "unquoted leading zeros": 'regions:\n  - {id: 0012, name: 村, level: village, parent: "1"}\n'
    'pairings:\n  - {id: P-1, kind: village_package, helper: U, target: "0012",'
    " start: 2019-07-01}\n",
    "enum typo": "units:\n  - {id: U-1, name: x, kind: provincal_unit}\n",
    "dangling id": "units:\n  - {id: U-SLT, name: x, kind: provincial_unit}\n"
    "cadres:\n  - {id: C-1, name: 甲, unit: U-SLX}\n",
}


@pytest.fixture(params=["libyaml", "python"])
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both YAML readers: libyaml's messages and PyYAML's differ."""
    if request.param == "python":
        monkeypatch.setattr(yamlsource, "_LOADER", yamlsource._PyLoader)
    elif not hasattr(yaml, "CSafeLoader"):  # pragma: no cover - PyYAML without libyaml
        pytest.skip("PyYAML is built without libyaml")
    return str(request.param)


@pytest.mark.parametrize("name", sorted(BROKEN_YAML))
def test_reader_findings_say_the_same_in_zh_and_en(name: str, parser: str) -> None:
    text = BROKEN_YAML[name]
    config = Config(as_of=date(2019, 12, 31), select=["D"])
    assert in_both(None, config, lambda: load_text(text)) == []
    config.lang = "zh"
    for diagnostic in run(load_text(text), plan(config)).diagnostics:
        assert "解析器原文" not in diagnostic.message, f"{parser}: {diagnostic.message}"
        assert "while " not in diagnostic.message, f"{parser}: {diagnostic.message}"


@pytest.mark.parametrize("name", ["broken", "yunnan-sanqu-sanzhou"])
def test_bundled_examples_say_the_same_in_zh_and_en(name: str) -> None:
    config = Config(as_of=date(2019, 12, 31))
    assert in_both(None, config, lambda: load(EXAMPLES / name)) == []
