"""The engine: choose the rules, bind their parameters, run them, stamp findings.

Rules yield :class:`~guabao_rules.diagnostics.Violation` objects; the engine
gives each its rule id, severity, message (in the chosen language) and
``file:line:column``, and returns a :class:`Report`.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from guabao_rules.checks import load_builtin_checks
from guabao_rules.checks.coverage import COVERAGE_RULE
from guabao_rules.config import Config, ConfigError, parse_as_of
from guabao_rules.dataset import Dataset, paused_gc
from guabao_rules.diagnostics import (
    Diagnostic,
    Location,
    Related,
    Severity,
    SourceRef,
    Violation,
)
from guabao_rules.engine.causes import collections_read, mark_causes, selects_dataset
from guabao_rules.engine.context import RuleContext
from guabao_rules.engine.render import render
from guabao_rules.engine.waivers import WAIVER_RULE, Waiver, apply_waivers, read_waivers
from guabao_rules.i18n import default_lang
from guabao_rules.kinds import evaluate
from guabao_rules.packs import (
    Pack,
    PackError,
    ParamSpec,
    RuleSpec,
    builtin_packs,
    load_profile,
    profile_file,
    validate_rule,
)
from guabao_rules.timecal import as_date


@dataclass(frozen=True, slots=True)
class RuleStat:
    """How many subjects a rule looked at, and how many failed."""

    rule: str
    applied: int
    failed: int


@dataclass(slots=True)
class Report:
    """The result of a check.

    ``diagnostics`` are the findings that count; ``exit_status`` is 1 when one
    of them is an error. Waived and baselined findings are kept apart.

    Attributes:
        diagnostics: The findings that count, sorted by file, line, column, rule.
        waived: Findings accepted by a waiver (not counted).
        rules: One entry per rule that ran.
        as_of: The day the data was judged at.
        files: How many data files were read.
        records: How many records were read.
        lang: The language of the messages.
        baselined: Findings left out because a baseline lists them (not counted).
        baseline_fixed: With a baseline, its entries (rule, subject) that no
            longer occur; None when no baseline was used.
        skipped: Files that look like data but were not read.
        settings: What the check was judged with (config file, profile,
            where ``as_of`` came from), for the summary; None when unknown.
    """

    diagnostics: list[Diagnostic]
    rules: list[RuleStat]
    as_of: date
    files: int
    records: int
    lang: str
    waived: list[Diagnostic] = field(default_factory=list)
    baselined: list[Diagnostic] = field(default_factory=list)
    baseline_fixed: list[tuple[str, str | None]] | None = None
    skipped: list[str] = field(default_factory=list)
    settings: Settings | None = None
    engine: dict[str, Any] | None = None
    """How a query engine ran (``--statistics``): its name, the rules run as
    queries and in Python, the bulk rows read columnar and made into records;
    None for the Python engine."""

    def counts(self) -> dict[str, int]:
        """The number of findings of each severity."""
        out = {s.value: 0 for s in Severity}
        for diagnostic in self.diagnostics:
            out[diagnostic.severity.value] += 1
        return out

    @property
    def exit_status(self) -> int:
        """1 when any finding is an error, else 0."""
        return self.fails_on("error")

    def fails_on(self, least: str) -> int:
        """1 when any finding is at least as severe as ``least`` (``--fail-on``), else 0."""
        rank = Severity(least).rank
        return 1 if any(d.severity.rank >= rank for d in self.diagnostics) else 0


# --- catalogue --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Catalogue:
    """Every rule and every parameter, validated."""

    rules: tuple[RuleSpec, ...]
    params: Mapping[str, ParamSpec]

    def get(self, rule_id: str) -> RuleSpec | None:
        """The rule with this id (or this kebab-case name)."""
        for rule in self.rules:
            if rule_id in (rule.id, rule.name):
                return rule
        return None


_CATALOGUE: Catalogue | None = None


def catalogue() -> Catalogue:
    """The rule catalogue as data (built-in packs and plugins), validated once.

    Raises:
        PackError: A pack breaks the schema, repeats a rule id, names an
            unregistered check or an undeclared parameter, or declares one
            parameter twice with different types.
    """
    global _CATALOGUE  # noqa: PLW0603 - a process-wide cache of immutable data
    if _CATALOGUE is None:
        load_builtin_checks()
        _CATALOGUE = assemble(builtin_packs())
    return _CATALOGUE


def assemble(packs: Sequence[Pack]) -> Catalogue:
    """The catalogue of these packs, checked across packs (ids and names unique).

    Raises:
        PackError: As :func:`catalogue`, naming ``file:line:column``.
    """
    rules: dict[str, RuleSpec] = {}
    names: dict[str, str] = {}
    params: dict[str, ParamSpec] = {}

    def declare(name: str, spec: ParamSpec, owner: str) -> None:
        known = params.get(name)
        if known is not None and known.type != spec.type:
            raise PackError(
                zh="{owner}:参数 {name!r} 以不同类型声明了两次",
                en="{owner}: parameter {name!r} is declared twice with other types",
                owner=owner,
                name=name,
            )
        params.setdefault(name, spec)

    homes: dict[str, Pack] = {}
    for pack in packs:
        for name, spec in pack.params.items():
            declare(name, spec, pack.where("params", name))
        for rule in pack.rules:
            if rule.id in rules:
                first = homes[rule.id].rule_where(rules[rule.id], "id")
                raise PackError(
                    zh="{where}:规则 {rule} 声明了两次(第一次在 {first})",
                    en="{where}: rule {rule} is declared twice (first at {first})",
                    where=pack.rule_where(rule, "id"),
                    rule=rule.id,
                    first=first,
                )
            if rule.name in names:
                raise PackError(
                    zh="{where}:规则 {rule}:名称 {name!r} 已被 {other} 使用",
                    en="{where}: rule {rule}: name {name!r} is taken by {other}",
                    where=pack.rule_where(rule, "name"),
                    rule=rule.id,
                    name=rule.name,
                    other=names[rule.name],
                )
            names[rule.name] = rule.id
            for name, spec in rule.params.items():
                declare(name, spec, pack.rule_where(rule, "params", name))
            rules[rule.id] = rule
            homes[rule.id] = pack
    shared = {name for pack in packs for name in pack.params}
    for rule in rules.values():
        validate_rule(rule, shared | set(rule.params), homes[rule.id])
    return Catalogue(tuple(sorted(rules.values(), key=lambda r: r.id)), params)


# --- parameters and selection -----------------------------------------------------


def coerce_param(name: str, spec: ParamSpec, value: Any, where: str) -> Any:
    """Check a parameter value against its declared type."""
    if value is None:
        return None
    ok: bool
    if spec.type == "int":
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif spec.type == "number":
        ok = isinstance(value, int | float | Decimal) and not isinstance(value, bool)
        if ok:
            value = Decimal(str(value))
    elif spec.type == "str":
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        ok = isinstance(value, str)
    elif spec.type == "str_list":
        if isinstance(value, list):
            value = [str(v) if isinstance(v, int) and not isinstance(v, bool) else v for v in value]
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
    elif spec.type == "str_map":
        ok = isinstance(value, dict) and all(
            isinstance(k, str) and isinstance(v, str | int) for k, v in value.items()
        )
        if ok:
            value = {str(k): str(v) for k, v in value.items()}
    else:  # date
        day = as_date(value)
        ok = day is not None
        value = day if ok else value
    if not ok:
        raise ConfigError(
            zh="{where}:参数 `{name}` 应为 {type} 类型,不是 {value!r}",
            en="{where}: parameter `{name}` must be of type {type}, not {value!r}",
            where=where,
            name=name,
            type=spec.type,
            value=value,
        )
    # Every numeric parameter counts something (members, days, years, points, MB).
    if spec.type in ("int", "number") and not (Decimal(value).is_finite() and value >= 0):
        raise ConfigError(
            zh="{where}:参数 `{name}` 应为 >= 0 的有限数,不是 {value}",
            en="{where}: parameter `{name}` must be a finite number >= 0, not {value}",
            where=where,
            name=name,
            value=value,
        )
    return value


def rule_codes(
    codes: Iterable[str], where: str, at: Callable[[int], str] | None = None
) -> list[str]:
    """Rule ids or prefixes (or ``ALL``), upper-cased; a rule's name stands for its id.

    Args:
        codes: The codes as written.
        where: Where they were written, for an error.
        at: The place of the code at an index (``file:line:column``), when known.

    Raises:
        ConfigError: A code that starts no rule id, blamed on its place.
    """
    rules = catalogue().rules
    by_name = {rule.name: rule.id for rule in rules}
    out = []
    for index, raw in enumerate(codes):
        code = by_name.get(raw.strip().lower()) or raw.strip().upper()
        if code != "ALL" and not any(r.id.startswith(code) for r in rules):
            place = at(index) if at is not None else where
            raise ConfigError(
                zh="{place}:未知的规则编号或前缀 `{code}`",
                en="{place}: unknown rule id or prefix `{code}`",
                place=place,
                code=code,
            )
        out.append(code)
    return out


def _selected(rule_id: str, codes: Sequence[str]) -> bool:
    return any(code == "ALL" or rule_id.startswith(code) for code in codes)


@dataclass(frozen=True, slots=True)
class Settings:
    """What a check is judged with, and where each setting came from.

    Attributes:
        config_file: The configuration file read, if any.
        profile: The profile's name or path, if any.
        profile_file: The file the profile was read from.
        as_of: The day the data is judged at.
        as_of_source: Where ``as_of`` came from: ``--as-of``, the config
            file, ``Config`` (a caller) or ``today`` (nothing set it).
        lang: The language of the messages.
        origins: For each parameter set by the config or the profile, the
            file and 1-based line that sets it (for dataset-level findings).
    """

    config_file: Path | None
    profile: str | None
    profile_file: Path | None
    as_of: date
    as_of_source: str
    lang: str
    origins: Mapping[str, tuple[Path, int | None]] = field(default_factory=dict)


@dataclass(slots=True)
class Plan:
    """The rules that will run, with their parameters and severities."""

    rules: list[RuleSpec]
    params: dict[str, Any]
    severity: dict[str, Severity]
    as_of: date
    lang: str
    settings: Settings | None = None


def plan(config: Config | None = None) -> Plan:
    """Resolve a configuration into the rules to run.

    Raises:
        ConfigError: Unknown profile, rule id or parameter, or a value of the wrong type.
        PackError: A rule pack cannot be used.
    """
    config = config or Config()
    cat = catalogue()
    params: dict[str, Any] = {name: spec.default for name, spec in cat.params.items()}
    select: list[str] = ["ALL"]
    ignore: list[str] = []
    # Each layer of parameters: its values, and the place of a key in it.
    layers: list[tuple[Mapping[str, Any], Callable[..., str]]] = []
    origins: dict[str, tuple[Path, int | None]] = {}
    the_profile_file: Path | None = None
    if config.profile:
        try:
            profile = load_profile(config.profile, config.base)
        except PackError as error:
            raise ConfigError(text=error.text) from None
        layers.append((profile.params, profile.where))
        the_profile_file = profile_file(config.profile, config.base)
        for name in profile.params:
            if config.path is not None and config.origins.get("profile") is None:
                # The user's own file names the profile: point there, in their repository.
                origins[name] = (config.path, config.line_of("profile"))
            elif the_profile_file is not None:
                origins[name] = (the_profile_file, profile.line_of("params", name))
        named = f"profile {profile.name}"
        if profile.select is not None:
            select = rule_codes(profile.select, named, lambda i: profile.where("select", i))
        ignore += rule_codes(profile.ignore, named, lambda i: profile.where("ignore", i))
    layers.append((config.params, config.where))
    for values, place in layers:
        for name, value in values.items():
            spec = cat.params.get(name)
            if spec is None:
                raise ConfigError(
                    zh="{place}:未知参数 `{name}`",
                    en="{place}: unknown parameter `{name}`",
                    place=place("params", name),
                    name=name,
                )
            params[name] = coerce_param(name, spec, value, place("params", name))
    if config.path is not None:
        for name in config.params:
            origins[name] = (config.path, config.line_of("params", name))
    where = config.where(default="command line")
    if config.select is not None:
        select = rule_codes(config.select, where, lambda i: config.where("select", i))
    ignore += rule_codes(config.ignore, where, lambda i: config.where("ignore", i))
    for rule_id in config.severity:
        if cat.get(rule_id) is None:
            raise ConfigError(
                zh="{place}:[severity] 中有未知的规则编号 `{rule}`",
                en="{place}: unknown rule id `{rule}` in [severity]",
                place=config.where("severity", rule_id, default=where),
                rule=rule_id,
            )
    chosen = [
        rule
        for rule in cat.rules
        if _selected(rule.id, select)
        and not _selected(rule.id, ignore)
        and all(params.get(name) is not None for name in rule.requires)
    ]
    severity = {rule.id: config.severity.get(rule.id, rule.severity) for rule in cat.rules}
    as_of = parse_as_of(config.as_of, "Config") if config.as_of is not None else date.today()
    if config.as_of is None:
        as_of_source = "today"
    elif "as_of" in config.origins:
        as_of_source = config.origins["as_of"]
    else:
        as_of_source = str(config.path) if config.path is not None else "Config"
    lang = config.lang or default_lang()
    settings = Settings(
        config_file=config.path,
        profile=config.profile,
        profile_file=the_profile_file,
        as_of=as_of,
        as_of_source=as_of_source,
        lang=lang,
        origins=origins,
    )
    return Plan(chosen, params, severity, as_of, lang, settings)


# --- stamping -----------------------------------------------------------------------


def _location(ref: SourceRef | None) -> Location:
    if ref is None:
        return Location(None, None, None)
    if ref.mark is None:
        return Location(ref.file, None, None)
    return Location(ref.file, ref.mark.line, ref.mark.column, ref.cell)


def locate(dataset: Dataset, violation: Violation) -> Location:
    """Where a violation points: its explicit place, its field, or its subject record."""
    if violation.at is not None:
        return _location(violation.at)
    entry = dataset.entry(violation.subject) if violation.subject is not None else None
    if entry is None:
        return Location(None, None, None)
    return _location(entry.locate(violation.field))


def stamp(
    dataset: Dataset, rule: RuleSpec, severity: Severity, violation: Violation, lang: str
) -> Diagnostic:
    """Turn a rule's violation into a finding."""
    related: list[Related] = []
    for item in violation.related:
        if isinstance(item, str):
            entry = dataset.entry(item)
            related.append(Related(item, _location(entry.source if entry else None)))
        else:
            label, ref = item
            related.append(Related(label, _location(ref)))
    location = locate(dataset, violation)
    message = render(rule.message.get(lang), {"subject": violation.subject, **violation.args}, lang)
    return Diagnostic(
        rule=rule.id,
        severity=severity,
        # A workbook's row and column numbers are not what its user reads: name the cell.
        message=f"{location.cell}: {message}" if location.cell else message,
        subject=violation.subject,
        location=location,
        related=tuple(related),
    )


def _at_setting(
    dataset: Dataset, rule: RuleSpec, the_plan: Plan, diagnostic: Diagnostic
) -> Diagnostic:
    """A finding with no place in the data, pointed at the line that sets its parameter.

    Dataset-level findings (Q008, or Q001 on a prefecture missing from the
    data) are caused by a parameter: the config or profile line that sets it
    is the place to look, and code scanning needs a physical location.
    """
    origins = the_plan.settings.origins if the_plan.settings is not None else {}
    for name in (*rule.requires, *rule.params):
        if name in origins:
            path, line = origins[name]
            root = dataset.root.resolve()
            try:
                rel = path.resolve().relative_to(root).as_posix()
            except ValueError:
                rel = Path(os.path.relpath(path.resolve(), root)).as_posix()
            location = Location(rel, line, 1 if line is not None else None)
            return dataclasses.replace(diagnostic, location=location)
    return diagnostic


def _named(violations: Iterable[Violation]) -> Iterator[str]:
    """The ids a rule's violations name: their subjects and related records."""
    for violation in violations:
        if violation.subject is not None:
            yield violation.subject
        for item in violation.related:
            if isinstance(item, str):
                yield item


@paused_gc()  # rules make many long-lived objects and no garbage cycles: 4x faster
def run(
    dataset: Dataset,
    the_plan: Plan,
    waivers: Sequence[Waiver] = (),
    progress: Callable[[int, int, str], None] | None = None,
    evaluator: Callable[[RuleContext], Iterable[Violation]] = evaluate,
) -> Report:
    """Run a plan's rules over a dataset.

    Args:
        dataset: The loaded dataset.
        the_plan: From :func:`plan`.
        waivers: Accepted findings (:func:`guabao_rules.engine.waivers.read_waivers`);
            D009 runs last, over the other rules' findings, to report stale ones.
        progress: Called with (rules run, rules in all, the rule starting) before each rule.
        evaluator: A rule's violations from its context: the kinds' Python
            evaluators, or a query engine's (:mod:`guabao_rules.columnar.engine`).
    """
    diagnostics: list[Diagnostic] = []
    stats: list[RuleStat] = []
    # D010 judges the other rules' statistics, D009 every finding: they run last.
    last = {COVERAGE_RULE: 1, WAIVER_RULE: 2}
    ordered = sorted(the_plan.rules, key=lambda r: last.get(r.id, 0))
    for done, rule in enumerate(ordered):
        if progress is not None:
            progress(done, len(ordered), rule.id)
        ctx = RuleContext(dataset, the_plan.as_of, the_plan.params, rule)
        if rule.id == COVERAGE_RULE:
            ctx.extra.update(applied={s.rule: s.applied for s in stats}, rules=tuple(ordered))
        if rule.id == WAIVER_RULE:
            # D009 itself is among the rules that ran: a waiver for it waives
            # nothing (its findings are never waived), so it is stale.
            ran = frozenset(r.id for r in ordered)
            ctx.extra.update(waivers=tuple(waivers), findings=tuple(diagnostics), ran=ran)
        seen: set[tuple[str, SourceRef | None]] = set()
        before = len(diagnostics)
        violations = list(evaluator(ctx))
        if dataset.deferred is not None:  # the places of deferred rows: found in one pass
            dataset.prefetch(_named(violations))
        for violation in violations:
            if violation.subject is not None:
                # One finding per subject per rule; records that share an id
                # (D001) are told apart by their explicit place.
                key = (violation.subject, violation.at)
                if key in seen:
                    continue
                seen.add(key)
            diagnostic = stamp(dataset, rule, the_plan.severity[rule.id], violation, the_plan.lang)
            if diagnostic.location.file is None:
                diagnostic = _at_setting(dataset, rule, the_plan, diagnostic)
            diagnostics.append(diagnostic)
        failed = len(diagnostics) - before
        stats.append(RuleStat(rule.id, max(ctx.applied, failed), failed))
    diagnostics.sort(key=Diagnostic.sort_key)
    dumps = {r.id: r.constraint.model_dump(by_alias=True) for r in ordered}
    reads = {rule: collections_read(dump) for rule, dump in dumps.items()}
    whole = frozenset(rule for rule, dump in dumps.items() if selects_dataset(dump))
    if any(d.rule in ("D000", "D003") for d in diagnostics):
        # What causes what walks every reference: every record is needed.
        dataset.make_records(reason="caused_by")
    diagnostics = mark_causes(dataset, diagnostics, reads, whole)
    stats.sort(key=lambda s: s.rule)
    kept, waived = apply_waivers(diagnostics, waivers, the_plan.as_of)
    engine = None
    if hasattr(evaluator, "as_queries"):  # a query engine (columnar.engine.QueryEvaluator)
        bulk = getattr(dataset, "bulk", None)
        engine = {
            "engine": getattr(evaluator, "engine", "?"),
            "as_queries": sorted(getattr(evaluator, "as_queries", [])),
            "in_python": sorted(getattr(evaluator, "in_python", [])),
            "materialised": dict(getattr(bulk, "materialised", {})),
            "made_for": dict(getattr(dataset.deferred, "reasons", {})),
            "left_as_rows": {
                name: dataset.deferred.count(name)
                for name in sorted(dataset.deferred.collections())
            }
            if dataset.deferred is not None
            else {},
            "out_of_range": getattr(evaluator, "out_of_range", None),
        }
    return Report(
        engine=engine,
        diagnostics=kept,
        waived=waived,
        rules=stats,
        as_of=the_plan.as_of,
        files=len(dataset.files),
        records=len(dataset),
        lang=the_plan.lang,
        skipped=list(dataset.skipped),
        settings=the_plan.settings,
    )


def check(
    dataset: Dataset, config: Config | None = None, waivers: Sequence[Waiver] | None = None
) -> Report:
    """Check a loaded dataset against the rules a configuration selects.

    Args:
        dataset: From :func:`guabao_rules.load`.
        config: Settings; None uses the defaults (every rule whose
            parameters are set, judged today, messages in the locale's language).
        waivers: Accepted findings; None reads ``guabao-rules-waivers.yaml``
            at the dataset root, if there is one.

    Returns:
        The findings that count (``diagnostics``), the waived ones and
        per-rule statistics; ``exit_status`` says whether the check failed.

    Raises:
        ConfigError: The configuration or the waiver file cannot be used.
        PackError: A rule pack cannot be used.
    """
    if waivers is None:
        # A dataset from load_text has no folder (its root is "."): no waiver file.
        root = dataset.root
        waivers = read_waivers(root, rules_known()) if root.is_absolute() else []
    evaluator = evaluator_for(dataset, config)
    try:
        return run(dataset, plan(config), waivers, evaluator=evaluator)
    finally:
        close = getattr(evaluator, "close", None)  # a query engine's tables
        if close is not None:
            close()


def evaluator_for(
    dataset: Dataset, config: Config | None
) -> Callable[[RuleContext], Iterable[Violation]]:
    """How the configured engine evaluates a rule: the kinds' Python evaluators, or queries.

    Raises:
        EngineError: The engine cannot run here (pyspark or Java missing).
    """
    from guabao_rules.columnar.engine import QueryEvaluator, choose

    engine = choose(config.engine if config is not None else "auto", dataset)
    if engine == "python":
        return evaluate
    if config is None:
        return QueryEvaluator(dataset, engine)
    return QueryEvaluator(dataset, engine, config.spark, config.duckdb)


def rules_known() -> frozenset[str]:
    """Every rule id in the catalogue."""
    return frozenset(rule.id for rule in catalogue().rules)
