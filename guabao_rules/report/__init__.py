"""Output formats: each turns a :class:`~guabao_rules.engine.core.Report` into text.

Each format is a module of this package with one function ``(report, options)``;
:data:`FORMATS` names them, so the package imports a format only when it is
asked for, and no format module imports the package.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from pathlib import Path
from typing import Final

from guabao_rules.config import ConfigError
from guabao_rules.report.options import Formatter, OutputOptions
from guabao_rules.safeio import OutputError, Protected, write_output

__all__ = [
    "BINARY",
    "FORMATS",
    "Formatter",
    "OutputOptions",
    "load_formatter",
    "load_formatters",
    "write_atomic",
]

FORMATS: Final = {
    "text": ("text", "format_text"),
    "json": ("json_format", "format_json"),
    "sarif": ("sarif", "format_sarif"),
    "junit": ("junit", "format_junit"),
    "github": ("github", "format_github"),
    "gitlab": ("gitlab", "format_gitlab"),
    "html": ("html", "format_html"),
    "xlsx": ("xlsx", "format_xlsx"),
}
"""Every output format: its module in this package and the function that renders it."""

BINARY: Final = frozenset({"xlsx"})
"""The formats whose output is bytes (a workbook), never written to a terminal."""


def load_formatter(name: str) -> Formatter:
    """The output format ``name`` (one of :data:`FORMATS`), its module imported now."""
    module, function = FORMATS[name]
    formatter: Formatter = getattr(
        importlib.import_module(f"guabao_rules.report.{module}"), function
    )
    return formatter


def load_formatters() -> dict[str, Formatter]:
    """Every output format, by name."""
    return {name: load_formatter(name) for name in FORMATS}


def write_atomic(
    path: Path,
    text: str | bytes,
    protected: Iterable[Protected] = (),
) -> None:
    """Write ``text`` (or bytes) to ``path`` with :func:`guabao_rules.safeio.write_output`.

    A regular file is replaced through a temporary file beside it, so an
    interrupted run never leaves a truncated file; a FIFO or device is
    written into, and a symbolic link is written through.

    Raises:
        ConfigError: The file is one of ``protected`` (``(path, what)``
            pairs), or cannot be written (a missing folder, a folder in its
            place, no permission); nothing is left behind.
    """
    try:
        write_output(path, text, protected)
    except OutputError as error:
        raise ConfigError(text=error.text) from None
