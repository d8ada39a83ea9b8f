"""Rule packs: the YAML declarations of rules, validated strictly.

A pack is a YAML file with ``pack`` (name, description), optional shared
``params`` and a list of ``rules``. Every key is checked: an unknown key,
constraint kind, parameter or registered check is a :class:`PackError`
(exit 2), never a rule that quietly checks nothing. Packs are read with the
project's own YAML reader: no tags, nothing executed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from importlib import resources
from importlib.metadata import entry_points
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

from guabao_rules.diagnostics import Severity, Text
from guabao_rules.i18n import field_name
from guabao_rules.models import COLLECTIONS, Day
from guabao_rules.sources.yamlsource import parse_yaml

RULE_ID = re.compile(r"^[A-Z][0-9]{3}$")


class PackError(Exception):
    """A rule pack or profile that cannot be used as written."""


class Strict(BaseModel):
    """Base of the pack schema: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Bilingual(Strict):
    """Text in Chinese and English."""

    zh: str
    en: str

    def text(self) -> Text:
        """As a :class:`Text`."""
        return Text(self.zh, self.en)

    def get(self, lang: str) -> str:
        """The text in ``lang``."""
        return self.zh if lang == "zh" else self.en


class ParamRef(Strict):
    """A value taken from a rule parameter: ``{param: name}``."""

    param: str


class Not(Strict):
    """A value that must not match: ``{not: value or [values]}``."""

    not_: Annotated[str | int | bool | list[str], Field(alias="not")]


WhereValue = str | int | bool | list[str] | ParamRef | Not

ParamType = Literal["int", "number", "str", "str_list", "str_map", "date"]


class ParamSpec(Strict):
    """A rule parameter: its type, default and meaning."""

    type: ParamType
    default: Any = None
    description: Bilingual


class Source(Strict):
    """The policy clause a rule encodes."""

    document: str = "seed"
    clause: str
    quote: str


class Expect(Strict):
    """A finding an example must produce."""

    subject: str | None
    line: int | None = None


class Example(Strict):
    """A small dataset for the rule's documentation and tests."""

    as_of: Day | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    data: str
    waivers: str | None = None
    """The text of a ``guabao-rules-waivers.yaml`` beside the data (D009)."""
    expect: list[Expect] = Field(default_factory=list)


class Examples(Strict):
    """A failing and a passing example."""

    fail: Example
    pass_: Annotated[Example, Field(alias="pass")]


# --- selectors and constraint kinds ---------------------------------------------


def _known_collection(value: str) -> str:
    if value not in COLLECTIONS:
        raise ValueError(f"unknown collection {value!r}")
    return value


CollectionName = Annotated[str, AfterValidator(_known_collection)]
"""The name of a collection of the data format."""


class Selector(Strict):
    """Which subjects a rule looks at.

    Either records of a ``collection`` filtered by ``where`` (field: value,
    a list of values, or ``{not: …}``), ``tagged`` a region tag and ``in_scope``
    (the county itself, or the county a region lies in, carries the scope tag);
    or ``ids`` taken from a parameter (subjects even when absent from the data);
    or the ``dataset`` as a whole.
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
    distinct ids in that field instead of the records.
    """

    collection: CollectionName
    via: str | None = None
    where: dict[str, WhereValue] = Field(default_factory=dict)
    active: bool = False
    ends: list[RelationEnd] = Field(default_factory=list)
    distinct: str | None = None


Bound = int | ParamRef | None


class CountCheck(Strict):
    """A bound on the number of related records (or distinct ids)."""

    relation: Relation
    min: Bound = None
    max: Bound = None
    label: Bilingual | None = None


class CountConstraint(Strict):
    """Count over typed relations: each check bounds a count per subject."""

    kind: Literal["count"]
    select: Selector
    checks: list[CountCheck] = Field(min_length=1)


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


class PythonConstraint(Strict):
    """A registered Python check, for what no declarative kind expresses."""

    kind: Literal["python"]
    check: str
    select: Selector | None = None


Constraint = Annotated[
    CountConstraint | PresenceConstraint | PythonConstraint, Field(discriminator="kind")
]


MEASURES: dict[str, Text] = {
    "standardisation": Text("项目管理标准化", "Standardised project management"),
    "scientific_intake": Text("项目入库科学化", "Scientific project intake"),
    "dynamic_updates": Text("项目更新动态化", "Dynamic project updates"),
    "fund_integration": Text("项目资金一体化", "Integrated projects and funds"),
    "poverty_performance": Text("带贫减贫绩效化", "Poverty-reduction performance"),
    "open_supervision": Text("内外监督公开化", "Open internal and external supervision"),
    "digital_monitoring": Text("进度监测信息化", "Digital progress monitoring"),
}
"""The seven 七化 measures of seed (二), in the seed's order: a rule's ``measure`` key."""


class RuleSpec(Strict):
    """One rule as declared in a pack."""

    id: str
    title: Bilingual
    message: Bilingual
    severity: Severity
    subject: Bilingual
    description: Bilingual
    rationale: Bilingual
    source: Source
    measure: str | None = None
    constraint: Constraint
    params: dict[str, ParamSpec] = Field(default_factory=dict)
    requires: list[str] = Field(default_factory=list)
    examples: Examples

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if not RULE_ID.match(value):
            raise ValueError("a rule id is a capital letter and three digits, like Q003")
        return value

    @field_validator("measure")
    @classmethod
    def _known_measure(cls, value: str | None) -> str | None:
        if value is not None and value not in MEASURES:
            raise ValueError(f"unknown measure {value!r} (known: {', '.join(MEASURES)})")
        return value

    @property
    def family(self) -> str:
        """The family letter: D, Q, M, T or S."""
        return self.id[0]


class PackInfo(Strict):
    """A pack's name and description."""

    name: str
    description: Bilingual


class Pack(Strict):
    """A rule pack file."""

    pack: PackInfo
    params: dict[str, ParamSpec] = Field(default_factory=dict)
    rules: list[RuleSpec]


# --- loading --------------------------------------------------------------------


def _read_yaml(data: bytes, name: str) -> Any:
    parsed = parse_yaml(data)
    for problem in parsed.problems:
        raise PackError(f"{name}:{problem.mark.line}:{problem.mark.column}: {problem.message_en}")
    return parsed.value


def _format_error(name: str, error: ValidationError) -> str:
    first = error.errors(include_url=False)[0]
    where = field_name(tuple(first["loc"])) or "(top)"
    more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
    return f"{name}: {where}: {first['msg']}{more}"


def parse_pack(data: bytes, name: str) -> Pack:
    """Validate one pack file's bytes strictly."""
    try:
        return Pack.model_validate(_read_yaml(data, name), strict=False)
    except ValidationError as error:
        raise PackError(_format_error(name, error)) from None


def builtin_rules_dir() -> Traversable:
    """The built-in ``rules/`` folder, in the wheel or in a source checkout."""
    packaged = resources.files("guabao_rules") / "rules"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "rules"


def _pack_sources() -> Iterator[tuple[str, bytes]]:
    folder = builtin_rules_dir()
    for item in sorted(folder.iterdir(), key=lambda t: t.name):
        if item.is_file() and item.name.endswith((".yaml", ".yml")):
            yield f"rules/{item.name}", item.read_bytes()
    # Plugin packages add packs through the `guabao_rules.packs` entry point:
    # each names a folder (a Traversable-returning callable) of pack files.
    for ep in sorted(entry_points(group="guabao_rules.packs"), key=lambda e: e.name):
        try:
            plugin_folder = ep.load()()
        except Exception as error:  # a broken plugin is a usage error, never a traceback
            raise PackError(f"plugin pack {ep.name!r} cannot be loaded: {error}") from None
        for item in sorted(plugin_folder.iterdir(), key=lambda t: t.name):
            if item.is_file() and item.name.endswith((".yaml", ".yml")):
                yield f"{ep.name}:{item.name}", item.read_bytes()


@cache
def builtin_packs() -> tuple[Pack, ...]:
    """Every pack: the built-in ones, then plugins'; validated once."""
    return tuple(parse_pack(data, name) for name, data in _pack_sources())


def profile_dir() -> Traversable:
    """The folder of built-in profiles."""
    return builtin_rules_dir() / "profiles"


class Profile(Strict):
    """A profile: parameter values (and optionally a rule selection)."""

    name: str
    description: Bilingual
    params: dict[str, Any] = Field(default_factory=dict)
    select: list[str] | None = None
    ignore: list[str] = Field(default_factory=list)


def profile_file(name_or_path: str, base: Path | None = None) -> Path | None:
    """The file a profile is read from (a built-in one's inside the package), if at hand."""
    candidate = Path(name_or_path)
    if base is not None and not candidate.is_absolute():
        candidate = base / candidate
    if name_or_path.endswith((".yaml", ".yml")) or candidate.is_file():
        return candidate if candidate.is_file() else None
    item = profile_dir() / f"{name_or_path}.yaml"
    return Path(str(item)) if isinstance(item, Path) or Path(str(item)).is_file() else None


def load_profile(name_or_path: str, base: Path | None = None) -> Profile:
    """A built-in profile by name, or a profile file by path."""
    candidate = Path(name_or_path)
    if base is not None and not candidate.is_absolute():
        candidate = base / candidate
    data: bytes
    if name_or_path.endswith((".yaml", ".yml")) or candidate.is_file():
        try:
            data = candidate.read_bytes()
        except OSError as error:
            raise PackError(f"cannot read profile {name_or_path}: {error.strerror}") from None
        label = str(candidate)
    else:
        item = profile_dir() / f"{name_or_path}.yaml"
        if not item.is_file():
            known = ", ".join(
                sorted(p.name[:-5] for p in profile_dir().iterdir() if p.name.endswith(".yaml"))
            )
            raise PackError(f"unknown profile {name_or_path!r} (built-in: {known})")
        data = item.read_bytes()
        label = f"rules/profiles/{item.name}"
    try:
        return Profile.model_validate(_read_yaml(data, label), strict=False)
    except ValidationError as error:
        raise PackError(_format_error(label, error)) from None
