"""Arrow tables of the collections, typed from the pydantic models.

The models are the one source of a table's schema: each flat field becomes a
column of the type the query contract (:mod:`guabao_rules.kinds.query`)
names: ids, references, periods and literals as strings, days as
``date32``, amounts as ``decimal128(38, 2)``, counts as ``int64``, flags as
``bool`` and lists of references as ``list<string>``. Each amount column
``x`` has a ``_digits_x`` column (``int8``): the fraction digits the amount
was written with (``300000`` has 0, ``"300000.50"`` 2), which a decimal(38, 2)
column does not keep and an exact sum shows (:mod:`guabao_rules.kinds.sum`).
The table ``_ids`` (:data:`~guabao_rules.kinds.query.RECORD_IDS`, below)
lists every record read, valid or not: the ids a finding may name. Nested models (a
project's milestones, its targets) have no column: no compiled kind reads
them, and a compiler asking for one raises
:class:`~guabao_rules.kinds.query.CompileError`, so the rule runs in Python.
A reference inside a nested model (a project's ``performance.beneficiaries``)
has a column of its own, named by its path joined with ``__``
(:func:`reference_column`), so D002 reads every reference from the tables.

Beside the collections, :func:`dataset_tables` gives the tables of the
reader's work, which the ``reader`` and ``reference`` kinds query
(:data:`READER_TABLES`; the columnar reader fills the same schemas):

``_ids``
    Every record read, duplicates and invalid records included, in reading
    order: ``id`` (null when it has no usable one), ``collection``,
    ``valid`` (it passed validation), ``_seq`` (its place in reading order),
    and where it starts: ``_file``, ``_line``, ``_column``, ``_cell`` (a
    workbook's ``Sheet!C12``). The first row of an id is the record its
    references resolve to; a later one is a D001.
``_files``
    Every data file read: ``file``, ``_seq``.
``_problems``
    The readers' findings about the bytes (D000, D003, D007), one row per
    finding after the readers merged those of one id: ``_seq`` (reading
    order), ``rule``, ``subject`` (null: about a file, a header cell or a
    record without an id), where it points (``file``, ``line``, ``column``,
    ``cell``), ``field`` (the JSON array of the field path at fault, or
    null), the texts ``zh`` and ``en`` (lists: D000 has one, D003 one per
    problem, D007 the repeated keys in both) and ``related`` (null, or the
    JSON array of the other records' ``[subject, file, line, column,
    cell]``, or ``[id]`` for one placed by its id).
``_personal``
    Each value of a valid record that holds personal data (D006): ``id``,
    ``collection``, ``path`` (JSON array), ``kind`` (``id_number`` or
    ``mobile``), ``_seq`` (the record's) and ``item`` (its place in the record).

pyarrow is imported only when a table is built.
"""

from __future__ import annotations

import functools
import json
import types
import typing
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel

from guabao_rules.models import (
    COLLECTIONS,
    REFERENCES,
    Record,
    RefSpec,
    _validate_amount,
    _validate_percent,
)

if TYPE_CHECKING:
    import pyarrow as pa

    from guabao_rules.dataset import Dataset, RecordEntry
    from guabao_rules.diagnostics import SourceRef

ColumnType = Literal["string", "date", "decimal", "percent", "int", "bool", "strings"]
"""A column's type in the contract, before it is an Arrow type."""

PERCENT_SCALE = 35
"""The fraction digits a percentage column holds: ``decimal(38, 35)`` holds 0 to 100 exactly.

A percentage written with more fraction digits has a null there (its
``_digits_`` column says how many it had), and a query that needs it does
not compile (the rule runs in Python).
"""


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


def _decimal_kind(metadata: Iterable[Any]) -> ColumnType | None:
    """An amount or a percentage by its validator; another number (a target's value) has no type."""
    for meta in metadata:
        func = getattr(meta, "func", None)
        if func is _validate_amount:
            return "decimal"
        if func is _validate_percent:
            return "percent"
    return None


@functools.cache
def columns_of(model: type[BaseModel]) -> dict[str, ColumnType]:
    """The flat fields of ``model`` and their contract types, in the model's order."""
    out: dict[str, ColumnType] = {}
    for name, info in model.model_fields.items():
        kind = _column_type(info.annotation)
        if kind == "decimal":
            kind = _decimal_kind(info.metadata)
        if kind is not None:
            out[name] = kind
    return out


def _nested(annotation: Any) -> tuple[type[BaseModel] | None, bool]:
    """The nested model of a field's annotation, and whether the field is a list of them."""
    origin = typing.get_origin(annotation)
    if origin is typing.Union or origin is types.UnionType:
        found = [_nested(a) for a in typing.get_args(annotation) if a is not type(None)]
        return found[0] if len(found) == 1 else (None, False)
    if origin is list:
        inner, many = _nested(typing.get_args(annotation)[0])
        return (inner, True) if inner is not None and not many else (None, False)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    return None, False


@functools.cache
def nested_columns(model: type[BaseModel]) -> dict[str, tuple[tuple[str, ...], ColumnType]]:
    """The flat fields inside ``model``'s nested models (not lists of them), by column.

    A column is named by its path joined with ``__`` (``milestones__in_library``),
    so a dotted path of a rule (``milestones.in_library``) names it.
    """
    out: dict[str, tuple[tuple[str, ...], ColumnType]] = {}
    for name, info in model.model_fields.items():
        inner, many = _nested(info.annotation)
        if inner is None or many:
            continue
        for field, kind in columns_of(inner).items():
            out[f"{name}__{field}"] = ((name, field), kind)
        for column, (path, kind) in nested_columns(inner).items():
            out[f"{name}__{column}"] = ((name, *path), kind)
    return out


@functools.cache
def item_lists(model: type[BaseModel]) -> dict[str, tuple[tuple[str, ...], type[BaseModel]]]:
    """The lists of nested models in ``model`` (also inside its nested models), by path suffix.

    Each has a table of its own (:func:`item_tables`): a project's ``progress``
    is ``projects__progress``, its ``performance.targets``
    ``projects__performance__targets``.
    """
    out: dict[str, tuple[tuple[str, ...], type[BaseModel]]] = {}
    for name, info in model.model_fields.items():
        inner, many = _nested(info.annotation)
        if inner is None:
            continue
        if many:
            out[name] = ((name,), inner)
            continue
        for suffix, (path, item) in item_lists(inner).items():
            out[f"{name}__{suffix}"] = ((name, *path), item)
    return out


def arrow_type(kind: ColumnType) -> pa.DataType:
    """The Arrow type of a contract type."""
    import pyarrow as pa

    return {
        "string": pa.string(),
        "date": pa.date32(),
        "decimal": pa.decimal128(38, 2),
        "percent": pa.decimal128(38, PERCENT_SCALE),
        "int": pa.int64(),
        "bool": pa.bool_(),
        "strings": pa.list_(pa.string()),
    }[kind]


def reference_column(spec: RefSpec) -> str:
    """The column holding a reference field: its name, or its nested path joined by ``__``."""
    return "__".join(spec.path)


def nested_references(model: type[Record]) -> tuple[RefSpec, ...]:
    """The reference fields of ``model`` inside its nested models (a column each)."""
    collection = next(c for c, m in COLLECTIONS.items() if m is model)
    return tuple(spec for spec in REFERENCES[collection] if len(spec.path) > 1)


def digits_column(name: str) -> str:
    """The column holding the fraction digits each amount of column ``name`` was written with."""
    return f"_digits_{name}"


def fraction_digits(amount: Decimal | None) -> int | None:
    """How many fraction digits ``amount`` was written with (its exponent, never below 0)."""
    if amount is None:
        return None
    exponent = amount.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def text_column(name: str) -> str:
    """The column holding each percentage of column ``name`` as the messages print it."""
    return f"_text_{name}"


def _flat_columns(model: type[Record]) -> dict[str, tuple[tuple[str, ...], ColumnType]]:
    """Every column of a collection's own fields: flat ones, then those of nested models.

    A reference inside a nested model (:func:`nested_references`) is among
    the nested columns; one inside a list of nested models has a column of
    its own after them.
    """
    out: dict[str, tuple[tuple[str, ...], ColumnType]] = {
        name: ((name,), kind) for name, kind in columns_of(model).items()
    }
    out.update(nested_columns(model))
    for spec in nested_references(model):
        column = reference_column(spec)
        if column not in out:
            out[column] = (spec.path, "strings" if spec.many else "string")
    return out


def _value_fields(kinds: Mapping[str, ColumnType]) -> list[pa.Field]:
    """The columns of some values, then the digits (and texts) of their numbers."""
    import pyarrow as pa

    fields = [pa.field(name, arrow_type(kind)) for name, kind in kinds.items()]
    fields += [
        pa.field(digits_column(name), pa.int8())
        for name, kind in kinds.items()
        if kind in ("decimal", "percent")
    ]
    fields += [
        pa.field(text_column(name), pa.string())
        for name, kind in kinds.items()
        if kind == "percent"
    ]
    return fields


def file_type() -> pa.DataType:
    """The type of every ``_file`` column: each file's path once, not once a row.

    A province's rows name 1,810 files: as plain strings the paths took about
    a fifth of the bulk tables' memory (152 -> 124 MiB at 10^6 records).
    DuckDB and ibis read the column as text.
    """
    import pyarrow as pa

    return pa.dictionary(pa.int32(), pa.string())


def file_column(rel: str, rows: int) -> pa.Array:
    """A ``_file`` column of ``rows`` rows, all of file ``rel``."""
    import numpy as np
    import pyarrow as pa

    return pa.DictionaryArray.from_arrays(pa.array(np.zeros(rows, np.int32)), pa.array([rel]))


def decoded(table: pa.Table) -> pa.Table:
    """The table with its dictionary columns (``_file``) as plain ones."""
    import pyarrow as pa

    fields = [
        field.with_type(field.type.value_type) if pa.types.is_dictionary(field.type) else field
        for field in table.schema
    ]
    return table.cast(pa.schema(fields))


def arrow_schema(model: type[Record]) -> pa.Schema:
    """The Arrow schema of a collection's table.

    Its flat fields, the flat fields of its nested models and its nested
    references (``a__b``), the written digits of each amount, ``_file`` and
    ``_ordinal``.
    """
    import pyarrow as pa

    kinds = {name: kind for name, (_, kind) in _flat_columns(model).items()}
    fields = _value_fields(kinds)
    fields += [pa.field("_file", file_type()), pa.field("_ordinal", pa.int64())]
    return pa.schema(fields)


def item_schema(item: type[BaseModel]) -> pa.Schema:
    """The Arrow schema of a table of nested items (:func:`item_tables`).

    ``_owner`` (the record's id), ``_item`` (the item's place in its list),
    the item's flat fields with their digits, and the record's ``_file`` and
    ``_ordinal``.
    """
    import pyarrow as pa

    fields = [pa.field("_owner", pa.string()), pa.field("_item", pa.int64())]
    fields += _value_fields(columns_of(item))
    fields += [pa.field("_file", file_type()), pa.field("_ordinal", pa.int64())]
    return pa.schema(fields)


QUERY_AMOUNT_LIMIT: Decimal = Decimal(10) ** 36
"""The first amount a ``decimal(38, 2)`` column cannot hold (DuckDB's and Spark's widest).

The data format bounds no amount, so a valid record may carry a larger one;
the query engines then run every rule in Python (:class:`AmountOutOfRange`).
"""

QUERY_AMOUNT_CHARS: int = 36
"""An amount cell of at most this many characters is below :data:`QUERY_AMOUNT_LIMIT`."""


class AmountOutOfRange(ValueError):
    """A valid amount, or a column's total, too large for the query engines' decimals.

    Attributes:
        zh: What does not fit, in Chinese.
        en: What does not fit, in English.
    """

    def __init__(self, *, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh = zh
        self.en = en


def _check_totals(collection: str, table: pa.Table) -> None:
    """Refuse a table whose amounts could add up past what a query's sum can hold.

    A rule sums part of one amount column, so a column whose total stays under
    the bound never overflows a query's ``decimal(38, 2)`` sum. The total is
    taken in floating point: it only decides the engine, never a finding, and
    the bound keeps a tenfold margin for the rounding.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    for field in table.schema:
        if not pa.types.is_decimal(field.type):
            continue
        total = pc.sum(pc.abs(pc.cast(table[field.name], pa.float64()))).as_py() or 0.0
        if total >= float(QUERY_AMOUNT_LIMIT) / 10:
            raise AmountOutOfRange(
                zh=f"{collection}.{field.name} 的合计(约 {total:.1e})",
                en=f"the total of {collection}.{field.name} (about {total:.1e})",
            )


def _path_value(record: Record, path: tuple[str, ...]) -> Any:
    value: Any = record
    for part in path:
        value = getattr(value, part, None)
    return value


def table_of(model: type[Record], records: Iterable[tuple[Record, str]]) -> pa.Table:
    """The Arrow table of some records of ``model``, with the file each was read from.

    Raises:
        AmountOutOfRange: A record's amount is :data:`QUERY_AMOUNT_LIMIT` or more.
    """
    import pyarrow as pa

    schema = arrow_schema(model)
    columns = _flat_columns(model)
    values: dict[str, list[Any]] = {name: [] for name in schema.names}
    for ordinal, (record, file) in enumerate(records):
        for name, (path, kind) in columns.items():
            _append(values, name, kind, _path_value(record, path), model.__name__)
        values["_file"].append(file)
        values["_ordinal"].append(ordinal)
    return pa.table(values, schema=schema)


def _append(
    values: dict[str, list[Any]], name: str, kind: ColumnType, value: Any, owner: str
) -> None:
    """One value into its column, with its digits (and text) for a number."""
    if kind == "decimal":
        if value is not None and value.copy_abs() >= QUERY_AMOUNT_LIMIT:  # exact: no context
            where = f"{owner}.{name} = {value}"
            raise AmountOutOfRange(zh=f"金额 {where}", en=f"the amount {where}")
        values[digits_column(name)].append(fraction_digits(value))
    elif kind == "percent":
        digits = fraction_digits(value)
        fits = digits is not None and digits <= PERCENT_SCALE
        values[digits_column(name)].append(None if digits is None else min(digits, 127))
        values[text_column(name)].append(f"{value:f}" if fits else None)
        value = value if fits else None
    values[name].append(value)


def item_table_name(collection: str, suffix: str) -> str:
    """The table of a list of nested models in a collection's records: ``projects__progress``.

    One row per item: ``_owner`` (the record's id), ``_item`` (the item's
    place in its list), the item's flat fields, the record's ``_file`` and
    ``_ordinal`` (:func:`item_tables`). ``suffix``
    is the list's path joined with ``__`` (``performance__targets``).
    """
    return f"{collection}__{suffix}"


def item_tables(
    collection: str, model: type[Record], records: Iterable[tuple[Record, str]]
) -> dict[str, pa.Table]:
    """The tables of the lists of nested models of some records, one row per item.

    Rows come by record (its ``_ordinal``, as in :func:`table_of`), then by
    the item's place in its list.
    """
    import pyarrow as pa

    lists = item_lists(model)
    if not lists:
        return {}
    schemas = {suffix: item_schema(item) for suffix, (_, item) in lists.items()}
    values: dict[str, dict[str, list[Any]]] = {
        suffix: {n: [] for n in schema.names} for suffix, schema in schemas.items()
    }
    for ordinal, (record, file) in enumerate(records):
        for suffix, (path, item) in lists.items():
            out: dict[str, list[Any]] = values[suffix]
            for place, element in enumerate(_path_value(record, path) or ()):
                out["_owner"].append(record.id)
                out["_item"].append(place)
                for name, kind in columns_of(item).items():
                    _append(out, name, kind, getattr(element, name), item.__name__)
                out["_file"].append(file)
                out["_ordinal"].append(ordinal)
    return {
        item_table_name(collection, suffix): pa.table(values[suffix], schema=schemas[suffix])
        for suffix in lists
    }


def dataset_tables(dataset: Dataset) -> Mapping[str, pa.Table]:
    """One Arrow table per collection, and the reader's tables (:data:`READER_TABLES`).

    A collection's rows are the valid records (the first of each id), in
    order: the rows the Python evaluators see (``index.by_collection``), so a
    query over them answers for the same records. ``_ids``
    (:data:`~guabao_rules.kinds.query.RECORD_IDS`) holds every record read
    (invalid records too: a finding names them as related, as the index does).

    Raises:
        AmountOutOfRange: An amount, or an amount column's total, does not fit
            a query's ``decimal(38, 2)``.
    """
    by_collection = dataset.index.by_collection
    out = {}
    bulk = getattr(dataset, "bulk", None)
    for collection, model in COLLECTIONS.items():
        entries = by_collection.get(collection, ())
        # The columnar reader's own table, when it holds every one of these records.
        given: Any = getattr(bulk, "query_table", None)
        table = None
        if given is not None and model.bulk:
            deferred = dataset.deferred.count(collection) if dataset.deferred is not None else 0
            table = given(collection, sum(1 for e in entries if e.model is not None) + deferred)
        if table is None and collection in getattr(dataset.deferred, "collections", set)():
            # Its rows are not the table's alone (never expected): as records, then.
            dataset.make_records([collection], reason="its query table")
            entries = dataset.index.by_collection.get(collection, ())
        records: list[tuple[Record, str]] = []
        if table is None or item_lists(model):  # never for a bulk table read columnar
            records = [(e.model, e.source.file) for e in entries if e.model is not None]
        if table is None:
            table = table_of(model, records)
        _check_totals(collection, table)
        out[collection] = table
        out.update(item_tables(collection, model, records))
    out.update(reader_tables(dataset))
    return out


READER_TABLES = ("_ids", "_files", "_problems", "_personal")
# ``_ids`` is the contract's RECORD_IDS (kinds.query): one name, two homes would drift.
"""The tables of the reader's work beside the collections (see the module's docstring)."""

READ_PROBLEM_RULES = ("D000", "D003", "D007")
"""The findings ``_problems`` holds: those about the bytes, made while reading."""


def _place(ref: SourceRef | None) -> tuple[str | None, int | None, int | None, str | None]:
    if ref is None:
        return (None, None, None, None)
    mark = ref.mark
    return (ref.file, mark.line if mark else None, mark.column if mark else None, ref.cell)


def json_path(path: Iterable[Any] | None) -> str | None:
    """A field path as a JSON array (keys and indexes); None for no path.

    A key YAML gave as another scalar (a date, a float) is written as text:
    the path only places a finding that already has its place.
    """
    return None if path is None else json.dumps(list(path), ensure_ascii=False, default=str)


def reader_tables(dataset: Dataset) -> dict[str, pa.Table]:
    """The ``_ids``, ``_files``, ``_problems`` and ``_personal`` tables of a loaded dataset."""
    import pyarrow as pa

    seq: dict[int, int] = {}
    ids: dict[str, list[Any]] = {
        k: [] for k in ("id", "collection", "valid", "_seq", "_file", "_line", "_column", "_cell")
    }
    rows = getattr(dataset.deferred, "reader_rows", None)
    if rows is not None:  # deferred rows: their places in reading order, as columns
        made = rows(dataset)
        return {
            "_ids": made["_ids"],
            "_files": _files(dataset),
            "_problems": _problems_table(dataset),
            "_personal": pa.table(made["_personal"], schema=PERSONAL_SCHEMA()),
        }
    for n, entry in enumerate(dataset.made):
        seq[id(entry)] = n
        ids["id"].append(entry.id)
        ids["collection"].append(entry.collection)
        ids["valid"].append(entry.model is not None)
        ids["_seq"].append(n)
        for name, value in zip(
            ("_file", "_line", "_column", "_cell"), _place(entry.source), strict=True
        ):
            ids[name].append(value)
    return {
        "_ids": pa.table(ids, schema=ID_SCHEMA()),
        "_files": _files(dataset),
        "_problems": _problems_table(dataset),
        "_personal": _personal_table(dataset.index.by_collection, seq),
    }


def ID_SCHEMA() -> pa.Schema:
    """The schema of ``_ids``."""
    import pyarrow as pa

    string, integer = pa.string(), pa.int64()
    return pa.schema(
        [
            ("id", string),
            ("collection", string),
            ("valid", pa.bool_()),
            ("_seq", integer),
            ("_file", file_type()),
            ("_line", integer),
            ("_column", integer),
            ("_cell", string),
        ]
    )


def _files(dataset: Dataset) -> pa.Table:
    import pyarrow as pa

    return pa.table(
        {"file": dataset.files, "_seq": list(range(len(dataset.files)))},
        schema=pa.schema([("file", pa.string()), ("_seq", pa.int64())]),
    )


def _problems_table(dataset: Dataset) -> pa.Table:
    import pyarrow as pa

    names = ("_seq", "rule", "subject", "file", "line", "column", "cell", "field", "zh", "en")
    rows: dict[str, list[Any]] = {name: [] for name in (*names, "related")}
    for n, issue in enumerate(dataset.issues):
        if issue.rule not in READ_PROBLEM_RULES:
            continue
        violation = issue.violation
        if issue.rule == "D000":
            texts = [violation.args["problem"]]
            zh, en = [t.zh for t in texts], [t.en for t in texts]
        elif issue.rule == "D003":
            texts = list(violation.args["problems"])
            zh, en = [t.zh for t in texts], [t.en for t in texts]
        else:  # D007: the keys, the same in both languages
            zh = en = [str(key) for key in violation.args["keys"]]
        related = [
            [item[0], *_place(item[1])] if isinstance(item, tuple) else [item]
            for item in violation.related
        ]
        values = (
            n,
            issue.rule,
            violation.subject,
            *_place(violation.at),
            json_path(violation.field),
            zh,
            en,
        )
        for name, value in zip(names, values, strict=True):
            rows[name].append(value)
        rows["related"].append(json.dumps(related, ensure_ascii=False) if related else None)
    string, integer, strings = pa.string(), pa.int64(), pa.list_(pa.string())
    schema = pa.schema(
        [
            ("_seq", integer),
            ("rule", string),
            ("subject", string),
            ("file", string),
            ("line", integer),
            ("column", integer),
            ("cell", string),
            ("field", string),
            ("zh", strings),
            ("en", strings),
            ("related", string),
        ]
    )
    return pa.table(rows, schema=schema)


def _personal_table(
    by_collection: Mapping[str, list[RecordEntry]], seq: Mapping[int, int]
) -> pa.Table:
    import pyarrow as pa

    rows: dict[str, list[Any]] = {
        k: [] for k in ("id", "collection", "path", "kind", "_seq", "item")
    }
    for collection, entries in by_collection.items():
        for entry in entries:
            for item, (path, kind) in enumerate(entry.personal):
                rows["id"].append(entry.id)
                rows["collection"].append(collection)
                rows["path"].append(json_path(path))
                rows["kind"].append(kind)
                rows["_seq"].append(seq[id(entry)])
                rows["item"].append(item)
    return pa.table(rows, schema=PERSONAL_SCHEMA())


def PERSONAL_SCHEMA() -> pa.Schema:
    """The schema of ``_personal``."""
    import pyarrow as pa

    string, integer = pa.string(), pa.int64()
    return pa.schema(
        [
            ("id", string),
            ("collection", string),
            ("path", string),
            ("kind", string),
            ("_seq", integer),
            ("item", integer),
        ]
    )
