"""What a rule sees while it runs: the data, the day, its parameters."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from guabao_rules.models import Record

if TYPE_CHECKING:
    from guabao_rules.dataset import Dataset, RecordEntry
    from guabao_rules.graph import Index
    from guabao_rules.packs import RuleSpec


@dataclass(slots=True)
class RuleContext:
    """The inputs of one rule's evaluation.

    Attributes:
        dataset: The loaded dataset.
        as_of: The day the data is judged at.
        params: Every parameter value in force (defaults, profile, config).
        rule: The rule being evaluated.
        applied: How many subjects the rule looked at; checks add to it.
    """

    dataset: Dataset
    as_of: date
    params: Mapping[str, Any]
    rule: RuleSpec
    applied: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def index(self) -> Index:
        """The dataset's typed adjacency."""
        return self.dataset.index

    @property
    def scope_tag(self) -> str:
        """The tag that puts a county in scope (``deep_poverty`` unless changed)."""
        return str(self.params.get("scope_tag") or "deep_poverty")

    def valid_entries(self, collection: str) -> Iterator[RecordEntry]:
        """The valid records of a collection with their entries; each counts as applied."""
        for entry in self.index.by_collection.get(collection, ()):
            self.applied += 1
            yield entry

    def each(self, collection: str) -> Iterator[Record]:
        """The valid records of a collection; each counts as applied."""
        for entry in self.valid_entries(collection):
            assert entry.model is not None
            yield entry.model
