"""``sum``: the sum of an amount over related records, held against a bound.

The fund-tracing rules are sums: a fund's allocations and child funds do not
exceed its amount (T003), a project's allocations its budget (T004), an
allocation's disbursements the allocation (T005); a completed project's
disbursements equal its allocations (T010); a project under way is funded to
its budget (S401). Sums are exact (``Decimal`` with unbounded precision).

Each ``term`` is a message argument: the sum of ``field`` over a relation.
The terms named in ``left`` are added (their total is the argument ``total``
names) and compared with ``right``: a field of the subject, another term, or
a parameter. A subject for which ``left op right`` is false is a finding;
``difference`` names the argument holding how far apart the two sides are.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date
from decimal import MAX_PREC, Decimal, localcontext
from functools import partial
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, model_validator

from guabao_rules.diagnostics import Text, Violation
from guabao_rules.engine.context import RuleContext
from guabao_rules.kinds.query import CompileError, Tables, record_ids, related_table, selected
from guabao_rules.kinds.schema import Bilingual, ParamRef, Relation, Selector, Strict
from guabao_rules.kinds.select import (
    RELATED_CAP,
    field_value,
    param_value,
    related,
    related_ids,
    select,
)
from guabao_rules.models import Record

if TYPE_CHECKING:
    import ibis.expr.types as ir

Op = Literal["<", "<=", "==", "!=", ">=", ">", "in"]

OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
    ">=": operator.ge,
    ">": operator.gt,
    "in": lambda item, container: item in container,
}
"""The comparison each ``op`` names."""


class Term(Strict):
    """The sum of ``field`` over the records of a relation (kept in ``order_by`` order)."""

    relation: Relation
    field: str
    order_by: str | None = None


class FieldSide(Strict):
    """A field of the subject (the message argument of the same name)."""

    field: str


class TermSide(Strict):
    """Another term."""

    term: str


class RelatedItem(Strict):
    """Records named in a finding: the records of a term, their ``field``, or a subject field."""

    term: str | None = None
    field: str | None = None


class DifferenceText(Strict):
    """Words for the difference when the left side is below or above the right one."""

    name: str
    below: Bilingual
    above: Bilingual


class SumConstraint(Strict):
    """A sum over relations compared with a bound, per subject."""

    kind: Literal["sum"]
    select: Selector
    terms: dict[str, Term] = Field(min_length=1)
    left: list[str] = Field(min_length=1)
    op: Op
    right: FieldSide | TermSide | ParamRef
    total: str | None = None
    difference: str | None = None
    difference_text: DifferenceText | None = None
    count_as: str | None = None
    amounts: Literal["exact", "yuan"] = "exact"
    args: dict[str, str] = Field(default_factory=dict)
    field: str | None = None
    related: list[RelatedItem] = Field(default_factory=list)

    @model_validator(mode="after")
    def _known_terms(self) -> SumConstraint:
        named = [*self.left, *(i.term for i in self.related if i.term is not None)]
        if isinstance(self.right, TermSide):
            named.append(self.right.term)
        for name in named:
            if name not in self.terms:
                raise ValueError(f"unknown term {name!r} (terms: {', '.join(self.terms)})")
        return self


def yuan(amount: Decimal) -> str:
    """An amount written exactly with thousands separators: ``1,200,000.00``."""
    return f"{amount:,.2f}"


def _sum(records: list[Record], field: str) -> Decimal:
    total = Decimal(0)
    for record in records:
        value = field_value(record, field)
        if value is not None:
            total += value
    return total


def _violation(
    constraint: SumConstraint,
    *,
    subject: str,
    sums: Mapping[str, Decimal],
    counts: Mapping[str, int],
    right: Any,
    right_name: str | None,
    arg_values: Callable[[], Mapping[str, Any]],
    related: Callable[[], tuple[str, ...]],
) -> Violation | None:
    """The subject's violation from its sums and right side (None when the bound holds).

    The evaluator and the compiled query's rows share this step, so the
    arguments are computed from the same exact :class:`~decimal.Decimal`
    values the same way. ``arg_values`` and ``related`` are asked for only
    when the bound fails.
    """
    shown: Callable[[Decimal], Any] = yuan if constraint.amounts == "yuan" else (lambda d: d)
    # Unbounded precision: a sum of amounts is exact however many digits it has.
    with localcontext(prec=MAX_PREC):
        left = sum((sums[name] for name in constraint.left), Decimal(0))
        if right is None or OPERATORS[constraint.op](left, right):
            return None
        args: dict[str, Any] = {name: shown(value) for name, value in sums.items()}
        args.update(arg_values())
        if right_name is not None:
            args[right_name] = shown(right)
        if constraint.total is not None:
            args[constraint.total] = shown(left)
        difference = abs(left - right)
        if constraint.difference is not None:
            args[constraint.difference] = shown(difference)
        words = constraint.difference_text
        if words is not None:
            template = words.below if left < right else words.above
            amount = str(shown(difference))
            args[words.name] = Text(
                zh=template.zh.replace("{difference}", amount),
                en=template.en.replace("{difference}", amount),
            )
        if constraint.count_as is not None:
            args[constraint.count_as] = sum(counts[n] for n in constraint.left)
    return Violation(
        subject,
        args,
        field=(constraint.field,) if constraint.field else None,
        related=related(),
    )


def _arg_values(constraint: SumConstraint, record: Record) -> dict[str, Any]:
    return {name: field_value(record, path) for name, path in constraint.args.items()}


def _named(
    ctx: RuleContext,
    constraint: SumConstraint,
    record: Record,
    records: Mapping[str, list[Record]],
) -> tuple[str, ...]:
    """The records a finding names: each ``related`` item's ids, in order."""
    groups = []
    for item in constraint.related:
        if item.term is None:
            groups.append([field_value(record, item.field)] if item.field else [])
        elif item.field is None:
            groups.append([r.id for r in records[item.term]])
        else:
            groups.append([field_value(r, item.field) for r in records[item.term]])
    return related_ids(ctx.index, *groups)


def evaluate(ctx: RuleContext, constraint: SumConstraint) -> Iterator[Violation]:
    """A violation for each subject whose sum breaks the bound."""
    with localcontext(prec=MAX_PREC):
        for subject, record in select(ctx, constraint.select):
            if subject is None or record is None:
                continue
            records: dict[str, list[Record]] = {}
            sums: dict[str, Decimal] = {}
            for name, term in constraint.terms.items():
                found = list(related(ctx, subject, term.relation))
                if term.order_by is not None:
                    key = term.order_by
                    found.sort(key=lambda r: field_value(r, key))
                records[name] = found
                sums[name] = _sum(found, term.field)
            right_side = constraint.right
            if isinstance(right_side, FieldSide):
                right = field_value(record, right_side.field)
                right_name: str | None = right_side.field
            elif isinstance(right_side, TermSide):
                right, right_name = sums[right_side.term], None
            else:
                right, right_name = param_value(right_side, ctx.params), None
            if right is None:
                continue

            found_violation = _violation(
                constraint,
                subject=subject,
                sums=sums,
                counts={name: len(found) for name, found in records.items()},
                right=right,
                right_name=right_name,
                arg_values=partial(_arg_values, constraint, record),
                related=partial(_named, ctx, constraint, record, records),
            )
            if found_violation is not None:
                yield found_violation


# The compiler. Each term's records (``_term_records``) carry the subject they
# belong to (``_owner``) and the keys that put them in the evaluator's order;
# the query sums them per subject and keeps the subjects whose bound fails,
# with each term's sum ``_s<n>``, record count ``_c<n>`` and the most fraction
# digits of its amounts ``_d<n>`` (a Decimal sum keeps the written digits, and
# an exact amount is shown with them), and the first RELATED_CAP ids of each
# ``related`` item ``_g<n>``. :func:`violations` does the rest with
# ``_violation``, on the same Decimals.

_DECIMAL = "decimal(38, 2)"
"""The contract's amount type; sums are cast back to it, on every backend."""

FEN = 2
"""The fraction digits of an amount column; yuan amounts are shown with these alone."""


def _decimal_column(table: ir.Table, name: str, what: str) -> ir.Value:
    if name not in table.columns:
        raise CompileError(f"{what} {name!r} is not a flat column (nested paths do not compile)")
    column = table[name]
    if not column.type().is_decimal():
        raise CompileError(f"{what} {name!r} is not an amount column")
    return column


def _digits(table: ir.Table, name: str) -> ir.Value:
    from guabao_rules.columnar.tables import digits_column

    column = digits_column(name)
    if column not in table.columns:
        raise CompileError(f"an exact amount needs the written digits of {name!r} ({column})")
    return table[column]


def _term_records(
    tables: Tables, relation: Relation, params: Mapping[str, Any], as_of: date
) -> tuple[ir.Table, list[str]]:
    """A relation's records with ``_owner`` (the subject's id) and their order keys.

    A relation ``through`` another is joined to that one's records; its
    records come in the order of those, then their own reading order, as the
    evaluator walks them.
    """
    if relation.through is None:
        records = related_table(tables, relation, params, as_of)
        via = relation.via or ""
        return records.mutate(_owner=records[via], _key0=records._ordinal), ["_key0"]
    middle, keys = _term_records(tables, relation.through, params, as_of)
    ups = {f"_up{n}": middle[key] for n, key in enumerate(keys)}
    middle = middle.select(_middle=middle.id, _up_owner=middle._owner, **ups)
    records = related_table(tables, relation.model_copy(update={"through": None}), params, as_of)
    joined = records.join(middle, records[relation.via or ""] == middle._middle)
    keys = [*(f"_key{n}" for n in range(len(ups) + 1))]
    renamed = {f"_key{n}": joined[up] for n, up in enumerate(ups)}
    renamed[keys[-1]] = joined._ordinal
    columns = [c for c in records.columns if not c.startswith("_key")]
    return joined.select(*columns, _owner=joined._up_owner, **renamed), keys


def _related_items(
    records: ir.Table, keys: list[str], term: Term, field: str | None, tables: Tables
) -> ir.Table:
    """The first RELATED_CAP distinct ids a ``related`` item names, per ``_owner``.

    Returns:
        ``_owner`` and ``_items``: an array of ``{p, v}`` (position, id), in no order.
    """
    import ibis

    order = [*([records[term.order_by]] if term.order_by else []), *(records[k] for k in keys)]
    ranked = records.mutate(_p=ibis.row_number().over(group_by=records._owner, order_by=order))
    if field is None:
        value = ranked.id
    elif field not in ranked.columns or ranked[field].type().is_array():
        raise CompileError(f"related field {field!r} is not a flat column")
    else:
        value = ranked[field]
    values = ranked.select(_owner=ranked._owner, _v=value.cast("string"), _p=ranked._p)
    values = values.filter(values._v.notnull())
    if field is not None:  # a reference may name nothing (D002 reports it)
        known = record_ids(tables)
        values = values.semi_join(known, values._v == known.id)
    first = values.group_by(["_owner", "_v"]).aggregate(_p=values._p.min())
    first = first.mutate(_rank=ibis.row_number().over(group_by=first._owner, order_by=first._p))
    first = first.filter(first._rank < RELATED_CAP)
    return first.group_by("_owner").aggregate(
        _items=ibis.struct({"p": first._p, "v": first._v}).collect()
    )


def compile_query(
    constraint: SumConstraint, params: Mapping[str, Any], tables: Tables, as_of: date
) -> ir.Table:
    """The subjects whose bound fails, with their sums, the right side and related ids.

    Raises:
        CompileError: Listed ids or the dataset as the selector, ``in``, a term
            not over an amount column, a nested path, a right side that is not
            an amount, or exact amounts without their written digits.
    """
    import ibis

    if constraint.select.ids is not None:
        raise CompileError("a sum over listed ids does not compile (they may name any record)")
    if constraint.op == "in":
        raise CompileError("'in' does not compare sums")
    exact = constraint.amounts == "exact"
    frame = selected(tables, constraint.select, params)
    zero = ibis.literal(Decimal(0)).cast(_DECIMAL)
    terms = list(constraint.terms)
    records: dict[str, tuple[ir.Table, list[str]]] = {}
    for n, (name, term) in enumerate(constraint.terms.items()):
        found, keys = _term_records(tables, term.relation, params, as_of)
        records[name] = found, keys
        amount = _decimal_column(found, term.field, "the summed field")
        aggregates = {f"_s{n}": amount.sum(), f"_c{n}": found.count()}
        if exact:
            aggregates[f"_d{n}"] = _digits(found, term.field).max()
        totals = found.group_by(_t_owner=found._owner).aggregate(**aggregates)
        frame = frame.left_join(totals, frame.subject == totals._t_owner).drop("_t_owner")
        digits = frame[f"_d{n}"].cast("int64").fill_null(0) if exact else ibis.literal(FEN)
        frame = frame.mutate(
            **{
                f"_s{n}": frame[f"_s{n}"].cast(_DECIMAL).fill_null(zero),
                f"_c{n}": frame[f"_c{n}"].fill_null(0),
                f"_d{n}": digits,
            }
        )
    left: ir.Value = zero
    for name in constraint.left:
        left = (left + frame[f"_s{terms.index(name)}"]).cast(_DECIMAL)
    right_side = constraint.right
    right_digits: ir.Value = ibis.literal(FEN)
    if isinstance(right_side, FieldSide):
        right: ir.Value = _decimal_column(frame, right_side.field, "the bound")
        if exact:
            right_digits = _digits(frame, right_side.field)
    elif isinstance(right_side, TermSide):
        n = terms.index(right_side.term)
        right, right_digits = frame[f"_s{n}"], frame[f"_d{n}"]
    else:
        right = _literal_bound(param_value(right_side, params))
    fails = ~OPERATORS[constraint.op](left, right)
    failing = frame.filter(right.notnull() & fails)
    columns: dict[str, Any] = {"subject": failing.subject}
    for n in range(len(terms)):
        columns |= {f"_{x}{n}": failing[f"_{x}{n}"] for x in "scd"}
    if isinstance(right_side, FieldSide):
        columns["_right"] = failing[right_side.field]
        columns["_right_d"] = _digits(failing, right_side.field) if exact else right_digits
    for n, path in enumerate(constraint.args.values()):
        if path not in failing.columns:
            raise CompileError(f"argument {path!r} is not a flat column")
        columns[f"_a{n}"] = failing[path]
        if failing[path].type().is_decimal():  # shown as written: its digits too
            columns[f"_ad{n}"] = _digits(failing, path)
    known = None
    for n, item in enumerate(constraint.related):
        if item.term is None:
            if item.field is None:
                continue
            if item.field not in failing.columns or failing[item.field].type().is_array():
                raise CompileError(f"related field {item.field!r} is not a flat column")
            known = record_ids(tables) if known is None else known
            value = failing[item.field].cast("string")
            columns[f"_g{n}"] = ibis.ifelse(value.isin(known.id), value, ibis.null("string"))
    out = failing.select(**columns)
    for n, item in enumerate(constraint.related):
        if item.term is None:
            continue
        found, keys = records[item.term]
        owners = out.select(_f_owner=out.subject)
        found = found.semi_join(owners, found._owner == owners._f_owner)
        items = _related_items(found, keys, constraint.terms[item.term], item.field, tables)
        items = items.rename(_i_owner="_owner", **{f"_g{n}": "_items"})
        out = out.left_join(items, out.subject == items._i_owner).drop("_i_owner")
    return out


def _literal_bound(value: Any) -> ir.Value:
    """A parameter bound as an amount literal (one an amount cannot hold does not compile)."""
    import ibis

    if value is None:
        return ibis.null(_DECIMAL)
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise CompileError(f"the bound {value!r} is not an exact number")
    amount = Decimal(value)
    with localcontext(prec=MAX_PREC):
        if amount != amount.quantize(Decimal("0.01")) or abs(amount) >= Decimal(10) ** 36:
            raise CompileError(f"the bound {value} does not fit an amount column")
    return ibis.literal(amount).cast(_DECIMAL)


def _exact(value: Any, digits: Any) -> Decimal:
    """A query's amount as the evaluator has it: a Decimal with the written fraction digits.

    Backends return decimals as Decimal (never through float); the value is
    quantized to the digits it was written with, which it holds exactly.
    """
    if value is None:
        return Decimal(0)
    if not isinstance(value, Decimal | int) or isinstance(value, bool):
        raise TypeError(f"an amount came back from the query as {type(value).__name__}")
    with localcontext(prec=MAX_PREC):
        return Decimal(value).quantize(Decimal(1).scaleb(-int(digits or 0)))


def violations(
    constraint: SumConstraint, params: Mapping[str, Any], rows: Iterable[Mapping[str, Any]]
) -> Iterator[Violation]:
    """The violations of the compiled query's rows, as :func:`evaluate` yields them."""
    terms = list(constraint.terms)
    right_side = constraint.right
    for row in rows:
        sums = {name: _exact(row[f"_s{n}"], row[f"_d{n}"]) for n, name in enumerate(terms)}
        counts = {name: int(row[f"_c{n}"]) for n, name in enumerate(terms)}
        if isinstance(right_side, FieldSide):
            right = row["_right"]
            right = None if right is None else _exact(right, row["_right_d"])
            right_name: str | None = right_side.field
        elif isinstance(right_side, TermSide):
            right, right_name = sums[right_side.term], None
        else:
            right, right_name = param_value(right_side, params), None
        values = {}
        for n, name in enumerate(constraint.args):
            value = row[f"_a{n}"]
            if f"_ad{n}" in row and value is not None:
                value = _exact(value, row[f"_ad{n}"])
            values[name] = value
        groups: list[list[str]] = []
        for n, item in enumerate(constraint.related):
            if item.term is None:
                value = row.get(f"_g{n}")
                groups.append([] if value is None else [value])
            else:
                ranked = sorted(row[f"_g{n}"] or (), key=lambda entry: entry["p"])
                groups.append([entry["v"] for entry in ranked])
        named = tuple(dict.fromkeys(i for group in groups for i in group))[:RELATED_CAP]
        found = _violation(
            constraint,
            subject=row["subject"],
            sums=sums,
            counts=counts,
            right=right,
            right_name=right_name,
            arg_values=partial(dict, values),
            related=partial(tuple, named),
        )
        if found is not None:
            yield found
