"""Source positions kept beside the data, never inside it.

A :class:`PositionTree` mirrors one YAML node: where it starts, where each of
its mapping keys stands, and a subtree for each child that is itself a mapping
or a sequence. Scalars need no subtree: their key (or item) mark is enough.
A pydantic error ``loc`` or a rule's field path is mapped back to a
``line:column`` by :meth:`PositionTree.locate`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Key = str | int
"""A mapping key (always a string) or a sequence index."""


@dataclass(frozen=True, slots=True)
class Mark:
    """A 1-based line and column in a source file."""

    line: int
    column: int


@dataclass(slots=True)
class PositionTree:
    """Positions of one mapping or sequence node and, recursively, its children.

    Attributes:
        start: Where the node itself starts (``{``, ``[``, the first key or ``-``).
        keys: For a mapping, the mark of each key; for a sequence, of each item.
        children: Subtrees of the children that are mappings or sequences.
    """

    start: Mark
    keys: dict[Key, Mark] = field(default_factory=dict)
    children: dict[Key, PositionTree] = field(default_factory=dict)

    @property
    def anchor(self) -> Mark:
        """Where a finding about this whole node points: its first key, else its start."""
        for mark in self.keys.values():
            return mark
        return self.start

    def locate(self, path: tuple[Key, ...]) -> Mark:
        """Return the mark of the deepest known node along ``path``.

        A path into a mapping ends at the key's mark; a path that leaves the
        known tree (a key that is absent, say a missing required field) stops
        at the deepest node that exists, so a finding always has a position.
        """
        node = self
        for i, key in enumerate(path):
            if key in node.keys and i == len(path) - 1:
                return node.keys[key]
            child = node.children.get(key)
            if child is None:
                return node.keys.get(key, node.anchor)
            node = child
        return node.anchor


def exact_mark(tree: PositionTree | None, path: tuple[Key, ...]) -> Mark | None:
    """The mark of the node at ``path`` itself, or None when the tree does not hold it.

    Unlike :meth:`PositionTree.locate`, nothing stands in for a missing node:
    for where a setting was written, not for where an error points.
    """
    if tree is None or not path:
        return None
    node = tree
    for key in path[:-1]:
        child = node.children.get(key)
        if child is None:
            return None
        node = child
    return node.keys.get(path[-1])


# PositionTree's own slots, reached past the properties of LazyPositionTree.
_START_SLOT: Any = vars(PositionTree)["start"]
_KEYS_SLOT: Any = vars(PositionTree)["keys"]
_CHILDREN_SLOT: Any = vars(PositionTree)["children"]


class LazyPositionTree(PositionTree):
    """A :class:`PositionTree` whose keys and children are worked out on first use.

    A province has hundreds of thousands of records and findings about few:
    only the records a finding points into need the marks of their fields.
    Subclasses say how in :meth:`_compute`.
    """

    __slots__ = ("_ready",)

    def __init__(self, start: Mark) -> None:
        # Not the parent's __init__: `keys` and `children` wait for _fill().
        _START_SLOT.__set__(self, start)
        self._ready = False

    def _compute(self) -> tuple[dict[Key, Mark], dict[Key, PositionTree]]:
        """The keys' marks and the children's subtrees."""
        raise NotImplementedError

    def _fill(self) -> None:
        keys, children = self._compute()
        _KEYS_SLOT.__set__(self, keys)
        _CHILDREN_SLOT.__set__(self, children)
        self._ready = True

    @property
    def keys(self) -> dict[Key, Mark]:  # type: ignore[override]
        """The mark of each key (or item)."""
        if not self._ready:
            self._fill()
        keys: dict[Key, Mark] = _KEYS_SLOT.__get__(self)
        return keys

    @property
    def children(self) -> dict[Key, PositionTree]:  # type: ignore[override]
        """Subtrees of the children that are collections."""
        if not self._ready:
            self._fill()
        children: dict[Key, PositionTree] = _CHILDREN_SLOT.__get__(self)
        return children

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PositionTree):
            return NotImplemented
        return (self.start, self.keys, self.children) == (other.start, other.keys, other.children)

    __hash__ = None  # type: ignore[assignment]


class GridRowPositions(LazyPositionTree):
    """Positions of one row of a grid (a workbook sheet, a Parquet file): line = the row.

    Each field's cell is at the row and its column's 1-based number, worked
    out when asked for; a list's items share their cell.
    """

    __slots__ = ("_columns",)

    def __init__(self, row: int, columns: tuple[str | None, ...]) -> None:
        super().__init__(Mark(row, 1))
        self._columns = columns

    def _compute(self) -> tuple[dict[Key, Mark], dict[Key, PositionTree]]:
        row = self.start.line
        keys: dict[Key, Mark] = {}
        children: dict[Key, PositionTree] = {}
        for index, name in enumerate(self._columns):
            if name is not None:
                mark = Mark(row, index + 1)
                keys[name] = mark
                children[name] = PositionTree(mark)
        return keys, children


def cell_name(row: int, column: int) -> str:
    """The A1-style name of a cell, 1-based: ``cell_name(12, 3) == "C12"``."""
    letters = ""
    while column > 0:
        column, rest = divmod(column - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return f"{letters}{row}"
