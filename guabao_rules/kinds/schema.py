"""The pieces every constraint kind's pack schema is built from.

Each kind declares its own strict pydantic model in its module; they share
these: bilingual text (:class:`~guabao_rules.diagnostics.Text`), parameter
references, ``where`` conditions, selectors (which subjects a rule looks at)
and relations (records related to a subject through a reference field).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from guabao_rules.diagnostics import Text
from guabao_rules.models import COLLECTIONS
from guabao_rules.sources.validation import bilingual_error


class Strict(BaseModel):
    """Base of the pack schema: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


Bilingual = Text
"""The pack schema's bilingual text: :class:`~guabao_rules.diagnostics.Text` itself, one type."""


class ParamRef(Strict):
    """A value taken from a rule parameter: ``{param: name}``."""

    param: str


class Not(Strict):
    """A value that must not match: ``{not: value or [values]}``."""

    not_: Annotated[str | int | bool | list[str], Field(alias="not")]


class AtLeast(Strict):
    """A project status at or past a stage of the lifecycle: ``{at_least: implementing}``."""

    at_least: str


WhereValue = str | int | bool | list[str] | ParamRef | Not | AtLeast
"""A ``where`` condition on one field: a value, one of a list, a parameter, a negation."""


def _known_collection(value: str) -> str:
    if value not in COLLECTIONS:
        raise bilingual_error(
            "collection", zh=f"未知的集合 {value!r}", en=f"unknown collection {value!r}"
        )
    return value


CollectionName = Annotated[str, AfterValidator(_known_collection)]
"""The name of a collection of the data format."""


class Selector(Strict):
    """Which subjects a rule looks at.

    Either records of a ``collection`` filtered by ``where`` (field: value,
    a list of values, ``{not: …}`` or ``{at_least: status}``), ``tagged`` a
    region tag and ``in_scope`` (the county itself, or the county a region lies
    in, carries the scope tag); or ``ids`` taken from a parameter (subjects
    even when absent from the data); or the ``dataset`` as a whole.
    """

    collection: CollectionName | None = None
    where: dict[str, WhereValue] = Field(default_factory=dict)
    tagged: str | ParamRef | None = None
    in_scope: bool = False
    ids: ParamRef | None = None
    dataset: bool = False


class RelationEnd(Strict):
    """A condition on a record a relation's record refers to."""

    field: str
    collection: CollectionName
    where: dict[str, WhereValue] = Field(default_factory=dict)
    in_scope: bool = False


class Relation(Strict):
    """Records of ``collection`` related to the subject through the field ``via``.

    ``active`` keeps records active on ``as_of`` (start <= as_of <= end);
    ``ends`` filter on the records they refer to; ``distinct`` counts the
    distinct ids in that field instead of the records; ``through`` first
    walks another relation and takes this one from each of its records
    (allocations of a project, then the disbursements of each). A record is
    never related to itself.
    """

    collection: CollectionName
    via: str | None = None
    where: dict[str, WhereValue] = Field(default_factory=dict)
    active: bool = False
    ends: list[RelationEnd] = Field(default_factory=list)
    distinct: str | None = None
    through: Relation | None = None


Bound = int | ParamRef | None
"""A number, a parameter, or no bound."""
