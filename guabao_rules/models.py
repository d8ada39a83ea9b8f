"""Pydantic models of the data format (``data-format.md``).

Values arrive with YAML 1.2 core-schema meanings (see :mod:`guabao_rules.sources.yamlsource`):
``str``, ``int``, ``decimal.Decimal``, ``bool``, ``None``, lists and mappings.
The field types here are strict: a date is a ``YYYY-MM-DD`` string of a real
day, an amount an exact decimal with at most two fraction digits, a boolean
only ``true``/``false``. Unknown keys are not rejected by the models; the
loader reports them (D003) and the record is otherwise loaded as usual.
"""

import functools
import re
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal, Union

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

from guabao_rules.timecal import Quarter, as_date

# --- value types -----------------------------------------------------------------


def _validate_id(value: Any) -> str:
    if type(value) is str and value.strip():  # nearly every id: decided at once
        return value
    if isinstance(value, bool):
        raise PydanticCustomError("id_type", "an id must be a non-empty string")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value
    raise PydanticCustomError("id_type", "an id must be a non-empty string")


def _validate_date(value: Any) -> date:
    day = as_date(value)
    if day is not None:
        return day
    raise PydanticCustomError("date_format", "a date must be a real day written YYYY-MM-DD")


def _validate_period(value: Any) -> str:
    # Quarter.parse also rejects year 0000, as parse_date does for dates.
    if isinstance(value, str):
        try:
            Quarter.parse(value)
        except ValueError:
            pass
        else:
            return value
    raise PydanticCustomError("period_format", "a period must be written YYYY-Qn (n = 1..4)")


def _to_decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, Decimal):
        return value
    if isinstance(value, str) and _DECIMAL_TEXT.fullmatch(value.strip()):
        return Decimal(value.strip())
    return None


# Exact sums of larger amounts (1e999999999 is a valid YAML number) would need
# millions of digits or overflow the decimal exponent; no ledger comes near.
_AMOUNT_BOUND = Decimal(10) ** 100

_DECIMAL_TEXT = re.compile(r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


def _validate_amount(value: Any) -> Decimal:
    amount = _to_decimal(value)
    if amount is None or not amount.is_finite():
        raise PydanticCustomError("amount_type", "an amount must be a decimal number of yuan")
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise PydanticCustomError("amount_digits", "an amount has at most 2 fraction digits (fen)")
    if amount < 0:
        raise PydanticCustomError("amount_negative", "an amount must not be negative")
    if amount >= _AMOUNT_BOUND:
        raise PydanticCustomError("amount_range", "an amount must be less than 10^100 yuan")
    return amount


def _validate_number(value: Any) -> Decimal:
    number = _to_decimal(value) if not isinstance(value, str) else None
    if number is None or not number.is_finite():
        raise PydanticCustomError("number_type", "a number is expected")
    return number


def _validate_percent(value: Any) -> Decimal:
    number = _validate_number(value)
    if not 0 <= number <= 100:
        raise PydanticCustomError("percent_range", "a percent must be from 0 to 100")
    return number


Id = Annotated[
    str,
    PlainValidator(_validate_id),
    WithJsonSchema({"type": ["string", "integer"], "minLength": 1}),
]
Ref = Id
Day = Annotated[
    date,
    PlainValidator(_validate_date),
    WithJsonSchema({"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}),
]
Period = Annotated[
    str,
    PlainValidator(_validate_period),
    WithJsonSchema({"type": "string", "pattern": r"^\d{4}-Q[1-4]$"}),
]
Amount = Annotated[
    Decimal,
    PlainValidator(_validate_amount),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0},
                {"type": "string", "pattern": r"^\+?(\d+(\.\d{0,2})?|\.\d{1,2})$"},
            ]
        }
    ),
]
Number = Annotated[Decimal, PlainValidator(_validate_number), WithJsonSchema({"type": "number"})]
Percent = Annotated[
    Decimal,
    PlainValidator(_validate_percent),
    WithJsonSchema({"type": "number", "minimum": 0, "maximum": 100}),
]
NonNegativeInt = Annotated[int, Field(ge=0)]

Level = Literal["province", "prefecture", "county", "township", "village"]
LEVELS: tuple[str, ...] = typing.get_args(Level)
Status = Literal[
    "proposed", "reviewed", "in_library", "implementing", "completed", "accepted", "cancelled"
]
STATUS_ORDER: dict[str, int] = {
    "proposed": 0,
    "reviewed": 1,
    "in_library": 2,
    "implementing": 3,
    "completed": 4,
    "accepted": 5,
    "cancelled": -1,
}


def status_at_least(status: str, threshold: str) -> bool:
    """Whether ``status`` is at or past ``threshold`` (``cancelled`` is past nothing)."""
    return STATUS_ORDER.get(status, -1) >= STATUS_ORDER[threshold] >= 0


# --- models ---------------------------------------------------------------------


class Model(BaseModel):
    """Base of every model: strict types, unknown keys left to the loader."""

    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _missing_is_absent(cls, data: Any) -> Any:
        """A blank field (null, an empty string or an empty list) is missing (rules.md).

        It is read as if absent, whatever the field's type and in every reader
        (an empty CSV or workbook cell is never written at all): an optional
        field takes its default, a required one is a missing required field.
        """
        if isinstance(data, dict):
            values = data.values()
            if None not in values and "" not in values and [] not in values:
                return data  # nothing to drop, as in nearly every record: no copy
            return {key: value for key, value in data.items() if not _blank(value)}
        return data


def _blank(value: Any) -> bool:
    """Whether a value means "not filled in": null, ``""`` or ``[]``."""
    return value is None or (isinstance(value, str | list) and len(value) == 0)


@dataclass(frozen=True, slots=True)
class Column:
    """A field's column name in Chinese tables and workbooks (户编号, 所属村, ...).

    Declared on the model field (``Annotated[Ref, Column("所属村")]``); read
    through :func:`column_names`. A table's header may name a field by either.
    """

    zh: str


@dataclass(frozen=True, slots=True)
class To:
    """The collections a reference field may name, declared on the field.

    ``Annotated[Ref, To(("regions",), level="village")]``: the id must be a
    record of one of ``targets`` (a region of ``level``, a unit of one of
    ``unit_kinds``). :data:`REFERENCES` is read off these. A pairing's ends
    depend on its kind: :class:`ByKind` maps each kind to its ``To``.
    """

    targets: tuple[str, ...]
    level: str | None = None
    unit_kinds: tuple[str, ...] | None = None
    within: str | None = None
    """A field of the same record naming the county the target region must lie in."""


@dataclass(frozen=True, slots=True)
class Event:
    """Declared on a date field holding when something happened: it must not lie after as_of."""


@dataclass(frozen=True, slots=True)
class After:
    """Declared on the date field that ends a span: it must not lie before ``start``."""

    start: str


@dataclass(frozen=True, slots=True)
class ByKind:
    """A reference whose targets depend on the record's ``kind`` (a pairing's ends)."""

    ends: tuple[tuple[str, To], ...]


Notes = Annotated[
    Any, Column("备注"), WithJsonSchema({"description": "备注 (notes): free text, never checked"})
]
"""Free notes (备注): allowed on every record, never checked."""


class Record(Model):
    """A record of a top-level collection: it has a dataset-wide unique id.

    ``bulk`` marks the collections that come in bulk (hundreds of thousands of
    records): they may be tables (CSV, workbook sheets, Parquet) as well as YAML.
    """

    bulk: ClassVar[bool] = False

    id: Annotated[Id, Column("编号")]
    notes: Notes = None


class Region(Record):
    """An administrative division (行政区划), GB/T 2260 code as id."""

    name: str
    level: Level
    parent: Annotated[Ref | None, To(("regions",))] = None
    tags: list[str] = Field(default_factory=list)


class Leader(Record):
    """A provincial or departmental leader (省部级 / 厅级领导)."""

    name: str
    rank: Literal["provincial", "departmental", "other"]
    post: Literal["party_secretary", "governor", "other"] = "other"
    unit: Annotated[Ref | None, To(("units",))] = None


class Unit(Record):
    """A pairing unit (挂包帮单位)."""

    name: str
    kind: Literal[
        "provincial_unit",
        "central_unit",
        "provincial_soe",
        "prefecture_unit",
        "county_unit",
        "partner_city",
        "other",
    ]


class Cadre(Record):
    """An individual cadre or work-team member (干部 / 工作队员)."""

    bulk = True

    id: Annotated[Id, Column("干部编号")]
    name: Annotated[str, Column("姓名")]
    unit: Annotated[Ref, Column("派出单位"), To(("units",))]


class Household(Record):
    """A registered poor household (建档立卡贫困户), pseudonymous id."""

    bulk = True

    id: Annotated[Id, Column("户编号")]
    village: Annotated[Ref, Column("所属村"), To(("regions",), level="village")]
    status: Annotated[Literal["poor", "lifted"], Column("贫困状态")]


PairingKind = Literal[
    "prefecture_link", "county_link", "village_package", "household_help", "east_west"
]


HELPERS = ByKind(
    (
        ("prefecture_link", To(("leaders",))),
        ("county_link", To(("leaders", "units"))),
        ("village_package", To(("units",))),
        ("household_help", To(("cadres",))),
        ("east_west", To(("units",), unit_kinds=("partner_city",))),
    )
)
"""Who may help, by pairing kind."""

TARGETS = ByKind(
    (
        ("prefecture_link", To(("regions",), level="prefecture")),
        ("county_link", To(("regions",), level="county")),
        ("village_package", To(("regions",), level="village")),
        ("household_help", To(("households",))),
        ("east_west", To(("regions",), level="prefecture")),
    )
)
"""Who may be helped, by pairing kind."""


class Pairing(Record):
    """Who helps whom: 挂 (link), 包 (package), 帮 (help)."""

    bulk = True

    id: Annotated[Id, Column("结对编号")]
    kind: Annotated[PairingKind, Column("结对类型")]
    helper: Annotated[Ref, Column("帮扶干部"), HELPERS]
    target: Annotated[Ref, Column("帮扶对象"), TARGETS]
    role: Annotated[Literal["lead", "member"], Column("角色")] = "member"
    start: Annotated[Day, Column("开始日期")]
    end: Annotated[Day | None, Column("结束日期"), After("start")] = None


class WorkTeam(Record):
    """A village work team (驻村扶贫工作队)."""

    village: Annotated[Ref, To(("regions",), level="village")]
    unit: Annotated[Ref, To(("units",))]
    first_secretary: Annotated[Ref | None, To(("cadres",))] = None
    members: Annotated[list[Ref], Field(min_length=1), To(("cadres",))]
    start: Day
    end: Annotated[Day | None, After("start")] = None


class SupervisionGroup(Record):
    """A county supervision group (工作督导组)."""

    county: Annotated[Ref, To(("regions",), level="county")]
    head: Annotated[Ref, To(("leaders",))]


class Visit(Record):
    """A research and guidance visit (调研指导)."""

    bulk = True

    id: Annotated[Id, Column("调研编号")]
    visitor: Annotated[Ref, Column("调研人"), To(("leaders", "units"))]
    county: Annotated[Ref, Column("所到县"), To(("regions",), level="county")]
    date: Annotated[Day, Column("调研日期"), Event()]
    main_leader: Annotated[bool, Column("主要领导带队")] = False


class Report(Record):
    """A work-team report on a paired household (帮扶工作报告)."""

    bulk = True

    id: Annotated[Id, Column("报告编号")]
    reporter: Annotated[Ref, Column("报告人"), To(("cadres",))]
    household: Annotated[Ref, Column("帮扶户"), To(("households",))]
    period: Annotated[Period, Column("报告季度")]
    date: Annotated[Day, Column("报送日期"), Event()]
    recipients: Annotated[list[Ref], Column("报送对象"), To(("units", "cadres"))] = Field(
        default_factory=list
    )


class Meeting(Record):
    """A joint meeting of a county's pairing units (联席会议)."""

    county: Annotated[Ref, To(("regions",), level="county")]
    convened_by: Annotated[Ref, To(("units",))]
    date: Annotated[Day, Event()]


class SupervisionFinding(Record):
    """A problem found by supervision, to be corrected (督导发现问题)."""

    county: Annotated[Ref, To(("regions",), level="county")]
    raised_by: Annotated[Ref, To(("supervision_groups",))]
    date: Annotated[Day, Event()]
    deadline: Annotated[Day, After("date")]
    closed: Annotated[Day | None, Event()] = None
    summary: str


class Fund(Record):
    """A fund line (资金)."""

    name: str
    source: Literal["central", "provincial", "prefecture", "county", "east_west", "social", "other"]
    year: int
    amount: Amount
    received: Annotated[Day | None, Event()] = None
    parent: Annotated[Ref | None, To(("funds",))] = None


class PlannedPeriod(Model):
    """A project's planned 时间进度."""

    start: Day
    end: Day


class Milestones(Model):
    """Dates a project reached each stage."""

    proposed: Day | None = None
    reviewed: Day | None = None
    in_library: Day | None = None
    start: Day | None = None
    completed: Day | None = None
    accepted: Day | None = None


class Target(Model):
    """A performance target (绩效目标)."""

    indicator: str
    value: Number
    unit: str
    dimension: Literal["output", "benefit", "satisfaction"] | None = None


class Performance(Model):
    """Performance targets and beneficiaries (绩效目标, 受益对象)."""

    targets: list[Target] = Field(default_factory=list)
    poor_households: NonNegativeInt | None = None
    beneficiaries: Annotated[list[Ref], To(("households",))] = Field(default_factory=list)


class Announcement(Model):
    """A public announcement (公告公示) of a project stage."""

    stage: Literal["intake", "implementation", "completion"]
    start: Day
    end: Day
    place: str


class Progress(Model):
    """A physical progress report."""

    date: Day
    physical_pct: Percent


class Project(Record):
    """A project in the county project library (项目库)."""

    name: str
    county: Annotated[Ref, To(("regions",), level="county")]
    village: Annotated[Ref | None, To(("regions",), level="village", within="county")] = None
    category: Literal[
        "industry",
        "infrastructure",
        "housing",
        "education",
        "health",
        "employment",
        "ecology",
        "cash_handout",
        "goods_handout",
        "other",
    ]
    nature: Literal["new", "expansion", "renovation", "other"] | None = None
    task: str | None = None
    mechanism: str | None = None
    period: PlannedPeriod | None = None
    implementer: Annotated[Ref | None, To(("units",))] = None
    year: int
    budget: Amount
    status: Status
    milestones: Milestones = Field(default_factory=Milestones)
    performance: Performance = Field(default_factory=Performance)
    announcements: list[Announcement] = Field(default_factory=list)
    progress: list[Progress] = Field(default_factory=list)
    updated: Annotated[Day | None, Event()] = None


class Allocation(Record):
    """A fund line assigned to a project (资金安排)."""

    bulk = True

    id: Annotated[Id, Column("安排编号")]
    fund: Annotated[Ref, Column("资金"), To(("funds",))]
    project: Annotated[Ref, Column("项目"), To(("projects",))]
    amount: Annotated[Amount, Column("安排金额")]
    date: Annotated[Day, Column("安排日期"), Event()]


class Disbursement(Record):
    """Money actually paid out (资金支出)."""

    bulk = True

    id: Annotated[Id, Column("支出编号")]
    allocation: Annotated[Ref, Column("资金安排"), To(("allocations",))]
    amount: Annotated[Amount, Column("支出金额")]
    date: Annotated[Day, Column("支出日期"), Event()]


COLLECTIONS: dict[str, type[Record]] = {
    "regions": Region,
    "leaders": Leader,
    "units": Unit,
    "cadres": Cadre,
    "households": Household,
    "pairings": Pairing,
    "work_teams": WorkTeam,
    "supervision_groups": SupervisionGroup,
    "visits": Visit,
    "reports": Report,
    "meetings": Meeting,
    "findings": SupervisionFinding,
    "funds": Fund,
    "projects": Project,
    "allocations": Allocation,
    "disbursements": Disbursement,
}
"""Every collection name and the model of its records."""

TABLE_COLLECTIONS: frozenset[str] = frozenset(c for c, m in COLLECTIONS.items() if m.bulk)
"""The collections that may be given as tables (their models are ``bulk``)."""


def _dated(model: type[Record]) -> tuple[tuple[str, ...], tuple[str, str] | None]:
    events = tuple(
        name
        for name, info in model.model_fields.items()
        if any(isinstance(m, Event) for m in info.metadata)
    )
    spans = [
        (meta.start, name)
        for name, info in model.model_fields.items()
        for meta in info.metadata
        if isinstance(meta, After)
    ]
    return events, spans[0] if spans else None


EVENT_FIELDS: dict[str, tuple[str, ...]] = {
    c: events for c, m in COLLECTIONS.items() if (events := _dated(m)[0])
}
"""The fields of each collection holding the date of an event (declared ``Event``)."""

SPAN_FIELDS: dict[str, tuple[str, str]] = {
    c: span for c, m in COLLECTIONS.items() if (span := _dated(m)[1]) is not None
}
"""The ``(start, end)`` date fields of each collection whose records span a time (``After``)."""


def column_names(model: type[Model]) -> dict[str, str]:
    """Each field's Chinese column name (from its :class:`Column`), by field name."""
    return _column_names(model)


@functools.cache
def _column_names(model: type[Model]) -> dict[str, str]:
    names: dict[str, str] = {}
    for name, info in model.model_fields.items():
        for meta in info.metadata:
            if isinstance(meta, Column):
                names[name] = meta.zh
    return names


def _nested_model(annotation: Any) -> tuple[type[Model] | None, bool]:
    """The nested model type of a field annotation and whether it is a list of it."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _nested_model(typing.get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found, many = _nested_model(arg)
            if found is not None:
                return found, many
        return None, False
    if origin is list:
        inner, _ = _nested_model(typing.get_args(annotation)[0])
        return inner, True
    if isinstance(annotation, type) and issubclass(annotation, Model):
        return annotation, False
    return None, False


# --- references -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RefSpec:
    """A reference field: which collections (and region levels / unit kinds) it may name."""

    path: tuple[str, ...]
    targets: tuple[str, ...]
    level: str | None = None
    unit_kinds: tuple[str, ...] | None = None
    many: bool = False
    within: str | None = None
    """A field of the same record naming the county the target must lie in."""
    label: str = field(init=False, compare=False)
    """The field path written with dots."""
    expected: str = field(init=False, compare=False)
    """The target collections written with slashes."""

    def __post_init__(self) -> None:
        # Computed once: the index asks for them for every reference of every record.
        object.__setattr__(self, "label", ".".join(self.path))
        object.__setattr__(self, "expected", "/".join(self.targets))


def _field_references(
    model: type[Model], path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], To | ByKind, bool]]:
    """Each reference field of ``model`` and its nested models: path, declaration, many."""
    for name, info in model.model_fields.items():
        nested, _ = _nested_model(info.annotation)
        if nested is not None:
            yield from _field_references(nested, (*path, name))
            continue
        for meta in info.metadata:
            if isinstance(meta, To | ByKind):
                yield (*path, name), meta, _is_list(info.annotation)


def _is_list(annotation: Any) -> bool:
    if typing.get_origin(annotation) is Annotated:
        return _is_list(typing.get_args(annotation)[0])
    return typing.get_origin(annotation) is list


def _spec(path: tuple[str, ...], to: To, many: bool) -> RefSpec:
    return RefSpec(
        path, to.targets, level=to.level, unit_kinds=to.unit_kinds, many=many, within=to.within
    )


REFERENCES: dict[str, tuple[RefSpec, ...]] = {
    collection: tuple(
        _spec(path, meta, many)
        for path, meta, many in _field_references(model)
        if isinstance(meta, To)
    )
    for collection, model in COLLECTIONS.items()
}
"""The reference fields of each collection (pairings aside), read off the models' fields."""


def _pairing_ends() -> dict[str, tuple[RefSpec, RefSpec]]:
    by_field = {
        path: dict(meta.ends)
        for path, meta, _ in _field_references(Pairing)
        if isinstance(meta, ByKind)
    }
    helper, target = by_field[("helper",)], by_field[("target",)]
    return {
        kind: (_spec(("helper",), helper[kind], False), _spec(("target",), target[kind], False))
        for kind in typing.get_args(PairingKind)
    }


PAIRING_ENDS: dict[str, tuple[RefSpec, RefSpec]] = _pairing_ends()
"""The allowed helper and target of each pairing kind, read off the pairing's fields."""


def reference_specs(collection: str, record: Record) -> tuple[RefSpec, ...]:
    """The reference fields of ``record``, a valid record of ``collection``."""
    if isinstance(record, Pairing):
        return PAIRING_ENDS[record.kind]
    return REFERENCES[collection]


def reference_values(record: BaseModel, spec: RefSpec) -> list[str]:
    """The ids a reference field of ``record`` holds (none when absent)."""
    value: Any = record
    for part in spec.path:
        value = getattr(value, part, None)
        if value is None:
            return []
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return [value] if isinstance(value, str) else []


# --- structure introspection ---------------------------------------------------


@functools.cache
def _field_nesting(model: type[Model]) -> dict[str, tuple[type[Model] | None, bool]]:
    """Each field of ``model`` with its nested model and whether it is a list of it."""
    return {name: _nested_model(info.annotation) for name, info in model.model_fields.items()}


def unknown_keys(
    model: type[Model], raw: Any, path: tuple[str | int, ...] = ()
) -> list[tuple[tuple[str | int, ...], list[str]]]:
    """Find keys of ``raw`` (and of its nested mappings) that ``model`` does not know.

    Returns:
        ``(path of the key, the known keys at that level)`` for each unknown key.
    """
    found: list[tuple[tuple[str | int, ...], list[str]]] = []
    if not isinstance(raw, dict):
        return found
    fields = _field_nesting(model)
    for key, value in raw.items():
        if key not in fields:
            found.append(((*path, key), list(fields)))
            continue
        nested, many = fields[key]
        if nested is None:
            continue
        if many and isinstance(value, list):
            for index, item in enumerate(value):
                found.extend(unknown_keys(nested, item, (*path, key, index)))
        elif not many:
            found.extend(unknown_keys(nested, value, (*path, key)))
    return found
