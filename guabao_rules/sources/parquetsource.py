"""Parquet tables of the bulk collections: columns in, the records a CSV table gives out.

A ``*.parquet`` file stands wherever a ``*.csv`` table may (``docs/data-format.md``,
"Tables"): the same names and folders say which collection it holds, its column
names are the header (field names or Chinese column names), and each row goes
through the same row validation as a CSV row. So that the same value written as
CSV or as Parquet gives the same record and the same findings, every cell is
first turned into the text a CSV cell would hold, then converted exactly as a
CSV cell is (:func:`~guabao_rules.sources.csvsource.converters`):

- strings as they are (binary as UTF-8 text); null, and an empty string, are an
  absent field;
- integers as their decimal digits (an integer id ``533300`` is the id
  ``"533300"``, as an unquoted YAML integer is);
- floating point as its shortest exact decimal text (``1500.5``; ``1500`` for a
  whole number); NaN and infinities as ``NaN``/``inf``, which no field accepts;
- decimals at their column's scale, with zeros past the second fraction digit
  dropped (``decimal(18, 4)`` ``1.5000`` is ``1.50``; ``1.2345`` stays and is a
  D003: more than two fraction digits);
- booleans as ``true``/``false``;
- dates as ``YYYY-MM-DD``; a timestamp at midnight of its own time zone as that
  day, any other as its full text with the zone (a D003 where a date is
  expected: the day would depend on the zone);
- a list column as the list of its items' texts where the field is a list
  (a string column of a list field is split at ``;`` as in CSV).

Columns of other types (structs, maps, lists of lists, a list where the field
holds one value, times, durations) are a D000 at the column and are not read.

Positions: the line is the row's 1-based number in the file, the column the
column's 1-based number; a problem about a column as a whole is at line 1 of
its column, a file that cannot be read at 1:1.

pyarrow is imported only when a Parquet file is read.
:func:`read_parquet` never raises: every failure is a :class:`ReadProblem`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from guabao_rules.diagnostics import Text
from guabao_rules.models import COLLECTIONS, Record
from guabao_rules.sources.csvsource import (
    MAX_CELL,
    ParsedTable,
    TableRow,
    converters,
    list_fields,
    read_header,
)
from guabao_rules.sources.positions import GridRowPositions, Mark
from guabao_rules.sources.problems import ReadProblem

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["MAX_UNPACKED", "PARQUET_SUFFIX", "cell_texts", "read_parquet"]

PARQUET_SUFFIX: Final = ".parquet"

MAX_UNPACKED: Final = 1 << 30
"""Bytes a Parquet file's row groups may hold unpacked, as its footer says (a file
that would unpack to more, a decompression bomb most often, is not read)."""

_EPOCH: Final = dt.date(1970, 1, 1)
_PER_SECOND: Final = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}

Texts = list[str | None] | list[list[str] | None]
"""A column's cells as CSV text (a list of texts for a list field), None for absent."""


def _problem(mark: Mark, *, en: str, zh: str) -> ReadProblem:
    return ReadProblem(rule="D000", text=Text(zh=zh, en=en), mark=mark)


def _decimal_text(value: Decimal) -> str:
    """A decimal cell at its scale, with zeros past the second fraction digit dropped."""
    text = format(value, "f")
    if "." in text:
        whole, fraction = text.split(".")
        fraction = fraction.rstrip("0").ljust(2, "0") if len(fraction) > 2 else fraction
        text = f"{whole}.{fraction}"
    return text


def _float_text(value: float) -> str:
    """A floating-point cell as the shortest decimal text that reads back as it."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if value.is_integer() and abs(value) < 2**53:
        return str(int(value))  # 2019.0 is 2019: an int column with nulls, written as float
    return repr(value)


def _day_text(days: int) -> str:
    """The date ``days`` after 1970-01-01, written ``YYYY-MM-DD`` (or why there is none)."""
    try:
        return (_EPOCH + dt.timedelta(days=days)).isoformat()
    except OverflowError:
        return f"{days} days after 1970-01-01"  # past year 9999: no date reads it


def _timestamp_texts(array: pa.Array) -> list[str | None]:
    """Timestamps as their day when at midnight of their zone, else as their full text."""
    import pyarrow as pa
    import pyarrow.compute as pc

    kind = array.type
    zone = kind.tz
    local = pc.local_timestamp(array) if zone else array
    per_second = _PER_SECOND[kind.unit]
    per_day = 86_400 * per_second
    out: list[str | None] = []
    for ticks in local.cast(pa.int64()).to_pylist():
        if ticks is None:
            out.append(None)
            continue
        days, rest = divmod(ticks, per_day)
        day = _day_text(days)
        if rest == 0:
            out.append(day)
            continue
        seconds, fraction = divmod(rest, per_second)
        minutes, second = divmod(seconds, 60)
        text = f"{day} {minutes // 60:02d}:{minutes % 60:02d}:{second:02d}"
        if fraction:
            width = len(str(per_second)) - 1
            text += "." + f"{fraction:0{width}d}".rstrip("0")
        out.append(f"{text} {zone}" if zone else text)
    return out


def _scalar(kind: pa.DataType) -> Callable[[pa.Array], list[str | None]] | None:
    """How a column of scalar type ``kind`` becomes CSV texts (None: a type no cell holds)."""
    import pyarrow as pa

    types = pa.types
    if types.is_string(kind) or types.is_large_string(kind) or types.is_string_view(kind):
        return lambda array: array.to_pylist()
    if (
        types.is_binary(kind)
        or types.is_large_binary(kind)
        or types.is_binary_view(kind)
        or types.is_fixed_size_binary(kind)
    ):
        return _binary_texts
    if types.is_boolean(kind):
        return lambda array: [None if v is None else "true" if v else "false" for v in array]
    if types.is_integer(kind):
        return lambda array: [None if v is None else str(v) for v in array.to_pylist()]
    if types.is_floating(kind):
        return lambda array: [
            None if v is None else _float_text(float(v)) for v in array.to_pylist()
        ]
    if types.is_decimal(kind):
        return lambda array: [None if v is None else _decimal_text(v) for v in array.to_pylist()]
    if types.is_date(kind):
        return lambda array: [
            None if v is None else _day_text(v)
            for v in array.cast(pa.date32()).cast(pa.int32()).to_pylist()
        ]
    if types.is_timestamp(kind):
        return _timestamp_texts
    if types.is_null(kind):
        return lambda array: [None] * len(array)
    if types.is_dictionary(kind):
        inner = _scalar(kind.value_type)
        if inner is None:
            return None
        return lambda array: inner(array.dictionary_decode())
    return None


class _NotText(str):
    """A binary cell that is not UTF-8 text: its row is a D000, the other rows load."""

    __slots__ = ()


NOT_TEXT: Final = _NotText()


def _binary_texts(array: pa.Array) -> list[str | None]:
    out: list[str | None] = []
    for value in array.to_pylist():
        if value is None:
            out.append(None)
            continue
        try:
            out.append(value.decode("utf-8"))
        except UnicodeDecodeError:
            out.append(NOT_TEXT)
    return out


def cell_texts(kind: pa.DataType, *, is_list: bool) -> Callable[[pa.Array], Texts] | None:
    """How a column of ``kind`` becomes CSV cell texts for a field (None: it cannot).

    Args:
        kind: The column's Arrow type.
        is_list: Whether the field holds a list (a list column is read as its items then).
    """
    import pyarrow as pa

    types = pa.types
    if types.is_dictionary(kind) and not is_list:
        return _scalar(kind)
    if types.is_list(kind) or types.is_large_list(kind) or types.is_fixed_size_list(kind):
        item = _scalar(kind.value_type)
        if not is_list or item is None:
            return None

        def lists(array: pa.Array) -> Texts:
            import pyarrow.compute as pc

            # flatten() leaves out what null lists hold; lengths say where each list ends.
            values = iter(item(array.flatten()))
            out: list[list[str] | None] = []
            for length in pc.list_value_length(array).to_pylist():
                if length is None:
                    out.append(None)
                else:
                    out.append([(next(values) or "").strip() for _ in range(length)])
            return out

        return lists
    return _scalar(kind)


def read_parquet(data: bytes, collection: str) -> ParsedTable:
    """Read one Parquet table of ``collection`` into plain records and positions.

    Never raises: a file that cannot be read is one D000 at 1:1, a column of a
    type no cell holds is a D000 at its column, a row group that cannot be
    decoded is a D000 at its first row (the other row groups load).

    Args:
        data: The file's bytes.
        collection: The table collection it holds.
    """
    result = ParsedTable()
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:  # pragma: no cover - pyarrow comes with the ibis dependency
        result.problems.append(
            _problem(
                Mark(1, 1),
                en="Reading Parquet needs pyarrow: pip install pyarrow.",
                zh="读取 Parquet 文件需要 pyarrow:pip install pyarrow。",
            )
        )
        result.fatal = True
        return result
    if not data:
        result.problems.append(
            _problem(
                Mark(1, 1),
                en="The file is empty (0 bytes), not a Parquet file: a Parquet file always "
                "ends with its footer. Was the export interrupted?",
                zh="文件为空(0 字节),不是 Parquet 文件:Parquet 文件总以文件尾结束。导出是否中断?",
            )
        )
        result.fatal = True
        return result
    try:
        parquet = pq.ParquetFile(pa.BufferReader(data))
        schema = parquet.schema_arrow
        metadata = parquet.metadata
        unpacked = sum(
            metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups)
        )
    except Exception as error:  # pyarrow's errors for every damaged file; never raise
        result.problems.append(
            _problem(
                Mark(1, 1),
                en=f"The file is damaged or not a Parquet file and cannot be read ({error}).",
                zh=f"文件已损坏或不是 Parquet 文件,无法读取({error})。",
            )
        )
        result.fatal = True
        return result
    if unpacked > MAX_UNPACKED:
        result.problems.append(
            _problem(
                Mark(1, 1),
                en=f"The file's rows would unpack to {unpacked} bytes from {len(data)} "
                f"(more than {MAX_UNPACKED}); it is not read. Split it into smaller files.",
                zh=f"文件的数据行将从 {len(data)} 字节解压为 {unpacked} 字节"
                f"(超过 {MAX_UNPACKED});不予读取。请拆分为较小的文件。",
            )
        )
        result.fatal = True
        return result
    _read_columns(result, parquet, schema, COLLECTIONS[collection])
    return result


def _read_columns(
    result: ParsedTable, parquet: Any, schema: pa.Schema, model: type[Record]
) -> None:
    names = [str(name) for name in schema.names]
    columns, problems = read_header(names, model, lambda index: Mark(1, index + 1))
    result.problems.extend(problems)
    by_field = converters(model)
    lists = list_fields(model)
    plan: list[tuple[int, str, Callable[[pa.Array], Texts]]] = []
    read: list[str | None] = list(columns)
    for index, name in enumerate(columns):
        if name is None:
            continue
        kind = schema.field(index).type
        texts = cell_texts(kind, is_list=name in lists)
        if texts is None:
            read[index] = None
            result.problems.append(
                _problem(
                    Mark(1, index + 1),
                    en=f"The column `{names[index]}` is of type {kind}, which no "
                    f"field `{name}` can hold; it is not read.",
                    zh=f"列 `{names[index]}` 的类型为 {kind},字段 `{name}` 无法容纳;该列不读取。",
                )
            )
            continue
        plan.append((index, name, texts))
    positions_of = tuple(read)
    first_row = 1
    for group in range(parquet.metadata.num_row_groups):
        rows = parquet.metadata.row_group(group).num_rows
        try:
            cells = _group_cells(parquet.read_row_group(group), plan)
        except Exception as error:  # a damaged page: this row group is lost, not the others
            _lost_rows(result, first_row, rows, str(error))
            first_row += rows
            continue
        _append_rows(result, cells, plan, by_field, first_row, rows, positions_of)
        first_row += rows


def _group_cells(table: Any, plan: list[tuple[int, str, Callable[[Any], Texts]]]) -> list[Texts]:
    """Each planned column of a row group as CSV texts."""
    return [texts(table.column(index).combine_chunks()) for index, _, texts in plan]


def _lost_rows(result: ParsedTable, first_row: int, rows: int, reason: str) -> None:
    last = first_row + rows - 1
    result.problems.append(
        _problem(
            Mark(first_row, 1),
            en=f"Rows {first_row}-{last} (a row group) cannot be read ({reason}); "
            "the other rows are read.",
            zh=f"第 {first_row}-{last} 行(一个行组)无法读取({reason});其余各行照常读取。",
        )
    )


_TOO_LONG: Final = Text(
    zh=f"此行有单元格超过 {MAX_CELL:,} 个字符(单元格的长度上限);此行不读取,其后各行照常读取。",
    en=f"A cell of this row holds more than {MAX_CELL:,} characters, the most one cell may "
    "hold; the row is not read, the rows after it are.",
)
_NOT_UTF8: Final = Text(
    zh="此行有二进制单元格不是 UTF-8 文本;此行不读取,其后各行照常读取。",
    en="A binary cell of this row is not UTF-8 text; the row is not read, the rows after it are.",
)


def _append_rows(  # noqa: PLR0917 - one private call site
    result: ParsedTable,
    cells: list[Texts],
    plan: list[tuple[int, str, Callable[[Any], Texts]]],
    by_field: dict[str, Any],
    first_row: int,
    rows: int,
    positions_of: tuple[str | None, ...],
) -> None:
    named = [(index, name, by_field[name]) for index, name, _ in plan]
    append = result.rows.append
    for offset in range(rows):
        row = first_row + offset
        raw: dict[str, Any] = {}
        bad: tuple[int, Text] | None = None
        for (index, name, convert), column in zip(named, cells, strict=True):
            value = column[offset]
            if value is None:
                continue
            if value is NOT_TEXT:
                bad = (index, _NOT_UTF8)
                break
            size = sum(map(len, value)) + len(value) if isinstance(value, list) else len(value)
            if size > MAX_CELL:
                bad = (index, _TOO_LONG)
                break
            if not value:
                continue  # an empty string or list: absent, as an empty CSV cell
            raw[name] = value if isinstance(value, list) or convert is None else convert(value)
        if bad is not None:
            result.problems.append(
                ReadProblem(rule="D000", text=bad[1], mark=Mark(row, bad[0] + 1))
            )
            continue
        append(TableRow(raw, GridRowPositions(row, positions_of)))
