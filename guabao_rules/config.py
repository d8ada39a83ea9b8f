"""Configuration: ``guabao-rules.toml`` or ``[tool.guabao-rules]`` in ``pyproject.toml``.

The command line overrides the file; the file overrides the profile; the
profile overrides the rules' defaults. Anything unknown is a
:class:`ConfigError`, reported in one line with exit status 2.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from guabao_rules.diagnostics import Severity
from guabao_rules.i18n import LANGS
from guabao_rules.timecal import as_date

CONFIG_FILE = "guabao-rules.toml"
KNOWN_KEYS = {
    "profile",
    "as_of",
    "select",
    "ignore",
    "exclude",
    "params",
    "severity",
    "lang",
    "encoding",
    "engine",
    "spark",
}
ENGINES = ("auto", "python", "duckdb", "spark")
"""The values of ``engine`` (and of ``--engine``)."""
ENCODINGS = ("utf-8", "gb18030", "gbk")
"""The values of ``encoding`` (the same as :data:`guabao_rules.sources.csvsource.ENCODINGS`)."""


class ConfigError(Exception):
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
    origins: dict[str, str] = field(default_factory=dict)
    """Where settings came from when not from ``path`` (``{"as_of": "--as-of"}``)."""

    def __post_init__(self) -> None:
        # Callers write dates as ISO strings (`Config(as_of="2019-12-31")`).
        if self.as_of is not None and not isinstance(self.as_of, date):
            self.as_of = parse_as_of(self.as_of, "Config")


def _str_list(value: Any, key: str, where: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise ConfigError(f"{where}: `{key}` must be a list of strings")


def parse_as_of(value: Any, where: str) -> date:
    """A date from TOML (a date or a ``YYYY-MM-DD`` string) or the command line."""
    day = as_date(value)
    if day is not None:
        return day
    raise ConfigError(f"{where}: `as_of` must be a date written YYYY-MM-DD, not {value!r}")


def from_mapping(table: dict[str, Any], where: str, base: Path | None = None) -> Config:
    """Build a :class:`Config` from a TOML table, strictly."""
    unknown = sorted(set(table) - KNOWN_KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown setting `{unknown[0]}`")
    config = Config(base=base)
    if "profile" in table:
        if not isinstance(table["profile"], str):
            raise ConfigError(f"{where}: `profile` must be a string")
        config.profile = table["profile"]
    if "as_of" in table:
        config.as_of = parse_as_of(table["as_of"], where)
    if "select" in table:
        config.select = _str_list(table["select"], "select", where)
    if "ignore" in table:
        config.ignore = _str_list(table["ignore"], "ignore", where)
    if "exclude" in table:
        config.exclude = _str_list(table["exclude"], "exclude", where)
    if "params" in table:
        if not isinstance(table["params"], dict):
            raise ConfigError(f"{where}: `[params]` must be a table")
        config.params = dict(table["params"])
    if "severity" in table:
        if not isinstance(table["severity"], dict):
            raise ConfigError(f"{where}: `[severity]` must be a table")
        for rule, value in table["severity"].items():
            try:
                config.severity[rule] = Severity(value)
            except ValueError:
                raise ConfigError(
                    f"{where}: severity of {rule} must be error, warning or info"
                ) from None
    if "lang" in table:
        if table["lang"] not in LANGS:
            raise ConfigError(f"{where}: `lang` must be zh or en")
        config.lang = table["lang"]
    if "encoding" in table:
        config.encoding = _encoding(table["encoding"], where)
    if "engine" in table:
        if table["engine"] not in ENGINES:
            raise ConfigError(f"{where}: `engine` must be one of {', '.join(ENGINES)}")
        config.engine = table["engine"]
    if "spark" in table:
        config.spark = _spark(table["spark"], where)
    return config


def _spark(value: Any, where: str) -> SparkSettings:
    """The ``[spark]`` table: ``master`` and a ``[spark.conf]`` of string settings."""
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: `[spark]` must be a table")
    unknown = sorted(set(value) - {"master", "conf"})
    if unknown:
        raise ConfigError(f"{where}: unknown setting `spark.{unknown[0]}`")
    master = value.get("master", "local[*]")
    if not isinstance(master, str):
        raise ConfigError(f"{where}: `spark.master` must be a string")
    conf = value.get("conf", {})
    if not isinstance(conf, dict):
        raise ConfigError(f"{where}: `[spark.conf]` must be a table")
    out: dict[str, str] = {}
    for key, setting in conf.items():
        if not isinstance(setting, str | int | float):
            raise ConfigError(f"{where}: `spark.conf.{key}` must be a string or a number")
        # Spark reads its booleans as lower-case words.
        out[key] = str(setting).lower() if isinstance(setting, bool) else str(setting)
    return SparkSettings(master=master, conf=out)


def _encoding(value: Any, where: str) -> list[tuple[str, str]]:
    """``encoding = "gb18030"``, or ``[encoding]`` with a path glob per encoding."""
    pairs = [("**", value)] if isinstance(value, str) else None
    if isinstance(value, dict):
        pairs = list(value.items())
    if pairs is None:
        raise ConfigError(f"{where}: `encoding` must be an encoding or a table of path globs")
    for pattern, name in pairs:
        if not isinstance(name, str) or name.lower() not in ENCODINGS:
            raise ConfigError(
                f"{where}: encoding for `{pattern}` must be one of {', '.join(ENCODINGS)}, "
                f"not {name!r}"
            )
    return [(pattern, name.lower()) for pattern, name in pairs]


def read_config_file(path: Path) -> Config:
    """Read a ``guabao-rules.toml`` or a ``pyproject.toml``."""
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: {error}") from None
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("guabao-rules", {})
    config = from_mapping(data, str(path), base=path.parent)
    config.path = path
    return config


def setting_line(path: Path, key: str, table: str | None = None) -> int | None:
    """The 1-based line where a TOML or YAML file sets ``key`` (inside ``[table]``)."""
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    pattern = re.compile(rf"""^\s*["']?{re.escape(key)}["']?\s*[:=]""")
    inside = table is None
    for number, text in enumerate(lines, 1):
        header = re.match(r"^\s*\[([^\]]+)\]", text)
        if header and table is not None:
            inside = header.group(1).strip() in (table, f"tool.guabao-rules.{table}")
            continue
        if inside and pattern.match(text):
            return number
    return None


def find_config(start: Path | str) -> Config:
    """The configuration for a dataset: the nearest file in ``start`` or a parent."""
    folder = Path(start).resolve()
    if folder.is_file():
        folder = folder.parent
    for candidate in (folder, *folder.parents):
        own = candidate / CONFIG_FILE
        if own.is_file():
            return read_config_file(own)
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file():
            try:
                with pyproject.open("rb") as handle:
                    has_table = "guabao-rules" in tomllib.load(handle).get("tool", {})
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
                has_table = False  # not ours to judge: another tool's broken file
            if has_table:
                return read_config_file(pyproject)
    return Config()
