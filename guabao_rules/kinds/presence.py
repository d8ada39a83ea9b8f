"""``presence``: fields the selected subjects must have (S101: the standard project file)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from guabao_rules.diagnostics import Text, Violation
from guabao_rules.engine.context import RuleContext
from guabao_rules.kinds.query import CompileError, Tables, selected, where_filter
from guabao_rules.kinds.schema import Bilingual, Bound, Selector, Strict, WhereValue
from guabao_rules.kinds.select import bound, field_value, matches, select
from guabao_rules.models import Record

if TYPE_CHECKING:
    import ibis.expr.types as ir


class PresenceField(Strict):
    """A field of the subject that must not be missing.

    Missing means absent, null, an empty string or an empty list; with ``min``,
    also a number below it or a list shorter than it. ``path`` is a dotted
    field path, or several alternatives of which one present is enough.
    ``when`` requires the field only of subjects that match it.
    """

    path: str | list[str] = Field(min_length=1)
    label: Bilingual | None = None
    when: dict[str, WhereValue] = Field(default_factory=dict)
    min: Bound = None

    @property
    def paths(self) -> list[str]:
        """The alternative paths, as a list."""
        return [self.path] if isinstance(self.path, str) else list(self.path)


class PresenceConstraint(Strict):
    """Field presence: the selected subjects must have every listed field.

    One violation per subject lists every missing field (``missing``).
    """

    kind: Literal["presence"]
    select: Selector
    fields: list[PresenceField] = Field(min_length=1)


def is_missing(value: Any, minimum: int | None = None) -> bool:
    """Whether a field value is missing: absent, null, empty string or empty list.

    With ``minimum``, a number below it or a list shorter than it is missing too.
    """
    if value is None or value == "":
        return True
    if isinstance(value, list | tuple):
        return len(value) < max(minimum or 0, 1)
    if minimum is not None and isinstance(value, int | Decimal) and not isinstance(value, bool):
        return value < minimum
    return False


def _field_missing(ctx: RuleContext, record: Record, item: PresenceField) -> bool:
    minimum = bound(item.min, ctx.params)
    return all(is_missing(field_value(record, path), minimum) for path in item.paths)


def _path_text(item: PresenceField) -> Text:
    """An unlabelled field named by its path (alternatives joined)."""
    return Text(zh=" 或 ".join(item.paths), en=" or ".join(item.paths))


def _violation(subject: str | None, missing: list[PresenceField]) -> Violation:
    labels = [item.label or _path_text(item) for item in missing]
    # One missing field is the field at fault; several point at the record.
    field = tuple(missing[0].paths[0].split(".")) if len(missing) == 1 else None
    return Violation(subject, {"missing": labels, "count": len(missing)}, field=field)


def evaluate(ctx: RuleContext, constraint: PresenceConstraint) -> Iterator[Violation]:
    """A violation for each subject with missing fields, listing them all."""
    for subject, record in select(ctx, constraint.select):
        if record is None:
            continue
        missing = [
            item
            for item in constraint.fields
            if (not item.when or matches(record, item.when, ctx.params))
            and _field_missing(ctx, record, item)
        ]
        if missing:
            yield _violation(subject, missing)


def _missing_column(table: ir.Table, path: str, minimum: int | None) -> ir.BooleanValue:
    """``is_missing`` of a flat column, as an expression."""
    if "." in path or path not in table.columns:
        raise CompileError(f"{path!r} is not a flat field (nested paths do not compile)")
    column = table[path]
    kind = column.type()
    if kind.is_array():
        return column.isnull() | (column.length() < max(minimum or 0, 1))
    if kind.is_string():
        return column.isnull() | (column == "")
    if minimum is not None and (kind.is_integer() or kind.is_decimal()):
        return column.isnull() | (column < minimum)
    return column.isnull()


def compile_query(
    constraint: PresenceConstraint, params: Mapping[str, Any], tables: Tables, as_of: date
) -> ir.Table:
    """The subjects missing a field, with a flag ``missing_<n>`` per listed field.

    Raises:
        CompileError: A nested path, or a selector that does not compile.
    """
    import ibis

    subjects = selected(tables, constraint.select, params)
    if constraint.select.ids is not None:
        raise CompileError("a presence over listed ids does not compile")
    flags = {}
    for n, item in enumerate(constraint.fields):
        minimum = bound(item.min, params)
        missing = ibis.and_(*(_missing_column(subjects, p, minimum) for p in item.paths))
        if item.when:
            matching = where_filter(subjects.view(), item.when, params).select(_when="subject")
            missing = missing & subjects.subject.isin(matching._when)
        flags[f"missing_{n}"] = missing
    rows = subjects.select(subject=subjects.subject, **flags)
    return rows.filter(ibis.or_(*(rows[name] for name in flags)))


def violations(
    constraint: PresenceConstraint, params: Mapping[str, Any], rows: Iterable[Mapping[str, Any]]
) -> Iterator[Violation]:
    """The violations of the compiled query's rows, as :func:`evaluate` yields them."""
    for row in rows:
        missing = [f for n, f in enumerate(constraint.fields) if row[f"missing_{n}"]]
        if missing:
            yield _violation(row["subject"], missing)
