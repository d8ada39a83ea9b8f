"""Root cause first: mark the findings that follow from another one (``caused_by``).

Findings do not cascade (rules.md): an invalid record still resolves
references, and the rules skip only what they cannot see. What they cannot see
is still a cause, and the user should fix it first. A finding is marked as
caused by another, and shown under it, in exactly these cases:

- a D002 whose every missing target id appears in the text of a file that
  could not be read (D000 on that file), or was listed under an unknown
  collection (the D003 on that collection's key);
- a Q, M, T or S finding about a record that itself breaks the format (its
  D003: an unknown field such as the ``500`` of ``amount: 1,500,000`` leaves
  ``amount: 1``), or about a record that an invalid record names (that
  record's D003: the rules never saw it, so a count may miss it);
- a Q, M, T or S finding about a record that another record points at, when
  that other record's D002 has a cause (above) or it points at an invalid
  record: a pairing of county C with a unit of the unreadable file, or with a
  leader whose record is D003, is not counted for C (Q003, Q005);
- a Q, M, T or S finding about the dataset (no subject, a subject that is no
  record, or a rule that selects the dataset or a parameter's ids: Q008, Q001,
  Q002), when nothing above applies and a collection the rule reads lost
  records: the first unreadable file (D000) that holds that collection, else
  the first invalid record (D003) of it. A count over the whole dataset misses
  them all.

The marking changes no finding, severity or exit status; it only says which
finding to read first.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from guabao_rules.dataset import Dataset, RecordEntry
from guabao_rules.diagnostics import Cause, Diagnostic, Location, SourceRef

_RULE_FAMILIES = ("Q", "M", "T", "S")
"""Families whose rules skip invalid records (rules.md, "Findings do not cascade")."""

_ENCODINGS = ("utf-8", "utf-16-le", "utf-16-be", "gbk")
"""How an id may be spelled in the bytes of a file that could not be read."""


def collections_read(constraint: Any) -> frozenset[str]:
    """The collections a rule's constraint names (``collection:`` anywhere in it)."""

    def walk(value: Any) -> Iterator[str]:
        if isinstance(value, dict):
            for key, item in value.items():
                if key == "collection" and isinstance(item, str):
                    yield item
                else:
                    yield from walk(item)
        elif isinstance(value, list):
            for item in value:
                yield from walk(item)

    return frozenset(walk(constraint))


def selects_dataset(constraint: Any) -> bool:
    """Whether a rule judges the dataset as a whole: ``select: {dataset: true}`` or ``{ids: …}``."""
    select = constraint.get("select") if isinstance(constraint, dict) else None
    return isinstance(select, dict) and bool(select.get("dataset") or select.get("ids"))


def _place(ref: SourceRef) -> Location:
    if ref.mark is None:
        return Location(ref.file, None, None, ref.cell)
    return Location(ref.file, ref.mark.line, ref.mark.column, ref.cell)


class _Causes:
    """What can cause what, in one dataset and its findings."""

    def __init__(
        self,
        dataset: Dataset,
        diagnostics: Sequence[Diagnostic],
        reads: Mapping[str, frozenset[str]],
        whole: frozenset[str],
    ) -> None:
        self.dataset = dataset
        self.reads = reads
        self.whole = whole
        self._lost: dict[str, Diagnostic | None] = {}
        self.by_place: dict[tuple[str, Location], Diagnostic] = {}
        self.unreadable: dict[str, Diagnostic] = {}
        for diagnostic in diagnostics:
            self.by_place.setdefault((diagnostic.rule, diagnostic.location), diagnostic)
            if diagnostic.rule == "D000" and diagnostic.file is not None:
                self.unreadable.setdefault(diagnostic.file, diagnostic)
        self._bytes: dict[str, bytes] = {}
        self._mentioned: dict[str, RecordEntry] | None = None
        self._targets: dict[str, list[str]] | None = None
        self.root_of: dict[str, Diagnostic] = {}
        """Records whose D002 has a cause, with that cause."""

    def _finding(self, rule: str, ref: SourceRef | None) -> Diagnostic | None:
        return None if ref is None else self.by_place.get((rule, _place(ref)))

    def _file_bytes(self, file: str) -> bytes:
        if file not in self._bytes:
            try:
                self._bytes[file] = (Path(self.dataset.root) / file).read_bytes()
            except OSError:
                self._bytes[file] = b""
        return self._bytes[file]

    def _lost_in(self, value: str) -> Diagnostic | None:
        """The finding that explains why no record has the id ``value``."""
        for file, diagnostic in self.unreadable.items():
            data = self._file_bytes(file)
            for encoding in _ENCODINGS:
                try:
                    needle = value.encode(encoding)
                except UnicodeEncodeError:
                    continue
                if needle and needle in data:
                    return diagnostic
        return self._finding("D003", self.dataset.lost_ids.get(value))

    def of_reference(self, diagnostic: Diagnostic) -> Diagnostic | None:
        problems = self.dataset.index.bad_references.get(diagnostic.subject or "", [])
        if not problems or any(p.reason != "missing" for p in problems):
            return None
        causes = [self._lost_in(p.value) for p in problems]
        if any(c is None for c in causes):
            return None  # one target is simply missing: the D002 is its own cause
        return causes[0]

    def _outgoing(self, source: str) -> list[str]:
        if self._targets is None:
            self._targets = {}
            for origin, target, _label in self.dataset.index.edges:
                self._targets.setdefault(origin, []).append(target)
        return self._targets.get(source, [])

    def _through(self, record_id: str) -> Diagnostic | None:
        """The cause a record passes on to what it points at.

        Its own caused D002, or the D003 of an invalid record it names (which
        the rules never see).
        """
        if record_id in self.root_of:
            return self.root_of[record_id]
        for target in self._outgoing(record_id):
            entry = self.dataset.by_id.get(target)
            if entry is not None and entry.model is None:
                found = self._finding("D003", entry.problem_at)
                if found is not None:
                    return found
        return None

    def _holds(self, file: str, collection: str) -> bool:
        """Whether an unreadable file may hold ``collection``: by its name, or its key in it."""
        path = Path(file)
        if collection in (path.stem, path.parent.name):  # units.yaml, households/x.csv
            return True
        data = self._file_bytes(file)
        for encoding in _ENCODINGS:
            needle = f"{collection}:".encode(encoding)
            if needle in data:
                return True
        return False

    def _collection_lost(self, collection: str) -> Diagnostic | None:
        """The first finding by which ``collection`` lost records: an unreadable file, a D003."""
        if collection not in self._lost:
            found: Diagnostic | None = None
            for file in sorted(self.unreadable):
                if self._holds(file, collection):
                    found = self.unreadable[file]
                    break
            if found is None:
                invalid = (
                    self._finding("D003", entry.problem_at)
                    for entry in self.dataset.entries
                    if entry.collection == collection and entry.model is None
                )
                found = min(
                    (d for d in invalid if d is not None), key=Diagnostic.sort_key, default=None
                )
            self._lost[collection] = found
        return self._lost[collection]

    def of_dataset(self, diagnostic: Diagnostic) -> Diagnostic | None:
        """The cause of a finding about the whole dataset: a collection it reads lost records."""
        lost = (self._collection_lost(c) for c in sorted(self.reads.get(diagnostic.rule, ())))
        return min((d for d in lost if d is not None), key=Diagnostic.sort_key, default=None)

    def of_rule(self, diagnostic: Diagnostic) -> Diagnostic | None:
        subject = diagnostic.subject
        if subject is None:
            return self.of_dataset(diagnostic)
        entry = self.dataset.by_id.get(subject)
        if entry is not None and entry.problem_at is not None:
            own = self._finding("D003", entry.problem_at)
            if own is not None:
                return own
        if self._mentioned is None:
            self._mentioned = {}
            for other in self.dataset.entries:
                for value in other.mentions:
                    self._mentioned.setdefault(value, other)
        naming = self._mentioned.get(subject)
        if naming is not None and naming is not entry:
            found = self._finding("D003", naming.problem_at)
            if found is not None:
                return found
        # A record that points at the subject, but whose own other target is lost
        # or invalid: a count over such records (Q003, Q005) misses it.
        for sources in self.dataset.index.incoming.get(subject, {}).values():
            for source in sources:
                found = self._through(source)
                if found is not None:
                    return found
        if entry is None or diagnostic.rule in self.whole:  # about the dataset, not a record
            return self.of_dataset(diagnostic)
        return None

    def of(self, diagnostic: Diagnostic) -> Diagnostic | None:
        if diagnostic.rule.startswith(_RULE_FAMILIES):
            return self.of_rule(diagnostic)
        return None


def mark_causes(
    dataset: Dataset,
    diagnostics: list[Diagnostic],
    reads: Mapping[str, frozenset[str]] | None = None,
    whole: frozenset[str] = frozenset(),
) -> list[Diagnostic]:
    """The findings, each caused one with its ``caused_by`` set (order kept).

    Args:
        dataset: The dataset checked.
        diagnostics: Its findings, sorted.
        reads: The collections each rule reads (:func:`collections_read`), for
            findings about the whole dataset.
        whole: The rules that judge the dataset as a whole (:func:`selects_dataset`).
    """
    if not any(d.rule in ("D000", "D003") for d in diagnostics):
        return diagnostics
    causes = _Causes(dataset, diagnostics, reads or {}, whole)
    found: dict[int, Diagnostic] = {}
    for diagnostic in diagnostics:  # references first: their causes pass on to the rules
        if diagnostic.rule == "D002" and diagnostic.subject is not None:
            cause = causes.of_reference(diagnostic)
            if cause is not None:
                found[id(diagnostic)] = cause
                causes.root_of[diagnostic.subject] = cause
    out = []
    for diagnostic in diagnostics:
        cause = found.get(id(diagnostic)) if diagnostic.rule == "D002" else causes.of(diagnostic)
        if cause is not None and cause is not diagnostic:
            marked = Cause(cause.rule, cause.subject, cause.location)
            out.append(dataclasses.replace(diagnostic, caused_by=marked))
        else:
            out.append(diagnostic)
    return out
