"""``python``: a registered check, for what no declarative kind can say.

A check is a function of a :class:`~guabao_rules.engine.context.RuleContext`
that yields :class:`~guabao_rules.diagnostics.Violation` objects and adds the
number of subjects it looked at to ``ctx.applied``. It is registered under a
kebab-case name for what it checks (``region-code``), which packs use as
``constraint: {kind: python, check: NAME}``. The registry lives here, with its
kind, so that ``checks/`` imports ``kinds/`` and never the other way round.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Literal

from guabao_rules.diagnostics import Violation
from guabao_rules.engine.context import RuleContext
from guabao_rules.kinds.schema import Selector, Strict
from guabao_rules.models import COLLECTIONS

Check = Callable[[RuleContext], Iterable[Violation]]

REGISTRY: dict[str, Check] = {}

READS: dict[str, frozenset[str]] = {}
"""The collections each registered check reads as records (its ``reads``)."""

EVERY_COLLECTION: frozenset[str] = frozenset(COLLECTIONS)
"""What a check reads when it says nothing: every collection (the safe answer)."""


def register(name: str, *, reads: Iterable[str] | None = None) -> Callable[[Check], Check]:
    """Register a check under ``name`` (an error if the name is taken).

    Args:
        name: The kebab-case name packs use.
        reads: The collections whose records the check reads, through the
            index or the dataset (None: every one). A query engine makes the
            bulk rows of exactly these collections into records before the
            check runs (:mod:`guabao_rules.columnar.engine`); a test runs every
            check and fails when it reads a collection it does not declare.
    """
    declared = EVERY_COLLECTION if reads is None else frozenset(reads)
    unknown = declared - EVERY_COLLECTION
    if unknown:
        raise ValueError(f"check {name!r} reads unknown collections {sorted(unknown)}")

    def decorate(func: Check) -> Check:
        if name in REGISTRY:
            raise ValueError(f"check {name!r} is registered twice")
        REGISTRY[name] = func
        READS[name] = declared
        return func

    return decorate


class PythonConstraint(Strict):
    """A registered Python check, for what no declarative kind expresses."""

    kind: Literal["python"]
    check: str
    select: Selector | None = None


def evaluate(ctx: RuleContext, constraint: PythonConstraint) -> Iterable[Violation]:
    """Run the registered check."""
    return REGISTRY[constraint.check](ctx)
