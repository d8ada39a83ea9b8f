"""Output formats: each turns a :class:`~guabao_rules.engine.Report` into text."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from guabao_rules.engine import Report
from guabao_rules.loader import Dataset


@dataclass(frozen=True, slots=True)
class OutputOptions:
    """What a formatter may use besides the report.

    Attributes:
        dataset: The dataset checked (for source excerpts), when at hand.
        color: Whether to colour text output (a terminal).
        show_waived: List waived findings too.
        statistics: Print the per-rule table.
    """

    dataset: Dataset | None = None
    color: bool = False
    show_waived: bool = False
    statistics: bool = False


Formatter = Callable[[Report, OutputOptions], str]

FORMATTERS: dict[str, Formatter] = {}


def formatter(name: str) -> Callable[[Formatter], Formatter]:
    """Register an output format under ``name``."""

    def decorate(func: Formatter) -> Formatter:
        FORMATTERS[name] = func
        return func

    return decorate


def load_formatters() -> dict[str, Formatter]:
    """Every output format, by name."""
    from guabao_rules.output import github, json_format, junit, sarif, text  # noqa: F401

    return FORMATTERS
