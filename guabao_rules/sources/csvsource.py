"""CSV tables of the bulk collections: rows in, records and positions out.

``data-format.md`` ("Tables"): the flat collections may be given as UTF-8 CSV
files named ``<collection>.csv``, or any ``*.csv`` inside a folder named after
the collection. The header row names the fields, list fields are separated by
``;`` and an empty cell is an absent optional field.

A row becomes the same plain record a YAML flow mapping would give: text
cells stay strings (dates, amounts and ids are read from text anyway), and
only the columns whose field is a list, a boolean or an integer are converted
(``true``/``false`` only; decimal digits only), so a bad cell is reported by
validation exactly as in YAML. (The bulk collections have no other numbers:
amounts are read exactly from their text.) Positions are the CSV line and column of each
cell, computed only when a finding asks for one: the rows keep just their line.

:func:`read_table` never raises: every failure is a :class:`ReadProblem`.
"""

from __future__ import annotations

import csv
import io
import re
import types
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import PurePosixPath
from typing import Annotated, Any, Final, Union

from guabao_rules.diagnostics import Text
from guabao_rules.models import COLLECTIONS, TABLE_COLLECTIONS, Record, column_names
from guabao_rules.sources.positions import Key, LazyPositionTree, Mark, PositionTree
from guabao_rules.sources.problems import ReadProblem
from guabao_rules.sources.yamlsource import _encoding_problem  # the same words for YAML and CSV

__all__ = [
    "ENCODINGS",
    "ParsedTable",
    "TableRow",
    "converters",
    "header_names",
    "list_fields",
    "read_header",
    "read_table",
    "table_collection",
]

LIST_SEPARATOR: Final = ";"

MAX_CELL: Final = 1 << 20
"""Characters one cell may hold (1 MiB): a longer cell is a D000 for its row (a
quote left open, most often), and the rows after it still load."""

_BOM: Final = "\ufeff"
_INT: Final = re.compile(r"[-+]?[0-9]+")
_LINE_BREAK: Final = re.compile(r"\r\n|\r|\n")


def table_collection(rel: PurePosixPath) -> str | None:
    """The collection a CSV file holds, from its folders or its name; None if not a table.

    ``households/2019.csv`` and ``households/lushui/2019.csv`` hold households
    (every CSV inside a folder named after a table collection, the nearest such
    folder counting, whatever the file's name: ``pairings/households.csv``
    holds pairings); elsewhere ``households.csv`` holds households.
    """
    for folder in reversed(rel.parts[:-1]):
        if folder in TABLE_COLLECTIONS:
            return folder
    if rel.stem in TABLE_COLLECTIONS:
        return rel.stem
    return None


class _Source:
    """A table's text, with line starts computed the first time a position is asked."""

    __slots__ = ("_starts", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts: list[int] | None = None

    def line_start(self, line: int) -> int:
        """The offset of the first character of ``line`` (1-based)."""
        return self.starts()[line - 1]

    def starts(self) -> list[int]:
        """The offset where each line starts."""
        if self._starts is None:
            self._starts = [0, *(m.end() for m in _LINE_BREAK.finditer(self.text))]
        return self._starts


def _cell_marks(source: _Source, line: int) -> list[tuple[Mark, list[int]]]:
    """The mark of each cell of the row starting at ``line``, and of each ``;`` in it."""
    return _scan_row(source, line)[0]


def _scan_row(source: _Source, line: int) -> tuple[list[tuple[Mark, list[int]]], bool]:
    """The cells of the row starting at ``line``, and whether a quote is left open.

    The quote is open when the last cell's quote is not closed by the end of the text.

    Follows the ``excel`` dialect as :mod:`csv` reads it: a cell that starts
    with ``"`` runs to the next ``"`` not doubled; any other cell runs to the
    next ``,`` or line break. (Not strict, :mod:`csv` ends an open quote at
    the end of the text without a word.)
    """
    text = source.text
    offset = source.line_start(line)
    column = 1
    cells: list[tuple[Mark, list[int]]] = []
    end = len(text)
    while True:
        mark = Mark(line, column)
        separators: list[int] = []
        quoted = offset < end and text[offset] == '"'
        if quoted:
            offset += 1
            column += 1
        while offset < end:
            char = text[offset]
            if quoted:
                if char == '"':
                    if offset + 1 < end and text[offset + 1] == '"':
                        offset += 2
                        column += 2
                        continue
                    quoted = False
                elif char in "\r\n":
                    offset += 2 if text.startswith("\r\n", offset) else 1
                    line += 1
                    column = 1
                    continue
            elif char in ",\r\n":
                break
            elif char == LIST_SEPARATOR:
                separators.append(column)
            offset += 1
            column += 1
        cells.append((mark, separators))
        if offset >= end or text[offset] != ",":
            return cells, quoted
        offset += 1
        column += 1


class _RowPositions(LazyPositionTree):
    """Positions of one row: the row's start now, its cells when first asked for."""

    __slots__ = ("_columns", "_source")

    def __init__(self, source: _Source, line: int, columns: tuple[str | None, ...]) -> None:
        super().__init__(Mark(line, 1))
        self._source = source
        self._columns = columns

    def _compute(self) -> tuple[dict[Key, Mark], dict[Key, PositionTree]]:
        keys: dict[Key, Mark] = {}
        children: dict[Key, PositionTree] = {}
        cells = _cell_marks(self._source, self.start.line)
        for name, (mark, separators) in zip(self._columns, cells, strict=False):
            if name is None:
                continue
            keys[name] = mark
            items: dict[Key, Mark] = {0: Mark(mark.line, mark.column)}
            for index, column in enumerate(separators, start=1):
                items[index] = Mark(mark.line, column + 1)
            children[name] = PositionTree(mark, items)
        return keys, children


@dataclass(slots=True)
class TableRow:
    """One data row: its record as plain values, and where its cells stand."""

    raw: dict[str, Any]
    positions: PositionTree

    @property
    def mark(self) -> Mark:
        """Where the row starts."""
        return self.positions.start


@dataclass(slots=True)
class ParsedTable:
    """The result of reading one CSV table.

    Attributes:
        rows: The rows read, in order.
        problems: Everything found while reading, in file order.
        fatal: True when nothing could be read (bad encoding, no header).
    """

    rows: list[TableRow] = field(default_factory=list)
    problems: list[ReadProblem] = field(default_factory=list)
    fatal: bool = False


Converter = Callable[[str], Any]


def _to_list(text: str) -> list[str]:
    return [item.strip() for item in text.split(LIST_SEPARATOR)]


_BOOLS: Final = {"true": True, "false": False}


def _to_bool(text: str) -> Any:
    return _BOOLS.get(text, text)


def _to_int(text: str) -> Any:
    return int(text) if _INT.fullmatch(text) else text


def _base_type(annotation: Any) -> Any:
    """The type under ``Annotated`` and ``X | None``."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _base_type(typing.get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _base_type(args[0]) if len(args) == 1 else annotation
    return annotation


@cache
def converters(model: type[Record]) -> dict[str, Converter | None]:
    """How each field's cell text becomes its value (None: the text as it is)."""
    converters: dict[str, Converter | None] = {}
    for name, info in model.model_fields.items():
        base = _base_type(info.annotation)
        if typing.get_origin(base) is list:
            converters[name] = _to_list
        elif base is bool:
            converters[name] = _to_bool
        elif base is int:
            converters[name] = _to_int
        else:  # text: ids, dates, periods, amounts (read from text, exactly), choices
            converters[name] = None
    return converters


@cache
def list_fields(model: type[Record]) -> frozenset[str]:
    """The fields of ``model`` that hold a list (a cell's items, split at ``;``)."""
    return frozenset(name for name, convert in converters(model).items() if convert is _to_list)


ENCODINGS: Final = ("utf-8", "gb18030", "gbk")
"""The encodings a table may be read in (the ``encoding`` setting)."""

_MISREAD: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ue000-\uf8ff]")
"""Characters no table holds: control codes, and the private-use area that GB18030
gives to GBK's unassigned codes. Seen in decoded text, the encoding was wrong."""


def _decode(data: bytes, encoding: str = "utf-8") -> tuple[str | None, ReadProblem | None]:
    try:
        return data.decode("utf-8").removeprefix(_BOM), None
    except UnicodeDecodeError as error:
        utf8_error = error
    if encoding == "utf-8":
        problem = _encoding_problem(data, utf8_error)
        if "GBK" in problem.text.en:
            advised = Text(
                zh=problem.text.zh.replace(
                    "请转换为 UTF-8",
                    '如需按原样读取,请在 guabao-rules.toml 中设置 `encoding = "gb18030"`'
                    "(对所有表格,或在 `[encoding]` 表中按路径通配符设置);或转换为 UTF-8",
                ),
                en=problem.text.en.replace(
                    "convert it to UTF-8",
                    'to read it as it is, set `encoding = "gb18030"` in guabao-rules.toml '
                    "(for all tables, or per path glob in an `[encoding]` table); or convert it "
                    "to UTF-8",
                ),
            )
            return None, ReadProblem(rule="D000", text=advised, mark=problem.mark)
        return None, ReadProblem(rule="D000", text=problem.text, mark=problem.mark)
    # Valid UTF-8 (the check above) is read as UTF-8 whatever the setting: UTF-8
    # Chinese decoded as GB18030 would be fluent nonsense.
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        return None, _misread(data, error.start, encoding)
    found = _MISREAD.search(text)
    if found is not None:
        return None, _misread(data, len(text[: found.start()].encode(encoding)), encoding)
    return text, None


def _misread(data: bytes, offset: int, encoding: str) -> ReadProblem:
    """The file is not text in ``encoding``: where, and what to do."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    column = len(data[line_start:offset].decode(encoding, "replace")) + 1
    mark = Mark(data.count(b"\n", 0, offset) + 1, column)
    byte = f"0x{data[offset]:02X}" if offset < len(data) else "end of file"
    return ReadProblem(
        rule="D000",
        text=Text(
            zh=f"文件不是有效的 {encoding.upper()} 文本(此处有字节 {byte}),与 `encoding` 设置不符;"
            "不予读取。请确认文件的保存编码。",
            en=f"The file is not valid {encoding.upper()} text (byte {byte} here), as the "
            "`encoding` setting says it is; it is not read. Check which encoding it was saved in.",
        ),
        mark=mark,
    )


@cache
def header_names(model: type[Record]) -> dict[str, str]:
    """The field each header cell may name: the field's name or its Chinese column name."""
    names = {name: name for name in model.model_fields}
    names.update({zh: name for name, zh in column_names(model).items()})
    return names


def read_header(
    header: list[str], model: type[Record], mark_of: Callable[[int], Mark]
) -> tuple[tuple[str | None, ...], list[ReadProblem]]:
    """The field of each column (None: not read), and the header's problems.

    Shared by CSV tables and workbook sheets.
    """
    names = header_names(model)
    known = tuple(names)
    columns: list[str | None] = []
    problems: list[ReadProblem] = []
    for index, cell in enumerate(header):
        name = cell.strip()
        field_name = names.get(name)
        if not name:
            columns.append(None)
            problems.append(
                ReadProblem(
                    rule="D000",
                    text=Text(
                        zh=f"表头第 {index + 1} 列没有字段名;该列不读取。",
                        en=f"Column {index + 1} has no name in the header row; it is not read.",
                    ),
                    mark=mark_of(index),
                )
            )
        elif field_name is not None and field_name in columns:
            columns.append(None)
            problems.append(
                ReadProblem(
                    rule="D007",
                    text=Text(
                        zh=f"列 `{name}`(字段 `{field_name}`)出现了多次;使用第一列。",
                        en=f"The column `{name}` (field `{field_name}`) appears more than once; "
                        "the first is used.",
                    ),
                    mark=mark_of(index),
                    key=name,
                )
            )
        elif field_name is None:
            columns.append(None)
            # The loader words this one (with did-you-mean hints from ``known``).
            problems.append(
                ReadProblem(
                    rule="D003", text=Text(zh="", en=""), mark=mark_of(index), key=name, known=known
                )
            )
        else:
            columns.append(field_name)
    return tuple(columns), problems


def read_table(data: bytes, collection: str, encoding: str = "utf-8") -> ParsedTable:
    """Read one CSV table of ``collection`` into plain records and lazy positions.

    Never raises: an unreadable file or row is a problem, the other rows load.

    Args:
        data: The file's bytes.
        collection: The table collection it holds.
        encoding: One of :data:`ENCODINGS`; valid UTF-8 is read as UTF-8 whatever it says.
    """
    result = ParsedTable()
    text, problem = _decode(data, encoding)
    if text is None:
        assert problem is not None
        result.problems.append(problem)
        result.fatal = True
        return result
    # The limit is the csv module's, global: set for this read only.
    limit = csv.field_size_limit(MAX_CELL)
    try:
        _read_rows(result, text, COLLECTIONS[collection])
    finally:
        csv.field_size_limit(limit)
    return result


def _read_rows(result: ParsedTable, text: str, model: type[Record]) -> None:
    source = _Source(text)
    rows = _Rows(text, 1)
    try:
        header_line, header = next(iter(rows))
    except StopIteration:
        return  # an empty table, like an empty YAML file
    except csv.Error as error:
        result.problems.append(_row_problem(error, source, rows.end + 1))
        result.fatal = True
        return
    header_cells = _cell_marks(source, header_line)
    columns, header_problems = read_header(
        header,
        model,
        lambda index: header_cells[index][0] if index < len(header_cells) else Mark(1, 1),
    )
    result.problems.extend(header_problems)
    by_field = converters(model)
    plan = [(index, name, by_field[name]) for index, name in enumerate(columns) if name is not None]
    width = len(columns)
    body = iter(rows)
    while True:
        try:
            _body_rows(result, body, width=width, plan=plan, source=source, columns=columns)
            return
        except csv.Error as error:
            # The row is lost, not the rest: reading goes on at its next line.
            start = rows.end + 1
            result.problems.append(_row_problem(error, source, start))
            if start >= len(source.starts()):
                return
            rows = _Rows(text[source.line_start(start + 1) :], start + 1)
            body = iter(rows)


def _body_rows(
    result: ParsedTable,
    rows: Iterator[tuple[int, list[str]]],
    *,
    width: int,
    plan: list[tuple[int, str, Converter | None]],
    source: _Source,
    columns: tuple[str | None, ...],
) -> None:
    """Read the rows after the header (a :class:`csv.Error` ends the run: its row is lost)."""
    append = result.rows.append
    for line, cells in rows:
        if len(cells) > width:
            result.problems.append(
                ReadProblem(
                    rule="D000",
                    text=Text(
                        zh=f"此行有 {len(cells)} 个单元格,而表头只有 {width} 列;此行不读取。",
                        en=f"This row has {len(cells)} cells but the header names {width} "
                        "columns; the row is not read.",
                    ),
                    mark=Mark(line, 1),
                )
            )
            continue
        raw: dict[str, Any] = {}
        last = len(cells)
        for index, name, convert in plan:
            if index < last:
                value = cells[index]
                if value:
                    raw[name] = convert(value) if convert is not None else value
        append(TableRow(raw, _RowPositions(source, line, columns)))


class _Rows:
    """Non-blank rows of a text with the line each starts on, from ``first_line``.

    Strict: a quote not closed where its cell should end (a quote left open,
    which would take in the rows below) is a :class:`csv.Error`, as is a cell
    over :data:`MAX_CELL`. ``end`` is the last line read, so the row that
    failed starts at ``end + 1``.
    """

    __slots__ = ("base", "end", "reader")

    def __init__(self, text: str, first_line: int) -> None:
        self.reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        self.base = self.end = first_line - 1

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        base = self.base  # the reader counts lines from the start of its text
        reader = self.reader
        for cells in reader:
            start = self.end + 1
            self.end = base + reader.line_num
            if cells and (len(cells) > 1 or cells[0].strip()):
                yield start, cells


def _open_quote_column(line: str) -> int | None:
    """The column of a quoted cell of ``line`` that is still open at its end, if any."""
    column, end = 0, len(line)
    while column < end:
        if line[column] == '"':
            close = column + 1
            while True:
                close = line.find('"', close)
                if close < 0:
                    return column + 1
                if close + 1 < end and line[close + 1] == '"':
                    close += 2
                    continue
                break
            column = close + 1
        next_cell = line.find(",", column)
        if next_cell < 0:
            return None
        column = next_cell + 1
    return None


def _long_cell_column(line: str) -> int:
    """The column of the first cell of ``line`` longer than :data:`MAX_CELL` (else 1)."""
    column = 0
    for cell in line.split(","):
        if len(cell) > MAX_CELL:
            return column + 1
        column += len(cell) + 1
    return 1


def _row_problem(error: csv.Error, source: _Source, line: int) -> ReadProblem:
    """A row that cannot be read, starting at ``line``: what is wrong, and where."""
    starts = source.starts()
    line = min(line, len(starts))
    begin = starts[line - 1]
    finish = starts[line] if line < len(starts) else len(source.text)
    text = source.text[begin:finish].rstrip("\r\n")
    reason = str(error)
    if "field limit" in reason:
        return ReadProblem(
            rule="D000",
            text=Text(
                zh=f"此行有单元格超过 {MAX_CELL:,} 个字符(单元格的长度上限;是否漏了闭合引号?);"
                "此行不读取,其后各行照常读取。",
                en=f"A cell of this row holds more than {MAX_CELL:,} characters, the most one "
                "cell may hold (a quote left open?); the row is not read, the rows after it are.",
            ),
            mark=Mark(line, _open_quote_column(text) or _long_cell_column(text)),
        )
    column = _open_quote_column(text)
    if column is not None or "expected after" in reason or "end of data" in reason:
        return ReadProblem(
            rule="D000",
            text=Text(
                zh="此行有带引号的单元格没有在单元格结尾处闭合,会吞并其下各行;此行不读取,"
                "从下一行继续读取。",
                en="A quoted cell of this row is not closed where the cell ends: it would take "
                "in the rows below it. The row is not read; reading goes on at the next line.",
            ),
            mark=Mark(line, column or 1),
        )
    return ReadProblem(
        rule="D000",
        text=Text(
            zh=f"CSV 格式错误:{reason};此行不读取。",
            en=f"CSV error: {reason}; the row is not read.",
        ),
        mark=Mark(line, 1),
    )
