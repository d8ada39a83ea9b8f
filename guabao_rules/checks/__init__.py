"""Registered Python checks: rules that no declarative constraint kind expresses.

Each is registered with :func:`guabao_rules.kinds.python.register` under a
kebab-case name for what it checks, which a pack uses as
``constraint: {kind: python, check: NAME}``.
"""

from __future__ import annotations

from guabao_rules.kinds.python import REGISTRY, Check, register

__all__ = ["REGISTRY", "Check", "load_builtin_checks", "register"]


def load_builtin_checks() -> None:
    """Import the modules that register the built-in checks."""
    from guabao_rules.checks import (  # noqa: F401
        coverage,
        data,
        standards,
        traceability,
        waiver_checks,
    )
