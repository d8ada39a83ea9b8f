"""Text output: ``file:line:column: RULE [severity] message`` and a summary line.

On a terminal the findings are coloured and each shows the offending source
line with a caret under its column (as ruff and rustc do); piped output stays
one plain line per finding.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from guabao_rules.config import Config
from guabao_rules.dataset import Dataset
from guabao_rules.diagnostics import Diagnostic, Severity
from guabao_rules.engine.core import Plan, Report, Settings
from guabao_rules.engine.render import render_value
from guabao_rules.report.escape import MAX_VALUE, cap, terminal
from guabao_rules.report.options import OutputOptions
from guabao_rules.safeio import read_regular
from guabao_rules.sources.workbook import WORKBOOK_SUFFIXES

_COLORS = {Severity.ERROR: "\033[31m", Severity.WARNING: "\033[33m", Severity.INFO: "\033[36m"}
_BOLD, _RESET, _BLUE = "\033[1m", "\033[0m", "\033[34m"
_TAB = "    "
_LINE_BREAK = re.compile("\r\n|\r|\n")
_MAX_EXCERPT = 160  # characters of a source line shown; data lines can be very long


def display_width(text: str) -> int:
    """Terminal cells ``text`` takes: East Asian wide and fullwidth characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


class SourceLines:
    """Lines of the dataset's files, read once each, for excerpts."""

    def __init__(self, dataset: Dataset | None) -> None:
        self.root = dataset.root if dataset is not None else None
        self.encodings = dataset.encodings if dataset is not None else {}
        self.unread = dataset.unread if dataset is not None else set()
        self.cache: dict[str, list[str] | None] = {}

    def line(self, file: str, number: int) -> str | None:
        """Line ``number`` (1-based) of a data file, or None when it cannot be had."""
        if self.root is None:
            return None
        if file not in self.cache:
            self.cache[file] = self._read(file)
        lines = self.cache[file]
        if lines is None or not 1 <= number <= len(lines):
            return None
        return lines[number - 1]

    def _read(self, file: str) -> list[str] | None:
        if Path(file).suffix.lower() in WORKBOOK_SUFFIXES:
            return None  # a workbook has no lines to show: the message names its cell
        if file in self.unread:
            return None  # a link out of the root or a FIFO: the loader never read it either
        try:
            data = read_regular(Path(self.root or ".") / file)
        except OSError:
            return None
        try:  # shown as the loader read it: UTF-8 first, then the file's `encoding`
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode(self.encodings.get(file, "utf-8"), errors="replace")
        # Lines as the readers count them: CR LF, CR or LF ends one; NEL,
        # U+2028 and U+2029 are characters of a line (YAML 1.2), not breaks.
        lines = _LINE_BREAK.split(text.lstrip("\ufeff"))
        if lines and lines[-1] == "":
            lines.pop()
        return lines


def excerpt(diagnostic: Diagnostic, sources: SourceLines, color: bool) -> list[str]:
    """The offending line under a gutter, and a caret under the column."""
    location = diagnostic.location
    if location.file is None or location.line is None:
        return []
    source = sources.line(location.file, location.line)
    if source is None:
        return []
    column = max(1, location.column or 1)
    # The excerpt is data: escaped like a message, and the caret counts the
    # escapes' width, so it still sits under the column.
    shown = terminal(source[:_MAX_EXCERPT].replace("\t", _TAB))
    pad = display_width(terminal(source[: column - 1].replace("\t", _TAB)))
    number = str(location.line)
    gutter = " " * len(number)
    bar = f"{_BLUE}|{_RESET}" if color else "|"
    caret = f"{_COLORS[diagnostic.severity]}^{_RESET}" if color else "^"
    lines = [f"{gutter} {bar}", f"{number} {bar} {shown}".rstrip()]
    if column - 1 <= _MAX_EXCERPT:
        lines.append(f"{gutter} {bar} {' ' * pad}{caret}")
    return lines


SEVERITY_WORDS: dict[str, dict[Severity, str]] = {
    "en": {s: s.value for s in Severity},
    "zh": {Severity.ERROR: "错误", Severity.WARNING: "警告", Severity.INFO: "提示"},
}
"""The severity as the text output names it, in each language."""


def _line(diagnostic: Diagnostic, color: bool, lang: str = "en") -> str:
    where = terminal(str(diagnostic.location))
    if where.startswith("::"):  # a CI log would run the line as a workflow command
        where = "./" + where
    message = terminal(diagnostic.message)
    word = SEVERITY_WORDS.get(lang, SEVERITY_WORDS["en"])[diagnostic.severity]
    # The subject id leads the message: waivers and baselines key on it.
    subject = (
        f"{terminal(cap(diagnostic.subject, MAX_VALUE, lang))}: "
        if diagnostic.subject is not None
        else ""
    )
    if not color:
        return f"{where}: {diagnostic.rule} [{word}] {subject}{message}"
    tint = _COLORS[diagnostic.severity]
    return (
        f"{_BOLD}{where}{_RESET}: {tint}{_BOLD}{diagnostic.rule}{_RESET} "
        f"{tint}[{word}]{_RESET} {subject}{message}"
    )


SHOWN_CAUSED = 3
"""Caused findings shown under their cause; the rest are counted (JSON lists them all)."""


def root_cause_order(
    diagnostics: list[Diagnostic],
) -> list[tuple[Diagnostic, list[Diagnostic]]]:
    """Causes first, each with the findings it causes; then every other finding.

    A caused finding whose cause is not among ``diagnostics`` (waived, say)
    stands on its own. Within each part the order is the report's.
    """
    keys = {(d.rule, d.subject, d.location): d for d in diagnostics}
    caused: dict[int, list[Diagnostic]] = {}
    for diagnostic in diagnostics:
        cause = diagnostic.caused_by
        target = keys.get((cause.rule, cause.subject, cause.location)) if cause else None
        if target is not None:
            caused.setdefault(id(target), []).append(diagnostic)
    folded = {id(d) for followers in caused.values() for d in followers}
    causes = [(d, caused[id(d)]) for d in diagnostics if id(d) in caused]
    rest: list[tuple[Diagnostic, list[Diagnostic]]] = [
        (d, []) for d in diagnostics if id(d) not in caused and id(d) not in folded
    ]
    return [*causes, *rest]


def more_caused(count: int, lang: str) -> str:
    """The line that counts the caused findings not shown."""
    if lang == "zh":
        return f"另有 {count} 个发现由此引起(--format json 列出全部)"
    return f"{count} more findings caused by this one (--format json lists them all)"


def summary_line(report: Report, lang: str) -> str:
    """The closing line: counts by severity, files and records (and files skipped)."""
    counts = report.counts()
    skipped = len(report.skipped)
    caused = sum(1 for d in report.diagnostics if d.caused_by is not None)
    if lang == "zh":
        text = (
            f"发现 {counts['error']} 个错误、{counts['warning']} 个警告、{counts['info']} 个提示"
            f"({report.files} 个文件,{report.records} 条记录,{len(report.rules)} 条规则"
            + (f";跳过 {skipped} 个文件,见 --list-files" if skipped else "")
            + ")"
        )
        if caused:
            text += f";其中 {caused} 个由其他发现引起,列在其下"
        if report.waived:
            text += f";{len(report.waived)} 个已豁免"
        if report.baseline_fixed is not None:
            text += f";{len(report.baselined)} 个在基线中"
        return text + settings_line(report.settings, lang)
    text = (
        f"Found {counts['error']} errors, {counts['warning']} warnings, {counts['info']} info "
        f"({report.files} files, {report.records} records, {len(report.rules)} rules"
        + (f"; {skipped} files skipped, see --list-files" if skipped else "")
        + ")"
    )
    if caused:
        text += f"; {caused} follow from another finding, shown under it"
    if report.waived:
        text += f"; {len(report.waived)} waived"
    if report.baseline_fixed is not None:
        text += f"; {len(report.baselined)} in the baseline"
    return text + settings_line(report.settings, lang)


def shown_path(path: str | Path) -> str:
    """A path as the user would type it: relative to the working folder when inside it."""
    try:
        shown = Path(path).resolve().relative_to(Path.cwd()).as_posix()
    except ValueError:
        shown = str(path)
    return terminal(shown)


def _as_of_source(source: str, lang: str) -> str:
    if source == "today":
        return "今天:未设置 as_of" if lang == "zh" else "today: no as_of set"
    if source == "Config":
        return "调用方的 Config" if lang == "zh" else "the caller's Config"
    return source if source.startswith("--") else shown_path(source)


def settings_line(settings: Settings | None, lang: str) -> str:
    """The end of the summary: the judging date and its source, the config and the profile."""
    if settings is None:
        return ""
    source = _as_of_source(settings.as_of_source, lang)
    config = shown_path(settings.config_file) if settings.config_file else None
    profile = terminal(settings.profile) if settings.profile else None
    if lang == "zh":
        where = "" if config is None or config == source else f";配置 {config}"
        return (
            f" — 评估日 {settings.as_of.isoformat()}(来自 {source}){where}"
            f";配置方案 {profile or '无'}"
        )
    where = "" if config is None or config == source else f"; config {config}"
    return (
        f" — judged at {settings.as_of.isoformat()} (as_of from {source}){where}"
        f"; profile {profile or 'none'}"
    )


def settings_text(the_plan: Plan, config: Config, paths: list[str]) -> str:
    """What ``check --show-settings`` prints: every setting and where it came from."""
    settings = the_plan.settings
    assert settings is not None
    zh = settings.lang == "zh"
    # The setting names are the configuration's keys; the words around them are translated.
    none = "无" if zh else "none"
    came = _as_of_source(settings.as_of_source, settings.lang)
    lines = [
        f"{'路径' if zh else 'paths'}: {', '.join(terminal(p) for p in paths)}",
        f"{'配置文件' if zh else 'config file'}: "
        + (shown_path(settings.config_file) if settings.config_file else none),
        f"profile: {terminal(settings.profile) if settings.profile else none}"
        + (f" ({shown_path(settings.profile_file)})" if settings.profile_file else ""),
        f"as_of: {settings.as_of.isoformat()} " + (f"(来自 {came})" if zh else f"(from {came})"),
        f"lang: {settings.lang}",
        f"exclude: {', '.join(terminal(g) for g in config.exclude) or '-'}",
        f"{'规则' if zh else 'rules'}: {len(the_plan.rules)} "
        f"({', '.join(r.id for r in the_plan.rules)})",
        "params:",
    ]
    for name in sorted(the_plan.params):
        value = the_plan.params[name]
        origin = settings.origins.get(name)
        where = (
            f"  # {shown_path(origin[0])}" + (f":{origin[1]}" if origin[1] else "")
            if origin
            else ""
        )
        lines.append(f"  {name} = {terminal(render_value(value, 'en'))}{where}")
    severity = [f"{r.id}={the_plan.severity[r.id].value}" for r in the_plan.rules]
    lines.append(f"severity: {', '.join(severity)}")
    return "\n".join(lines) + "\n"


def files_text(dataset: Dataset, lang: str) -> str:
    """What ``check --list-files`` prints: each file read, then each skipped one."""
    lines = [terminal(f) for f in dataset.files]
    mark = "跳过" if lang == "zh" else "skipped"
    lines.extend(f"{terminal(f)}  ({mark})" for f in dataset.skipped)
    return "\n".join(lines) + ("\n" if lines else "")


def baseline_line(report: Report) -> str | None:
    """The baseline entries that no longer occur, as one line (None: nothing to say)."""
    fixed = report.baseline_fixed
    if not fixed:
        return None
    listed = ", ".join(
        f"{rule} {terminal(subject) if subject is not None else '-'}" for rule, subject in fixed
    )
    if report.lang == "zh":
        return f"基线中有 {len(fixed)} 项已不再出现(可更新基线):{listed}"
    return f"{len(fixed)} baseline entries no longer occur (update the baseline): {listed}"


def format_text(report: Report, options: OutputOptions) -> str:
    """Render the report as one line per finding and a summary line.

    With ``options.color`` (a terminal), findings are coloured and each is
    followed by a source excerpt.
    """
    lines: list[str] = []
    sources = SourceLines(options.dataset)
    show_source = options.color if options.show_source is None else options.show_source
    for diagnostic, caused in root_cause_order(report.diagnostics):
        lines.append(_line(diagnostic, options.color, report.lang))
        if show_source:
            lines.extend(excerpt(diagnostic, sources, color=options.color))
        for follower in caused[:SHOWN_CAUSED]:
            lines.append("  ↳ " + _line(follower, options.color, report.lang))
        if len(caused) > SHOWN_CAUSED:
            lines.append("  ↳ " + more_caused(len(caused) - SHOWN_CAUSED, report.lang))
    if options.quiet:
        return "\n".join(lines) + ("\n" if lines else "")
    if options.show_waived and report.waived:
        lines.append("waived:" if report.lang == "en" else "已豁免:")
        lines.extend("  " + _line(d, False, report.lang) for d in report.waived)
    if options.statistics:
        from guabao_rules.report.statistics import statistics_text

        lines.append(statistics_text(report, options.dataset, report.lang))
    fixed = baseline_line(report)
    if fixed is not None:
        lines.append(fixed)
    lines.append(summary_line(report, report.lang))
    return "\n".join(lines) + "\n"
