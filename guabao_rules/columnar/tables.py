"""Arrow tables of the collections, typed from the pydantic models.

The models are the one source of a table's schema: each flat field becomes a
column of the type the query contract (:mod:`guabao_rules.kinds.query`)
names: ids, references, periods and literals as strings, days as
``date32``, amounts as ``decimal128(38, 2)``, counts as ``int64``, flags as
``bool`` and lists of references as ``list<string>``. Each amount column
``x`` has a ``_digits_x`` column (``int8``): the fraction digits the amount
was written with (``300000`` has 0, ``"300000.50"`` 2), which a decimal(38, 2)
column does not keep and an exact sum shows (:mod:`guabao_rules.kinds.sum`).
The table :data:`~guabao_rules.kinds.query.RECORD_IDS` lists the id of every
record read, valid or not: the ids a finding may name. Nested models (a
project's milestones, its targets) have no column: no compiled kind reads
them, and a compiler asking for one raises
:class:`~guabao_rules.kinds.query.CompileError`, so the rule runs in Python.

pyarrow is imported only when a table is built.
"""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel

from guabao_rules.models import COLLECTIONS, Record

if TYPE_CHECKING:
    import pyarrow as pa

    from guabao_rules.dataset import Dataset

ColumnType = Literal["string", "date", "decimal", "int", "bool", "strings"]
"""A column's type in the contract, before it is an Arrow type."""


def _column_type(annotation: Any) -> ColumnType | None:
    """The contract type of a field's annotation, or None for a nested or free field."""
    origin = typing.get_origin(annotation)
    if origin is typing.Union or origin is types.UnionType:
        kinds = {_column_type(a) for a in typing.get_args(annotation) if a is not type(None)}
        return kinds.pop() if len(kinds) == 1 else None
    if origin is typing.Annotated:
        return _column_type(typing.get_args(annotation)[0])
    if origin is Literal:
        return "string" if all(isinstance(a, str) for a in typing.get_args(annotation)) else None
    if origin is list:
        (item,) = typing.get_args(annotation)
        return "strings" if _column_type(item) == "string" else None
    if annotation is bool:
        return "bool"
    if annotation is int:
        return "int"
    if annotation is str:
        return "string"
    if annotation is date:
        return "date"
    if annotation is Decimal:
        return "decimal"
    return None


@functools.cache
def columns_of(model: type[BaseModel]) -> dict[str, ColumnType]:
    """The flat fields of ``model`` and their contract types, in the model's order."""
    out: dict[str, ColumnType] = {}
    for name, info in model.model_fields.items():
        kind = _column_type(info.annotation)
        if kind is not None:
            out[name] = kind
    return out


def arrow_type(kind: ColumnType) -> pa.DataType:
    """The Arrow type of a contract type."""
    import pyarrow as pa

    return {
        "string": pa.string(),
        "date": pa.date32(),
        "decimal": pa.decimal128(38, 2),
        "int": pa.int64(),
        "bool": pa.bool_(),
        "strings": pa.list_(pa.string()),
    }[kind]


def digits_column(name: str) -> str:
    """The column holding the fraction digits each amount of column ``name`` was written with."""
    return f"_digits_{name}"


def fraction_digits(amount: Decimal | None) -> int | None:
    """How many fraction digits ``amount`` was written with (its exponent, never below 0)."""
    if amount is None:
        return None
    exponent = amount.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def arrow_schema(model: type[Record]) -> pa.Schema:
    """The Arrow schema of a collection's table: its flat fields, ``_file`` and ``_ordinal``."""
    import pyarrow as pa

    fields = [pa.field(name, arrow_type(kind)) for name, kind in columns_of(model).items()]
    fields += [
        pa.field(digits_column(name), pa.int8())
        for name, kind in columns_of(model).items()
        if kind == "decimal"
    ]
    fields += [pa.field("_file", pa.string()), pa.field("_ordinal", pa.int64())]
    return pa.schema(fields)


QUERY_AMOUNT_LIMIT: Decimal = Decimal(10) ** 36
"""The first amount a ``decimal(38, 2)`` column cannot hold (DuckDB's and Spark's widest).

The data format bounds no amount, so a valid record may carry a larger one;
the query engines then run every rule in Python (:class:`AmountOutOfRange`).
"""

QUERY_AMOUNT_CHARS: int = 36
"""An amount cell of at most this many characters is below :data:`QUERY_AMOUNT_LIMIT`."""


class AmountOutOfRange(ValueError):
    """A valid amount too large for the query engines' decimal columns."""


def table_of(model: type[Record], records: Iterable[tuple[Record, str]]) -> pa.Table:
    """The Arrow table of some records of ``model``, with the file each was read from.

    Raises:
        AmountOutOfRange: A record's amount is :data:`QUERY_AMOUNT_LIMIT` or more.
    """
    import pyarrow as pa

    kinds = columns_of(model)
    amounts = [name for name, kind in kinds.items() if kind == "decimal"]
    digits = {name: digits_column(name) for name in amounts}
    values: dict[str, list[Any]] = {
        name: [] for name in (*kinds, *digits.values(), "_file", "_ordinal")
    }
    for ordinal, (record, file) in enumerate(records):
        for name in kinds:
            values[name].append(getattr(record, name))
        for name, column in digits.items():
            amount = getattr(record, name)
            if amount is not None and abs(amount) >= QUERY_AMOUNT_LIMIT:
                raise AmountOutOfRange(f"{model.__name__}.{name} = {amount}")
            values[column].append(fraction_digits(amount))
        values["_file"].append(file)
        values["_ordinal"].append(ordinal)
    return pa.table(values, schema=arrow_schema(model))


def dataset_tables(dataset: Dataset) -> Mapping[str, pa.Table]:
    """One Arrow table per collection: the valid records (the first of each id), in order.

    These are the rows the Python evaluators see (``index.by_collection``),
    so a query over them answers for the same records. Beside them,
    :data:`~guabao_rules.kinds.query.RECORD_IDS` holds every id read (invalid
    records too: a finding names them as related, as the index does).
    """
    import pyarrow as pa

    from guabao_rules.kinds.query import RECORD_IDS

    by_collection = dataset.index.by_collection
    out = {RECORD_IDS: pa.table({"id": pa.array(list(dataset.by_id), pa.string())})}
    bulk = getattr(dataset, "bulk", None)
    for collection, model in COLLECTIONS.items():
        entries = by_collection.get(collection, ())
        # The columnar reader's own table, when it holds every one of these records.
        given: Any = getattr(bulk, "query_table", None)
        table = None
        if given is not None and model.bulk:
            table = given(collection, sum(1 for e in entries if e.model is not None))
        if table is not None:
            out[collection] = table
            continue
        out[collection] = table_of(
            model, ((e.model, e.source.file) for e in entries if e.model is not None)
        )
    return out
