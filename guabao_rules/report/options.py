"""What a formatter receives besides the report."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from guabao_rules.dataset import Dataset
    from guabao_rules.engine.core import Report

__all__ = ["Formatter", "OutputOptions"]


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
"""A format: the report and the options in, the output (text, or bytes for a workbook) out."""
