"""Rule packs: the YAML declarations of rules, validated strictly.

A pack is a YAML file with ``pack`` (name, description), optional shared
``params`` and a list of ``rules``. Every key is checked: an unknown key,
constraint kind, parameter or registered check is a :class:`PackError`
(exit 2), never a rule that quietly checks nothing. Packs are read with the
project's own YAML reader: no tags, nothing executed.
"""

import os
import re
from collections.abc import Iterator
from functools import cache
from importlib import resources
from importlib.metadata import entry_points
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    Field,
    PrivateAttr,
    ValidationInfo,
    field_validator,
)

from guabao_rules.diagnostics import BilingualError, Severity, Text
from guabao_rules.kinds import Constraint
from guabao_rules.kinds.python import REGISTRY, PythonConstraint
from guabao_rules.kinds.schema import Strict
from guabao_rules.models import Day
from guabao_rules.safeio import read_regular
from guabao_rules.sources.positions import Key, PositionTree, exact_mark
from guabao_rules.sources.validation import PositionedError, bilingual_error, located, validate
from guabao_rules.sources.yamlsource import parse_yaml

RULE_ID = re.compile(r"^[A-Z][0-9]{3}$")
RULE_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


class PackError(BilingualError):
    """A rule pack or profile that cannot be used as written."""


ParamType = Literal["int", "number", "str", "str_list", "str_map", "date"]


class ParamSpec(Strict):
    """A rule parameter: its type, default and meaning."""

    type: ParamType
    default: Any = None
    description: Text


SEED_FILE = "000_c5d3c9bf12f5ab75.txt"
"""The policy text the rules encode (``spec/README.md``: the seed)."""

SEED_TITLE = Text(
    zh="“三区三州”“挂包帮”扶贫组织模式",
    en="The 挂包帮 poverty-alleviation organisation of the 三区三州",
)
"""The seed's subject in its own first sentence ("“三区三州”实行“挂包帮”的扶贫组织模式"):
the file has no title line, so this names it."""

SEED_SECTIONS: dict[str, Text] = {
    "导语": Text(zh="导语", en="introduction"),
    "(一)": Text(zh="(一)组织领导机制", en="(一) organisational leadership"),
    "(二)": Text(zh="(二)项目管理机制", en="(二) project management"),
    "(三)": Text(zh="(三)协作帮扶机制", en="(三) cooperation in helping"),
    "(四)": Text(zh="(四)社会动员机制", en="(四) social mobilisation"),
    "(五)": Text(zh="(五)宣传培训机制", en="(五) publicity and training"),
    "(六)": Text(zh="(六)督导考核机制", en="(六) supervision and assessment"),
}
"""The seed's sections as a rule's ``source.clause`` names them, with their headings."""


class Source(Strict):
    """The policy clause a rule encodes."""

    document: str = "seed"
    clause: str
    quote: str

    @field_validator("clause")
    @classmethod
    def _seed_section(cls, clause: str, info: ValidationInfo) -> str:
        if info.data.get("document", "seed") == "seed" and clause not in SEED_SECTIONS:
            known = ", ".join(SEED_SECTIONS)
            raise ValueError(f"the seed has no section {clause!r} (sections: {known})")
        return clause

    def citation(self, lang: str) -> str:
        """Where the quote stands: the document's title and its section."""
        if self.document != "seed":
            return f"{self.document} {self.clause}"
        section = SEED_SECTIONS[self.clause].get(lang)
        if lang == "zh":
            return f"《{SEED_TITLE.zh}》{section}(seed `{SEED_FILE}`)"
        return f"{SEED_TITLE.en}, {section} (seed `{SEED_FILE}`)"


class Expect(Strict):
    """A finding an example must produce.

    ``rule`` defaults to the rule the example belongs to; naming another rule
    expects a finding of that rule too (one caused by the same data).
    ``message`` is the finding's English message, word for word; ``line`` its
    line in ``data``. What is left out is not compared.
    """

    subject: str | None
    rule: str | None = None
    line: int | None = None
    message: str | None = None


class Example(Strict):
    """A small dataset for the rule's documentation and tests."""

    note: Text | None = None
    """What the example shows (an edge case: a boundary count, the last quarter of a term)."""
    as_of: Day | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    data: str
    waivers: str | None = None
    """The text of a ``guabao-rules-waivers.yaml`` beside the data (D009)."""
    expect: list[Expect] = Field(default_factory=list)


def _one_or_more(value: Any) -> Any:
    return [value] if isinstance(value, dict) else value


ExampleList = Annotated[
    list[Example],
    Field(min_length=1),
    BeforeValidator(_one_or_more, json_schema_input_type=Example | list[Example]),
]
"""One example, or several: a pack may write either."""


class Examples(Strict):
    """A rule's failing and passing examples (one of each at least)."""

    fail: ExampleList
    """Each must yield exactly its ``expect`` findings."""
    pass_: Annotated[ExampleList, Field(alias="pass")]
    """Each must yield no finding of the rule."""


MEASURES: dict[str, Text] = {
    "standardisation": Text(zh="项目管理标准化", en="Standardised project management"),
    "scientific_intake": Text(zh="项目入库科学化", en="Scientific project intake"),
    "dynamic_updates": Text(zh="项目更新动态化", en="Dynamic project updates"),
    "fund_integration": Text(zh="项目资金一体化", en="Integrated projects and funds"),
    "poverty_performance": Text(zh="带贫减贫绩效化", en="Poverty-reduction performance"),
    "open_supervision": Text(zh="内外监督公开化", en="Open internal and external supervision"),
    "digital_monitoring": Text(zh="进度监测信息化", en="Digital progress monitoring"),
}
"""The seven 七化 measures of seed (二), in the seed's order: a rule's ``measure`` key."""


class RuleSpec(Strict):
    """One rule as declared in a pack."""

    id: str
    name: str
    title: Text
    message: Text
    severity: Severity
    subject: Text
    description: Text
    rationale: Text
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
            raise bilingual_error(
                "rule_id",
                zh=f"规则编号应为一个大写字母加三位数字(如 Q003),不是 {value!r}",
                en=f"a rule id is a capital letter and three digits, like Q003, not {value!r}",
            )
        return value

    @field_validator("name")
    @classmethod
    def _name_shape(cls, value: str) -> str:
        if not RULE_NAME.match(value):
            raise bilingual_error(
                "rule_name",
                zh=f"规则名称应为 kebab-case(如 fund-overcommitted),不是 {value!r}",
                en=f"a rule name is kebab-case, like fund-overcommitted, not {value!r}",
            )
        return value

    @field_validator("measure")
    @classmethod
    def _known_measure(cls, value: str | None) -> str | None:
        if value is not None and value not in MEASURES:
            known = ", ".join(MEASURES)
            raise bilingual_error(
                "measure",
                zh=f"未知的措施 {value!r}(已知:{known})",
                en=f"unknown measure {value!r} (known: {known})",
            )
        return value

    @property
    def family(self) -> str:
        """The family letter: D, Q, M, T or S."""
        return self.id[0]


class PackInfo(Strict):
    """A pack's name and description."""

    name: str
    description: Text


class Pack(Strict):
    """A rule pack file, with where it was read from."""

    pack: PackInfo
    params: dict[str, ParamSpec] = Field(default_factory=dict)
    rules: list[RuleSpec]
    _file: str = PrivateAttr(default="<pack>")
    _positions: PositionTree | None = PrivateAttr(default=None)

    def where(self, *path: Key) -> str:
        """``file:line:column`` of a node of the pack (``where("rules", 0, "id")``)."""
        return located(self._file, self._positions, path)

    def rule_where(self, rule: RuleSpec, *path: Key) -> str:
        """``file:line:column`` of a node inside one of this pack's rules."""
        for index, candidate in enumerate(self.rules):
            if candidate is rule:
                return self.where("rules", index, *path)
        return self._file


def validate_rule(rule: RuleSpec, declared: set[str], pack: Pack | None = None) -> None:
    """Check what the schema alone cannot: registered checks and named parameters.

    Args:
        rule: The rule.
        declared: The parameters it may name (its own and its packs' shared ones).
        pack: The pack it was read from, to name the place of a problem.

    Raises:
        PackError: The rule names a check that is not registered, or a parameter
            it does not declare.
    """

    def at(*path: Key) -> Text:
        where = pack.rule_where(rule, *path) if pack is not None else None
        if where:
            return Text(zh=f"{where}:规则 {rule.id}", en=f"{where}: rule {rule.id}")
        return Text(zh=f"规则 {rule.id}", en=f"rule {rule.id}")

    constraint = rule.constraint
    if isinstance(constraint, PythonConstraint) and constraint.check not in REGISTRY:
        raise PackError(
            zh="{at}:没有名为 {check!r} 的已注册检查",
            en="{at}: no registered check named {check!r}",
            at=at("constraint", "check"),
            check=constraint.check,
        )
    for name, path in _param_refs(constraint.model_dump(by_alias=True)):
        if name not in declared:
            raise PackError(
                zh="{at}:参数 {name!r} 未声明",
                en="{at}: parameter {name!r} is not declared",
                at=at("constraint", *path),
                name=name,
            )
    for index, name in enumerate(rule.requires):
        if name not in declared:
            raise PackError(
                zh="{at}:所需参数 {name!r} 未声明",
                en="{at}: required parameter {name!r} is not declared",
                at=at("requires", index),
                name=name,
            )


def _param_refs(value: Any, path: tuple[Key, ...] = ()) -> Iterator[tuple[str, tuple[Key, ...]]]:
    if isinstance(value, dict):
        if set(value) == {"param"} and isinstance(value["param"], str):
            yield value["param"], (*path, "param")
            return
        for key, item in value.items():
            yield from _param_refs(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _param_refs(item, (*path, index))


# --- loading --------------------------------------------------------------------


def _read_yaml(data: bytes, name: str) -> tuple[Any, PositionTree | None]:
    # Packs hold block scalars and prose with commas, which the fast reader leaves to
    # PyYAML after reading much of the file: 2 ms of every start spared.
    parsed = parse_yaml(data, plain=False)
    for problem in parsed.problems:
        raise PackError(
            zh="{name}:{line}:{column}: {problem}",
            en="{name}:{line}:{column}: {problem}",
            name=name,
            line=problem.mark.line,
            column=problem.mark.column,
            problem=problem.text,
        )
    return parsed.value, parsed.positions


def parse_pack(data: bytes, name: str) -> Pack:
    """Validate one pack file's bytes strictly.

    Raises:
        PackError: The file is not YAML or breaks the pack schema; the message
            is one line naming ``file:line:column``.
    """
    value, positions = _read_yaml(data, name)
    try:
        pack = validate(Pack, value, positions, name)
    except PositionedError as error:
        raise PackError(text=error.text) from None
    pack._file = name
    pack._positions = positions
    return pack


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
            raise PackError(
                zh="无法加载插件规则包 {name!r}:{error}",
                en="plugin pack {name!r} cannot be loaded: {error}",
                name=ep.name,
                error=error,
            ) from None
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
    description: Text
    params: dict[str, Any] = Field(default_factory=dict)
    select: list[str] | None = None
    ignore: list[str] = Field(default_factory=list)
    _file: str = PrivateAttr(default="<profile>")
    _positions: PositionTree | None = PrivateAttr(default=None)

    def where(self, *path: Key) -> str:
        """``file:line:column`` of a node of the profile (``where("params", "x")``)."""
        return located(self._file, self._positions, path)

    def line_of(self, *path: Key) -> int | None:
        """The line where the profile sets ``path`` (``line_of("params", "x")``), if it does."""
        mark = exact_mark(self._positions, path)
        return mark.line if mark else None


def profile_file(name_or_path: str, base: Path | None = None) -> Path | None:
    """The file a profile is read from (a built-in one's inside the package), if at hand."""
    candidate = Path(name_or_path)
    if base is not None and not candidate.is_absolute():
        candidate = base / candidate
    if name_or_path.endswith((".yaml", ".yml")) or os.path.lexists(candidate):
        return candidate if candidate.is_file() else None
    item = profile_dir() / f"{name_or_path}.yaml"
    return Path(str(item)) if isinstance(item, Path) or Path(str(item)).is_file() else None


def load_profile(name_or_path: str, base: Path | None = None) -> Profile:
    """A built-in profile by name, or a profile file by path."""
    candidate = Path(name_or_path)
    if base is not None and not candidate.is_absolute():
        candidate = base / candidate
    data: bytes
    if name_or_path.endswith((".yaml", ".yml")) or os.path.lexists(candidate):
        try:
            data = read_regular(candidate)  # a FIFO is refused, never waited on
        except OSError as error:
            raise PackError(
                zh="无法读取配置方案 {profile}:{reason}",
                en="cannot read profile {profile}: {reason}",
                profile=name_or_path,
                reason=error.strerror,
            ) from None
        label = str(candidate)
    else:
        item = profile_dir() / f"{name_or_path}.yaml"
        if not item.is_file():
            known = ", ".join(
                sorted(p.name[:-5] for p in profile_dir().iterdir() if p.name.endswith(".yaml"))
            )
            raise PackError(
                zh="未知的配置方案 {profile!r}(内置:{known})",
                en="unknown profile {profile!r} (built-in: {known})",
                profile=name_or_path,
                known=known,
            )
        data = item.read_bytes()
        label = f"rules/profiles/{item.name}"
    value, positions = _read_yaml(data, label)
    try:
        profile = validate(Profile, value, positions, label)
    except PositionedError as error:
        raise PackError(text=error.text) from None
    profile._file = label
    profile._positions = positions
    return profile
