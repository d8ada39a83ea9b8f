"""The same table written as Parquet: for tests that a CSV and a Parquet table agree.

:func:`parquet_of_csv` turns a CSV table's bytes into the Parquet file holding
the same cells, row for row (blank rows left out, as the CSV reader leaves them
out). With ``typed``, each column takes the narrowest Parquet type that reads
back as the same text (``docs/data-format.md``, "Parquet"): booleans, integers,
dates, decimals of one scale, and lists for the list fields; any other column
stays a string column. Empty cells are nulls.

pyarrow is imported only when a file is written.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from decimal import Decimal
from typing import Any

from guabao_rules.models import COLLECTIONS
from guabao_rules.sources.csvsource import LIST_SEPARATOR, header_names, list_fields

__all__ = ["parquet_of_csv", "parquet_of_rows"]

_INTEGER = re.compile(r"0|-?[1-9][0-9]{0,17}")
_DECIMAL = re.compile(r"[0-9]+\.([0-9]{1,2})")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _is_day(text: str) -> bool:
    if not _DAY.fullmatch(text):
        return False
    try:
        return date.fromisoformat(text).isoformat() == text and text[:4] != "0000"
    except ValueError:
        return False


def _typed(cells: list[str | None], is_list: bool) -> tuple[Any, list[Any]]:
    """The narrowest Arrow type that reads back as ``cells``, and the cells as its values."""
    import pyarrow as pa

    present = [cell for cell in cells if cell is not None]
    if is_list:
        return pa.list_(pa.string()), [
            None if cell is None else [item.strip() for item in cell.split(LIST_SEPARATOR)]
            for cell in cells
        ]
    if not present:
        return pa.string(), cells
    if all(cell in ("true", "false") for cell in present):
        return pa.bool_(), [None if cell is None else cell == "true" for cell in cells]
    if all(_INTEGER.fullmatch(cell) for cell in present):
        return pa.int64(), [None if cell is None else int(cell) for cell in cells]
    if all(_is_day(cell) for cell in present):
        return pa.date32(), [None if cell is None else date.fromisoformat(cell) for cell in cells]
    scales = {len(m.group(1)) if (m := _DECIMAL.fullmatch(cell)) else None for cell in present}
    if len(scales) == 1 and None not in scales:
        (scale,) = scales
        assert scale is not None
        return pa.decimal128(38, scale), [None if cell is None else Decimal(cell) for cell in cells]
    return pa.string(), cells


def parquet_of_rows(
    header: list[str],
    rows: list[list[str | None]],
    *,
    collection: str | None = None,
    typed: bool = False,
    row_group_rows: int | None = None,
) -> bytes:
    """A Parquet file of ``rows`` under ``header`` (None or ``""``: an empty cell).

    Args:
        header: The column names.
        rows: The cells of each row (short rows end in empty cells).
        collection: The table's collection (its list fields become list columns when typed).
        typed: Give each column the narrowest type that reads back as the same text.
        row_group_rows: Rows per row group (default: pyarrow's).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    model = COLLECTIONS.get(collection or "")
    names = header_names(model) if model is not None else {}
    lists = list_fields(model) if model is not None else frozenset()
    fields = []
    arrays = []
    for index, name in enumerate(header):
        cells = [(row[index] or None) if index < len(row) else None for row in rows]
        if typed:
            kind, values = _typed(cells, names.get(name.strip()) in lists)
        else:
            kind, values = pa.string(), cells
        fields.append(pa.field(name, kind))
        arrays.append(pa.array(values, kind))
    table = pa.Table.from_arrays(arrays, schema=pa.schema(fields))
    out = io.BytesIO()
    pq.write_table(table, out, row_group_size=row_group_rows)
    return out.getvalue()


def parquet_of_csv(
    data: bytes, *, collection: str | None = None, typed: bool = False, **options: Any
) -> bytes:
    """The Parquet file holding the cells of a UTF-8 CSV table, row for row.

    Args:
        data: The CSV file's bytes (a header row, then the rows).
        collection: The table's collection (its list fields become list columns when typed).
        typed: Give each column the narrowest type that reads back as the same text.
        **options: Passed to :func:`parquet_of_rows` (``row_group_rows``).
    """
    text = data.decode("utf-8").removeprefix("\ufeff")
    parsed = [
        cells
        for cells in csv.reader(io.StringIO(text, newline=""))
        if cells and (len(cells) > 1 or cells[0].strip())
    ]
    if not parsed:
        return parquet_of_rows([], [], collection=collection, typed=typed, **options)
    header, *rows = parsed
    body: list[list[str | None]] = [list(row) for row in rows]
    return parquet_of_rows(header, body, collection=collection, typed=typed, **options)
