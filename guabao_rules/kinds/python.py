"""``python``: a registered check, for what no declarative kind can say.

A check is a function of a :class:`~guabao_rules.engine.context.RuleContext`
that yields :class:`~guabao_rules.diagnostics.Violation` objects and adds the
number of subjects it looked at to ``ctx.applied``. It is registered under a
kebab-case name for what it checks (``region-code``), which packs use as
``constraint: {kind: python, check: NAME}``. The registry lives here, with its
kind, so that ``checks/`` imports ``kinds/`` and never the other way round.

A check may also have a query form (:class:`CheckQuery`), registered beside
it with :func:`register_query`: the query engines then run it as an ibis
query (on the tables of :mod:`guabao_rules.kinds.query`'s contract) instead
of the Python check, and its rows become the same violations. The Python
check stays the one ``--engine python`` runs, and the one that runs when the
query form does not take the rule's use (it raises ``CompileError``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from guabao_rules.diagnostics import Violation
from guabao_rules.engine.context import RuleContext
from guabao_rules.kinds.query import CompileError, Tables
from guabao_rules.kinds.schema import Selector, Strict
from guabao_rules.models import COLLECTIONS

Check = Callable[[RuleContext], Iterable[Violation]]

REGISTRY: dict[str, Check] = {}

READS: dict[str, frozenset[str]] = {}
"""The collections each registered check reads as records (its ``reads``)."""


@dataclass(frozen=True, slots=True)
class CheckQuery:
    """The query form of a registered check.

    Attributes:
        compile: ``(params, tables, as_of)`` to an ibis table of the rows of
            the check's violations.
        violations: ``(params, rows)`` to the violations the check yields, in
            its order.
        applied: ``(params, tables, as_of)`` to the number of subjects the
            check looks at, as a scalar query.
    """

    compile: Callable[[Mapping[str, Any], Tables, date], Any]
    violations: Callable[[Mapping[str, Any], Iterable[Mapping[str, Any]]], Iterable[Violation]]
    applied: Callable[[Mapping[str, Any], Tables, date], Any]


QUERIES: dict[str, CheckQuery] = {}
"""The query forms of the registered checks that have one, by check name."""


def register_query(name: str, query: CheckQuery) -> None:
    """Register the query form of the check registered as ``name`` (once, after the check)."""
    if name not in REGISTRY:
        raise ValueError(f"check {name!r} is not registered: register the check first")
    if name in QUERIES:
        raise ValueError(f"check {name!r} has a query form already")
    QUERIES[name] = query


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


def _query(constraint: PythonConstraint) -> CheckQuery:
    query = QUERIES.get(constraint.check)
    if query is None:
        raise CompileError(f"check {constraint.check!r} has no query form")
    if constraint.select is not None:
        # A check may read its selector through the context: its query form does not.
        raise CompileError(f"check {constraint.check!r} with a selector has no query form")
    return query


def compile_query(
    constraint: PythonConstraint, params: Mapping[str, Any], tables: Tables, as_of: date
) -> Any:
    """The check's query form, as an ibis table of its violations' rows.

    Raises:
        CompileError: The check has no query form, or the rule gives it a selector.
    """
    return _query(constraint).compile(params, tables, as_of)


def compile_applied(
    constraint: PythonConstraint, params: Mapping[str, Any], tables: Tables, as_of: date
) -> Any:
    """The number of subjects the check looks at, as a scalar query."""
    return _query(constraint).applied(params, tables, as_of)


def violations(
    constraint: PythonConstraint, params: Mapping[str, Any], rows: Iterable[Mapping[str, Any]]
) -> Iterable[Violation]:
    """The violations of the query form's rows, as the check yields them."""
    return _query(constraint).violations(params, rows)
