r"""A fast reader for the plain YAML that data files are written in, or nothing.

Data files are block mappings of collections whose records are one flow
mapping per line (``- {id: X, village: "533323200205", status: poor}``) or
simple block mappings. Composing such a file with PyYAML makes some ten Python
objects per scalar, and the positions of every key another few. Here each run
of one-line records is read through :func:`json.loads` in one call, and a
record's key positions are worked out only when a finding asks for them
(loading a province: 30 % less time, a third less memory).
:func:`parse_plain` reads exactly this subset:

* block mappings whose keys are plain identifiers, block sequences of
  scalars, flow collections or compact block mappings (``- key: value``);
* flow mappings and sequences on one line, nested at most two deep;
* plain scalars without ``: # , ? [ ] { } ' "`` (a ``-`` only before a digit
  or ``.``), double-quoted scalars without escapes, single-quoted scalars;
* comments and blank lines anywhere.

Anything else (tags, anchors, aliases, block scalars, multi-line scalars or
flow collections, duplicate keys, tabs, ``\r``, control characters, document
markers, directives, ...) returns ``None`` and the caller reads the file with
PyYAML, which gives the same values, positions and problems for everything
this reader accepts: values with YAML 1.2 core-schema meanings
(:func:`guabao_rules.sources.yamlsource._plain`), node positions, node counts. The
tests check this equivalence on generated documents.
"""

from __future__ import annotations

import itertools
import json
import operator
import re
from array import array
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from guabao_rules.sources.positions import Key, LazyPositionTree, Mark, PositionTree

__all__ = ["parse_plain"]

MAX_BLOCK_DEPTH: Final = 64
"""Deeper block nesting is left to PyYAML (data files need about 6)."""

# Characters PyYAML reads as a line break or refuses to read, and those this
# reader leaves to it (tabs, carriage returns, BOMs inside the text): those not in
# [\n\x20-\x7e\xa0-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff], and U+2028/9.
# Written as the characters themselves: a negated class over the whole range
# costs 3 ms to compile at every start (the compiler visits each code point).
_UNREAD: Final = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]"
)

_READ_ASCII: Final = bytes(range(0x20, 0x7F)) + b"\n"
"""The ASCII characters read: an ASCII text of only these holds none of :data:`_UNREAD`."""


def _unread(text: str) -> bool:
    """Whether ``text`` holds a character of :data:`_UNREAD`.

    An ASCII text is checked by deleting the characters read (C speed: the
    regular expression visits each character at ~10 MB/s).
    """
    if text.isascii():
        return bool(text.encode("ascii").translate(None, _READ_ASCII))
    return _UNREAD.search(text) is not None


_KEY: Final = r"[A-Za-z_][A-Za-z0-9_]*"
_PLAIN: Final = (
    r"(?:[^\s\-?:,\[\]{}#&*!|>'\"%@`]|-(?=[0-9.]))[^\s?:,\[\]{}#'\"]*(?: +[^\s?:,\[\]{}#'\"]+)*"
)
_DQ: Final = r'"[^"\\]*"'
_SQ: Final = r"'(?:[^']|'')*'"
_SCALAR: Final = f"(?:{_DQ}|{_SQ}|{_PLAIN})"
_SEQ1: Final = rf"\[ *(?:{_SCALAR}(?: *, *{_SCALAR})*)? *\]"
_MAP1: Final = rf"\{{ *(?:{_KEY}: +{_SCALAR}(?: *, *{_KEY}: +{_SCALAR})*)? *\}}"
_VALUE1: Final = f"(?:{_SCALAR}|{_SEQ1}|{_MAP1})"
_SEQ2: Final = rf"\[ *(?:{_VALUE1}(?: *, *{_VALUE1})*)? *\]"
_MAP2: Final = rf"\{{ *(?:{_KEY}: +{_VALUE1}(?: *, *{_KEY}: +{_VALUE1})*)? *\}}"
_INLINE: Final = f"(?:{_SCALAR}|{_SEQ2}|{_MAP2})"
"""A value written on the line of its key or dash."""
_END: Final = r" *(?: #.*)?"
"""The rest of a line: spaces and a comment."""

_LINE: Final = re.compile(rf"(?:- +)?(?:({_KEY}):(?![^ ]))? *({_INLINE})?{_END}")
"""A block mapping entry or a block sequence entry, from its column (:func:`_entry`, :func:`_item`).

Group 1 is the key, group 2 the value written on the line. One pattern for both
kinds of line, holding the large :data:`_INLINE` once, since it is compiled at every
start: the two patterns it replaces (``(KEY):(?: +(INLINE))?END`` and
``- +(?:(KEY):(?: +(INLINE))?|(INLINE))END``, three copies) took 17 ms of CPU to
compile, this one 6 ms.
"""


def _entry(text: str, indent: int) -> re.Match[str] | None:
    """A block mapping entry (``key: value`` or ``key:``) at ``indent``, or None."""
    if text.startswith("-", indent):
        return None
    match = _LINE.fullmatch(text, indent)
    return match if match is not None and match.start(1) >= 0 else None


def _item(text: str, indent: int) -> re.Match[str] | None:
    """A block sequence entry at ``indent``: ``- key: value`` (group 1 set), ``- value``; or None.

    A value never starts with ``key:``, so the two readings never compete.
    """
    if not text.startswith("- ", indent):
        return None
    match = _LINE.fullmatch(text, indent)
    return match if match is not None and match.lastindex is not None else None


_TOKEN: Final = re.compile(
    rf"(?P<key>{_KEY}): +|(?P<open>[\[{{])|(?P<close>[\]}}])"
    rf"|(?P<dq>{_DQ})|(?P<sq>{_SQ})|(?P<plain>{_PLAIN})|(?P<sep> *, *)| +"
)
"""The tokens of a flow collection already matched by :data:`_INLINE`."""


_NUMBER_TEXT: Final = (
    r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+"
    r"|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
    r"|true|True|TRUE|false|False|FALSE|null|Null|NULL|~"
)
"""Plain scalars that are not text in the core schema (numbers and constants)."""

# The JSON bridge: a run of flow-mapping records, already matched line by line,
# becomes one JSON array that json.loads reads at C speed. Keys are quoted,
# plain scalars that are text are quoted; numbers and constants stay bare and
# JSON reads them as the core schema does (true/false/null, integers, exact
# decimals), or fails (007, +5, .5, 0x1F, True, ~, .inf...) and the lines are
# read token by token instead. Lines with a single quote, or a double-quoted
# scalar holding , : [ ] { } (which these substitutions could mistake for
# structure), are always read token by token.
_JSON_KEY: Final = re.compile(rf"([{{,] *)({_KEY}): +")
_JSON_TEXT: Final = re.compile(
    rf"([\[,] *|\": *)(?!(?:{_NUMBER_TEXT})(?= *[,\]}}]))"
    r"([^\s\-?:,\[\]{}#&*!|>'\"%@`\\][^\s?:,\[\]{}#'\"\\]*(?: +[^\s?:,\[\]{}#'\"\\]+)*)"
)
_JSON_SAFE: Final = re.compile(r"[^\"']*(?:\"[^\",:\[\]{}]*\"[^\"']*)*")
"""A flow collection with no single quote, whose double-quoted scalars hold no , : [ ] { }."""
_JSON_NODE: Final = re.compile(r'"[^"]*"|[\[{]|[^\s,:\[\]{}"]+')
"""Each node of the JSON text: a string, a container, a bare scalar."""


def _reject_constant(text: str) -> Any:
    raise ValueError(text)  # NaN, Infinity: not what YAML means by them


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise ValueError("duplicate key")  # PyYAML reports it (D007)
    return result


def _quote_second(pattern: re.Pattern[str], text: str, after: str) -> str:
    """``text`` with the second group of each match of ``pattern`` quoted, ``after`` added.

    (``split`` and a join: five times faster than ``sub`` with a template.)
    """
    parts = pattern.split(text)
    parts[2::3] = [f'"{token}"{after}' for token in parts[2::3]]
    return "".join(parts)


def _json_records(texts: list[str]) -> tuple[list[Any], int] | None:
    """Flow mappings (already matched) read through JSON, with their node count; or None."""
    batch = _quote_second(_JSON_TEXT, _quote_second(_JSON_KEY, ",".join(texts), ": "), "")
    try:
        values = json.loads(
            "[" + batch + "]",
            parse_float=Decimal,
            parse_constant=_reject_constant,
            object_pairs_hook=_unique_keys,
        )
    except ValueError:
        return None
    if len(values) != len(texts):
        return None
    return values, len(_JSON_NODE.findall(batch))


class _NotPlain(Exception):
    """The document is not in the subset: read it with PyYAML."""


def _scalar(text: str, plain: Any) -> Any:
    """The value of a scalar token (``plain`` reads a plain scalar)."""
    first = text[0]
    if first == '"':
        return text[1:-1]
    if first == "'":
        return text[1:-1].replace("''", "'")
    return plain(text)


class _FlowPositions(LazyPositionTree):
    """Positions of a flow mapping on one line, worked out when first asked for."""

    __slots__ = ("_end", "_plain", "_text")

    def __init__(self, text: str, line: int, start: int, end: int, plain: Any) -> None:
        super().__init__(Mark(line, start + 1))
        self._text = text
        self._end = end
        self._plain = plain

    def _compute(self) -> tuple[dict[Key, Mark], dict[Key, PositionTree]]:
        start = self.start
        reader = _Reader([], self._plain)
        _, tree = reader.flow(self._text, start.column - 1, self._end, start.line)
        return tree.keys, tree.children

    @property
    def anchor(self) -> Mark:
        """The first key's mark (the ``{`` when there is none), without the other keys."""
        if self._ready:
            return super().anchor
        start = self.start
        text = self._text
        column = start.column  # 0-based index just past the "{"
        while text[column] == " ":
            column += 1
        return start if text[column] == "}" else Mark(start.line, column + 1)


# --- runs of alike block records, read column by column --------------------------------
#
# Bulk files in block style (as yaml.safe_dump writes them, or by hand) hold
# runs of records that share one layout: the same keys, in the same order, on
# the same number of lines. Such a run is read a column at a time: the lines
# of every record are checked against the layout with C-level string tests,
# and each column of values is checked with one regular expression over the
# whole column and converted at once. No Python code runs per line. Anything
# outside the layout ends the run; the line-by-line reader takes over there.

_LAYOUT_KEY: Final = re.compile(rf"({_KEY}):")
_TEXT_VALUE: Final = (
    r"[^\s\-?:,\[\]{}#&*!|>'\"%@`0-9+.~][^\s?:,\[\]{}#'\"]*(?: +[^\s?:,\[\]{}#'\"]+)*"
)
_TEXT_COLUMN: Final = re.compile(f"{_TEXT_VALUE}(?:\n{_TEXT_VALUE})*")
"""Plain scalars that are text whatever they hold (no number, no constant can start so)."""
_TEXT_CONSTANTS: Final = frozenset(
    ("true", "True", "TRUE", "false", "False", "FALSE", "null", "Null", "NULL")
)
_SQ_COLUMN: Final = re.compile(r"'[^'\n]*'(?:\n'[^'\n]*')*")
_DQ_COLUMN: Final = re.compile(r'"[^"\\\n]*"(?:\n"[^"\\\n]*")*')
_LINE_SCALAR: Final = rf"(?:\"[^\"\\\n]*\"|'(?:[^'\n]|'')*'|{_PLAIN})"
_SCALAR_COLUMN: Final = re.compile(f"{_LINE_SCALAR}(?:\n{_LINE_SCALAR})*")
_RUN_CHUNK: Final = 64
"""Records checked at first; the chunk doubles, so a run costs linear time."""


@dataclass(frozen=True, slots=True)
class _Layout:
    """The lines of one record: a test for each line, where its values stand."""

    tests: tuple[tuple[bool, str], ...]  # (whole line equal, else prefix) per line
    fields: tuple[tuple[str, tuple[int, ...] | int | None], ...]  # key: line(s) of its value
    nodes: int


def _layout(lines: list[str], start: int, indent: int) -> _Layout | None:
    """The layout of the record whose dash line is ``lines[start]``, if it is simple."""
    pad = " " * (indent + 2)
    deeper = pad + "  "
    tests: list[tuple[bool, str]] = []
    fields: list[tuple[str, tuple[int, ...] | int | None]] = []
    items: list[int] | None = None  # the lines of the open list's items
    item_prefix = ""
    nodes = 1
    total = len(lines)
    index = start
    while index < total:
        text = lines[index]
        at = len(tests)
        if at == 0:
            lead = text[: indent + 2]
        elif text.startswith(pad):
            lead = pad
        else:
            break
        if text.startswith("- ", len(lead)):  # an item of the list just opened
            prefix = (pad if text[len(pad)] == "-" else deeper) + "- "
            if items is None or not text.startswith(prefix) or (items and prefix != item_prefix):
                return None
            item_prefix = prefix
            items.append(at)
            tests.append((False, prefix))
            nodes += 1
            index += 1
            continue
        if items is not None:
            fields.append((fields.pop()[0], tuple(items) if items else None))
            items = None
        match = _LAYOUT_KEY.match(text, len(lead))
        if match is None:
            return None
        key = match.group(1)
        if any(key == name for name, _ in fields):
            return None  # a duplicate key: PyYAML reports it (D007)
        end = match.end()
        nodes += 2
        if end == len(text):
            tests.append((True, text))
            fields.append((key, None))
            items = []
        elif text.startswith(" ", end):
            tests.append((False, text[: end + 1]))
            fields.append((key, at))
        else:
            return None
        index += 1
    if items is not None:
        fields.append((fields.pop()[0], tuple(items) if items else None))
    return _Layout(tuple(tests), tuple(fields), nodes)


def _run_length(lines: list[str], start: int, layout: _Layout) -> int:
    """How many records from ``lines[start]`` on have ``layout``."""
    size = len(layout.tests)
    total = len(lines)
    count = 0
    chunk = _RUN_CHUNK
    while True:
        first = start + count * size
        records = min(chunk, (total - first) // size)
        if records <= 0:
            return count
        good = records
        for offset, (whole, text) in enumerate(layout.tests):
            column = lines[first + offset : first + records * size : size]
            if whole:
                if column.count(text) == len(column):
                    continue
                good = min(good, next(i for i, line in enumerate(column) if line != text))
            elif not all(map(str.startswith, column, itertools.repeat(text))):
                flags = list(map(str.startswith, column, itertools.repeat(text)))
                good = min(good, flags.index(False))
        count += good
        if good < records:
            return count
        chunk *= 2


def _joined_values(lines: list[str], first: int, end: int, size: int, prefix: str) -> str:
    r"""The values of one line of each record, after the ``prefix`` all of them start with.

    One line per value, joined by ``\n``: a value never holds a line break, so
    each ``\n`` + ``prefix`` of the joined lines is where a value starts.
    """
    joined = "\n".join(lines[first:end:size])
    if not prefix:
        return joined
    return ("\n" + joined).replace("\n" + prefix, "\n")[1:]


_LINE_SCALAR_ONE: Final = re.compile(_LINE_SCALAR)
_SAMPLE: Final = 256
"""The first values of a column that say whether it has few distinct values."""


def _column(joined: str, plain: Any) -> list[Any] | None:
    r"""A column of scalars joined by ``\n``, read at once; None when one is not in the subset.

    A column of few distinct values (a village's code, a status, a quarter; its
    first values tell) is judged by its distinct values, each read once (and one
    string object kept for each); any other by one pattern over the whole column. No scalar holds
    a line break, so both ways cut it into the same values.
    """
    values = joined.split("\n")
    sample = values[:_SAMPLE]
    if len(set(sample)) * 16 <= len(sample):  # (a set of many values costs more than the pattern)
        distinct = set(values)
        if not all(map(_LINE_SCALAR_ONE.fullmatch, distinct)):
            return None
        meaning = {value: _scalar(value, plain) for value in distinct}
        return list(map(meaning.__getitem__, values))
    if _TEXT_COLUMN.fullmatch(joined):
        if _TEXT_CONSTANTS.isdisjoint(values):
            return values
    elif _SQ_COLUMN.fullmatch(joined):  # no quote inside: each "'\n'" is between two values
        return joined[1:-1].split("'\n'")
    elif _DQ_COLUMN.fullmatch(joined):
        return joined[1:-1].split('"\n"')
    if _SCALAR_COLUMN.fullmatch(joined):
        meaning = {value: _scalar(value, plain) for value in set(values)}
        return list(map(meaning.__getitem__, values))
    return None


_STARTS_CHUNK = 1 << 20
"""Characters of text split into lines at a time when line starts are worked out."""


def line_starts(text: str) -> array[int]:
    """Where each line of ``text`` starts, and one past the end (``len(text) + 1``).

    Eight bytes a line, worked out a chunk (cut at a line break) at a time, so
    that the lines of one chunk only are in memory at once.
    """
    starts = array("q", [0])
    position = 0
    while True:
        end = text.find("\n", position + _STARTS_CHUNK)
        piece = text[position:] if end < 0 else text[position:end]
        lengths = map(len, piece.split("\n"))
        after = itertools.accumulate(
            map(operator.add, lengths, itertools.repeat(1)), initial=position
        )
        next(after)  # the piece's own start, already there
        starts.extend(after)
        if end < 0:
            return starts
        position = end + 1


class _RunText:
    """The text of a file whose block records were read by columns, for their positions.

    Kept whole (one string, not a line or a record each); where each line starts
    is worked out the first time a finding asks for a record's positions.
    """

    __slots__ = ("_starts", "plain", "text")

    def __init__(self, text: str, plain: Any) -> None:
        self.text = text
        self.plain = plain
        self._starts: array[int] | None = None

    def lines(self, first: int, count: int) -> list[str]:
        """``count`` lines from the 0-based line ``first`` on."""
        starts = self._starts
        if starts is None:
            starts = self._starts = line_starts(self.text)
        return self.text[starts[first] : starts[first + count] - 1].split("\n")


@dataclass(frozen=True, slots=True)
class _Run:
    """What the records of one run share: the file's text, their lines, their indentation."""

    text: _RunText
    size: int
    indent: int


class _BlockPositions(LazyPositionTree):
    """Positions of a block record read by columns, worked out when first asked for."""

    __slots__ = ("_run",)

    def __init__(self, start: Mark, run: _Run) -> None:
        super().__init__(start)
        self._run = run

    def _compute(self) -> tuple[dict[Key, Mark], dict[Key, PositionTree]]:
        run = self._run
        line = self.start.line - 1
        lines = run.text.lines(line, run.size)
        reader = _Reader(lines, run.text.plain, base=line, columns=False)
        match = _item(lines[0], run.indent)
        assert match is not None and match.start(1) >= 0
        reader.line = 0
        _, tree = reader.mapping(match.start(1), 1, match)
        return tree.keys, tree.children

    @property
    def anchor(self) -> Mark:
        """The first key's mark: where the record starts."""
        return self.start


def _read_columns(
    reader: _Reader, start: int, indent: int
) -> tuple[list[Any], list[Mark], list[PositionTree]] | None:
    """The run of alike records from ``lines[start]``: values, item marks, positions."""
    lines = reader.lines
    layout = _layout(lines, start, indent)
    if layout is None or layout in reader.failed:
        return None
    count = _run_length(lines, start, layout)
    size = len(layout.tests)
    end = start + count * size
    if count and end < reader.total:
        reader.line = end
        found = reader.next_content()
        if found is not None and found[1] >= indent + 2:  # the last record goes on
            count -= 1
            end -= size
        reader.line = start
    if count == 0:
        return None
    plain = reader.plain
    columns: list[Any] = []
    for _, where in layout.fields:
        if where is None:
            columns.append(itertools.repeat(None, count))
            continue
        lines_of = (where,) if isinstance(where, int) else where
        read = []
        for offset in lines_of:
            prefix = layout.tests[offset][1]
            values = _column(_joined_values(lines, start + offset, end, size, prefix), plain)
            if values is None:
                reader.failed.add(layout)
                return None
            read.append(values)
        columns.append(read[0] if isinstance(where, int) else map(list, zip(*read, strict=True)))
    keys = tuple(key for key, _ in layout.fields)
    # dict(zip()) per record, not a dict display compiled from the keys: a
    # generated lambda was ~0.8 s faster per 10^6 records, but no text read
    # from a file is ever made into code (the house has no eval).
    values = list(map(dict, map(zip, itertools.repeat(keys), zip(*columns, strict=True))))
    first = start + 1 + reader.base
    marks = list(map(Mark, range(first, first + count * size, size), itertools.repeat(indent + 3)))
    if reader.text is None:  # lines is text.split("\n"): the file's text is their join
        reader.text = _RunText(reader.whole or "\n".join(lines), plain)
    run = _Run(reader.text, size, indent)
    trees: list[PositionTree] = list(map(_BlockPositions, marks, itertools.repeat(run)))
    reader.count += count * layout.nodes
    reader.line = end
    return values, marks, trees


class _Reader:
    """Reads the subset, line by line; raises :class:`_NotPlain` outside it."""

    __slots__ = (
        "base",
        "columns",
        "count",
        "failed",
        "line",
        "lines",
        "plain",
        "seen",
        "seen_content",
        "text",
        "total",
        "whole",
    )

    def __init__(
        self, lines: list[str], plain: Any, *, base: int = 0, columns: bool = True
    ) -> None:
        self.lines = lines
        self.base = base  # the number of lines above lines[0] in the file
        self.columns = columns  # read runs of alike block records column by column
        self.failed: set[_Layout] = set()  # layouts whose values a column could not read
        self.total = len(lines)
        self.line = 0  # index of the next line to read
        self.plain = plain
        self.count = 0  # nodes read, aliases never (there are none)
        self.seen = -1  # the line next_content() last stopped at, and what it found
        self.seen_content: tuple[int, int] | None = None
        self.text: _RunText | None = None  # the whole text, once a run was read by columns
        self.whole = ""  # the text the lines were split from, when known

    def next_content(self) -> tuple[int, int] | None:
        """Skip blank and comment lines; the index and indentation of the next line."""
        if self.line == self.seen:  # asked again for the same line (after a value)
            return self.seen_content
        lines = self.lines
        index = self.line
        found: tuple[int, int] | None = None
        while index < self.total:
            text = lines[index]
            rest = text.lstrip(" ")
            if rest and rest[0] != "#":
                found = index, len(text) - len(rest)
                break
            index += 1
        self.line = self.seen = index
        self.seen_content = found
        return found

    # --- flow collections on one line ------------------------------------------------

    def flow(self, text: str, start: int, end: int, line: int) -> tuple[Any, PositionTree]:
        """A flow collection from ``start`` to ``end`` of a line already matched."""
        plain = self.plain
        stack: list[tuple[Any, PositionTree]] = []
        key: str | None = None
        keys: list[str | None] = []
        root: tuple[Any, PositionTree] | None = None
        for match in _TOKEN.finditer(text, start, end):
            kind = match.lastgroup
            if kind is None or kind == "sep":
                continue
            if kind == "key":
                key = match.group("key")
                container, tree = stack[-1]
                if key in container:
                    raise _NotPlain  # a duplicate key: PyYAML reports it (D007)
                tree.keys[key] = Mark(line, match.start() + 1)
                self.count += 1
                continue
            if kind == "close":
                root = stack.pop()
                key = keys.pop()
                continue
            column = match.start() + 1
            if kind == "open":
                tree = PositionTree(Mark(line, column), {}, {})
                value: Any = {} if match.group() == "{" else []
                self.add(stack, key, value, tree, column=column, line=line)
                stack.append((value, tree))
                keys.append(key)
                key = None
                continue
            self.add(stack, key, _scalar(match.group(), plain), None, column=column, line=line)
            key = None
        assert root is not None
        return root

    def add(
        self,
        stack: list[tuple[Any, PositionTree]],
        key: str | None,
        value: Any,
        tree: PositionTree | None,
        *,
        column: int,
        line: int,
    ) -> None:
        """Put a value into the innermost open collection."""
        self.count += 1
        if not stack:
            return
        container, parent = stack[-1]
        if isinstance(container, dict):
            assert key is not None
            container[key] = value
            if tree is not None:
                parent.children[key] = tree
        else:
            index = len(container)
            container.append(value)
            parent.keys[index] = Mark(line, column)
            if tree is not None:
                parent.children[index] = tree

    def inline(self, text: str, start: int, end: int, line: int) -> tuple[Any, PositionTree | None]:
        """A value written on its key's or dash's line."""
        first = text[start]
        if first in "{[":
            return self.flow(text, start, end, line)
        self.count += 1
        return _scalar(text[start:end], self.plain), None

    # --- block collections --------------------------------------------------------

    def block(self, indent: int, depth: int) -> tuple[Any, PositionTree]:
        """The block mapping or sequence whose first line is the next content line."""
        if depth > MAX_BLOCK_DEPTH:
            raise _NotPlain
        text = self.lines[self.line]
        if text.startswith("-", indent):
            return self.sequence(indent, depth)
        return self.mapping(indent, depth, None)

    def value_below(self, indent: int, depth: int) -> tuple[Any, PositionTree | None]:
        """The value of ``key:`` with nothing after it: a block below, or null."""
        found = self.next_content()
        if found is None:
            self.count += 1
            return None, None
        _, below = found
        text = self.lines[self.line]
        if below > indent or (below == indent and text.startswith("- ", below)):
            self.count += 1
            return self.block(below, depth + 1)
        self.count += 1
        return None, None

    def mapping(
        self, indent: int, depth: int, first: re.Match[str] | None
    ) -> tuple[dict[str, Any], PositionTree]:
        """A block mapping at ``indent``; ``first`` is its entry already matched on a dash line."""
        result: dict[str, Any] = {}
        keys: dict[Key, Mark] = {}
        children: dict[Key, PositionTree] = {}
        tree: PositionTree | None = None
        lines = self.lines
        match: re.Match[str] | None
        while True:
            if first is not None:
                match, line_index = first, self.line
                first = None
            else:
                found = self.next_content()
                if found is None:
                    break
                line_index, at = found
                if at < indent:
                    break
                if at > indent:
                    raise _NotPlain
                match = _entry(lines[line_index], indent)
                if match is None:
                    raise _NotPlain
            line = line_index + 1 + self.base
            key = match.group(1)
            if key in result:
                raise _NotPlain  # a duplicate key: PyYAML reports it (D007)
            mark = Mark(line, indent + 1)
            if tree is None:
                tree = PositionTree(mark, keys, children)
            keys[key] = mark
            self.count += 1
            self.line = line_index + 1
            if match.start(2) >= 0:
                value, child = self.inline(lines[line_index], match.start(2), match.end(2), line)
                self.no_continuation(indent)
            else:
                value, child = self.value_below(indent, depth)
            result[key] = value
            if child is not None:
                children[key] = child
        if tree is None:
            raise _NotPlain
        return result, tree

    def sequence(self, indent: int, depth: int) -> tuple[list[Any], PositionTree]:
        """A block sequence at ``indent``."""
        result: list[Any] = []
        keys: dict[Key, Mark] = {}
        children: dict[Key, PositionTree] = {}
        tree: PositionTree | None = None
        lines = self.lines
        batch: list[tuple[int, int, int, int]] = []  # item, line index, start, end
        while True:
            found = self.next_content()
            if found is None:
                break
            line_index, at = found
            if at < indent:
                break
            if at > indent:
                raise _NotPlain
            text = lines[line_index]
            if self.columns and text.startswith("- ", indent):
                read = _read_columns(self, line_index, indent)
                if read is not None:  # a run of alike records, read column by column
                    if tree is None:
                        head = Mark(line_index + 1 + self.base, indent + 1)
                        tree = PositionTree(head, keys, children)
                    values, marks, trees = read
                    index = len(result)
                    result.extend(values)
                    keys.update(zip(range(index, index + len(values)), marks, strict=True))
                    children.update(zip(range(index, index + len(values)), trees, strict=True))
                    continue
            match = _item(text, indent)
            if match is None:
                if depth > 0 and not text.startswith("-", indent):
                    break  # an indentless sequence ends at its mapping's next key
                raise _NotPlain
            line = line_index + 1 + self.base
            if tree is None:
                tree = PositionTree(Mark(line, indent + 1), keys, children)
            index = len(result)
            if match.start(1) >= 0:  # - key: ..., a compact mapping
                column = match.start(1)
                keys[index] = Mark(line, column + 1)
                self.count += 1
                value, child = self.mapping(column, depth + 1, match)
            else:  # inline() counts the item
                start, end = match.span(2)
                keys[index] = Mark(line, start + 1)
                self.line = line_index + 1
                if text[start] == "{" and _JSON_SAFE.fullmatch(text, start, end):
                    batch.append((index, line_index, start, end))
                    value, child = None, None  # read below, with the whole run
                else:
                    value, child = self.inline(text, start, end, line)
                self.no_continuation(indent)
            result.append(value)
            if child is not None:
                children[index] = child
        if batch:
            self.records(batch, result, children)
        if tree is None:
            raise _NotPlain
        return result, tree

    def records(
        self,
        batch: list[tuple[int, int, int, int]],
        result: list[Any],
        children: dict[Key, PositionTree],
    ) -> None:
        """Read a sequence's flow-mapping items at once, through JSON when it can."""
        lines = self.lines
        read = _json_records([lines[i][start:end] for _, i, start, end in batch])
        if read is None:
            for index, line_index, start, end in batch:
                result[index], children[index] = self.flow(
                    lines[line_index], start, end, line_index + 1 + self.base
                )
            return
        values, nodes = read
        self.count += nodes
        plain = self.plain
        for value, (index, line_index, start, end) in zip(values, batch, strict=True):
            result[index] = value
            children[index] = _FlowPositions(
                lines[line_index], line_index + 1 + self.base, start, end, plain
            )

    def no_continuation(self, indent: int) -> None:
        """After a value on one line, a deeper line would continue it: not in the subset."""
        found = self.next_content()
        if found is not None and found[1] > indent:
            raise _NotPlain


def parse_plain(text: str, plain: Any) -> tuple[Any, PositionTree | None, int] | None:
    """Read a document in the subset: its value, positions and node count; else None.

    Args:
        text: The document, decoded, without a BOM.
        plain: Reads a plain scalar with its core-schema meaning.
    """
    if _unread(text):
        return None
    reader = _Reader(text.split("\n"), plain)
    reader.whole = text
    try:
        found = reader.next_content()
        if found is None:
            return None, None, 0
        if found[1] != 0:
            return None  # the root is not at column 1: rare, left to PyYAML
        reader.count += 1
        value, tree = reader.mapping(0, 0, None)
        if reader.next_content() is not None:
            return None
    except (_NotPlain, RecursionError):
        return None
    return value, tree, reader.count
