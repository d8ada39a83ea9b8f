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

Check = Callable[[RuleContext], Iterable[Violation]]

REGISTRY: dict[str, Check] = {}


def register(name: str) -> Callable[[Check], Check]:
    """Register a check under ``name`` (an error if the name is taken)."""

    def decorate(func: Check) -> Check:
        if name in REGISTRY:
            raise ValueError(f"check {name!r} is registered twice")
        REGISTRY[name] = func
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
