"""Hypothesis strategies for testing rules, rule packs and profiles.

Three pieces, each usable on its own:

* :func:`datasets` — valid datasets of a chosen shape. Checking one at its
  ``as_of`` with its ``params`` yields no finding at all.
* :func:`write_dataset` with a :class:`Layout` (drawn by :func:`layouts`) —
  the same records written as YAML files split in varied ways: one file, one
  per collection, one per county, nested folders, or scattered at random.
* :func:`violations` / :data:`VIOLATIONS` — for every rule of the catalogue,
  a strategy that changes a valid dataset so that exactly one finding,
  ``(rule, subject)``, is expected.
* :func:`joined_with_unrelated` — the same dataset joined with clean
  out-of-scope counties, which must change no finding.

The world's shape, records and choices live in :mod:`guabao_rules.testing.world`:
a :class:`Chooser` is Hypothesis' ``draw`` (:class:`DrawChooser`) in the
strategies, or a seeded :class:`SeededChooser` in ``bench/generate.py`` and
wherever a dataset is wanted outside a test. The names here are imported on
first use, so ``guabao_rules.testing.world`` imports without Hypothesis.

Example::

    from hypothesis import given
    import guabao_rules
    from guabao_rules.testing import datasets, violations, write_dataset

    @given(violations("Q003", datasets(counties_per_prefecture=2)))
    def test_q003(tmp_path_factory, violated):
        root = tmp_path_factory.mktemp("data")
        write_dataset(violated.dataset, root)
        report = guabao_rules.check(guabao_rules.load(root), violated.dataset.config())
        assert {(d.rule, d.subject) for d in report.diagnostics} == violated.expected

See ``docs/testing.md`` for a guide.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from guabao_rules.testing.files import (
        STYLES,
        Layout,
        files_text,
        layouts,
        render_files,
        write_dataset,
        write_files,
    )
    from guabao_rules.testing.generated import SHARED, GeneratedDataset, Record, dump_yaml
    from guabao_rules.testing.strategies import datasets, joined_with_unrelated
    from guabao_rules.testing.violations import VIOLATIONS, Violated, violations
    from guabao_rules.testing.world import Chooser, DrawChooser, SeededChooser

_HOMES = {
    "files": (
        "STYLES",
        "Layout",
        "files_text",
        "layouts",
        "render_files",
        "write_dataset",
        "write_files",
        "write_files",
    ),
    "generated": ("SHARED", "GeneratedDataset", "Record", "dump_yaml"),
    "strategies": ("datasets", "joined_with_unrelated"),
    "violations": ("VIOLATIONS", "Violated", "violations"),
    "world": ("Chooser", "DrawChooser", "SeededChooser"),
}
_HOME_OF = {name: module for module, names in _HOMES.items() for name in names}

__all__ = [
    "SHARED",
    "STYLES",
    "VIOLATIONS",
    "Chooser",
    "DrawChooser",
    "GeneratedDataset",
    "Layout",
    "Record",
    "SeededChooser",
    "Violated",
    "datasets",
    "dump_yaml",
    "files_text",
    "joined_with_unrelated",
    "layouts",
    "render_files",
    "violations",
    "write_dataset",
    "write_files",
]


def __getattr__(name: str) -> Any:
    """A public name, imported from its module on first use (Hypothesis only when needed)."""
    module = _HOME_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOME_OF})


class _Package(types.ModuleType):
    """This package, whose ``violations`` stays the function when its subpackage loads.

    Importing ``guabao_rules.testing.violations`` sets the package's attribute of
    that name to the subpackage; an eager ``from ... import violations`` used to
    rebind it to the function right after, which a lazy import no longer does.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "violations" and isinstance(value, types.ModuleType):
            value = value.violations
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
