"""The dataset: the records as read, where each stands, and the readers' findings.

It sits below the readers (``sources/``), which fill it, and below the rules and
reports, which read it. Its index and graph are built by :mod:`guabao_rules.graph`
on first use.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from guabao_rules.diagnostics import SourceRef, Violation
from guabao_rules.models import Record
from guabao_rules.sources.positions import Key, Mark, PositionTree, cell_name

if TYPE_CHECKING:
    import networkx as nx

    from guabao_rules.graph import Index

__all__ = ["Dataset", "LoadIssue", "RecordEntry", "paused_gc"]


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


class Dataset:
    """A loaded dataset: its records, where they came from, and what was wrong.

    Attributes:
        root: The dataset root directory.
        files: Data files read, relative to the root with ``/`` separators.
        skipped: Files that look like data but are not read (other suffixes,
            upper-case suffixes, CSV files no collection is named for).
        entries: Every record read, in file then document order.
        by_id: The first record of each id (later duplicates are D001 and ignored).
        issues: Loader findings (D000, D001, D003, D007) in reading order.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.files: list[str] = []
        self.skipped: list[str] = []
        self.entries: list[RecordEntry] = []
        self.by_id: dict[str, RecordEntry] = {}
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

    def records(self, collection: str) -> list[Record]:
        """The valid records of ``collection`` (first occurrence of each id), in order."""
        return [e.model for e in self.index.by_collection.get(collection, []) if e.model]

    @cached_property
    def index(self) -> Index:
        """Typed adjacency of the records, built once, for the rules."""
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

        return to_networkx(self.index)

    def __len__(self) -> int:
        return len(self.entries)


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
