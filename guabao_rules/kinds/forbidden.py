"""``forbidden``: records with a value they must not have.

M004 (no cash or goods handed out as a project) and D008 (a retired region
code) are forbidden values. The ``select`` names the subjects, each counted
as applied; those matching ``where`` are findings. The message may use each
``where`` field by name (dots become underscores). A ``where`` value that is
a map parameter matches its keys, and ``mapped_as`` names the message
argument that takes the map's value (the code that replaces a retired one).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from guabao_rules.diagnostics import Violation
from guabao_rules.engine.context import RuleContext
from guabao_rules.kinds.query import Tables, selected, where_filter
from guabao_rules.kinds.schema import ParamRef, Selector, Strict, WhereValue
from guabao_rules.kinds.select import field_value, matches, param_value, select

if TYPE_CHECKING:
    import ibis.expr.types as ir


class ForbiddenConstraint(Strict):
    """Values the selected records must not have.

    ``at_field`` points the finding at the field when ``where`` tests just one
    (else at the record).
    """

    kind: Literal["forbidden"]
    select: Selector
    where: dict[str, WhereValue] = Field(min_length=1)
    mapped_as: str | None = None
    at_field: bool = True


def _args(
    constraint: ForbiddenConstraint, record: Any, params: Mapping[str, Any]
) -> dict[str, Any]:
    args = {path.replace(".", "_"): field_value(record, path) for path in constraint.where}
    if constraint.mapped_as is not None:
        for path, condition in constraint.where.items():
            if not isinstance(condition, ParamRef):
                continue
            table = param_value(condition, params)
            if isinstance(table, Mapping):
                args[constraint.mapped_as] = table.get(field_value(record, path))
    return args


def _field(constraint: ForbiddenConstraint) -> tuple[str, ...] | None:
    paths = list(constraint.where)
    return tuple(paths[0].split(".")) if len(paths) == 1 and constraint.at_field else None


def compile_query(
    constraint: ForbiddenConstraint, params: Mapping[str, Any], tables: Tables, as_of: date
) -> ir.Table:
    """The selected records matching ``where``, with the ``where`` fields."""
    subjects = selected(tables, constraint.select, params)
    subjects = where_filter(subjects, constraint.where, params)
    return subjects.select("subject", *constraint.where)


def violations(
    constraint: ForbiddenConstraint, params: Mapping[str, Any], rows: Iterable[Mapping[str, Any]]
) -> Iterator[Violation]:
    """The violations of the compiled query's rows, as :func:`evaluate` yields them."""
    for row in rows:
        record = SimpleNamespace(**{k: row.get(k) for k in constraint.where})
        yield Violation(row["subject"], _args(constraint, record, params), field=_field(constraint))


def evaluate(ctx: RuleContext, constraint: ForbiddenConstraint) -> Iterator[Violation]:
    """A violation for each selected record that matches ``where``."""
    at = _field(constraint)
    for subject, record in select(ctx, constraint.select):
        if subject is None or record is None:
            continue
        if not matches(record, constraint.where, ctx.params):
            continue
        args = _args(constraint, record, ctx.params)
        yield Violation(subject, args, field=at)
