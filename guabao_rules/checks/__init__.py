"""Registered Python checks: rules that no declarative constraint kind expresses.

A check is a function of a :class:`~guabao_rules.engine.context.RuleContext` that
yields :class:`~guabao_rules.diagnostics.Violation` objects and adds the
number of subjects it looked at to ``ctx.applied``. It is registered under a
name that rule packs use as ``constraint: {kind: python, check: NAME}``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from guabao_rules.diagnostics import Violation
from guabao_rules.engine.context import RuleContext

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


def load_builtin_checks() -> None:
    """Import the modules that register the built-in checks."""
    from guabao_rules.checks import (  # noqa: F401
        coverage,
        data,
        mechanisms,
        quota,
        standards,
        traceability,
        waiver_checks,
    )
