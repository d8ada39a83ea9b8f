"""Output formats: each turns a :class:`~guabao_rules.engine.core.Report` into text."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from guabao_rules.config import ConfigError

if TYPE_CHECKING:  # the engine imports report.escape: no cycle at run time
    from guabao_rules.engine.core import Report
    from guabao_rules.sources.loader import Dataset


@dataclass(frozen=True, slots=True)
class OutputOptions:
    """What a formatter may use besides the report.

    Attributes:
        dataset: The dataset checked (for source excerpts), when at hand.
        color: Whether to colour text output (a terminal).
        show_waived: List waived findings too.
        statistics: Print the per-rule table.
        quiet: Text output: the findings and nothing else (``--quiet``).
        show_source: Text output: source excerpts under the findings (None:
            with colour, that is on a terminal).
    """

    dataset: Dataset | None = None
    color: bool = False
    show_waived: bool = False
    statistics: bool = False
    quiet: bool = False
    show_source: bool | None = None


Formatter = Callable[["Report", OutputOptions], str | bytes]

FORMATTERS: dict[str, Formatter] = {}
BINARY: set[str] = set()
"""The formats whose output is bytes (a workbook), never written to a terminal."""


def formatter(name: str, *, binary: bool = False) -> Callable[[Formatter], Formatter]:
    """Register an output format under ``name`` (``binary``: it returns bytes)."""

    def decorate(func: Formatter) -> Formatter:
        FORMATTERS[name] = func
        if binary:
            BINARY.add(name)
        return func

    return decorate


def load_formatters() -> dict[str, Formatter]:
    """Every output format, by name."""
    from guabao_rules.report import github, gitlab, html, json_format, junit, sarif, text, xlsx  # noqa: F401  # noqa: F401

    return FORMATTERS


def write_atomic(path: Path, text: str | bytes) -> None:
    """Write ``text`` (or bytes) to ``path`` through a temporary file beside it, then a rename.

    An interrupted run never leaves a truncated file.

    Raises:
        ConfigError: The file cannot be written (a missing folder, a folder
            in its place, no permission); nothing is left behind.
    """
    path = Path(path)
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        data = text.encode("utf-8") if isinstance(text, str) else text
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as error:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise ConfigError(f"cannot write {path}: {error.strerror}") from None
    except BaseException:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise
