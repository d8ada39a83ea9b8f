"""Mutations that break exactly one rule on one chosen subject.

``VIOLATIONS[rule_id](dataset)`` is a strategy of :class:`Violated`: a copy of a
valid dataset changed so that checking it yields exactly one finding,
``(rule_id, subject)``. Each mutation is surgical: it changes what only that
rule looks at, and when the dataset lacks what the rule needs (no project in
the library, no poor household) it first adds a clean one with the same
builder that made the dataset.

The registry and the shared helpers are in ``base``; each family of rules has
its own module, which registers its strategies when it is imported.
"""

from guabao_rules.testing.violations.base import VIOLATIONS, Violated, violations

# isort: off
# Importing a family registers its strategies, so this order (the catalogue's
# D, Q, M, S, T) is the key order of VIOLATIONS.
from guabao_rules.testing.violations import (  # noqa: F401
    data,
    quota,
    mechanisms,
    standards,
    traceability,
)
# isort: on

__all__ = ["VIOLATIONS", "Violated", "violations"]
