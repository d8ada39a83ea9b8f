"""Columnar reading of the bulk tables: CSV files straight into Arrow through DuckDB.

The bulk collections (``households``, ``cadres``, ``pairings``, ``visits``,
``reports``, ``allocations``, ``disbursements``) come in hundreds of thousands
of rows. :func:`read_bulk` reads their CSV files with DuckDB (every column as
text, an explicit column list, no sniffing), types and validates the rows in
SQL from the pydantic models (:func:`field_checks`: the same metadata
:mod:`guabao_rules.columnar.tables` types its columns from), and returns one
Arrow table per collection in the contract of :mod:`guabao_rules.kinds.query`
(plus ``_file``, ``_ordinal`` and ``_row``). No valid row becomes a Python
object.

Only the rows a SQL check fails (and rows that may hold personal data) are
read in Python, by the loader's own row code, so their D003 problems are the
Python reader's, word for word. A row's line is computed only when it has a
finding: :class:`RowLines` scans that one file once (a quoted cell may hold a
line break, so rows and lines differ).

A file DuckDB cannot read as :mod:`~guabao_rules.sources.csvsource` does
(not UTF-8, NUL bytes, a lone carriage return, a quote that is not a whole
cell, a cell over the size limit, a row wider than its header, a header over
several lines) is read by the Python reader, that file only. Every read is
exact; the fast path is merely the common one.

duckdb and pyarrow are imported only when :func:`read_bulk` runs.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import itertools
import re
import shutil
import tempfile
import types
import typing
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

from pydantic import PlainValidator, WithJsonSchema

from guabao_rules.columnar.tables import (
    QUERY_AMOUNT_CHARS,
    arrow_schema,
    columns_of,
    digits_column,
    file_column,
    table_of,
)
from guabao_rules.config import DuckDBSettings
from guabao_rules.dataset import Dataset, LoadIssue, RecordEntry
from guabao_rules.diagnostics import SourceRef
from guabao_rules.models import (
    COLLECTIONS,
    TABLE_COLLECTIONS,
    Record,
    _validate_amount,
    _validate_date,
    _validate_id,
    _validate_period,
)
from guabao_rules.personal import scan_personal_data
from guabao_rules.sources.csvsource import (
    MAX_CELL,
    ParsedTable,
    _cell_marks,
    _RowPositions,
    _Rows,
    _Source,
    converters,
    read_header,
)
from guabao_rules.sources.positions import Key, LazyPositionTree, Mark, PositionTree

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = [
    "BulkRead",
    "ColumnarTables",
    "DeferredRows",
    "FieldCheck",
    "FileRead",
    "RowLines",
    "TableFile",
    "field_checks",
    "read_bulk",
]

CheckKind = Literal["id", "text", "choice", "day", "period", "amount", "bool", "int", "ids"]
"""How a field's cell text is judged and typed."""

_VALIDATORS: Final = {
    _validate_id: "id",
    _validate_date: "day",
    _validate_period: "period",
    _validate_amount: "amount",
}
"""The models' value types, by their validator: each has its SQL twin below."""


@dataclass(frozen=True, slots=True)
class FieldCheck:
    """What a field's cell must be, read off the model.

    Attributes:
        name: The field.
        kind: Its value type.
        required: Whether a row without it is invalid.
        default: Its value when absent (optional fields).
        choices: The allowed texts of a ``Literal`` field.
        minimum: The least value of an integer field (``Field(ge=...)``), if any.
    """

    name: str
    kind: CheckKind
    required: bool
    default: Any = None
    choices: tuple[str, ...] = ()
    minimum: int | None = None


class UnsupportedModel(Exception):
    """A model field the SQL checks cannot judge exactly: the collection is read in Python."""


def _parts(annotation: Any) -> tuple[Any, list[Any]]:
    """The annotation under ``Annotated`` and ``X | None``, and the metadata met on the way."""
    metadata: list[Any] = []
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            args = typing.get_args(annotation)
            annotation, metadata = args[0], [*metadata, *args[1:]]
        elif origin is typing.Union or origin is types.UnionType:
            members = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(members) != 1:
                raise UnsupportedModel(f"a union of {members}")
            annotation = members[0]
        else:
            return annotation, metadata


def _value_kind(annotation: Any, metadata: list[Any]) -> CheckKind:
    validators: list[Any] = [m.func for m in metadata if isinstance(m, PlainValidator)]
    if validators:
        kind = _VALIDATORS.get(validators[-1])
        if kind is None:
            raise UnsupportedModel(f"validator {validators[-1]!r}")
        return kind  # type: ignore[return-value]
    origin = typing.get_origin(annotation)
    if origin is Literal:
        return "choice"
    if origin is list:
        item, item_metadata = _parts(typing.get_args(annotation)[0])
        if _value_kind(item, item_metadata) != "id":
            raise UnsupportedModel(f"a list of {item}")
        return "ids"
    if annotation is bool:
        return "bool"
    if annotation is int:
        return "int"
    if annotation is str:
        return "text"
    raise UnsupportedModel(f"type {annotation!r}")


@functools.cache
def field_checks(model: type[Record]) -> tuple[FieldCheck, ...]:
    """The SQL-checkable fields of a bulk model, from its annotations.

    Fields with no column in the contract (``notes``: free, never checked)
    are left out. Raises :class:`UnsupportedModel` for anything else the
    checks do not know (a new validator, a length bound), so a model change
    never makes the columnar reader judge differently from pydantic.
    """
    columns = columns_of(model)
    checks: list[FieldCheck] = []
    for name, info in model.model_fields.items():
        if name not in columns:
            if info.is_required():
                raise UnsupportedModel(f"required field {name!r} has no column")
            continue
        annotation, metadata = _parts(info.annotation)
        metadata = [*metadata, *info.metadata]
        kind = _value_kind(annotation, metadata)
        minimum = None
        for meta in metadata:
            if isinstance(meta, PlainValidator | WithJsonSchema) or (
                type(meta).__module__ == Record.__module__
            ):
                continue  # the value type (above), its schema, the format's markers (Column, To…)
            bound = getattr(meta, "ge", None)
            if kind == "int" and isinstance(bound, int):
                minimum = bound
                continue
            raise UnsupportedModel(f"field {name!r}: constraint {meta!r}")
        choices: tuple[str, ...] = ()
        if kind == "choice":
            choices = tuple(typing.get_args(annotation))
            if not all(isinstance(c, str) for c in choices):
                raise UnsupportedModel(f"field {name!r}: non-text choices")
        default = None
        if not info.is_required():
            default = info.get_default(call_default_factory=True)
        checks.append(FieldCheck(name, kind, info.is_required(), default, choices, minimum))
    return tuple(checks)


# --- SQL -----------------------------------------------------------------------

_SPACES: Final = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())
"""The characters :meth:`str.strip` removes (none lies above U+3000, a test checks)."""

_SPACE_CLASS: Final = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in _SPACES) + "]"
_TEXT_CLASS: Final = "[^" + _SPACE_CLASS[1:]
"""RE2 classes of those characters and of every other one."""

_PERSONAL: Final = r"(^|[^0-9])1[3-9][0-9]{9}([^0-9]|$)|(^|[^0-9])[0-9]{17}[0-9Xx]([^0-9Xx]|$)"
"""A cell that may hold a mobile or identity number (the exact test is Python's)."""


_AMOUNT: Final = r"\+?(?:[0-9]{1,36}(?:\.[0-9]{0,2})?|\.[0-9]{1,2})"
"""An amount SQL types exactly: at most 36 integer digits (what decimal(38, 2) holds)."""


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _digits_sql(value: str) -> str:
    """The fraction digits an amount cell was written with (``_digits_<field>``), as TINYINT.

    Python's Decimal keeps them (``300000.5`` has 1, ``300000.`` none) and an
    exact sum shows them; the cell is checked by the amount pattern already.
    """
    return (
        f"CAST(CASE WHEN strpos({value}, '.') = 0 THEN 0"
        f" ELSE length({value}) - strpos({value}, '.') END AS TINYINT)"
    )


def _typed_names(checks: Sequence[FieldCheck]) -> list[str]:
    """The typed columns of a table, in the contract's order: the fields, then amounts' digits."""
    return [
        *(check.name for check in checks),
        *(digits_column(check.name) for check in checks if check.kind == "amount"),
    ]


def _check_sql(check: FieldCheck, value: str) -> tuple[str, str]:
    """The SQL of a field: (its typed value, true when the cell is valid), cell ``value``.

    ``value`` is NULL when the cell is absent or empty (as csvsource writes no value).
    """
    ok = {
        "id": f"regexp_matches({value}, '{_TEXT_CLASS}')",
        "text": "true",
        "choice": f"{value} IN ({', '.join(map(_quote, check.choices))})",
        "day": (
            f"regexp_full_match({value}, '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}')"
            f" AND NOT starts_with({value}, '0000') AND try_cast({value} AS DATE) IS NOT NULL"
        ),
        "period": (
            f"regexp_full_match({value}, '[0-9]{{4}}-Q[1-4]') AND NOT starts_with({value}, '0000')"
        ),
        # At most 36 integer digits: what decimal(38, 2) holds. Anything else
        # (a sign, spaces, -0) is judged by Python.
        "amount": f"regexp_full_match({value}, '{_AMOUNT}')",
        "bool": f"{value} IN ('true', 'false')",
        "int": f"regexp_full_match({value}, '[-+]?[0-9]{{1,18}}')",
        # Items are stripped in Python: a list with any space is judged there.
        "ids": (
            f"NOT regexp_matches({value}, '{_SPACE_CLASS}')"
            f" AND NOT regexp_matches({value}, '(^|;)(;|$)')"
        ),
    }[check.kind]
    if check.kind == "int" and check.minimum is not None:
        ok += f" AND try_cast({value} AS BIGINT) >= {check.minimum}"
    typed = {
        "id": value,
        "text": value,
        "choice": value,
        "period": value,
        "day": f"try_cast({value} AS DATE)",
        "amount": f"try_cast({value} AS DECIMAL(38, 2))",
        "bool": f"({value} = 'true')",
        "int": f"try_cast({value} AS BIGINT)",
        "ids": f"string_split({value}, ';')",
    }[check.kind]
    if check.default is not None:
        default = check.default
        if isinstance(default, bool):
            literal = "true" if default else "false"
        elif isinstance(default, str):
            literal = _quote(default)
        elif isinstance(default, list) and not default:
            literal = "[]::VARCHAR[]"
        elif isinstance(default, int):
            literal = str(default)
        else:
            raise UnsupportedModel(f"field {check.name!r}: default {default!r}")
        typed = f"coalesce({typed}, {literal})"
    ok = f"({value} IS NOT NULL AND {ok})" if check.required else f"({value} IS NULL OR ({ok}))"
    return typed, ok


# --- files ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TableFile:
    """A bulk table file to read.

    Attributes:
        rel: Its path relative to the dataset root, as findings name it.
        path: Where it is.
        collection: The bulk collection it holds.
        encoding: The ``encoding`` setting for it (csvsource's ``ENCODINGS``).
    """

    rel: str
    path: Path
    collection: str
    encoding: str = "utf-8"


@dataclass(slots=True)
class _Plan:
    """A file DuckDB reads: its header's fields and where its rows start."""

    file: TableFile
    index: int
    columns: tuple[str | None, ...]
    skip: int
    multiline: bool
    personal: bool
    large: bool
    header_problems: bool
    dense: bool


_QUOTED_CELL: Final = re.compile(r'(?m)(?:^|(?<=,))"(?:[^"]|"")*"(?=,|\r?$)')
"""A quoted cell that is a whole cell: what DuckDB and :mod:`csv` read alike."""

_QUOTED_BREAK: Final = re.compile(r'"(?:[^"]|"")*[\r\n]')


class RowLines:
    """The line each data row of a table file starts on, found when first asked.

    One scan of the file per file asked about (the csv module's own reading,
    as the Python reader counts lines); files with no finding are never read
    again.
    """

    def __init__(self) -> None:
        self._files: dict[str, tuple[_Source, list[int]]] = {}

    def source(self, file: TableFile) -> tuple[_Source, list[int]]:
        """The file's text and the starting line of each data row (row 0 first)."""
        known = self._files.get(file.rel)
        if known is None:
            text = file.path.read_bytes().decode("utf-8").removeprefix("\ufeff")
            limit = csv.field_size_limit(MAX_CELL)
            try:
                lines = [line for line, _ in _Rows(text, 1)][1:]  # the header is not a row
            finally:
                csv.field_size_limit(limit)
            known = self._files[file.rel] = (_Source(text), lines)
        return known

    def mark(self, file: TableFile, row: int) -> Mark:
        """Where data row ``row`` (0-based) of ``file`` starts."""
        return Mark(self.source(file)[1][row], 1)


@dataclass(slots=True)
class FileRead:
    """What the columnar reader found in one file DuckDB read.

    Attributes:
        file: The file.
        columns: The field each column holds (None: not read).
        header_issues: The header's findings (unknown, repeated, unnamed columns).
        invalid: Each row that failed validation: its place among the file's
            rows, its entry and its findings, as the Python reader made them.
        personal: The personal data of valid rows, by row.
        first_line: The line of row 0 when row n is on ``first_line + n``
            (no blank line, no line break in a cell); None: ask :class:`RowLines`.
        offset: Where the file's valid rows start in its collection's table.
        valid: How many valid rows it has there.
        personal_possible: Whether the Python reader would look for personal data.
    """

    file: TableFile
    columns: tuple[str | None, ...]
    header_issues: list[LoadIssue] = field(default_factory=list)
    invalid: list[tuple[int, RecordEntry, list[LoadIssue]]] = field(default_factory=list)
    personal: dict[int, list[tuple[tuple[Key, ...], str]]] = field(default_factory=dict)
    first_line: int | None = None
    offset: int = 0
    valid: int = 0
    personal_possible: bool = True


@dataclass(slots=True)
class BulkRead:
    """The bulk tables as read: valid rows in Arrow, the rest as the Python reader gives it.

    Attributes:
        tables: Each bulk collection's valid rows in reading order (files in
            the order given, rows in file order): the contract columns, then
            ``_file`` (the file's ``rel``), ``_ordinal`` (the row's place in
            the table), ``_row`` (its place among its file's data rows) and
            ``_text_<field>`` (an amount's or the notes' text as written).
        issues: The readers' findings (D000, D003, D007) in reading order,
            exactly as the Python loader words and places them, except D001:
            duplicate ids are the dataset's to find.
        invalid: The rows that failed validation, as the Python reader's entries.
        personal: For valid rows holding personal data: (collection, file,
            row, the field paths and kinds :func:`scan_personal_data` gives).
        python_files: The files read by the Python reader (the rest by DuckDB).
        files: What was found in each file DuckDB read, by ``rel``.
        lines: Finds the line of a row, for findings.
    """

    tables: dict[str, pa.Table] = field(default_factory=dict)
    issues: list[LoadIssue] = field(default_factory=list)
    invalid: list[RecordEntry] = field(default_factory=list)
    personal: list[tuple[str, str, int, list[tuple[tuple[Key, ...], str]]]] = field(
        default_factory=list
    )
    python_files: list[str] = field(default_factory=list)
    files: dict[str, FileRead] = field(default_factory=dict)
    lines: RowLines = field(default_factory=RowLines)


def _scratch_reader(file: TableFile) -> Any:
    """The loader's file reader over a dataset of its own (its D001s are dropped)."""
    from guabao_rules.sources.loader import _FileReader

    return _FileReader(Dataset(Path(".")), file.rel)


def _plan(file: TableFile, index: int, data: bytes) -> _Plan | None:
    """How DuckDB reads ``file``, or None when only the Python reader reads it as csvsource."""
    from guabao_rules.sources.loader import may_hold_personal_data

    if file.rel.endswith(".parquet"):
        return None  # the Parquet reader's (see _python_file)
    if b"\x00" in data or data.count(b"\r") != data.count(b"\r\n"):
        return None
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        return None  # GBK/GB18030 or broken: csvsource words it
    multiline = False
    if '"' in text:
        if '"' in _QUOTED_CELL.sub("", text):
            return None
        multiline = _QUOTED_BREAK.search(text) is not None
    limit = csv.field_size_limit(MAX_CELL)
    try:
        rows = _Rows(text, 1)
        header_line, header = next(iter(rows))
    except (StopIteration, csv.Error):
        return None  # an empty table or a broken header: csvsource's words
    finally:
        csv.field_size_limit(limit)
    if rows.end != header_line or len(header) < 2:
        return None
    model = COLLECTIONS[file.collection]
    columns, problems = read_header(header, model, lambda _: Mark(1, 1))
    return _Plan(
        file,
        index,
        columns,
        skip=header_line,
        multiline=multiline,
        # A quote-free file's cells are pieces of its text: a cell holds personal
        # data exactly when a digit run of the file does (the SQL flag finds the
        # rows). Only a doubled quote can join two runs into one value.
        personal='"' not in text or may_hold_personal_data(data),
        large=len(data) > MAX_CELL,
        header_problems=bool(problems),
        # No blank line and no line break in a cell: row n starts on line skip + 1 + n.
        dense=not multiline and b"\n\n" not in data and b"\n\r\n" not in data,
    )


def _header_issues(plan: _Plan, text: str) -> list[LoadIssue]:
    """The header's findings, as the Python reader makes them."""
    source = _Source(text)
    cells = _cell_marks(source, plan.skip)
    model = COLLECTIONS[plan.file.collection]
    limit = csv.field_size_limit(MAX_CELL)
    try:
        _, header = next(iter(_Rows(text, 1)))
    finally:
        csv.field_size_limit(limit)
    _, problems = read_header(
        header, model, lambda i: cells[i][0] if i < len(cells) else Mark(1, 1)
    )
    if not problems:
        return []
    reader = _scratch_reader(plan.file)
    reader.read_rows(plan.file.collection, ParsedTable(problems=problems))
    return list(reader.dataset.issues)


@functools.cache
def _text_fields(collection: str) -> tuple[str, ...]:
    """The fields whose text the tables keep in ``_text_<field>``: amounts and notes."""
    model = COLLECTIONS[collection]
    amounts = tuple(c.name for c in field_checks(model) if c.kind == "amount")
    return (*amounts, "notes") if "notes" in model.model_fields else amounts


def _group_sql(plans: Sequence[_Plan], checks: Sequence[FieldCheck], enum: str) -> str:
    """One query reading files that share a header: flags, typed fields, failing cells."""
    first = plans[0]
    width = len(first.columns)
    cells = [f"c{i}" for i in range(width + 1)]  # one more: a row wider than its header
    declared = ", ".join(f"'{c}': 'VARCHAR'" for c in cells)
    paths = ", ".join(_quote(str(p.file.path)) for p in plans)
    options = [
        "header = false",
        f"skip = {first.skip}",
        f"columns = {{{declared}}}",
        "null_padding = true",
        "quote = '\"'",
        "escape = '\"'",
        "delim = ','",
        "nullstr = '\x01\x02'",  # never in a table: an empty cell stays '' (not padding)
        "filename = true",
        "auto_detect = false",
        "strict_mode = true",
        f"max_line_size = {4 * MAX_CELL + 1024}",
    ]
    if any(p.multiline for p in plans):
        options.append("parallel = false")  # DuckDB pads rows with line breaks only so
    by_field = {name: f"nullif(c{i}, '')" for i, name in enumerate(first.columns) if name}
    typed: list[str] = []
    oks: list[str] = []
    for check in checks:
        value = by_field.get(check.name, "NULL::VARCHAR")
        expression, ok = _check_sql(check, value)
        typed.append(f'{expression} AS "{check.name}"')
        oks.append(ok)
    for check in checks:  # after every field, as the contract's schema has them
        if check.kind == "amount":
            value = by_field.get(check.name, "NULL::VARCHAR")
            typed.append(f'{_digits_sql(value)} AS "{digits_column(check.name)}"')
    lone = " AND ".join(f"c{i} IS NULL" for i in range(1, width + 1))
    flags = [
        f"CAST(filename AS {enum}) AS _fidx",
        f"({lone}) AS _lone",
        f"(c{width} IS NOT NULL) AS _wide",
    ]
    # A file with a cell over the cap, or an amount too long for DECIMAL(38, 2)
    # (valid, as the format bounds no amount), is read by the Python reader.
    amounts = {check.name for check in checks if check.kind == "amount"}
    long_cells = (
        [f"length(c{i}) > {MAX_CELL}" for i in range(width)] if any(p.large for p in plans) else []
    )
    long_cells += [
        f"coalesce(length(c{i}) > {QUERY_AMOUNT_CHARS}, false)"
        for i, name in enumerate(first.columns)
        if name in amounts
    ]
    flags.append("(" + (" OR ".join(long_cells) or "false") + ") AS _long")
    present = [f"c{i}" for i, name in enumerate(first.columns) if name]
    if any(p.personal for p in plans) and present:
        joined = "concat_ws(',', " + ", ".join(present) + ")"
        flags.append(f"regexp_matches({joined}, '{_PERSONAL}') AS _personal")
    else:
        flags.append("false AS _personal")
    # Kept as written for the records made from the table (materialise): an
    # amount's own digits (5 is not 5.00 in a message) and the free notes.
    for name in _text_fields(plans[0].file.collection):
        value = by_field.get(name, "NULL::VARCHAR")
        typed.append(f'{value} AS "_text_{name}"')
    valid = " AND ".join(oks) or "true"
    inner = (
        f"SELECT *, ({valid}) AND NOT ({lone}) AS _ok FROM read_csv([{paths}], "
        + ", ".join(options)
        + ")"
    )
    failing = [
        f"CASE WHEN _ok AND NOT _personal THEN NULL ELSE c{i} END AS c{i}" for i in range(width)
    ]
    outer_typed = [f'"{name}"' for name in _typed_names(checks)]
    outer_typed += [f'"_text_{name}"' for name in _text_fields(plans[0].file.collection)]
    body = ", ".join([*flags, *typed, "_ok", *[f"c{i}" for i in range(width)]])
    outer = ", ".join(["_fidx", "_lone", "_wide", "_long", "_personal", "_ok"])
    outer = ", ".join([outer, *outer_typed, *failing])
    return f"SELECT {outer} FROM (SELECT {body} FROM ({inner}))"


_SERIAL: Final = itertools.count()
"""Numbers the file-name types made on a connection."""


def _read_groups(
    con: Any, plans: list[_Plan], checks: Sequence[FieldCheck]
) -> tuple[list[tuple[list[_Plan], pa.Table]], list[_Plan]]:
    """The Arrow result of each group of files that share a header; the files that failed."""
    import duckdb

    groups: dict[tuple[Any, ...], list[_Plan]] = {}
    for plan in plans:
        groups.setdefault((plan.columns, plan.skip), []).append(plan)
    done: list[tuple[list[_Plan], pa.Table]] = []
    failed: list[_Plan] = []
    pending = [chunk for group in groups.values() for chunk in _chunks(group)]
    while pending:
        group = pending.pop(0)
        enum = f"_files_{next(_SERIAL)}"
        names = ", ".join(_quote(str(p.file.path)) for p in group)
        con.execute(f"CREATE TYPE {enum} AS ENUM ({names})")
        try:
            table = con.sql(_group_sql(group, checks, enum)).arrow()
            if hasattr(table, "read_all"):  # a stream: DuckDB may fail while it is read
                table = table.read_all()
        except (duckdb.Error, OSError):  # OSError: Arrow's word for DuckDB's failure mid-stream
            if len(group) == 1:
                failed.extend(group)
            else:  # one file broke the read: read each alone
                pending[:0] = [[p] for p in group]
            continue
        done.append((group, table))
    return done, failed


READ_CHUNK_BYTES: Final = 64 * 2**20
"""At most this many bytes of files in one query of the reader (one file may be more).

A province's reports are 6.8x10^6 rows in 129 files with one header: read as
one query, its whole result and the pieces cut from it were in memory at
once, three times what the rows keep.
"""


def _chunks(group: list[_Plan]) -> Iterator[list[_Plan]]:
    """The files of a group in runs of at most :data:`READ_CHUNK_BYTES`, in order."""
    chunk: list[_Plan] = []
    size = 0
    for plan in group:
        try:
            grows = plan.file.path.stat().st_size
        except OSError:
            grows = 0
        if chunk and size + grows > READ_CHUNK_BYTES:
            yield chunk
            chunk, size = [], 0
        chunk.append(plan)
        size += grows
    if chunk:
        yield chunk


@contextlib.contextmanager
def _connection(settings: DuckDBSettings | None) -> Iterator[Any]:
    """A DuckDB connection of the reader, spilling into a temporary folder removed after."""
    import duckdb

    spill = tempfile.mkdtemp(prefix="guabao-duckdb-")  # never DuckDB's default, ./.tmp
    con = duckdb.connect(config=(settings or DuckDBSettings()).connection_config(spill))
    try:
        yield con
    finally:
        con.close()
        shutil.rmtree(spill, ignore_errors=True)


def repeated_values(column: pa.ChunkedArray, settings: DuckDBSettings | None) -> pa.Array:
    """The values ``column`` holds more than once (nulls left out).

    DuckDB's hash aggregate, on both cores: pyarrow's ``value_counts`` took
    two and a half times as long for a province's 10^7 ids. Should DuckDB
    fail (out of the memory it may use), pyarrow counts them.
    """
    import duckdb
    import pyarrow as pa
    import pyarrow.compute as pc

    values = pa.table({"value": column})
    try:
        with _connection(settings) as con:
            con.register("values_read", values)
            found = con.sql(
                "SELECT value FROM values_read WHERE value IS NOT NULL"
                " GROUP BY value HAVING count(*) > 1"
            ).to_arrow_table()
        return found.column("value").combine_chunks()
    except (duckdb.Error, OSError):
        counts = pc.value_counts(column)
        shared = counts.field("values").filter(pc.greater(counts.field("counts"), 1))
        return shared.drop_null()


def read_bulk(
    files: Iterable[TableFile],
    *,
    read_the_rest: bool = True,
    duckdb_settings: DuckDBSettings | None = None,
) -> BulkRead:
    """Read the bulk table files into Arrow tables and the Python reader's findings.

    Args:
        files: The files in reading order (the loader's: by relative path),
            each a regular file the loader has vetted.
        read_the_rest: Read the files DuckDB cannot read with the Python
            reader too; False leaves them to the caller (``python_files``).
        duckdb_settings: The memory DuckDB may use, and where it spills
            (default: DuckDB's limit, a temporary folder).

    Returns:
        The tables, issues, invalid rows and personal data (:class:`BulkRead`).
    """
    import pyarrow as pa

    result = BulkRead()
    ordered = list(files)
    plans: dict[str, list[_Plan]] = {}
    python: dict[int, TableFile] = {}
    per_file: dict[int, FileRead] = {}
    pieces: dict[int, pa.Table] = {}
    for index, file in enumerate(ordered):
        data = file.path.read_bytes()
        try:
            field_checks(COLLECTIONS[file.collection])
            plan = _plan(file, index, data)
        except UnsupportedModel:
            plan = None
        if plan is None:
            python[index] = file
            continue
        plans.setdefault(file.collection, []).append(plan)
        out = per_file[index] = FileRead(file, plan.columns, personal_possible=plan.personal)
        if plan.header_problems:
            out.header_issues = _header_issues(plan, data.decode("utf-8").removeprefix("\ufeff"))
    with _connection(duckdb_settings) as con:
        for collection, collection_plans in plans.items():
            model = COLLECTIONS[collection]
            checks = field_checks(model)
            groups, failed = _read_groups(con, collection_plans, checks)
            for plan in failed:
                python[plan.index] = plan.file
            for group, table in groups:
                _split_group(result, group, table, model, checks, per_file, pieces, python)
    for index in python:
        per_file.pop(index, None)
        pieces.pop(index, None)
        if read_the_rest:
            per_file[index], pieces[index] = _python_file(ordered[index])
    result.python_files = [ordered[i].rel for i in sorted(python)]
    offsets: dict[str, int] = {}
    for index in sorted(per_file):
        out = per_file[index]
        out.offset = offsets.get(out.file.collection, 0)
        out.valid = pieces[index].num_rows
        offsets[out.file.collection] = out.offset + out.valid
        result.issues.extend(out.header_issues)
        for _row, entry, issues in out.invalid:
            result.issues.extend(issues)
            result.invalid.append(entry)
        collection, rel = out.file.collection, out.file.rel
        result.personal.extend((collection, rel, row, found) for row, found in out.personal.items())
        if index not in python:
            result.files[rel] = out
    for collection in sorted(TABLE_COLLECTIONS):
        schema = _schema(COLLECTIONS[collection])
        mine = [pieces[i] for i in sorted(pieces) if per_file[i].file.collection == collection]
        table = pa.concat_tables(mine) if mine else schema.empty_table()
        ordinal = pa.array(range(table.num_rows), pa.int64())
        result.tables[collection] = table.set_column(
            table.schema.get_field_index("_ordinal"), "_ordinal", ordinal
        )
    return result


@functools.cache
def _schema(model: type[Record]) -> pa.Schema:
    """The collection's contract schema, then ``_row`` and the ``_text_`` columns."""
    import pyarrow as pa

    collection = next(c for c, m in COLLECTIONS.items() if m is model)
    schema = arrow_schema(model).append(pa.field("_row", pa.int64()))
    for name in _text_fields(collection):
        schema = schema.append(pa.field(f"_text_{name}", pa.string()))
    return schema


def _python_file(file: TableFile) -> tuple[FileRead, pa.Table]:
    """Read a file with the Python reader (the loader's own code), for what DuckDB cannot.

    Parquet files are read here too, by the loader's Parquet reader, file by file
    (a DuckDB ``read_parquet`` fast path is not written yet).
    """
    from guabao_rules.sources.csvsource import read_table
    from guabao_rules.sources.loader import may_hold_personal_data
    from guabao_rules.sources.parquetsource import PARQUET_SUFFIX, read_parquet

    data = file.path.read_bytes()
    reader = _scratch_reader(file)
    if file.rel.endswith(PARQUET_SUFFIX):
        # Read by the loader's Parquet reader: compressed bytes rule no personal data out.
        possible = True
        parsed = read_parquet(data, file.collection)
    else:
        possible = may_hold_personal_data(data)
        parsed = read_table(data, file.collection, file.encoding)
    reader.read_rows(file.collection, parsed)
    out = FileRead(file, ())
    issues = [i for i in reader.dataset.issues if i.rule != "D001"]
    model = COLLECTIONS[file.collection]
    valid: list[tuple[int, Record, dict[str, Any]]] = []
    for row, (entry, parsed_row) in enumerate(
        zip(reader.dataset.entries, parsed.rows, strict=True)
    ):
        if entry.model is None:
            out.invalid.append((row, entry, []))
            continue
        valid.append((row, entry.model, parsed_row.raw))
        found = scan_personal_data(parsed_row.raw) if possible else []
        if found:
            out.personal[row] = found
    out.header_issues = issues  # in the Python reader's own order, all at once
    return out, _valid_table(model, file.rel, valid)


def _valid_table(
    model: type[Record], rel: str, valid: Sequence[tuple[int, Record, dict[str, Any]]]
) -> pa.Table:
    """Records validated in Python as table rows (with their ``_row`` and cell texts)."""
    import pyarrow as pa

    collection = next(c for c, m in COLLECTIONS.items() if m is model)
    table = table_of(model, ((record, rel) for _, record, _ in valid))
    table = table.append_column("_row", pa.array([row for row, _, _ in valid], pa.int64()))
    for name in _text_fields(collection):
        texts = [raw.get(name) for _, _, raw in valid]
        table = table.append_column(
            f"_text_{name}", pa.array([t if isinstance(t, str) else None for t in texts])
        )
    return table.cast(_schema(model))


def _split_group(  # noqa: PLR0917 - one private call site
    result: BulkRead,
    group: list[_Plan],
    table: pa.Table,
    model: type[Record],
    checks: Sequence[FieldCheck],
    per_file: dict[int, FileRead],
    pieces: dict[int, pa.Table],
    python: dict[int, TableFile],
) -> None:
    """Share a group's rows out to its files: valid rows as Arrow, the rest through Python."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    fidx = table.column("_fidx").combine_chunks()
    indices = fidx.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    flagged = pc.or_(table.column("_wide"), table.column("_long")).to_numpy(zero_copy_only=False)
    broken = set(np.unique(indices[flagged]).tolist())
    # A row's place in its file: rows come in file order, each file's rows together.
    present, first_at = np.unique(indices, return_index=True)
    starts = np.zeros(len(group), dtype=np.int64)
    starts[present] = first_at
    position = np.arange(len(indices), dtype=np.int64) - starts[indices]
    attention = pc.or_(pc.invert(table.column("_ok")), table.column("_personal"))
    attention_at = np.flatnonzero(attention.to_numpy(zero_copy_only=False))
    width = len(group[0].columns)
    blanks: dict[int, list[int]] = {}
    work: dict[int, list[tuple[int, list[str | None], bool]]] = {}
    if attention_at.size:
        take = pa.array(attention_at)
        picked = table.select([*(f"c{i}" for i in range(width)), "_ok", "_lone"]).take(take)
        for at, row in zip(attention_at.tolist(), picked.to_pylist(), strict=True):
            file_index = int(indices[at])
            if file_index in broken:
                continue
            cells = [row[f"c{i}"] for i in range(width)]
            if row["_lone"] and not (cells[0] or "").strip():
                blanks.setdefault(file_index, []).append(int(position[at]))
                continue
            work.setdefault(file_index, []).append((int(position[at]), cells, bool(row["_ok"])))
    by_field = converters(model)
    keep = _typed_names(checks)
    texts = [f"_text_{name}" for name in _text_fields(group[0].file.collection)]
    schema = _schema(model)
    for file_index, plan in enumerate(group):
        if file_index in broken:
            python[plan.index] = plan.file
            continue
        mine = table.filter(pc.equal(fidx.indices, pa.scalar(file_index, fidx.indices.type)))
        gone = np.array(sorted(blanks.get(file_index, [])), dtype=np.int64)
        # The Python reader skips blank rows: the later rows' places close up.
        places = position[indices == file_index]
        row_number = places - np.searchsorted(gone, places, side="right")
        out = per_file[plan.index]
        if plan.dense and not gone.size:
            out.first_line = plan.skip + 1
        reader = None
        rescued: list[tuple[int, Record, dict[str, Any]]] = []
        for place, cells, ok in work.get(file_index, []):
            row = int(place - np.searchsorted(gone, place, side="right"))
            raw: dict[str, Any] = {}
            for name, value in zip(plan.columns, cells, strict=True):
                if name is not None and value:
                    convert = by_field[name]
                    raw[name] = convert(value) if convert is not None else value
            if not ok:
                if reader is None:
                    reader = _scratch_reader(plan.file)
                before = len(reader.dataset.issues)
                entry = _python_row(result, reader, plan, row, raw)
                if entry.model is None:
                    issues = [i for i in reader.dataset.issues[before:] if i.rule != "D001"]
                    out.invalid.append((row, entry, issues))
                    continue
                # The SQL check was stricter than pydantic: the row is valid after all.
                rescued.append((row, entry.model, raw))
            if plan.personal:
                found = scan_personal_data(raw)
                if found:
                    out.personal[row] = found
        ok_mask = mine.column("_ok").combine_chunks()
        piece = mine.filter(ok_mask).select(keep)
        piece = piece.append_column("_file", file_column(plan.file.rel, piece.num_rows))
        piece = piece.append_column("_ordinal", pa.array(np.zeros(piece.num_rows, np.int64)))
        piece = piece.append_column("_row", pa.array(row_number).filter(ok_mask))
        for name in texts:
            piece = piece.append_column(name, mine.column(name).filter(ok_mask))
        piece = piece.cast(schema)
        if rescued:
            extra = _valid_table(model, plan.file.rel, rescued)
            piece = pa.concat_tables([piece, extra]).sort_by("_row")
        pieces[plan.index] = piece


def _python_row(
    result: BulkRead, reader: Any, plan: _Plan, row: int, raw: dict[str, Any]
) -> RecordEntry:
    """A failing row validated by the loader's own code, with its line found now."""
    source, lines = result.lines.source(plan.file)
    line = lines[row]
    positions = _RowPositions(source, line, plan.columns)
    model = COLLECTIONS[plan.file.collection]
    reader.read_record(plan.file.collection, model, raw, reader.at(Mark(line, 1)), positions)
    entry: RecordEntry = reader.dataset.entries[-1]
    return entry


class _TablePositions(LazyPositionTree):
    """A table row's positions: its line now, its cells' columns when first asked for."""

    __slots__ = ("_columns", "_file", "_lines")

    def __init__(
        self, line: int, lines: RowLines, file: TableFile, columns: tuple[str | None, ...]
    ) -> None:
        super().__init__(Mark(line, 1))
        self._lines = lines
        self._file = file
        self._columns = columns

    def _compute(self) -> tuple[dict[Key, Mark], dict[Key, PositionTree]]:
        source, _ = self._lines.source(self._file)
        row = _RowPositions(source, self.start.line, self._columns)
        return row.keys, row.children


def _maker(model: type[Record]) -> Any:
    """Makes a record of ``model`` from its field values, already valid (what the SQL checked).

    What ``model_construct`` does, without its per-field defaults and checks:
    every field is given (absent ones as their defaults), in the model's order.
    """
    new = object.__new__
    set_attribute = object.__setattr__
    fields_set = set(model.model_fields)

    def make(values: dict[str, Any]) -> Record:
        record = new(model)
        set_attribute(record, "__dict__", values)
        set_attribute(record, "__pydantic_fields_set__", fields_set)
        set_attribute(record, "__pydantic_extra__", None)
        set_attribute(record, "__pydantic_private__", None)
        return record

    return make


def _row_values(table: pa.Table, model: type[Record], collection: str) -> list[dict[str, Any]]:
    """The field values of a table's rows, as a record of ``model`` holds them.

    Amounts and notes come from their text as written (``_text_<field>``):
    pydantic's Decimal of an amount keeps the digits it was written with.
    """
    fields = list(model.model_fields)
    texts = _text_fields(collection)
    columns: list[list[Any]] = []
    for name in fields:
        if name == "notes":
            values = table.column("_text_notes").to_pylist()
        elif name in texts:
            values = [
                None if text is None else Decimal(text.strip())
                for text in table.column(f"_text_{name}").to_pylist()
            ]
        else:
            values = table.column(name).to_pylist()
        columns.append(values)
    return [dict(zip(fields, values, strict=True)) for values in zip(*columns, strict=True)]


@dataclass(slots=True)
class _DeferredFile:
    """The valid rows of one file left as table rows.

    Attributes:
        read: What the reader found in the file.
        rows: Each valid row's place among the file's data rows.
        before: For each valid row, how many records the dataset held when
            it would have been made (its place in reading order).
    """

    read: FileRead
    rows: Any
    before: Any
    order: int = 0
    entries: list[RecordEntry] | None = None


class DeferredRows:
    """Valid bulk rows kept as table rows, made into records only when something needs them.

    The query engines read the bulk tables' valid rows from Arrow; the rules
    evaluated in Python, the whole graph of references and the reports that
    walk it need records. :meth:`make` makes one collection's rows into the
    dataset's records, in their places in reading order, exactly as the
    Python reader would have entered them; :meth:`entry` makes the record of
    one id for a finding's place, and enters it nowhere.
    """

    def __init__(self, tables: ColumnarTables, files: dict[str, list[_DeferredFile]]) -> None:
        self._tables = tables
        self._files = files
        self._chunks = sorted(
            (c for chunks in files.values() for c in chunks), key=lambda c: c.order
        )
        self._base: list[RecordEntry] = []
        self._cache: dict[str, RecordEntry | None] = {}
        self.reasons: dict[str, list[str]] = {}
        """What made each collection's rows into records (rules, or a consumer's name)."""

    def attach(self, dataset: Dataset) -> None:
        """Become the dataset's deferred rows (its records read so far are the base)."""
        self._base = list(dataset.made)
        dataset.deferred = self

    def count(self, collection: str | None = None) -> int:
        """How many rows are deferred (of ``collection``, or in all)."""
        names = self._files if collection is None else [collection]
        return sum(len(f.rows) for name in names for f in self._files.get(name, ()))

    def collections(self) -> frozenset[str]:
        """The collections whose rows are still deferred."""
        return frozenset(self._files)

    def table(self, collection: str) -> pa.Table:
        """The collection's table (every row valid and the first of its id)."""
        assert self._tables.read is not None
        return self._tables.read.tables[collection]

    def _entries(self, collection: str, chunk: _DeferredFile, table: pa.Table) -> list[RecordEntry]:
        """Records of a file's rows, ``table`` being those rows of its collection's table."""
        assert self._tables.read is not None
        out = chunk.read
        file = out.file
        model = COLLECTIONS[collection]
        make = _maker(model)
        lines = self._tables.read.lines
        made = []
        for row, values in zip(
            table.column("_row").to_pylist(), _row_values(table, model, collection), strict=True
        ):
            line = (
                out.first_line + row if out.first_line is not None else lines.mark(file, row).line
            )
            entry = RecordEntry(
                collection,
                values["id"],
                make(values),
                SourceRef(file.rel, Mark(line, 1)),
                _TablePositions(line, lines, file, out.columns),
            )
            if out.personal_possible:
                entry.personal = out.personal.get(row, [])
            made.append(entry)
        return made

    def make(self, dataset: Dataset, collections: Iterable[str] | None, reason: str) -> bool:
        """Make those collections' rows into the dataset's records, in reading order.

        ``reason`` (a rule id, or what else needs them) is kept for ``--statistics``.
        """
        names = sorted(self._files if collections is None else set(collections) & set(self._files))
        if not names:
            return False
        import numpy as np

        for name in names:
            table = self.table(name)
            for chunk in self._files.pop(name):
                piece = table.slice(chunk.read.offset, chunk.read.valid)
                chunk.entries = self._entries(name, chunk, piece)
            self._tables.materialised[name] = self._tables.materialised.get(name, 0) + len(table)
            self.reasons.setdefault(name, []).append(reason)
        # Every made row in its place: after the ``before`` first records of the
        # base, files in reading order (the chunks are).
        pieces = [(c.before, c.entries) for c in self._chunks if c.entries is not None]
        before = np.concatenate([np.asarray(b, dtype=np.int64) for b, _ in pieces])
        rows = [entry for _, entries in pieces for entry in entries or ()]
        order = np.argsort(before, kind="stable")
        merged: list[RecordEntry] = []
        at = 0
        base = self._base
        for place, n in zip(before[order].tolist(), order.tolist(), strict=True):
            if place > at:
                merged.extend(base[at:place])
                at = place
            merged.append(rows[n])
        merged.extend(base[at:])
        old = dataset.made_by_id
        by_id: dict[str, RecordEntry] = {}
        for entry in merged:
            key = entry.id
            if key is None or key in by_id:
                continue
            if key not in old or old[key] is entry:
                by_id[key] = entry
        dataset.made = merged
        dataset.made_by_id = by_id
        for key in [k for k, v in self._cache.items() if v is not None and k in by_id]:
            del self._cache[key]
        return True

    def reader_rows(self, dataset: Dataset) -> dict[str, Any]:
        """The ``_ids`` table and ``_personal``'s rows, with the deferred rows in their places.

        The deferred rows' columns come straight from their tables (no Python
        object per row); the records made bring their own.
        """
        import numpy as np
        import pyarrow as pa

        from guabao_rules.columnar.tables import ID_SCHEMA, json_path

        assert self._tables.read is not None
        lines = self._tables.read.lines
        base = self._base
        schema = ID_SCHEMA()
        columns: dict[str, list[Any]] = {name: [] for name in schema.names if name != "_seq"}
        for entry in base:
            mark = entry.source.mark
            columns["id"].append(entry.id)
            columns["collection"].append(entry.collection)
            columns["valid"].append(entry.model is not None)
            columns["_file"].append(entry.source.file)
            columns["_line"].append(mark.line if mark else None)
            columns["_column"].append(mark.column if mark else None)
            columns["_cell"].append(entry.source.cell)
        pieces = [pa.table(columns, schema=schema.remove(schema.get_field_index("_seq")))]
        # The total order: base record i after the rows deferred before it (``before`` <= i).
        primary = [np.arange(len(base), dtype=np.int64)]
        secondary = [np.ones(len(base), dtype=np.int64)]
        tertiary = [np.zeros(len(base), dtype=np.int64)]
        for chunk in self._chunks:
            out = chunk.read
            n = len(chunk.rows)
            collection = out.file.collection
            primary.append(np.asarray(chunk.before, dtype=np.int64))
            secondary.append(np.zeros(n, dtype=np.int64))
            tertiary.append(np.full(n, chunk.order, dtype=np.int64))
            rows = np.asarray(chunk.rows, dtype=np.int64)
            if out.first_line is not None:
                line = pa.array(out.first_line + rows, pa.int64())
            else:
                line = pa.array(
                    [lines.mark(out.file, row).line for row in rows.tolist()], pa.int64()
                )
            table = self.table(collection).slice(out.offset, out.valid)
            pieces.append(
                pa.table(
                    {
                        "id": table.column("id"),
                        "collection": pa.repeat(collection, n),
                        "valid": pa.repeat(True, n),
                        "_file": file_column(out.file.rel, n),
                        "_line": line,
                        "_column": pa.repeat(1, n).cast(pa.int64()),
                        "_cell": pa.nulls(n, pa.string()),
                    }
                ).cast(pieces[0].schema)
            )
        everything = pa.concat_tables(pieces)
        count = everything.num_rows
        order = np.lexsort(
            (
                np.arange(count),
                np.concatenate(tertiary),
                np.concatenate(secondary),
                np.concatenate(primary),
            )
        )
        seq_of = np.empty(count, dtype=np.int64)
        seq_of[order] = np.arange(count)
        ids_table = everything.append_column("_seq", pa.array(seq_of)).select(schema.names)
        ids_table = ids_table.take(pa.array(order)).cast(schema)
        # The seq of each record made (base and made rows), for its personal data.
        seq: dict[int, int] = {id(e): int(seq_of[i]) for i, e in enumerate(base)}
        at = len(base)
        personal: dict[str, list[Any]] = {
            k: [] for k in ("id", "collection", "path", "kind", "_seq", "item")
        }
        deferred_personal: list[tuple[str, str, int, list[Any]]] = []
        for chunk in self._chunks:
            out = chunk.read
            if chunk.entries is not None:
                for k, entry in enumerate(chunk.entries):
                    seq[id(entry)] = int(seq_of[at + k])
            elif out.personal_possible and out.personal:
                table = self.table(out.file.collection).slice(out.offset, out.valid)
                ids = table.column("id")
                for k, row in enumerate(chunk.rows.tolist()):
                    found = out.personal.get(row)
                    if found:
                        deferred_personal.append(
                            (ids[k].as_py(), out.file.collection, int(seq_of[at + k]), found)
                        )
            at += len(chunk.rows)
        rows_of: list[tuple[str | None, str, int, list[Any]]] = [
            (entry.id, collection, seq[id(entry)], entry.personal)
            for collection, entries in dataset.index.by_collection.items()
            for entry in entries
            if entry.personal
        ]
        for record_id, collection, at_seq, found in [*rows_of, *deferred_personal]:
            for item, (path, kind) in enumerate(found):
                personal["id"].append(record_id)
                personal["collection"].append(collection)
                personal["path"].append(json_path(path))
                personal["kind"].append(kind)
                personal["_seq"].append(at_seq)
                personal["item"].append(item)
        return {"_ids": ids_table, "_personal": personal}

    def entry(self, record_id: str) -> RecordEntry | None:
        """The deferred row of an id as a record (entered nowhere), or None."""
        if record_id not in self._cache:
            self.prefetch([record_id])
        return self._cache.get(record_id)

    def collections_of(self, ids: Sequence[str]) -> dict[str, str]:
        """The collection of each of these ids that is a deferred row's (no record made)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        wanted = pa.array(list(dict.fromkeys(ids)), pa.string())
        out: dict[str, str] = {}
        if not len(wanted):
            return out
        for name in self._files:
            column = self.table(name).column("id")
            found = column.filter(pc.is_in(column, value_set=wanted))
            out.update(dict.fromkeys(found.to_pylist(), name))
        return out

    def prefetch(self, ids: Sequence[str]) -> None:
        """Find many ids among the deferred rows in one pass over each collection."""
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        wanted = [i for i in dict.fromkeys(ids) if i not in self._cache]
        if not wanted:
            return
        value_set = pa.array(wanted, pa.string())
        for name, chunks in self._files.items():
            table = self.table(name)
            found = np.flatnonzero(
                pc.is_in(table.column("id"), value_set=value_set).to_numpy(zero_copy_only=False)
            )
            if not found.size:
                continue
            starts = np.array([c.read.offset for c in chunks], dtype=np.int64)
            owner = np.searchsorted(starts, found, side="right") - 1
            # One take and one conversion per file: rows one by one cost a slice each.
            for n in np.unique(owner).tolist():
                piece = table.take(pa.array(found[owner == n]))
                for entry in self._entries(name, chunks[n], piece):
                    self._cache[str(entry.id)] = entry
        for key in wanted:
            self._cache.setdefault(key, None)


class ColumnarTables:
    """The loader's bulk reader for the query engines (``load(bulk=ColumnarTables())``).

    It reads every bulk CSV table it can with :func:`read_bulk`, then gives
    the loader each file's failing rows as the Python reader read them, and
    its findings. A collection whose every file DuckDB read, and whose every
    valid row's id is that row's alone (no other record, valid or not, of any
    collection has it), keeps its valid rows as table rows
    (:class:`DeferredRows`): they become records only when something needs
    them (a rule evaluated in Python that reads the collection, the whole
    graph), so the dataset is still the one the Python reader would build.
    The other collections' valid rows are made into records straight from
    the Arrow rows (no parsing and no validation in Python: the SQL checks
    did it). ``materialised`` counts the rows made into records, by collection.
    """

    def __init__(self, *, defer: bool = True, duckdb: DuckDBSettings | None = None) -> None:
        self.duckdb = duckdb
        """The memory DuckDB may use while reading, and where it spills."""
        self.read: BulkRead | None = None
        self.materialised: dict[str, int] = {}
        self.defer = defer
        """Whether valid rows may stay table rows (off: every row a record, as before)."""
        self._kept: dict[str, list[bool]] = {}
        """Per collection, for each row of its table: whether it is the first of its id."""
        self._deferring: frozenset[str] = frozenset()
        self._deferred: dict[str, list[_DeferredFile]] = {}

    def query_table(self, collection: str, records: int) -> pa.Table | None:
        """The collection's table of valid first records, as the query contract has it.

        None unless its ``records`` valid records (the index's, and the
        deferred rows) are all rows of the table: then they need not be made
        into a table again.
        """
        import pyarrow as pa

        if self.read is None:
            return None
        kept = self._kept.get(collection, [])
        if sum(kept) != records or len(kept) != self.read.tables[collection].num_rows:
            return None
        model = COLLECTIONS[collection]
        table = self.read.tables[collection]
        if not all(kept):  # a filter copies every column, even when it keeps every row
            table = table.filter(pa.array(kept, pa.bool_()))
        table = table.select(arrow_schema(model).names)
        ordinal = pa.array(range(table.num_rows), pa.int64())
        return table.set_column(table.schema.get_field_index("_ordinal"), "_ordinal", ordinal)

    def prepare(self, files: Sequence[tuple[str, Path, str, str]]) -> set[str]:
        """Read the tables DuckDB can read; the relative paths of those."""
        if self.read is None:  # a second reading of the dataset (see finish) reads none again
            self.read = read_bulk(
                [TableFile(rel, path, collection, enc) for rel, path, collection, enc in files],
                read_the_rest=False,
                duckdb_settings=self.duckdb,
            )
            if self.defer:
                self._deferring = self._deferrable(files)
        self._kept = {}
        self._deferred = {}
        self.materialised = {}
        return set(self.read.files)

    def _deferrable(self, files: Sequence[tuple[str, Path, str, str]]) -> frozenset[str]:
        """The collections whose valid rows may stay rows: all read here, ids their own."""
        import pyarrow as pa
        import pyarrow.compute as pc

        assert self.read is not None
        read = self.read
        whole = {c for c, t in read.tables.items() if t.num_rows} - {
            collection for rel, _, collection, _ in files if rel not in read.files
        }
        if not whole:
            return frozenset()
        invalid = [e.id for f in read.files.values() for _, e, _ in f.invalid if e.id is not None]
        ids = [t.column("id") for t in read.tables.values()]
        everything = pa.chunked_array(
            [*(chunk for column in ids for chunk in column.chunks), pa.array(invalid, pa.string())],
            pa.string(),
        )
        shared = repeated_values(everything, self.duckdb)
        if len(shared):
            whole = {
                c
                for c in whole
                if not pc.any(pc.is_in(read.tables[c].column("id"), shared)).as_py()
            }
        return frozenset(whole)

    def finish(self, dataset: Dataset) -> bool:
        """After the reading: keep the deferred rows, unless a record read here shares an id.

        Returns False when the dataset must be read again with every row a
        record (an id of a deferred row is another record's too: which of
        them is first is a question of reading order).
        """
        import pyarrow as pa
        import pyarrow.compute as pc

        if not self._deferred:
            return True
        assert self.read is not None
        if dataset.made_by_id:
            others = pa.array(list(dataset.made_by_id), pa.string())
            for collection in self._deferred:
                column = self.read.tables[collection].column("id")
                if pc.any(pc.is_in(column, value_set=others)).as_py():
                    self.defer = False
                    self._deferring = frozenset()
                    return False
        DeferredRows(self, self._deferred).attach(dataset)
        # Records of a collection read from other files (YAML, a workbook) share its
        # index and its query table with the rows: made now, in reading order.
        elsewhere = {e.collection for e in dataset.made_by_id.values() if e.model is not None}
        dataset.make_records(elsewhere & set(self._deferred), reason="records outside its tables")
        return True

    def read_into(self, reader: Any, rel: str) -> None:
        """Enter one file's records, findings and ids into the loader's dataset, in row order."""
        import numpy as np

        assert self.read is not None
        out = self.read.files[rel]
        file = out.file
        collection = file.collection
        model = COLLECTIONS[collection]
        dataset = reader.dataset
        reader.personal_possible = out.personal_possible
        dataset.issues.extend(out.header_issues)
        table = self.read.tables[collection].slice(out.offset, out.valid)
        kept = self._kept.setdefault(collection, [])
        register = reader.register
        no_data: Any = list
        if collection in self._deferring:
            rows = np.asarray(table.column("_row").to_numpy(), dtype=np.int64)
            bad = np.array([row for row, _, _ in out.invalid], dtype=np.int64)
            before = len(dataset.made) + np.searchsorted(bad, rows, side="left")
            for _, entry, issues in out.invalid:  # the failing rows, as Python read them
                dataset.made.append(entry)
                dataset.issues.extend(issues)
                register(entry, no_data)
            kept.extend([True] * len(rows))
            order = sum(len(c) for c in self._deferred.values())
            self._deferred.setdefault(collection, []).append(
                _DeferredFile(out, rows, before, order)
            )
            return
        ids = table.column("id").to_pylist()
        rows_list = table.column("_row").to_pylist()
        invalid = iter([*out.invalid, (len(rows_list) + len(out.invalid), None, [])])
        next_bad, bad_entry, bad_issues = next(invalid)
        personal = out.personal
        lines = self.read.lines
        first_line = out.first_line
        make = _maker(model)
        entries = dataset.made
        for valid_at, (row, values) in enumerate(
            zip(rows_list, _row_values(table, model, collection), strict=True)
        ):
            while next_bad < row:  # the failing rows before this one, as Python read them
                assert bad_entry is not None
                entries.append(bad_entry)
                dataset.issues.extend(bad_issues)
                register(bad_entry, no_data)
                next_bad, bad_entry, bad_issues = next(invalid)
            line = first_line + row if first_line is not None else lines.mark(file, row).line
            entry = RecordEntry(
                collection,
                ids[valid_at],
                make(values),
                SourceRef(rel, Mark(line, 1)),
                _TablePositions(line, lines, file, out.columns),
            )
            entries.append(entry)
            kept.append(
                register(entry, (lambda row=row: personal.get(row, [])) if personal else no_data)
            )
        while bad_entry is not None:
            entries.append(bad_entry)
            dataset.issues.extend(bad_issues)
            register(bad_entry, no_data)
            next_bad, bad_entry, bad_issues = next(invalid)
        self.materialised[collection] = self.materialised.get(collection, 0) + len(rows_list)
