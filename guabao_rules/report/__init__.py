"""Output formats: each turns a :class:`~guabao_rules.engine.core.Report` into text.

Each format is a module of this package with one function ``(report, options)``;
:data:`FORMATS` names them, so the package imports a format only when it is
asked for, and no format module imports the package.
"""

from __future__ import annotations

import importlib
import os
import tempfile
from pathlib import Path
from typing import Final

from guabao_rules.config import ConfigError
from guabao_rules.report.options import Formatter, OutputOptions

__all__ = ["BINARY", "FORMATS", "Formatter", "OutputOptions", "load_formatters", "write_atomic"]

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


def load_formatters() -> dict[str, Formatter]:
    """Every output format, by name."""
    formats: dict[str, Formatter] = {}
    for name, (module, function) in FORMATS.items():
        formats[name] = getattr(importlib.import_module(f"guabao_rules.report.{module}"), function)
    return formats


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
