"""Suggested ids: the nearest existing id for a reference that names none.

A province holds a million ids, so a dangling reference is never compared with
all of them. :class:`IdSuggester` keeps, per set of target collections, the ids
sorted as written and sorted reversed, and a map by a folded form (case, width,
separators and leading zeros ignored: ``C-02`` and ``C-002`` fold alike). A
missing id is looked up in the map, then compared with its few neighbours in
both orders (a typo at the end keeps the prefix, one at the start keeps the
suffix). Each lookup costs a logarithmic search and a bounded comparison; the
tables are built only for collections a dangling reference points into.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Iterable, Mapping

_NEIGHBOURS = 4
"""Ids compared on each side of the lookup position, in each order."""

_MAX_EDITS = 2
"""Edits a suggestion may be away (one for short ids): typos, not other records."""
_SHORT = 6

LOOKUP_BUDGET = 2000
"""Distinct missing ids looked up in one check; later ones get no suggestion.

A lookup costs about a millisecond (a few bounded edit distances in Python), so
a province whose reports all name a deleted household (10^5 dangling references)
would spend minutes on suggestions no one reads past the first screens.
"""

_SEPARATORS = re.compile(r"[\s\-_./]+")
_LEADING_ZEROS = re.compile(r"(?<![0-9])0+(?=[0-9])")


def folded(value: str) -> str:
    """``value`` with case, full-width forms, separators and leading zeros ignored."""
    text = unicodedata.normalize("NFKC", value).casefold()
    return _SEPARATORS.sub("", _LEADING_ZEROS.sub("", text))


def edit_distance(a: str, b: str, bound: int) -> int:
    """Levenshtein distance of ``a`` and ``b``, or ``bound + 1`` when it is over ``bound``."""
    if abs(len(a) - len(b)) > bound:
        return bound + 1
    # Ids that differ by a typo share most of their text: compare only the middle.
    start = 0
    shortest = min(len(a), len(b))
    while start < shortest and a[start] == b[start]:
        start += 1
    end = 0
    while end < shortest - start and a[-1 - end] == b[-1 - end]:
        end += 1
    a, b = a[start : len(a) - end], b[start : len(b) - end]
    if not a or not b:
        return len(a) + len(b) if len(a) + len(b) <= bound else bound + 1
    # Only the cells within ``bound`` of the diagonal can lie on a path within it.
    over = bound + 1
    previous = [j if j <= bound else over for j in range(len(b) + 1)]
    for i, char_a in enumerate(a, 1):
        low, high = max(1, i - bound), min(len(b), i + bound)
        current = [over] * (len(b) + 1)
        if i <= bound:
            current[0] = i
        for j in range(low, high + 1):
            current[j] = min(
                previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != b[j - 1]), over
            )
        if min(current[max(0, low - 1) : high + 1]) > bound:
            return over
        previous = current
    return previous[-1]


class _Table:
    """The ids of some collections, ordered for neighbour lookups."""

    def __init__(self, ids: Iterable[str]) -> None:
        self.forward = sorted(ids)
        self.backward = sorted(i[::-1] for i in self.forward)
        self.by_fold: dict[str, str] = {}
        for record_id in self.forward:  # sorted: the first id of a fold wins, always the same
            self.by_fold.setdefault(folded(record_id), record_id)

    def nearest(self, value: str) -> str | None:
        same = self.by_fold.get(folded(value))
        if same is not None and same != value:
            return same
        bound = _MAX_EDITS if len(value) > _SHORT else 1
        candidates = set(_around(self.forward, value))
        candidates.update(i[::-1] for i in _around(self.backward, value[::-1]))
        candidates.discard(value)
        best: tuple[int, str] | None = None
        for candidate in candidates:
            distance = edit_distance(value, candidate, bound)
            if distance <= bound and (best is None or (distance, candidate) < best):
                best = (distance, candidate)
        return best[1] if best else None


def _around(ordered: list[str], value: str) -> list[str]:
    at = bisect_left(ordered, value)
    return ordered[max(0, at - _NEIGHBOURS) : at + _NEIGHBOURS]


class IdSuggester:
    """Nearest existing ids, per set of target collections, built when first asked."""

    def __init__(self, ids_of: Mapping[str, Iterable[str]]) -> None:
        """Args: ids_of: the ids of each collection."""
        self.ids_of = ids_of
        self.tables: dict[tuple[str, ...], _Table] = {}
        self.found: dict[tuple[str, tuple[str, ...]], str | None] = {}

    def nearest(self, value: str, collections: tuple[str, ...]) -> str | None:
        """The existing id of ``collections`` nearest to ``value``, if one is near enough.

        Each distinct ``value`` is looked up once; past :data:`LOOKUP_BUDGET`
        distinct values, new ones get None.
        """
        key = (value, collections)
        if key in self.found:
            return self.found[key]
        if len(self.found) >= LOOKUP_BUDGET:
            return None
        guess = self.found[key] = self._nearest(value, collections)
        return guess

    def _nearest(self, value: str, collections: tuple[str, ...]) -> str | None:
        table = self.tables.get(collections)
        if table is None:
            ids = (i for c in collections for i in self.ids_of.get(c, ()))
            table = self.tables[collections] = _Table(ids)
        return table.nearest(value)
