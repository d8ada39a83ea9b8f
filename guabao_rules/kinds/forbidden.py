"""``forbidden``: records with a value they must not have.

M004 (no cash or goods handed out as a project) and D008 (a retired region
code) are forbidden values. The ``select`` names the subjects, each counted
as applied; those matching ``where`` are findings. The message may use each
``where`` field by name (dots become underscores). A ``where`` value that is
a map parameter matches its keys, and ``mapped_as`` names the message
argument that takes the map's value (the code that replaces a retired one).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Literal

from pydantic import Field

from guabao_rules.diagnostics import Violation
from guabao_rules.engine.context import RuleContext
from guabao_rules.kinds.schema import ParamRef, Selector, Strict, WhereValue
from guabao_rules.kinds.select import field_value, matches, param_value, select


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


def evaluate(ctx: RuleContext, constraint: ForbiddenConstraint) -> Iterator[Violation]:
    """A violation for each selected record that matches ``where``."""
    where = constraint.where
    paths = list(where)
    at = tuple(paths[0].split(".")) if len(paths) == 1 and constraint.at_field else None
    for subject, record in select(ctx, constraint.select):
        if subject is None or record is None or not matches(record, where, ctx.params):
            continue
        args = {path.replace(".", "_"): field_value(record, path) for path in paths}
        if constraint.mapped_as is not None:
            for path, condition in where.items():
                table = (
                    param_value(condition, ctx.params) if isinstance(condition, ParamRef) else None
                )
                if isinstance(table, Mapping):
                    args[constraint.mapped_as] = table.get(field_value(record, path))
        yield Violation(subject, args, field=at)
