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


def table_of(model: type[Record], records: Iterable[tuple[Record, str]]) -> pa.Table:
    """The Arrow table of some records of ``model``, with the file each was read from."""
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
            values[column].append(fraction_digits(getattr(record, name)))
        values["_file"].append(file)
        values["_ordinal"].append(ordinal)
    return pa.table(values, schema=arrow_schema(model))


def collection_table(dataset: Dataset, collection: str) -> pa.Table:
    """The Arrow table of one collection: its valid records (the first of each id), in order.

    These are the rows the Python evaluators see (``index.by_collection``),
    so a query over them answers for the same records. The table named
    :data:`~guabao_rules.kinds.query.RECORD_IDS` holds every id read (invalid
    records too: a finding names them as related, as the index does).
    """
    import pyarrow as pa

    from guabao_rules.kinds.query import RECORD_IDS

    if collection == RECORD_IDS:
        return pa.table({"id": pa.array(list(dataset.by_id), pa.string())})
    model = COLLECTIONS[collection]
    entries = dataset.index.by_collection.get(collection, ())
    # The columnar reader's own table, when it holds every one of these records.
    given: Any = getattr(getattr(dataset, "bulk", None), "query_table", None)
    if given is not None and model.bulk:
        table = given(collection, sum(1 for e in entries if e.model is not None))
        if table is not None:
            return table
    return table_of(model, ((e.model, e.source.file) for e in entries if e.model is not None))


def table_names() -> tuple[str, ...]:
    """The names of the tables a query may read: every collection and ``RECORD_IDS``."""
    from guabao_rules.kinds.query import RECORD_IDS

    return (RECORD_IDS, *COLLECTIONS)


def dataset_tables(dataset: Dataset) -> Mapping[str, pa.Table]:
    """Every table a query may read (:func:`collection_table`), by name."""
    return {name: collection_table(dataset, name) for name in table_names()}
