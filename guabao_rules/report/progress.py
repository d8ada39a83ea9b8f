"""The progress bar on a terminal's stderr while a big dataset is read and checked.

::

    reading  [########--------]  12/40 files · 325,036 records · counties/533323/households.csv
    checking [##############--]  52/60 rules · T009

It shows only once the work has taken a moment (quick checks print nothing),
redraws at most ten times a second (a redraw is one short write: the check is
not slowed), fits the terminal's width (Chinese file names take two cells a
character), shows a file name through :func:`~guabao_rules.report.escape.terminal`
(a name cannot repaint the screen), and erases itself at the end, so the
findings that follow start on a clean line. Pipes, CI logs and redirected
output never see it (:func:`wanted`).
"""

from __future__ import annotations

import io
import os
import shutil
import time
from collections.abc import Callable, Mapping
from typing import TextIO

from guabao_rules.report.escape import terminal
from guabao_rules.report.text import display_width

BAR = 16
"""Cells of the bar itself."""


def wanted(mode: str, stream: TextIO, environ: Mapping[str, str] | None = None) -> bool:
    """Whether to show progress: ``always``, ``never``, or ``auto`` (a terminal, not CI)."""
    if mode != "auto":
        return mode == "always"
    env = os.environ if environ is None else environ
    return stream.isatty() and not env.get("CI") and env.get("TERM") != "dumb"


def _bar(done: int, total: int) -> str:
    filled = BAR if total <= 0 else min(BAR, BAR * done // total)
    return "[" + "#" * filled + "-" * (BAR - filled) + "]"


def _fit(text: str, width: int) -> str:
    """``text`` cut from the left to ``width`` cells: a path keeps its file name."""
    if display_width(text) <= width:
        return text
    out = ""
    for ch in reversed(text):
        if display_width(out) + display_width(ch) + 1 > width:
            break
        out = ch + out
    return "…" + out


class Progress:
    """A progress line for :func:`guabao_rules.sources.loader.load` and the engine's run.

    ``progress(done, total, file, records)`` is the loader's callback (``file``
    is the one being read, None at the end); :meth:`rule` is the engine's;
    :meth:`close` erases the line.
    """

    def __init__(
        self,
        stream: TextIO,
        delay: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
        columns: int | None = None,
    ) -> None:
        self.stream = stream
        self.delay = delay
        self.clock = clock
        self.start = clock()
        self.last = -1.0
        self.shown = 0  # cells of the line on screen
        self.phase = ""
        self.columns = columns

    def _width(self) -> int:
        if self.columns is not None:
            return self.columns
        try:
            columns = os.get_terminal_size(self.stream.fileno()).columns
        except (AttributeError, ValueError, OSError, io.UnsupportedOperation):
            columns = 0
        # A terminal that does not say its size (0) is taken as 80 wide.
        return columns or shutil.get_terminal_size((80, 24)).columns

    def _show(self, phase: str, head: str, tail: str, final: bool) -> None:
        now = self.clock()
        if now - self.start < self.delay:
            return
        # Redraw at most ten times a second, but always the last state and a new phase.
        if not final and phase == self.phase and now - self.last < 0.1:
            return
        self.last, self.phase = now, phase
        room = max(10, self._width() - 1)
        line = _fit(head, room)
        if tail:
            rest = room - display_width(line) - 3
            if rest >= 8:
                line += " · " + _fit(tail, rest)
        width = display_width(line)
        self.stream.write("\r" + line + " " * max(0, self.shown - width))
        self.stream.flush()
        self.shown = width

    def __call__(self, done: int, total: int, file: str | None = None, records: int = 0) -> None:
        """Loading: ``done`` of ``total`` files read, ``records`` so far, ``file`` in hand."""
        head = f"reading  {_bar(done, total)} {done}/{total} files · {records:,} records"
        self._show("reading", head, terminal(file) if file else "", final=done == total)

    def rule(self, done: int, total: int, rule: str) -> None:
        """Checking: ``done`` of ``total`` rules run, ``rule`` running."""
        head = f"checking {_bar(done, total)} {done}/{total} rules"
        self._show("checking", head, rule, final=False)

    def close(self) -> None:
        """Erase the progress line, if one was shown."""
        if self.shown:
            self.stream.write("\r" + " " * self.shown + "\r")
            self.stream.flush()
            self.shown = 0
