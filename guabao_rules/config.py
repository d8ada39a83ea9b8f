"""Configuration: ``guabao-rules.toml`` or ``[tool.guabao-rules]`` in ``pyproject.toml``.

The command line overrides the file; the file overrides the profile; the
profile overrides the rules' defaults. Anything unknown is a
:class:`ConfigError`, reported in one line with exit status 2.
"""

import math
import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from guabao_rules.diagnostics import BilingualError, Severity, Text
from guabao_rules.safeio import read_regular
from guabao_rules.sources.positions import Key, PositionTree, exact_mark
from guabao_rules.sources.tomlpositions import toml_positions
from guabao_rules.sources.validation import PositionedError, bilingual_error, located, validate
from guabao_rules.timecal import as_date

CONFIG_FILE = "guabao-rules.toml"
ENCODINGS = ("utf-8", "gb18030", "gbk")
"""The values of ``encoding`` (the same as :data:`guabao_rules.sources.csvsource.ENCODINGS`)."""
ENGINES = ("auto", "python", "duckdb", "spark")
"""The values of ``engine`` (and of ``--engine``)."""


class ConfigError(BilingualError):
    """A configuration or command line that cannot be used."""


@dataclass(frozen=True, slots=True)
class SparkSettings:
    """The ``[spark]`` table: where Spark runs and with what settings.

    Attributes:
        master: The master URL (``local[*]``, ``spark://host:7077``, ``yarn``).
        conf: Spark settings (``"spark.executor.memory" = "8g"``).
        session: An existing ``SparkSession`` (Python API); master and conf are then unused.
    """

    master: str = "local[*]"
    conf: dict[str, str] = field(default_factory=dict)
    session: Any = None


@dataclass(frozen=True, slots=True)
class DuckDBSettings:
    """The ``[duckdb]`` table: what the embedded DuckDB may use.

    Attributes:
        memory_limit: DuckDB's own memory limit (``"4GB"``); beyond it a join or
            an aggregate spills to ``temp_directory``. None: DuckDB's default (80 %
            of the machine's memory). The dataset's Arrow tables are not counted
            in it: they are the process's, shared with DuckDB.
        temp_directory: Where DuckDB spills. None: a fresh temporary folder,
            removed after the check (never the working directory, DuckDB's own
            default).
    """

    memory_limit: str | None = None
    temp_directory: str | None = None

    def connection_config(self, spill: str) -> dict[str, str | bool | int | float | list[str]]:
        """DuckDB's ``config`` for a connection (``spill``: the temporary folder made for it)."""
        config: dict[str, str | bool | int | float | list[str]] = {
            "temp_directory": self.temp_directory or spill
        }
        if self.memory_limit is not None:
            config["memory_limit"] = self.memory_limit
        return config


@dataclass(slots=True)
class Config:
    """Settings for one check.

    Attributes:
        profile: A built-in profile name or a path to a profile file.
        as_of: The day the data is judged at (None: today); an ISO
            ``YYYY-MM-DD`` string is read as that date.
        select: Rule ids or prefixes to run (None: the profile's, else ALL).
        ignore: Rule ids or prefixes not to run.
        exclude: Globs of paths below the dataset root that are not data.
        params: Rule parameter overrides.
        severity: Rule severity overrides.
        lang: Message language, ``zh`` or ``en`` (None: from the locale).
        encoding: ``(glob, encoding)`` pairs for CSV tables not in UTF-8, in the
            order written (``encoding = "gb18030"`` is ``[("**", "gb18030")]``).
        base: The folder the config file is in (relative profile paths start there).
        path: The config file read, if any.
        engine: ``auto``, ``python``, ``duckdb`` or ``spark``
            (:mod:`guabao_rules.columnar.engine`).
        spark: Where the ``spark`` engine runs.
        duckdb: What the ``duckdb`` engine may use.
    """

    profile: str | None = None
    as_of: date | str | None = None
    select: list[str] | None = None
    ignore: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    severity: dict[str, Severity] = field(default_factory=dict)
    lang: str | None = None
    encoding: list[tuple[str, str]] = field(default_factory=list)
    base: Path | None = None
    path: Path | None = None
    engine: str = "auto"
    spark: SparkSettings = field(default_factory=SparkSettings)
    duckdb: DuckDBSettings = field(default_factory=DuckDBSettings)
    origins: dict[str, str] = field(default_factory=dict)
    """Where settings came from when not from ``path`` (``{"as_of": "--as-of"}``)."""
    positions: PositionTree | None = None
    """Where each setting stands in ``path`` (for errors found after reading, in :func:`plan`)."""

    def line_of(self, *path: Key) -> int | None:
        """The line where the file sets ``path`` (``line_of("params", "x")``), if it does."""
        mark = exact_mark(self.positions, path)
        return mark.line if mark else None

    def where(self, *path: Key, default: str = "configuration") -> str:
        """``file:line:column`` of a setting in the file (``default`` with no file)."""
        if self.path is None:
            return default
        return located(str(self.path), self.positions, path) if path else str(self.path)

    def __post_init__(self) -> None:
        # Callers write dates as ISO strings (`Config(as_of="2019-12-31")`).
        if self.as_of is not None and not isinstance(self.as_of, date):
            self.as_of = parse_as_of(self.as_of, "Config")


def parse_as_of(value: Any, where: str) -> date:
    """A date from TOML (a date or a ``YYYY-MM-DD`` string) or the command line."""
    day = as_date(value)
    if day is not None:
        return day
    raise ConfigError(
        zh="{where}:`as_of` 应为 YYYY-MM-DD 格式的日期,不是 {value!r}",
        en="{where}: `as_of` must be a date written YYYY-MM-DD, not {value!r}",
        where=where,
        value=value,
    )


def _one_or_more(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


StrList = Annotated[list[str], BeforeValidator(_one_or_more)]
"""A list of strings; one string is a list of one."""


def _everywhere(value: Any) -> Any:
    return {"**": value} if isinstance(value, str) else value


def _known_encoding(name: str) -> str:
    if name.lower() not in ENCODINGS:
        raise bilingual_error(
            "encoding",
            zh=f"编码应为 {'、'.join(ENCODINGS)} 之一,不是 {name!r}",
            en=f"the encoding must be one of {', '.join(ENCODINGS)}, not {name!r}",
        )
    return name.lower()


Encoding = Annotated[str, AfterValidator(_known_encoding)]
"""The name of an encoding CSV tables may be written in (any letter case)."""


class SparkTable(BaseModel):
    """The ``[spark]`` table as written: ``master`` and ``[spark.conf]``."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    master: str = "local[*]"
    conf: dict[str, str | int | float | bool] = Field(default_factory=dict)


_MEMORY = re.compile(r"[0-9]+(\.[0-9]+)?\s*(B|[KMGT]i?B)", re.IGNORECASE)


def _memory_size(value: str) -> str:
    if not _MEMORY.fullmatch(value.strip()):
        raise bilingual_error(
            "memory_limit",
            zh=f'应为内存大小,如 "4GB" 或 "512MiB",不是 {value!r}',
            en=f'must be a size of memory such as "4GB" or "512MiB", not {value!r}',
        )
    return value.strip()


class DuckDBTable(BaseModel):
    """The ``[duckdb]`` table as written: ``memory_limit`` and ``temp_directory``."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    memory_limit: Annotated[str, AfterValidator(_memory_size)] | None = None
    temp_directory: str | None = None


class Settings(BaseModel):
    """The settings of a configuration file, as written (the schema it is validated against)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    profile: str | None = None
    as_of: date | None = None
    select: StrList | None = None
    ignore: StrList = Field(default_factory=list)
    exclude: StrList = Field(default_factory=list)
    params: dict[str, Any] = Field(default_factory=dict)
    severity: dict[str, Severity] = Field(default_factory=dict)
    lang: Literal["zh", "en"] | None = None
    encoding: Annotated[dict[str, Encoding], BeforeValidator(_everywhere)] = Field(
        default_factory=dict
    )
    engine: Literal["auto", "python", "duckdb", "spark"] = "auto"
    spark: SparkTable = Field(default_factory=SparkTable)
    duckdb: DuckDBTable = Field(default_factory=DuckDBTable)

    @field_validator("as_of", mode="before")
    @classmethod
    def _as_of_is_a_day(cls, value: Any) -> Any:
        day = as_date(value)
        if day is None:
            raise bilingual_error(
                "as_of",
                zh=f"应为 YYYY-MM-DD 格式的日期,不是 {value!r}",
                en=f"must be a date written YYYY-MM-DD, not {value!r}",
            )
        return day


def from_mapping(
    table: dict[str, Any],
    where: str,
    base: Path | None = None,
    positions: PositionTree | None = None,
) -> Config:
    """Build a :class:`Config` from a TOML table, strictly.

    Args:
        table: The settings.
        where: The file they come from, for messages.
        base: The folder relative profile paths start from.
        positions: Where each key of ``table`` stands in the file, if known.

    Raises:
        ConfigError: A setting is unknown or has a wrong value (one line,
            ``file:line:column`` when ``positions`` are given).
    """
    try:
        settings = validate(Settings, table, positions, where)
    except PositionedError as error:
        if positions is None:  # no file positions: name the file alone, not a made-up 1:1
            first = error.problems[0]
            raise ConfigError(
                zh="{where}:{problem}", en="{where}: {problem}", where=where, problem=first.text
            ) from None
        raise ConfigError(text=error.text) from None
    return Config(
        profile=settings.profile,
        as_of=settings.as_of,
        select=None if settings.select is None else list(settings.select),
        ignore=list(settings.ignore),
        exclude=list(settings.exclude),
        params=dict(settings.params),
        severity=dict(settings.severity),
        lang=settings.lang,
        encoding=list(settings.encoding.items()),
        base=base,
        engine=settings.engine,
        spark=SparkSettings(
            master=settings.spark.master,
            # Spark reads its booleans as lower-case words.
            conf={
                key: str(value).lower() if isinstance(value, bool) else str(value)
                for key, value in settings.spark.conf.items()
            },
        ),
        duckdb=DuckDBSettings(
            memory_limit=settings.duckdb.memory_limit,
            temp_directory=_relative_to(base, settings.duckdb.temp_directory),
        ),
    )


def _relative_to(base: Path | None, path: str | None) -> str | None:
    """A path written in the config file: relative ones start at the file's folder."""
    if path is None or base is None or Path(path).is_absolute():
        return path
    return str(base / path)


def _toml_type(value: Any) -> Text:
    """What a TOML value is, in words (``an integer``), for a one-line message."""
    if isinstance(value, bool):
        return Text(zh="布尔值", en="a boolean")
    if isinstance(value, int):
        return Text(zh="整数", en="an integer")
    if isinstance(value, float):
        if math.isfinite(value):
            return Text(zh="数字", en="a number")
        return Text(zh=f"数字 {value}", en=f"the number {value}")
    if isinstance(value, str):
        return Text(zh="字符串", en="a string")
    if isinstance(value, list):
        return Text(zh="数组", en="an array")
    return Text(zh="日期或时间", en="a date or time")


_TOML_ZH = (
    (r"Invalid value", "无效的值"),
    (r"Invalid statement", "无效的语句"),
    (r"Cannot overwrite a value", "不能覆盖已有的值"),
    (r"Cannot declare (.+) twice", r"\1 声明了两次"),
    (r"Cannot mutate immutable namespace (.+)", r"不能修改不可变的命名空间 \1"),
    (r"Cannot redefine namespace (.+)", r"不能重新定义命名空间 \1"),
    (r"Duplicate inline table key (.+)", r"内联表的键 \1 重复"),
    (r"Escaped character is not a Unicode scalar value", "转义字符不是 Unicode 标量值"),
    (r"Expected '=' after a key in a key/value pair", "键值对的键后应为 '='"),
    (r"Expected '\]' at the end of a table declaration", "表声明末尾应为 ']'"),
    (r"Expected '\]\]' at the end of an array declaration", "数组表声明末尾应为 ']]'"),
    (r"Expected (.+)", r"此处应为 \1"),
    (r"Found invalid character (.+)", r"无效字符 \1"),
    (r"Illegal character (.+)", r"非法字符 \1"),
    (r"Invalid date or datetime", "无效的日期或时间"),
    (r"Invalid hex value", "无效的十六进制值"),
    (r"Invalid initial character for a key part", "键的首字符无效"),
    (r"Unclosed array", "数组未闭合"),
    (r"Unclosed inline table", "内联表未闭合"),
    (r"Unescaped '\\' in a string", "字符串中有未转义的 '\\'"),
    (r"Unterminated string", "字符串未结束"),
)
"""tomllib's messages (Python 3.11-3.13) and their zh texts."""

_TOML_AT = re.compile(
    r"(?P<msg>.*) \(at (?:line (?P<line>\d+), column (?P<column>\d+)|end of document)\)"
)


def toml_error_text(error: tomllib.TOMLDecodeError) -> Text:
    """Tomllib's message in both languages: what is wrong, and where (line, column)."""
    en = str(error)
    found = _TOML_AT.fullmatch(en)
    if found is None:  # another Python's wording: the message as it is, marked as TOML's
        return Text(zh=f"TOML 语法错误:{en}", en=en)
    msg = found["msg"]
    zh = f"TOML 语法错误:{msg}"
    for pattern, text in _TOML_ZH:
        if re.fullmatch(pattern, msg):
            zh = f"TOML 语法错误:{re.sub(pattern, text, msg)}"
            break
    where = f"第 {found['line']} 行第 {found['column']} 列" if found["line"] else "文件末尾"
    return Text(zh=f"{zh}({where})", en=en)


def read_config_file(path: Path) -> Config:
    """Read a ``guabao-rules.toml`` or a ``pyproject.toml``."""
    try:
        text = read_regular(path).decode("utf-8")
        data = tomllib.loads(text)
    except OSError as error:  # a FIFO or device too: refused, never waited on
        raise ConfigError(
            zh="{path}:无法读取:{reason}",
            en="{path}: cannot read: {reason}",
            path=path,
            reason=error.strerror,
        ) from None
    except UnicodeDecodeError:
        raise ConfigError(
            zh="{path}:不是 UTF-8 文本", en="{path}: not UTF-8 text", path=path
        ) from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(
            zh="{path}:{detail}", en="{path}: {detail}", path=path, detail=toml_error_text(error)
        ) from None
    positions: PositionTree | None
    try:
        positions = toml_positions(text)
    except (ValueError, IndexError):  # defensive: a scanner slip costs positions, never the run
        positions = None
    if path.name == "pyproject.toml":
        tool_table = data.get("tool", {})
        if not isinstance(tool_table, dict):
            raise ConfigError(
                zh="{path}:`tool` 应为表", en="{path}: `tool` must be a table", path=path
            )
        data = tool_table.get("guabao-rules", {})
        if not isinstance(data, dict):
            raise ConfigError(
                zh="{path}:[tool.guabao-rules] 应为表,不是{kind}",
                en="{path}: [tool.guabao-rules] must be a table, not {kind}",
                path=path,
                kind=_toml_type(data),
            )
        tool = positions.children.get("tool") if positions else None
        positions = tool.children.get("guabao-rules") if tool else None
    config = from_mapping(data, str(path), base=path.parent, positions=positions)
    config.path = path
    config.positions = positions
    return config


def find_config(start: Path | str) -> Config:
    """The configuration for a dataset: the nearest file in ``start`` or a parent."""
    folder = Path(start).resolve()
    if folder.is_file():
        folder = folder.parent
    for candidate in (folder, *folder.parents):
        own = candidate / CONFIG_FILE
        if os.path.lexists(own):  # a FIFO or a dangling link is an error, not "no config"
            return read_config_file(own)
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file():
            try:
                tool = tomllib.loads(read_regular(pyproject).decode("utf-8")).get("tool", {})
                has_table = isinstance(tool, dict) and "guabao-rules" in tool
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
                has_table = False  # not ours to judge: another tool's broken file
            if has_table:
                return read_config_file(pyproject)
    return Config()
