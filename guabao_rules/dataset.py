"""The dataset: the records as read, where each stands, and the readers' findings.

It sits below the readers (``sources/``), which fill it, and below the rules and
reports, which read it. Its index and graph are built by :mod:`guabao_rules.graph`
on first use.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from guabao_rules.diagnostics import SourceRef, Violation
from guabao_rules.models import Record
from guabao_rules.sources.positions import Key, Mark, PositionTree, cell_name

if TYPE_CHECKING:
    import networkx as nx
    import pyarrow as pa

    from guabao_rules.graph import Index

__all__ = ["Dataset", "Deferred", "LoadIssue", "RecordEntry", "paused_gc"]


@dataclass(slots=True, eq=False)
class RecordEntry:
    """One record as read: where it stands, and its model when it is valid.

    Attributes:
        collection: The collection it was listed under.
        id: Its id, when it has a usable one.
        model: The validated record, or None when it could not be validated.
        source: Its file and the mark of its first key.
        positions: Positions of its fields.
        personal: Field paths holding personal data (candidates for D006).
        problem_at: Where its D003 points, when it breaks the format.
        mentions: For a record that could not be validated, every text and
            integer value it holds: the rules never see it, so a finding
            about a record it names may follow from its D003.
    """

    collection: str
    id: str | None
    model: Record | None
    source: SourceRef
    positions: PositionTree | None
    personal: list[tuple[tuple[Key, ...], str]] = field(default_factory=list)
    problem_at: SourceRef | None = None
    mentions: frozenset[str] = frozenset()

    @property
    def valid(self) -> bool:
        """Whether the record passed validation."""
        return self.model is not None

    def locate(self, path: tuple[Key, ...] | None) -> SourceRef:
        """The location of a field of this record (the record itself when None)."""
        if path and self.positions is not None:
            mark = self.positions.locate(path)
            return SourceRef(self.source.file, mark, _cell(self.source.cell, mark))
        return self.source


def _cell(record_cell: str | None, mark: Mark) -> str | None:
    """A workbook cell's ``Sheet!C12`` for ``mark``, in the sheet of ``record_cell``."""
    if record_cell is None:
        return None
    return f"{record_cell.rpartition('!')[0]}!{cell_name(mark.line, mark.column)}"


@dataclass(slots=True)
class LoadIssue:
    """A finding the loader made, for the D rule named.

    Attributes:
        rule: The rule id.
        violation: The finding.
        record: Where the record it is about starts, when it is about a record.
    """

    rule: str
    violation: Violation
    record: SourceRef | None = None


class Deferred(Protocol):
    """Valid bulk rows kept as table rows, made into records only when asked."""

    def count(self, collection: str | None = None) -> int:
        """How many rows are deferred (of ``collection``, or in all)."""
        ...

    def collections(self) -> frozenset[str]:
        """The collections whose rows are still deferred."""
        ...

    def table(self, collection: str) -> pa.Table:
        """A deferred collection's table of rows (all valid, each the first of its id)."""
        ...

    def make(self, dataset: Dataset, collections: Iterable[str] | None, reason: str) -> bool:
        """Make those collections' rows into the dataset's records; whether any was made."""
        ...

    def entry(self, record_id: str) -> RecordEntry | None:
        """The deferred row of an id as a record (not entered in the dataset), or None."""
        ...

    def prefetch(self, ids: Sequence[str]) -> None:
        """Find many ids at once, for :meth:`entry`."""
        ...

    def collections_of(self, ids: Sequence[str]) -> dict[str, str]:
        """The collection of each of these ids that is a deferred row's (no record made)."""
        ...


class Dataset:
    """A loaded dataset: its records, where they came from, and what was wrong.

    Attributes:
        root: The dataset root directory.
        files: Data files read, relative to the root with ``/`` separators.
        skipped: Files that look like data but are not read (other suffixes,
            upper-case suffixes, CSV files no collection is named for).
        entries: Every record read, in file then document order.
        by_id: The first record of each id (later duplicates are D001 and ignored).
        deferred: The valid bulk rows a query engine's reader left in its
            tables (:class:`~guabao_rules.columnar.reading.DeferredRows`), or
            None. ``entries`` and ``by_id`` make them into records first (all
            at once, in reading order): code that can do without them uses
            ``made``, :meth:`entry` and :meth:`make_records`.
        issues: Loader findings (D000, D001, D003, D007) in reading order.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.files: list[str] = []
        self.skipped: list[str] = []
        self.made: list[RecordEntry] = []
        """The records made so far, in reading order (all of them unless ``deferred``)."""
        self.made_by_id: dict[str, RecordEntry] = {}
        """The first made record of each id."""
        self.deferred: Deferred | None = None
        self.issues: list[LoadIssue] = []
        self.encodings: dict[str, str] = {}
        """Files read in an encoding other than UTF-8 (the ``encoding`` setting)."""
        self.unread: set[str] = set()
        """Files of ``files`` never opened (links out of the root, FIFOs, devices):
        reports must not open them either, for an excerpt."""
        self.bulk: object | None = None
        """The other reader of the bulk tables that read some (``load(bulk=...)``), if any."""
        self.lost_ids: dict[str, SourceRef] = {}
        """Ids of records listed under an unknown collection (never read), with
        where that collection's D003 points: a reference to one follows from it."""

    @property
    def entries(self) -> list[RecordEntry]:
        """Every record read, in reading order (deferred bulk rows made into records first)."""
        self.make_records()
        return self.made

    @property
    def by_id(self) -> dict[str, RecordEntry]:
        """The first record of each id (deferred bulk rows made into records first)."""
        self.make_records()
        return self.made_by_id

    def make_records(
        self, collections: Iterable[str] | None = None, reason: str = "the whole dataset"
    ) -> None:
        """Make the deferred rows of ``collections`` (None: every one) into records, in order.

        ``reason`` says what needs them (a rule id, a report), for ``--statistics``.
        The index is built again over them when next asked for.
        """
        if self.deferred is not None and self.deferred.make(self, collections, reason):
            self.__dict__.pop("index", None)
            self.__dict__.pop("graph", None)

    def entry(self, record_id: str) -> RecordEntry | None:
        """The first record of an id, a deferred row made for the asking (the rest stay rows)."""
        found = self.made_by_id.get(record_id)
        if found is None and self.deferred is not None:
            return self.deferred.entry(record_id)
        return found

    def prefetch(self, ids: Iterable[str]) -> None:
        """Look up many ids among the deferred rows at once, for :meth:`entry`."""
        if self.deferred is not None:
            self.deferred.prefetch([i for i in ids if i not in self.made_by_id])

    def records(self, collection: str) -> list[Record]:
        """The valid records of ``collection`` (first occurrence of each id), in order."""
        return [e.model for e in self.index.by_collection.get(collection, []) if e.model]

    @cached_property
    def index(self) -> Index:
        """Typed adjacency of the records made so far, built once, for the rules.

        With deferred rows, it covers the records made (the organisation and
        the collections made on demand); an id of a deferred row still resolves.
        """
        from guabao_rules.graph import Index

        with paused_gc():  # the index makes an object per reference and no garbage cycles
            return Index(self)

    @cached_property
    def graph(self) -> nx.MultiDiGraph[str]:
        """The networkx graph of the records, built once.

        A node per record, keyed by id, with its ``collection`` and ``valid``
        (False when it could not be validated) as attributes; an edge per
        resolved reference, from the referring record to its target, keyed by
        the field name and with it as the ``field`` attribute.
        """
        from guabao_rules.graph import to_networkx

        self.make_records(reason="the graph")  # every record is a node
        return to_networkx(self.index)

    def __len__(self) -> int:
        """How many records were read (deferred rows included, none made for it)."""
        return len(self.made) + (self.deferred.count() if self.deferred is not None else 0)


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Turn the cyclic garbage collector off for a block, then back on if it was.

    Loading, indexing and checking make millions of long-lived objects and no
    garbage cycles; the collector would rescan them again and again, which
    took three quarters of the time on a province. Reference counting still
    frees everything as usual. Also a decorator.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        # Everything made meanwhile is still "young": the first collection would
        # scan it all. Move it to the oldest generation instead, where only a
        # full collection looks, as the collector would after a few rounds.
        if not gc.get_freeze_count():  # never thaw what someone else froze
            gc.freeze()
            gc.unfreeze()
        if enabled:
            gc.enable()
