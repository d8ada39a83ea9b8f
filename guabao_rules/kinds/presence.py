"""``presence``: fields the selected subjects must have (S101: the standard project file)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field

from guabao_rules.diagnostics import Text, Violation
from guabao_rules.engine.context import RuleContext
from guabao_rules.kinds.schema import Bilingual, Bound, Selector, Strict, WhereValue
from guabao_rules.kinds.select import bound, field_value, matches, select
from guabao_rules.models import Record


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
        if not missing:
            continue
        labels = [item.label or _path_text(item) for item in missing]
        # One missing field is the field at fault; several point at the record.
        field = tuple(missing[0].paths[0].split(".")) if len(missing) == 1 else None
        yield Violation(subject, {"missing": labels, "count": len(missing)}, field=field)
