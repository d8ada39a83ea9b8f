"""``reader``: findings the readers make while loading the data.

Files that cannot be read (D000), ids used twice (D001), records that break
the format (D003), keys repeated in one mapping (D007) and values that hold
personal data (D006) are found while the files are read, where the bytes and
positions are at hand. A rule of this kind reports the readers' findings of
one ``finding`` type; it counts as applied to every file or every record.

Compiled (:func:`compile_query`), each finding is a query over the reader's
tables (schemas in :mod:`guabao_rules.columnar.tables`):

- ``duplicate-id`` (D001) over ``_ids``, every record read: the ids held by
  more than one record, each record numbered in reading order. The second
  is the finding, the first is where the id is used (``first``), the third
  and later are related, as the loader merges them.
- ``unreadable``, ``format``, ``duplicate-key`` (D000, D003, D007) over
  ``_problems``: they are found in the bytes, by the reader (the columnar
  reader fills the same table from its failing rows only), so the query
  selects the reader's rows of the rule, in reading order.
- ``personal-data`` (D006) over ``_personal``: the scan reads the values as
  written (notes, unknown fields, integers as their digits, nested models),
  which the collection tables do not hold, so the reader records each hit
  and the query groups them by record, in the index's order.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

from guabao_rules.diagnostics import SourceRef, Text, Violation
from guabao_rules.engine.context import RuleContext
from guabao_rules.i18n import field_name
from guabao_rules.kinds.query import Tables, collection_ranks, repeated_ids, valid_records
from guabao_rules.kinds.schema import Strict
from guabao_rules.sources.positions import Key, Mark

if TYPE_CHECKING:
    import ibis.expr.types as ir

ReaderFinding = Literal["unreadable", "duplicate-id", "format", "duplicate-key", "personal-data"]

LOADER_CODES: dict[str, tuple[str, bool]] = {
    "unreadable": ("D000", True),
    "duplicate-id": ("D001", False),
    "format": ("D003", False),
    "duplicate-key": ("D007", True),
}
"""Each loader finding type: the code the loader tags it with, and whether it is per file."""

PERSONAL_KINDS = {
    "id_number": Text(zh="身份证号", en="resident ID number"),
    "mobile": Text(zh="手机号", en="mobile number"),
}
"""The kinds of personal data the reader recognises, in words."""


class ReaderConstraint(Strict):
    """The readers' findings of one type."""

    kind: Literal["reader"]
    finding: ReaderFinding


def _personal_violation(
    subject: str | None, personal: list[tuple[tuple[Key, ...], str]]
) -> Violation:
    found = [
        Text(
            zh=f"`{field_name(path)}` 含{PERSONAL_KINDS[kind].zh}",
            en=f"`{field_name(path)}` holds a {PERSONAL_KINDS[kind].en}",
        )
        for path, kind in personal
    ]
    path = personal[0][0] if len(personal) == 1 else None
    return Violation(subject, {"problems": found}, field=path)


def _personal_data(ctx: RuleContext) -> Iterator[Violation]:
    for entries in ctx.index.by_collection.values():
        for entry in entries:
            ctx.applied += 1
            if entry.personal:
                yield _personal_violation(entry.id, entry.personal)


def evaluate(ctx: RuleContext, constraint: ReaderConstraint) -> Iterator[Violation]:
    """The readers' findings of the constraint's type, in reading order."""
    if constraint.finding == "personal-data":
        yield from _personal_data(ctx)
        return
    code, per_file = LOADER_CODES[constraint.finding]
    dataset = ctx.dataset
    ctx.applied += len(dataset.files) if per_file else len(dataset)
    for issue in dataset.issues:
        if issue.rule == code:
            yield issue.violation


# --- the compiled form ------------------------------------------------------------


def compile_query(
    constraint: ReaderConstraint, params: Mapping[str, Any], tables: Tables, as_of: date
) -> ir.Table:
    """The rows of the constraint's finding type (see the module's docstring)."""
    import ibis

    del params, as_of
    finding = constraint.finding
    if finding == "duplicate-id":
        ids = tables["_ids"]
        repeated = repeated_ids(tables)  # few: numbered one by one, not every id read
        ids = ids.semi_join(repeated, ids.id == repeated._d_id)
        shared = ids.mutate(_n=ibis.row_number().over(group_by=ids.id, order_by=ids._seq))
        second = shared.filter(shared._n == 1).select(_s_id="id", _order="_seq")
        out = shared.join(second, shared.id == second._s_id)
        out = out.select("_order", "_n", "_file", "_line", "_column", "_cell", subject=out.id)
        return out.order_by("_order", "_n")
    if finding == "personal-data":
        personal = tables["_personal"]
        ranks = collection_ranks(tables)
        ranked = personal.left_join(ranks, personal.collection == ranks._collection)
        out = ranked.select("path", "kind", "_seq", "item", "_rank", subject=ranked.id)
        return out.order_by("_rank", "_seq", "item")
    code, _per_file = LOADER_CODES[finding]
    problems = tables["_problems"]
    out = problems.filter(problems.rule == code)
    return out.order_by("_seq")


def compile_applied(
    constraint: ReaderConstraint, params: Mapping[str, Any], tables: Tables, as_of: date
) -> ir.Scalar:
    """What the rule counts as looked at: every file, every record, or every valid record."""
    del params, as_of
    if constraint.finding == "personal-data":
        return valid_records(tables)
    _code, per_file = LOADER_CODES[constraint.finding]
    return tables["_files" if per_file else "_ids"].count()


def _ref(file: Any, line: Any, column: Any, cell: Any) -> SourceRef | None:
    if file is None:
        return None
    mark = Mark(int(line), int(column)) if line is not None and column is not None else None
    return SourceRef(str(file), mark, None if cell is None else str(cell))


def _path(text: Any) -> tuple[Key, ...] | None:
    return None if text is None else tuple(json.loads(text))


def _related(text: Any) -> tuple[str | tuple[str | None, SourceRef], ...]:
    if text is None:
        return ()
    out: list[str | tuple[str | None, SourceRef]] = []
    for item in json.loads(text):
        if len(item) == 1:
            out.append(str(item[0]))
        else:
            ref = _ref(*item[1:])
            assert ref is not None
            out.append((item[0], ref))
    return tuple(out)


def _duplicates(rows: Iterable[Mapping[str, Any]]) -> Iterator[Violation]:
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for row in sorted(rows, key=lambda r: (r["_order"], r["_n"])):
        groups.setdefault(str(row["subject"]), []).append(row)
    for subject, records in groups.items():
        places = [_ref(r["_file"], r["_line"], r["_column"], r["_cell"]) for r in records]
        assert all(place is not None for place in places)
        first_place, at, *more = places
        assert first_place is not None
        mark = first_place.mark
        yield Violation(
            subject,
            {"first": f"{first_place.file}:{mark.line}" if mark else first_place.file},
            at=at,
            related=tuple((subject, place) for place in (first_place, *more) if place),
        )


def _personal(rows: Iterable[Mapping[str, Any]]) -> Iterator[Violation]:
    ordered = sorted(rows, key=lambda r: (r["_rank"], r["_seq"], r["item"]))
    groups: dict[int, tuple[str | None, list[tuple[tuple[Key, ...], str]]]] = {}
    for row in ordered:
        subject = None if row["subject"] is None else str(row["subject"])
        found = groups.setdefault(int(row["_seq"]), (subject, []))[1]
        found.append((_path(row["path"]) or (), str(row["kind"])))
    for subject, personal in groups.values():
        yield _personal_violation(subject, personal)


def violations(
    constraint: ReaderConstraint, params: Mapping[str, Any], rows: Iterable[Mapping[str, Any]]
) -> Iterator[Violation]:
    """The violations of the compiled query's rows, as :func:`evaluate` yields them."""
    del params
    finding = constraint.finding
    if finding == "duplicate-id":
        yield from _duplicates(rows)
        return
    if finding == "personal-data":
        yield from _personal(rows)
        return
    for row in sorted(rows, key=lambda r: r["_seq"]):
        if finding == "unreadable":
            args: dict[str, Any] = {"problem": Text(zh=row["zh"][0], en=row["en"][0])}
        elif finding == "format":
            texts = zip(row["zh"], row["en"], strict=True)
            args = {"problems": [Text(zh=zh, en=en) for zh, en in texts]}
        else:
            args = {"keys": list(row["zh"])}
        subject = row["subject"]
        yield Violation(
            None if subject is None else str(subject),
            args,
            field=_path(row["field"]),
            at=_ref(row["file"], row["line"], row["column"], row["cell"]),
            related=_related(row["related"]),
        )
