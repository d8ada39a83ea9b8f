"""Each rule reads, in Python, only the collections it says it reads (``records_read``).

A query engine makes the bulk rows of a collection into Python records only
for the rules evaluated in Python that read it (issue 10). What a rule reads
must therefore be declared, never guessed: a registered check declares it
beside its registration (``register(name, reads=...)``), a declarative rule
names its collections in its constraint. Here every rule's Python evaluator
runs over the examples and over generated datasets with a violation of each
registered check, through a probe that records every collection the rule
touches; the probe itself is shown to catch a check that reads more than it
declares.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from helpers import EXAMPLES, SMALL
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import guabao_rules
from guabao_rules.columnar.engine import records_read
from guabao_rules.config import Config
from guabao_rules.dataset import Dataset, RecordEntry
from guabao_rules.diagnostics import Violation
from guabao_rules.engine.context import RuleContext
from guabao_rules.engine.core import catalogue, plan, run
from guabao_rules.graph import Index
from guabao_rules.kinds import evaluate
from guabao_rules.kinds.python import EVERY_COLLECTION, READS, REGISTRY, register
from guabao_rules.models import COLLECTIONS
from guabao_rules.packs import RuleSpec
from guabao_rules.testing import VIOLATIONS, write_dataset
from guabao_rules.testing import violations as violation_of

BULK = frozenset(name for name, model in COLLECTIONS.items() if model.bulk)
"""The collections a query engine may leave as table rows: what a declaration must cover."""

EVERY = "*"
"""What the probe records for a read of every collection at once."""


class _Entries(Mapping[str, RecordEntry]):
    """The index's ``entries`` (records by id), recording the collection of each looked up."""

    def __init__(self, real: Mapping[str, RecordEntry], seen: set[str]) -> None:
        self._real, self._seen = real, seen

    def __getitem__(self, key: str) -> RecordEntry:
        entry = self._real[key]
        self._seen.add(entry.collection)
        return entry

    def __contains__(self, key: object) -> bool:
        entry = self._real.get(key) if isinstance(key, str) else None
        if entry is not None:
            self._seen.add(entry.collection)
        return entry is not None

    def __iter__(self) -> Iterator[str]:
        self._seen.add(EVERY)
        return iter(self._real)

    def __len__(self) -> int:
        self._seen.add(EVERY)
        return len(self._real)


class _ByCollection(Mapping[str, list[RecordEntry]]):
    """The index's ``by_collection``, recording each collection asked for."""

    def __init__(self, real: Mapping[str, list[RecordEntry]], seen: set[str]) -> None:
        self._real, self._seen = real, seen

    def __getitem__(self, key: str) -> list[RecordEntry]:
        self._seen.add(key)
        return self._real[key]

    def __iter__(self) -> Iterator[str]:
        self._seen.add(EVERY)
        return iter(self._real)

    def __len__(self) -> int:
        self._seen.add(EVERY)
        return len(self._real)


class _Index(Index):
    """An index whose every question records the collections it reads."""

    def __init__(self, real: Index, seen: set[str]) -> None:  # a view of `real`: no build
        self._real = real
        self._seen = seen
        self.dataset = real.dataset
        self.entries = _Entries(real.entries, seen)  # type: ignore[assignment]
        self.by_collection = _ByCollection(real.by_collection, seen)  # type: ignore[assignment]

    @property  # type: ignore[override]
    def edges(self) -> list[tuple[str, str, str]]:
        self._seen.add(EVERY)
        return self._real.edges

    @property  # type: ignore[override]
    def incoming(self) -> Any:
        self._seen.add(EVERY)
        return self._real.incoming

    @property  # type: ignore[override]
    def bad_references(self) -> Any:
        self._seen.add(EVERY)
        return self._real.bad_references

    def referrers(self, target: str, collection: str, field: str) -> list[str]:
        self._seen.add(collection)
        return self._real.referrers(target, collection, field)


class _Dataset:
    """A dataset whose index is the probe, and whose whole list of records counts as all."""

    def __init__(self, real: Dataset, seen: set[str]) -> None:
        self._real = real
        self._seen = seen
        self.index = _Index(real.index, seen)

    @property
    def entries(self) -> list[RecordEntry]:
        self._seen.add(EVERY)
        return self._real.entries

    @property
    def by_id(self) -> Any:
        return self.index.entries

    def __len__(self) -> int:
        return len(self._real)  # how many records were read: a count, not a read

    def records(self, collection: str) -> Any:
        self._seen.add(collection)
        return self._real.records(collection)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


def reads_of(dataset: Dataset, config: Config) -> dict[str, set[str]]:
    """The collections each rule read in Python, checking ``dataset`` with ``config``."""
    seen: dict[str, set[str]] = {}

    def probe(ctx: RuleContext) -> Iterable[Violation]:
        mine = seen.setdefault(ctx.rule.id, set())
        probed = dataclasses.replace(ctx, dataset=_Dataset(ctx.dataset, mine))  # type: ignore[arg-type]
        found = evaluate(probed)
        ctx.applied = probed.applied
        return found

    run(dataset, plan(config), evaluator=probe)
    return seen


def undeclared(dataset: Dataset, config: Config) -> dict[str, list[str]]:
    """Per rule, the collections it read without declaring them."""
    rules: dict[str, RuleSpec] = {rule.id: rule for rule in catalogue().rules}
    out = {}
    for rule_id, read in reads_of(dataset, config).items():
        declared = records_read(rules[rule_id])
        everything = EVERY in read and declared != EVERY_COLLECTION
        extra = sorted(c for c in read - declared if c in BULK)
        if everything or extra:
            out[rule_id] = [*([EVERY] if everything else []), *extra]
    return out


@pytest.mark.parametrize("name", ["broken", "yunnan-sanqu-sanzhou"])
def test_every_rule_reads_what_it_declares_on_the_examples(name: str) -> None:
    root = EXAMPLES / name
    assert undeclared(guabao_rules.load(root), Config(as_of="2019-12-31")) == {}


CHECKED = sorted(
    rule.id
    for rule in catalogue().rules
    if rule.constraint.kind == "python" and rule.id in VIOLATIONS
)


@pytest.mark.parametrize("rule", CHECKED)
@settings(max_examples=2, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_each_check_reads_what_it_declares_on_its_violations(rule: str, data: Any) -> None:
    dataset = data.draw(SMALL, label="dataset")
    violated = data.draw(violation_of(rule, dataset), label="violation")
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        write_dataset(violated.dataset, root)
        config = dataclasses.replace(violated.dataset.config(), select=[rule])
        assert undeclared(guabao_rules.load(root), config) == {}


def test_a_check_reading_an_undeclared_collection_is_caught() -> None:
    name = "test-reads-pairings-undeclared"

    @register(name, reads=["regions"])
    def sneaky(ctx: RuleContext) -> Iterator[Violation]:
        for _ in ctx.each("regions"):
            pass
        for _ in ctx.index.records("pairings"):
            pass
        return iter(())

    try:
        rule = catalogue().get("D004")
        assert rule is not None
        constraint = rule.constraint.model_copy(update={"check": name})
        spec = rule.model_copy(update={"constraint": constraint})
        dataset = guabao_rules.load(EXAMPLES / "yunnan-sanqu-sanzhou")
        seen: set[str] = set()
        ctx = RuleContext(_Dataset(dataset, seen), dataset_as_of(), {}, spec)  # type: ignore[arg-type]
        list(evaluate(ctx))
        assert seen - records_read(spec) == {"pairings"}
    finally:
        del REGISTRY[name], READS[name]


def dataset_as_of() -> Any:
    """The examples' day."""
    from datetime import date

    return date(2019, 12, 31)
