"""One call that does what ``guabao-rules check`` does: :func:`check_path`.

The command line is built on the same functions, so a caller and the command
judge a dataset identically: the configuration file is found the same way,
``exclude`` and ``encoding`` apply to loading, the profile and ``as_of`` to the
rules, the waiver file to the findings, and a check of single files reports
the findings located in those files (see :func:`scope`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from guabao_rules.columnar.engine import auto_reads_columnar
from guabao_rules.config import (
    ENGINES,
    Config,
    ConfigError,
    find_config,
    parse_as_of,
    read_config_file,
)
from guabao_rules.dataset import Dataset
from guabao_rules.diagnostics import Severity, Text
from guabao_rules.engine.core import (
    Plan,
    Report,
    evaluator_for,
    plan,
    rule_codes,
    rules_known,
    run,
)
from guabao_rules.engine.waivers import read_waivers
from guabao_rules.models import COLLECTIONS
from guabao_rules.sources import loader

PathArg = str | os.PathLike[str]


def _codes(values: Iterable[str], where: str) -> list[str]:
    return rule_codes((c for value in values for c in value.split(",") if c.strip()), where)


def resolve_config(
    paths: Sequence[PathArg],
    *,
    config_file: PathArg | None = None,
    profile: str | None = None,
    as_of: date | str | None = None,
    select: Sequence[str] | None = None,
    extend_select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    lang: str | None = None,
    params: dict[str, Any] | None = None,
    severity: dict[str, str] | None = None,
    engine: str | None = None,
    labels: dict[str, str] | None = None,
) -> Config:
    """The configuration a check of ``paths`` uses, with the caller's overrides.

    ``config_file`` is read if given, else the nearest ``guabao-rules.toml``
    (or ``[tool.guabao-rules]``) in the first path's folder or a parent. The
    overrides win over the file, as the command-line options do.

    Args:
        paths: What is checked (only the first is used to find the config).
        config_file: The configuration file to use instead of searching.
        profile: A built-in profile name or a profile file (relative to the
            working folder).
        as_of: The day the data is judged at (a date or ``YYYY-MM-DD``).
        select: Rule ids or prefixes to run instead of the config's.
        extend_select: Rule ids or prefixes to run besides the selected ones.
        ignore: Rule ids or prefixes not to run, besides the config's.
        lang: ``zh`` or ``en``.
        params: Rule parameter overrides.
        severity: Rule severity overrides (``{"T009": "error"}``).
        engine: ``auto``, ``python``, ``duckdb`` or ``spark``.
        labels: How each override is named in error messages and in the
            summary's "as_of from" (the command line passes ``--as-of``).

    Raises:
        ConfigError: The file or an override cannot be used.
    """
    # A caller's as_of reads "the caller's Config" in the summary.
    named = {"as_of": "Config", "profile": "profile", "select": "select", **(labels or {})}
    named.setdefault("extend_select", "extend_select")
    named.setdefault("ignore", "ignore")
    if config_file is not None:
        if not os.path.lexists(config_file):  # a FIFO exists: read_config_file refuses it
            raise ConfigError(
                zh="配置文件不存在:{path}",
                en="config file does not exist: {path}",
                path=config_file,
            )
        config = read_config_file(Path(config_file))
    else:
        config = find_config(Path(paths[0]) if paths else Path())
    if profile:
        config.profile = profile
        config.base = Path.cwd()
        config.origins["profile"] = named["profile"]
    if as_of is not None:
        config.as_of = parse_as_of(as_of, named["as_of"])
        config.origins["as_of"] = named["as_of"]
    if select is not None:
        config.select = _codes(select, named["select"])
    if extend_select:
        extra = _codes(extend_select, named["extend_select"])
        config.select = [*(config.select or ["ALL"]), *extra]
    if ignore:
        config.ignore = [*config.ignore, *_codes(ignore, named["ignore"])]
    if lang is not None:
        config.lang = lang
    if params:
        config.params = {**config.params, **params}
    for rule_id, value in (severity or {}).items():
        try:
            config.severity[rule_id] = Severity(value)
        except ValueError:
            raise ConfigError(
                zh="{rule} 的严重级别应为 error、warning 或 info",
                en="severity of {rule} must be error, warning or info",
                rule=rule_id,
            ) from None
    if engine is not None:
        if engine not in ENGINES:
            raise ConfigError(
                zh="engine 应为 {engines} 之一,不是 {engine!r}",
                en="engine must be one of {engines}, not {engine!r}",
                engines=", ".join(ENGINES),
                engine=engine,
            )
        config.engine = engine
    return config


@dataclasses.dataclass(frozen=True, slots=True)
class Scope:
    """What to load, and which findings to report.

    Attributes:
        load: The paths to read.
        only: With single files or folders inside a dataset checked, those
            files, and those folders with a trailing ``/`` (relative to the
            dataset root, ``/`` separators): only findings located in them are
            reported. None: every finding.
    """

    load: list[Path]
    only: frozenset[str] | None


def scope(paths: Sequence[PathArg], config: Config) -> Scope:
    """What a check of ``paths`` reads and reports.

    Folders are datasets, read whole. A file named on its own (``check
    data/households/x.csv``, as pre-commit and editors pass them) is checked
    within its dataset: the whole dataset is read, so its references resolve,
    and only the findings located in the named files are reported. The
    dataset's root is the folder of the configuration file; without one, the
    files' own folder, or the folder above it when it is a table folder named
    for a collection (``households/``). A folder strictly inside the root of
    its configuration file (``check reports/``, or ``check`` run inside it) is
    checked within its dataset the same way.
    """
    given = [Path(p) for p in paths] or [Path()]
    files = [p.resolve() for p in given if p.is_file()]
    folders = [p.resolve() for p in given if not p.is_file()]
    if folders and config.path is not None:
        # `check reports/` (or `check` inside it) under a dataset's config: a part of
        # that dataset, read whole so its references resolve, its own findings reported.
        root = config.path.resolve().parent
        inner = [f for f in folders if f != root and f.is_relative_to(root)]
        if len(inner) == len(folders) and all(f.is_relative_to(root) for f in files):
            only = [f.relative_to(root).as_posix() for f in files]
            only += [f"{f.relative_to(root).as_posix()}/" for f in inner]
            return Scope([root, *files], frozenset(only))
    if not files or folders:
        return Scope(given, None)
    if config.path is not None:
        root = config.path.resolve().parent
    else:
        root = Path(os.path.commonpath([str(f.parent) for f in files]))
        # A table's folder (`households/`) is inside its dataset, never its root.
        while root.name in COLLECTIONS and root.parent != root:
            root = root.parent
    if not all(f.is_relative_to(root) for f in files):
        return Scope(given, None)  # files beside folders, or of several datasets: as named
    return Scope([root, *files], frozenset(f.relative_to(root).as_posix() for f in files))


QUERY_ENGINES = frozenset({"duckdb", "spark"})
"""The engines that read the bulk tables columnar and run compiled rules as queries."""


def load_for(config: Config, the_plan: Plan, the_scope: Scope, **options: Any) -> Dataset:
    """Read a scope's paths as the configuration says (``exclude``, ``encoding``, size bound).

    With a query engine (``engine = "duckdb"`` or ``"spark"``) the bulk CSV
    tables are read columnar (:class:`~guabao_rules.columnar.reading.ColumnarTables`).
    """
    paths = the_scope.load
    if "bulk" not in options and (
        config.engine in QUERY_ENGINES
        or (config.engine == "auto" and auto_reads_columnar(_table_bytes(paths, config.exclude)))
    ):
        from guabao_rules.columnar.reading import ColumnarTables

        options["bulk"] = ColumnarTables(duckdb=config.duckdb)
    return loader.load(
        paths if len(paths) > 1 else paths[0],
        exclude=config.exclude,
        encoding=config.encoding,
        max_file_mb=float(the_plan.params.get("max_file_mb") or 64),
        **options,
    )


def _table_bytes(paths: Sequence[PathArg], exclude: Sequence[str]) -> int:
    """The bytes of the CSV tables the loader will read under ``paths`` (its own walk)."""
    total = 0
    for path in paths:
        found = Path(path)
        files = [found] if found.is_file() else loader.discover(found, exclude)
        for file in files:
            if file.suffix == ".csv":
                with contextlib.suppress(OSError):
                    total += file.stat().st_size
    return total


def in_scope(file: str | None, only: frozenset[str]) -> bool:
    """Whether a finding's file is one of the files, or inside one of the folders, of ``only``."""
    if file is None:
        return False
    return file in only or any(p.endswith("/") and file.startswith(p) for p in only)


def no_data_files(
    dataset: Dataset, paths: Sequence[PathArg], only: frozenset[str] | None = None
) -> Text | None:
    """The one-line usage error when nothing was read (None: there is data).

    A folder inside a dataset (``only`` holds it) must hold data files itself: the
    rest of the dataset, read for its references, does not count.
    """
    folders = [p for p in only or () if p.endswith("/")]
    if dataset.files and (
        not folders or any(in_scope(f, frozenset(folders)) for f in dataset.files)
    ):
        return None
    shown = ", ".join(str(p) for p in paths) or "."
    zh = f"{shown} 中没有数据文件(*.yaml、*.yml、集合的 *.csv / *.parquet)"
    en = f"no data files (*.yaml, *.yml, collection *.csv / *.parquet) in {shown}"
    if dataset.skipped:
        names = ", ".join(dataset.skipped[:3]) + (", …" if len(dataset.skipped) > 3 else "")
        zh += f";跳过 {len(dataset.skipped)} 个:{names}"
        en += f"; {len(dataset.skipped)} skipped: {names}"
    return Text(zh=zh, en=en)


def restrict(report: Report, only: frozenset[str] | None) -> Report:
    """The report with only the findings located in ``only`` (None: unchanged)."""
    if only is None:
        return report
    report.diagnostics = [d for d in report.diagnostics if in_scope(d.file, only)]
    report.waived = [d for d in report.waived if in_scope(d.file, only)]
    return report


def check_path(
    path: PathArg | Sequence[PathArg] = ".",
    *,
    config_file: PathArg | None = None,
    profile: str | None = None,
    as_of: date | str | None = None,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] = (),
    lang: str | None = None,
    params: dict[str, Any] | None = None,
    severity: dict[str, str] | None = None,
    engine: str | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> Report:
    """Check a dataset folder (or files) exactly as ``guabao-rules check PATH`` does.

    The configuration file is found as the command finds it (or read from
    ``config_file``); the keywords override it as the options of the same
    names do (``as_of`` is ``--as-of``, ``engine`` is ``--engine``).
    ``exclude`` applies, the waiver file at the dataset root is read, and
    files named on their own report only their own findings.

    Returns:
        The report; ``report.exit_status`` is the command's exit status
        without ``--fail-on``/``--exit-zero``.

    Raises:
        FileNotFoundError: A path does not exist.
        ConfigError: The configuration cannot be used, or there are no data
            files (the command's exit status 2).
        PackError: A rule pack cannot be used.
    """
    paths: list[PathArg] = [path] if isinstance(path, str | os.PathLike) else list(path)
    for item in paths:
        if not Path(item).exists():
            raise FileNotFoundError(f"path does not exist: {item}")
    config = resolve_config(
        paths,
        config_file=config_file,
        profile=profile,
        as_of=as_of,
        select=select,
        ignore=ignore,
        lang=lang,
        params=params,
        severity=severity,
        engine=engine,
    )
    the_plan = plan(config)
    the_scope = scope(paths, config)
    dataset = load_for(config, the_plan, the_scope)
    problem = no_data_files(dataset, paths, the_scope.only)
    if problem is not None:
        raise ConfigError(text=problem)
    from guabao_rules.columnar.engine import EngineError

    try:
        evaluator = evaluator_for(dataset, config)
    except EngineError as error:
        raise ConfigError(text=error.text) from None
    try:
        waivers = read_waivers(dataset.root, rules_known())
        report = run(dataset, the_plan, waivers, progress, evaluator)
    except EngineError as error:  # out of memory: a setting to change
        raise ConfigError(text=error.text) from None
    finally:
        close = getattr(evaluator, "close", None)  # a query engine's tables
        if close is not None:
            close()
    return restrict(report, the_scope.only)
