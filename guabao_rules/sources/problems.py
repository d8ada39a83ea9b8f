"""The one problem record every reader returns (YAML, fast YAML, CSV, workbook).

A reader never raises on bad data: it returns :class:`ReadProblem` values and
the loader turns each into a finding (D000, D003 or D007) at its mark.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from guabao_rules.diagnostics import Text
from guabao_rules.sources.positions import Key, Mark

__all__ = ["ReadProblem", "ReadRule"]

ReadRule = Literal["D000", "D003", "D007"]
"""The rules a reader reports under."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ReadProblem:
    """Something wrong in a file, found while reading it.

    Attributes:
        rule: ``D000`` (the file, a row or part of it cannot be read), ``D003``
            (a key that is a mapping or a list, or an unknown column) or
            ``D007`` (a duplicate key or a column named twice).
        text: One sentence, in Chinese and English.
        mark: Where, 1-based.
        code: What went wrong, for YAML problems: ``encoding``, ``syntax``,
            ``multiple_documents``, ``tag``, ``alias_bound``,
            ``recursive_alias``, ``complex_key`` or ``duplicate_key``.
        path: Path in the YAML document of the node at fault; for
            ``duplicate_key`` and ``complex_key`` the path of the mapping
            holding the key.
        key: The duplicated key (YAML), or the unknown or twice-named column
            (tables).
        known: The known field names, for a table's unknown column.
    """

    rule: ReadRule
    text: Text
    mark: Mark
    code: str | None = None
    path: tuple[Key, ...] = ()
    key: str | None = None
    known: tuple[str, ...] = ()
