"""The engine: choose the rules, bind their parameters, run them, stamp findings.

Rules yield :class:`~guabao_rules.diagnostics.Violation` objects; the engine
gives each its rule id, severity, message (in the chosen language) and
``file:line:column``, and returns a :class:`Report`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from guabao_rules.checks import load_builtin_checks
from guabao_rules.config import Config, ConfigError
from guabao_rules.diagnostics import (
    Diagnostic,
    Location,
    Related,
    Severity,
    SourceRef,
    Violation,
)
from guabao_rules.engine.context import RuleContext
from guabao_rules.engine.render import render
from guabao_rules.engine.waivers import WAIVER_RULE, Waiver, apply_waivers, read_waivers
from guabao_rules.i18n import default_lang
from guabao_rules.kinds import evaluate
from guabao_rules.packs import (
    PackError,
    ParamSpec,
    RuleSpec,
    builtin_packs,
    load_profile,
    validate_rule,
)
from guabao_rules.sources.loader import Dataset, paused_gc
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

    def counts(self) -> dict[str, int]:
        """The number of findings of each severity."""
        out = {s.value: 0 for s in Severity}
        for diagnostic in self.diagnostics:
            out[diagnostic.severity.value] += 1
        return out

    @property
    def exit_status(self) -> int:
        """1 when any finding is an error, else 0."""
        return 1 if any(d.severity is Severity.ERROR for d in self.diagnostics) else 0


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
    if _CATALOGUE is not None:
        return _CATALOGUE
    load_builtin_checks()
    rules: dict[str, RuleSpec] = {}
    names: dict[str, str] = {}
    params: dict[str, ParamSpec] = {}

    def declare(name: str, spec: ParamSpec, owner: str) -> None:
        known = params.get(name)
        if known is not None and known.type != spec.type:
            raise PackError(f"{owner}: parameter {name!r} is declared twice with other types")
        params.setdefault(name, spec)

    for pack in builtin_packs():
        for name, spec in pack.params.items():
            declare(name, spec, pack.pack.name)
        for rule in pack.rules:
            if rule.id in rules:
                raise PackError(f"rule {rule.id} is declared twice")
            if rule.name in names:
                raise PackError(
                    f"rule {rule.id}: name {rule.name!r} is taken by {names[rule.name]}"
                )
            names[rule.name] = rule.id
            for name, spec in rule.params.items():
                declare(name, spec, rule.id)
            rules[rule.id] = rule
    shared = {name for pack in builtin_packs() for name in pack.params}
    for rule in rules.values():
        validate_rule(rule, shared | set(rule.params))
    _CATALOGUE = Catalogue(tuple(sorted(rules.values(), key=lambda r: r.id)), params)
    return _CATALOGUE


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
        raise ConfigError(f"{where}: parameter `{name}` must be of type {spec.type}, not {value!r}")
    # Every numeric parameter counts something (members, days, years, points, MB).
    if spec.type in ("int", "number") and not (Decimal(value).is_finite() and value >= 0):
        raise ConfigError(f"{where}: parameter `{name}` must be a finite number >= 0, not {value}")
    return value


def rule_codes(codes: Iterable[str], where: str) -> list[str]:
    """Rule ids or prefixes (or ``ALL``), upper-cased; a rule's name stands for its id.

    Raises:
        ConfigError: A code that starts no rule id, blamed on ``where``.
    """
    rules = catalogue().rules
    by_name = {rule.name: rule.id for rule in rules}
    out = []
    for raw in codes:
        code = by_name.get(raw.strip().lower()) or raw.strip().upper()
        if code != "ALL" and not any(r.id.startswith(code) for r in rules):
            raise ConfigError(f"{where}: unknown rule id or prefix `{code}`")
        out.append(code)
    return out


def _selected(rule_id: str, codes: Sequence[str]) -> bool:
    return any(code == "ALL" or rule_id.startswith(code) for code in codes)


@dataclass(slots=True)
class Plan:
    """The rules that will run, with their parameters and severities."""

    rules: list[RuleSpec]
    params: dict[str, Any]
    severity: dict[str, Severity]
    as_of: date
    lang: str


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
    layers: list[tuple[str, Mapping[str, Any]]] = []
    if config.profile:
        try:
            profile = load_profile(config.profile, config.base)
        except PackError as error:
            raise ConfigError(str(error)) from None
        layers.append((f"profile {profile.name}", profile.params))
        if profile.select is not None:
            select = rule_codes(profile.select, f"profile {profile.name}")
        ignore += rule_codes(profile.ignore, f"profile {profile.name}")
    layers.append((str(config.path or "configuration"), config.params))
    for where, values in layers:
        for name, value in values.items():
            spec = cat.params.get(name)
            if spec is None:
                raise ConfigError(f"{where}: unknown parameter `{name}`")
            params[name] = coerce_param(name, spec, value, where)
    where = str(config.path or "command line")
    if config.select is not None:
        select = rule_codes(config.select, where)
    ignore += rule_codes(config.ignore, where)
    for rule_id in config.severity:
        if cat.get(rule_id) is None:
            raise ConfigError(f"{where}: unknown rule id `{rule_id}` in [severity]")
    chosen = [
        rule
        for rule in cat.rules
        if _selected(rule.id, select)
        and not _selected(rule.id, ignore)
        and all(params.get(name) is not None for name in rule.requires)
    ]
    severity = {rule.id: config.severity.get(rule.id, rule.severity) for rule in cat.rules}
    return Plan(
        chosen,
        params,
        severity,
        config.as_of or date.today(),
        config.lang or default_lang(),
    )


# --- stamping -----------------------------------------------------------------------


def _location(ref: SourceRef | None) -> Location:
    if ref is None:
        return Location(None, None, None)
    if ref.mark is None:
        return Location(ref.file, None, None)
    return Location(ref.file, ref.mark.line, ref.mark.column)


def locate(dataset: Dataset, violation: Violation) -> Location:
    """Where a violation points: its explicit place, its field, or its subject record."""
    if violation.at is not None:
        return _location(violation.at)
    entry = dataset.by_id.get(violation.subject) if violation.subject is not None else None
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
            entry = dataset.by_id.get(item)
            related.append(Related(item, _location(entry.source if entry else None)))
        else:
            label, ref = item
            related.append(Related(label, _location(ref)))
    return Diagnostic(
        rule=rule.id,
        severity=severity,
        message=render(
            rule.message.get(lang), {"subject": violation.subject, **violation.args}, lang
        ),
        subject=violation.subject,
        location=locate(dataset, violation),
        related=tuple(related),
    )


@paused_gc()  # rules make many long-lived objects and no garbage cycles: 4x faster
def run(dataset: Dataset, the_plan: Plan, waivers: Sequence[Waiver] = ()) -> Report:
    """Run a plan's rules over a dataset.

    Args:
        dataset: The loaded dataset.
        the_plan: From :func:`plan`.
        waivers: Accepted findings (:func:`guabao_rules.engine.waivers.read_waivers`);
            D009 runs last, over the other rules' findings, to report stale ones.
    """
    diagnostics: list[Diagnostic] = []
    stats: list[RuleStat] = []
    ordered = sorted(the_plan.rules, key=lambda r: r.id == WAIVER_RULE)
    for rule in ordered:
        ctx = RuleContext(dataset, the_plan.as_of, the_plan.params, rule)
        if rule.id == WAIVER_RULE:
            # D009 itself is among the rules that ran: a waiver for it waives
            # nothing (its findings are never waived), so it is stale.
            ran = frozenset(r.id for r in ordered)
            ctx.extra.update(waivers=tuple(waivers), findings=tuple(diagnostics), ran=ran)
        seen: set[tuple[str, SourceRef | None]] = set()
        before = len(diagnostics)
        for violation in evaluate(ctx):
            if violation.subject is not None:
                # One finding per subject per rule; records that share an id
                # (D001) are told apart by their explicit place.
                key = (violation.subject, violation.at)
                if key in seen:
                    continue
                seen.add(key)
            diagnostics.append(
                stamp(dataset, rule, the_plan.severity[rule.id], violation, the_plan.lang)
            )
        failed = len(diagnostics) - before
        stats.append(RuleStat(rule.id, max(ctx.applied, failed), failed))
    diagnostics.sort(key=Diagnostic.sort_key)
    stats.sort(key=lambda s: s.rule)
    kept, waived = apply_waivers(diagnostics, waivers, the_plan.as_of)
    return Report(
        diagnostics=kept,
        waived=waived,
        rules=stats,
        as_of=the_plan.as_of,
        files=len(dataset.files),
        records=len(dataset.entries),
        lang=the_plan.lang,
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
    return run(dataset, plan(config), waivers)


def rules_known() -> frozenset[str]:
    """Every rule id in the catalogue."""
    return frozenset(rule.id for rule in catalogue().rules)
