"""Text output: ``file:line:column: RULE [severity] message`` and a summary line.

On a terminal the findings are coloured and each shows the offending source
line with a caret under its column (as ruff and rustc do); piped output stays
one plain line per finding. :class:`Progress` is the loading indicator shown
on a terminal's stderr when reading takes a while.
"""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from guabao_rules.diagnostics import Diagnostic, Severity
from guabao_rules.engine.core import Report
from guabao_rules.report import OutputOptions, formatter
from guabao_rules.sources.loader import Dataset
from guabao_rules.sources.workbook import WORKBOOK_SUFFIXES

_COLORS = {Severity.ERROR: "\033[31m", Severity.WARNING: "\033[33m", Severity.INFO: "\033[36m"}
_BOLD, _RESET, _BLUE = "\033[1m", "\033[0m", "\033[34m"
_TAB = "    "
_MAX_EXCERPT = 160  # characters of a source line shown; data lines can be very long


def display_width(text: str) -> int:
    """Terminal cells ``text`` takes: East Asian wide and fullwidth characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


class SourceLines:
    """Lines of the dataset's files, read once each, for excerpts."""

    def __init__(self, dataset: Dataset | None) -> None:
        self.root = dataset.root if dataset is not None else None
        self.encodings = dataset.encodings if dataset is not None else {}
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
        try:
            data = (Path(self.root or ".") / file).read_bytes()
        except OSError:
            return None
        try:  # shown as the loader read it: UTF-8 first, then the file's `encoding`
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode(self.encodings.get(file, "utf-8"), errors="replace")
        return text.lstrip("\ufeff").splitlines()


def excerpt(diagnostic: Diagnostic, sources: SourceLines, color: bool) -> list[str]:
    """The offending line under a gutter, and a caret under the column."""
    location = diagnostic.location
    if location.file is None or location.line is None:
        return []
    source = sources.line(location.file, location.line)
    if source is None:
        return []
    column = max(1, location.column or 1)
    shown = source[:_MAX_EXCERPT].replace("\t", _TAB)
    pad = display_width(source[: column - 1].replace("\t", _TAB))
    number = str(location.line)
    gutter = " " * len(number)
    bar = f"{_BLUE}|{_RESET}" if color else "|"
    caret = f"{_COLORS[diagnostic.severity]}^{_RESET}" if color else "^"
    lines = [f"{gutter} {bar}", f"{number} {bar} {shown}".rstrip()]
    if column - 1 <= _MAX_EXCERPT:
        lines.append(f"{gutter} {bar} {' ' * pad}{caret}")
    return lines


def _line(diagnostic: Diagnostic, color: bool) -> str:
    where = str(diagnostic.location)
    if not color:
        return f"{where}: {diagnostic.rule} [{diagnostic.severity.value}] {diagnostic.message}"
    tint = _COLORS[diagnostic.severity]
    return (
        f"{_BOLD}{where}{_RESET}: {tint}{_BOLD}{diagnostic.rule}{_RESET} "
        f"{tint}[{diagnostic.severity.value}]{_RESET} {diagnostic.message}"
    )


def summary_line(report: Report, lang: str) -> str:
    """The closing line: counts by severity, files and records."""
    counts = report.counts()
    if lang == "zh":
        text = (
            f"发现 {counts['error']} 个错误、{counts['warning']} 个警告、{counts['info']} 个提示"
            f"({report.files} 个文件,{report.records} 条记录,{len(report.rules)} 条规则)"
        )
        if report.waived:
            text += f";{len(report.waived)} 个已豁免"
        if report.baseline_fixed is not None:
            text += f";{len(report.baselined)} 个在基线中"
        return text
    text = (
        f"Found {counts['error']} errors, {counts['warning']} warnings, {counts['info']} info "
        f"({report.files} files, {report.records} records, {len(report.rules)} rules)"
    )
    if report.waived:
        text += f"; {len(report.waived)} waived"
    if report.baseline_fixed is not None:
        text += f"; {len(report.baselined)} in the baseline"
    return text


def baseline_line(report: Report) -> str | None:
    """The baseline entries that no longer occur, as one line (None: nothing to say)."""
    fixed = report.baseline_fixed
    if not fixed:
        return None
    listed = ", ".join(
        f"{rule} {subject if subject is not None else '-'}" for rule, subject in fixed
    )
    if report.lang == "zh":
        return f"基线中有 {len(fixed)} 项已不再出现(可更新基线):{listed}"
    return f"{len(fixed)} baseline entries no longer occur (update the baseline): {listed}"


@formatter("text")
def format_text(report: Report, options: OutputOptions) -> str:
    """Render the report as one line per finding and a summary line.

    With ``options.color`` (a terminal), findings are coloured and each is
    followed by a source excerpt.
    """
    lines: list[str] = []
    sources = SourceLines(options.dataset)
    for diagnostic in report.diagnostics:
        lines.append(_line(diagnostic, options.color))
        if options.color:
            lines.extend(excerpt(diagnostic, sources, color=True))
    if options.show_waived and report.waived:
        lines.append("waived:" if report.lang == "en" else "已豁免:")
        lines.extend("  " + _line(d, False) for d in report.waived)
    if options.statistics:
        from guabao_rules.report.statistics import statistics_text

        lines.append(statistics_text(report, options.dataset, report.lang))
    fixed = baseline_line(report)
    if fixed is not None:
        lines.append(fixed)
    lines.append(summary_line(report, report.lang))
    return "\n".join(lines) + "\n"


class Progress:
    """A ``reading n/N files`` line on a terminal, shown only once loading is slow.

    Call it as ``loader.load(progress=...)`` wants; :meth:`close` erases the line.
    Quick loads print nothing at all.
    """

    def __init__(
        self,
        stream: TextIO,
        delay: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream
        self.delay = delay
        self.clock = clock
        self.start = clock()
        self.last = 0.0
        self.width = 0

    def __call__(self, done: int, total: int) -> None:
        """Show how many files have been read, at most ten times a second."""
        now = self.clock()
        if now - self.start < self.delay or (now - self.last < 0.1 and done < total):
            return
        self.last = now
        text = f"reading {done}/{total} files"
        self.stream.write("\r" + text.ljust(self.width))
        self.stream.flush()
        self.width = len(text)

    def close(self) -> None:
        """Erase the progress line, if one was shown."""
        if self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()
            self.width = 0
