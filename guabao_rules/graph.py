"""The dataset as a graph: typed adjacency for the rules, networkx for users.

:class:`Index` resolves every reference once (collecting the bad ones for
D002) and keeps, for each record, the records that point at it grouped by
``(collection, field)``. Rules ask it typed questions ("the pairings whose
``target`` is this county") in time proportional to the answer, so a whole
check is linear in the data. The networkx graph is built from it only when
someone asks for it (:attr:`Dataset.graph`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

from guabao_rules.models import (
    LEVELS,
    Pairing,
    Record,
    RefSpec,
    Region,
    Unit,
    reference_specs,
    reference_values,
)
from guabao_rules.timecal import is_active

if TYPE_CHECKING:
    import networkx as nx

    from guabao_rules.dataset import Dataset, RecordEntry

R = TypeVar("R", bound=Record)


@dataclass(frozen=True, slots=True)
class BadReference:
    """A reference that does not resolve as the format requires (D002)."""

    path: tuple[str | int, ...]
    value: str
    reason: str  # "missing", "collection", "level", "kind", "outside"
    expected: str


class RecordsById(Mapping[str, "RecordEntry"]):
    """The first record of each id: the records made, then the deferred rows, looked up.

    Walking all of it makes every deferred row a record first.
    """

    def __init__(self, dataset: Dataset, index: Index) -> None:
        self._dataset = dataset
        self._made = dataset.made_by_id
        self._index = index

    def __getitem__(self, key: str) -> RecordEntry:
        found: RecordEntry | None = self.get(key)
        if found is None:
            raise KeyError(key)
        return found

    def get(self, key: str, default: Any = None) -> Any:
        """The record of ``key``, else ``default``."""
        found = self._made.get(key)
        if found is None and not self._index.known_missing(key):
            found = self._dataset.entry(key)
        return default if found is None else found

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self._dataset.by_id)

    def __len__(self) -> int:
        deferred = self._dataset.deferred
        return len(self._made) + (deferred.count() if deferred is not None else 0)


class Index:
    """Resolved references and typed adjacency over a dataset's valid records.

    With deferred bulk rows (:attr:`Dataset.deferred`) it covers the records
    made: ``by_collection``, ``edges``, ``incoming`` and ``bad_references``
    hold nothing of a deferred collection, while ``entries`` still finds its
    ids. Whoever reads a collection's records makes them first
    (:meth:`Dataset.make_records`).
    """

    def __init__(self, dataset: Dataset) -> None:
        self.dataset = dataset
        deferred = dataset.deferred is not None and bool(dataset.deferred.collections())
        self.entries: Mapping[str, RecordEntry] = (
            RecordsById(dataset, self) if deferred else dataset.made_by_id
        )
        self.by_collection: dict[str, list[RecordEntry]] = defaultdict(list)
        self.edges: list[tuple[str, str, str]] = []
        self.incoming: dict[str, dict[tuple[str, str], list[str]]] = defaultdict(
            lambda: defaultdict(list)
        )
        self.bad_references: dict[str, list[BadReference]] = {}
        for entry in dataset.made_by_id.values():
            if entry.model is not None:
                self.by_collection[entry.collection].append(entry)
        self._made = dataset.made_by_id
        self._deferred_in: dict[str, str] = {}
        """The collection of each deferred row the made records name (no record made)."""
        self._looked_up: set[str] = set()
        """The ids the made records name outside them, all looked up among the deferred rows."""
        if deferred:  # found in one pass over the deferred tables
            self._look_up_named(self.by_collection.values())
        # Built under the dataset's paused_gc (see Dataset.index): millions of entries.
        for entries in self.by_collection.values():
            for entry in entries:
                self._resolve(entry)

    def add_collections(self, collections: Iterable[str]) -> None:
        """Take in the records just made of deferred collections (rows still deferred remain).

        Their references are resolved as a full build would; ``by_collection``
        keeps the order of a full build (collections in the order their first
        valid record was read). ``edges``, ``incoming`` and ``bad_references``
        take them in after the others: only a full build (when no row is
        deferred any more) walks those in order.
        """
        dataset = self.dataset
        self._made = dataset.made_by_id
        if isinstance(self.entries, RecordsById):
            self.entries = RecordsById(dataset, self)
        names = set(collections)
        added: dict[str, list[RecordEntry]] = defaultdict(list)
        first: dict[str, int] = {}
        for position, entry in enumerate(dataset.made_by_id.values()):
            if entry.model is None:
                continue
            first.setdefault(entry.collection, position)
            if entry.collection in names:
                added[entry.collection].append(entry)
        for name, entries in added.items():
            self.by_collection[name] = entries
        ordered = sorted(self.by_collection, key=lambda c: first.get(c, len(first)))
        self.by_collection = defaultdict(list, {c: self.by_collection[c] for c in ordered})
        if dataset.deferred is not None:  # what they name among the rows still deferred
            self._look_up_named(added.values())
        for entries in added.values():
            for entry in entries:
                self._resolve(entry)

    def _look_up_named(self, groups: Iterable[list[RecordEntry]]) -> None:
        """Find, in one pass over the deferred tables, the ids these records name outside made."""
        deferred = self.dataset.deferred
        assert deferred is not None
        named = [
            value
            for entries in groups
            for entry in entries
            if entry.model is not None
            for spec in reference_specs(entry.collection, entry.model)
            for value in reference_values(entry.model, spec)
            if value not in self._made
        ]
        self._looked_up.update(named)
        self._deferred_in.update(deferred.collections_of(named))

    def known_missing(self, key: str) -> bool:
        """Whether ``key`` is named by a made record and is no deferred row's id either.

        Such a key (a dangling reference, typically) is answered without a
        pass over the deferred tables: one per distinct id would be a nested scan.
        """
        return key in self._looked_up and key not in self._deferred_in and key not in self._made

    # --- building ---------------------------------------------------------------

    def _resolve(self, entry: RecordEntry) -> None:
        record = entry.model
        source = entry.id
        assert record is not None and source is not None
        collection = entry.collection
        bad: list[BadReference] = []
        add_edge = self.edges.append
        incoming = self.incoming
        entries = self._made  # a deferred row's id goes to _check_target: no record made
        specs = reference_specs(collection, record)
        for spec in specs:
            label = spec.label
            referrers = (collection, label)
            targets = spec.targets
            plain = not spec.level and not spec.unit_kinds  # the target's collection is enough
            for position, value in enumerate(reference_values(record, spec)):
                # Nearly every reference names a record of the right collection: decided
                # here, without _check_target (which says the same of it).
                target = entries.get(value)
                if target is None or not plain or target.collection not in targets:
                    problem = self._check_target(spec, value)
                    if problem:
                        path: tuple[str | int, ...] = (
                            (*spec.path, position) if spec.many else spec.path
                        )
                        bad.append(BadReference(path, value, *problem))
                        continue
                add_edge((source, value, label))
                incoming[value][referrers].append(source)
        for spec in specs:
            if spec.within is None or any(b.path == spec.path for b in bad):
                continue
            county = getattr(record, spec.within, None)
            for value in reference_values(record, spec):
                if self.county_of(value) not in (None, county):
                    bad.append(BadReference(spec.path, value, "outside", str(county)))
        if bad:
            self.bad_references[source] = bad

    def _check_target(self, spec: RefSpec, value: str) -> tuple[str, str] | None:
        target = self._made.get(value)
        if target is None and value in self._deferred_in:
            # A deferred bulk row: valid, and never a region or a unit to check further.
            if self._deferred_in[value] not in spec.targets:
                return ("collection", spec.expected)
            return None
        if target is None:
            return ("missing", spec.expected)
        if target.collection not in spec.targets:
            return ("collection", spec.expected)
        model = target.model
        if model is None:
            return None  # an invalid record of the right collection: D003 says enough
        if spec.level and isinstance(model, Region) and model.level != spec.level:
            return ("level", spec.level)
        if spec.unit_kinds and isinstance(model, Unit) and model.kind not in spec.unit_kinds:
            return ("kind", "/".join(spec.unit_kinds))
        return None

    # --- queries ----------------------------------------------------------------

    def get(self, record_id: str | None, cls: type[R]) -> R | None:
        """The valid record with this id when it is a ``cls``, else None."""
        if record_id is None:
            return None
        entry = self.entries.get(record_id)
        if entry is None or not isinstance(entry.model, cls):
            return None
        return entry.model

    def records(self, collection: str) -> Iterator[Record]:
        """The valid records of a collection, in reading order."""
        for entry in self.by_collection.get(collection, ()):
            assert entry.model is not None
            yield entry.model

    def referrers(self, target: str, collection: str, field: str) -> list[str]:
        """Ids of the valid ``collection`` records whose ``field`` names ``target``."""
        by_field = self.incoming.get(target)
        if not by_field:
            return []
        return by_field.get((collection, field), [])

    def referring(self, target: str, collection: str, field: str, cls: type[R]) -> Iterator[R]:
        """The valid ``cls`` records of ``collection`` whose ``field`` names ``target``."""
        for source in self.referrers(target, collection, field):
            model = self.entries[source].model
            if isinstance(model, cls):
                yield model

    def active_pairings(
        self, target: str, kind: str, day: date, *, field: str = "target"
    ) -> Iterator[Pairing]:
        """Valid pairings of ``kind`` whose ``field`` names ``target``, active on ``day``."""
        for pairing in self.referring(target, "pairings", field, Pairing):
            if pairing.kind == kind and is_active(pairing.start, pairing.end, day):
                yield pairing

    def ancestor(self, region_id: str | None, level: str) -> str | None:
        """The id of the region at ``level`` above (or equal to) ``region_id``."""
        want = LEVELS.index(level)
        seen = 0
        while region_id is not None and seen <= len(LEVELS):
            region = self.get(region_id, Region)
            if region is None:
                return None
            have = LEVELS.index(region.level)
            if have == want:
                return region.id
            if have < want:
                return None
            region_id = region.parent
            seen += 1
        return None

    def county_of(self, region_id: str | None) -> str | None:
        """The county a region lies in (itself when it is a county)."""
        return self.ancestor(region_id, "county")

    def has_tag(self, region_id: str | None, tag: str) -> bool:
        """Whether the region with this id is valid and carries ``tag``."""
        region = self.get(region_id, Region)
        return region is not None and tag in region.tags


def to_networkx(index: Index) -> nx.MultiDiGraph[str]:
    """A networkx multi-digraph of the dataset.

    Nodes are keyed by id with ``collection`` and ``valid`` attributes (an
    invalid record is still a node: references to it resolve); each resolved
    reference is an edge keyed and labelled by its field name.
    """
    import networkx as nx  # only here: importing it takes longer than checking a small dataset

    graph: nx.MultiDiGraph[str] = nx.MultiDiGraph()
    for record_id, entry in index.entries.items():
        graph.add_node(record_id, collection=entry.collection, valid=entry.valid)
    for source, target, label in index.edges:
        graph.add_edge(source, target, key=label, field=label)
    return graph
