"""``compare``: properties of a record held against each other, in order.

Dates in order (a disbursement not before its allocation, T007; an
allocation not before its project entered the library, T006), deadlines
kept (M008), records kept up to date (S301), terms served in full (M007).

A subject may ``join`` the records its reference fields name (``allocation``
for a disbursement): a subject whose joined record does not resolve is not
looked at (D002 reports the reference). Operands are dotted paths, on the
subject or through a joined record (``allocation.date``), ``{as_of: true}``,
a parameter, or ``{days: [from, to]}``. ``unless`` passes a subject (still
counted); then the ``checks`` run in order and the first that fails is the
finding, with its ``problem`` filled in from the message arguments ``args``
and pointing at its ``field``. A comparison with a missing operand does not
apply; ``present`` requires a value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from guabao_rules.diagnostics import Violation
from guabao_rules.engine.context import RuleContext
from guabao_rules.engine.render import fill
from guabao_rules.kinds.query import CompileError, Tables, record_ids, related_table, selected
from guabao_rules.kinds.schema import (
    Bilingual,
    CollectionName,
    ParamRef,
    Relation,
    Selector,
    Strict,
)
from guabao_rules.kinds.select import (
    RELATED_CAP,
    field_value,
    param_value,
    related,
    related_ids,
    select,
)
from guabao_rules.kinds.sum import OPERATORS, Op
from guabao_rules.models import Record
from guabao_rules.timecal import days_between, served_full_term

if TYPE_CHECKING:
    import ibis.expr.types as ir


class AsOf(Strict):
    """The day the data is judged at."""

    as_of: Literal[True]


class Days(Strict):
    """The days from one date to another (negative when the second is earlier)."""

    days: tuple[str | AsOf, str | AsOf]


class Distinct(Strict):
    """The number of distinct values in a list field."""

    distinct: str


Operand = str | AsOf | ParamRef | Days | Distinct
"""A value: a dotted path, as_of, a parameter or a number of days."""


class Join(Strict):
    """The record a reference field of the subject names."""

    field: str
    collection: CollectionName


class Comparison(Strict):
    """``left op right``; passes when either side is missing."""

    left: Operand
    op: Op
    right: Operand


class Present(Strict):
    """The value must be there."""

    present: str


class Absent(Strict):
    """The value is not there (a condition, in ``unless`` or ``when``)."""

    absent: str


class Served(Strict):
    """The term ``from`` .. ``to`` (both inclusive) lasted at least ``years`` years."""

    served: str
    to: str
    years: int | ParamRef


class NoneRelated(Strict):
    """No record is related to the subject through this relation."""

    none: Relation


Test = Comparison | Present | Absent | Served | NoneRelated


class Check(Strict):
    """A test that makes a finding when it fails (and ``when`` holds)."""

    test: Test
    when: list[Test] = Field(default_factory=list)
    problem: Bilingual | None = None
    field: str | None = None


class CompareConstraint(Strict):
    """Properties of each selected record, compared in order.

    ``looks_at`` leaves out (uncounted) subjects without these values.
    With ``every``, each failing check adds its problem to ``problems`` and
    one finding names them all (at their field when they share one).
    """

    kind: Literal["compare"]
    select: Selector
    join: dict[str, Join] = Field(default_factory=dict)
    looks_at: list[str] = Field(default_factory=list)
    every: bool = False
    unless: list[Test] = Field(default_factory=list)
    checks: list[Check] = Field(min_length=1)
    args: dict[str, Operand] = Field(default_factory=dict)
    related: list[str] = Field(default_factory=list)


class _Scope:
    """The values operands read: the subject's (and joined records') fields, the day, parameters.

    ``read`` gives a dotted path's value and ``no_related`` whether a relation
    is empty, so the evaluator (on records) and the compiled query's rows
    share every other step.
    """

    def __init__(
        self,
        read: Callable[[str], Any],
        no_related: Callable[[Relation], bool],
        as_of: date,
        params: Mapping[str, Any],
    ) -> None:
        self.read = read
        self.no_related = no_related
        self.as_of = as_of
        self.params = params

    def value(self, operand: Operand) -> Any:
        if isinstance(operand, AsOf):
            return self.as_of
        if isinstance(operand, ParamRef):
            return param_value(operand, self.params)
        if isinstance(operand, Days):
            first, then = (self.value(side) for side in operand.days)
            return None if first is None or then is None else days_between(first, then)
        if isinstance(operand, Distinct):
            values = self.value(operand.distinct)
            return len(set(values or ()))
        return self.read(operand)

    def holds(self, test: Test) -> bool:
        if isinstance(test, Present):
            return self.value(test.present) is not None
        if isinstance(test, Absent):
            return self.value(test.absent) is None
        if isinstance(test, NoneRelated):
            return self.no_related(test.none)
        if isinstance(test, Served):
            start, end = self.value(test.served), self.value(test.to)
            years = param_value(test.years, self.params)
            if start is None or end is None or years is None:
                return True
            return served_full_term(start, end, int(years))
        left, right = self.value(test.left), self.value(test.right)
        return left is None or right is None or OPERATORS[test.op](left, right)


def _join(ctx: RuleContext, record: Record, join: Mapping[str, Join]) -> dict[str, Record] | None:
    joined: dict[str, Record] = {}
    for alias, spec in join.items():
        entry = ctx.index.entries.get(getattr(record, spec.field, None) or "")
        if entry is None or entry.model is None or entry.collection != spec.collection:
            return None
        joined[alias] = entry.model
    return joined


def _finding(
    constraint: CompareConstraint,
    scope: _Scope,
    subject: str,
    named: Callable[[_Scope], tuple[str, ...]],
) -> Violation | None:
    """The subject's violation (None when it passes); ``named`` gives its related ids."""
    if any(scope.holds(test) for test in constraint.unless):
        return None
    failed = [
        check
        for check in constraint.checks
        if all(scope.holds(test) for test in check.when) and not scope.holds(check.test)
    ]
    if not failed:
        return None
    if not constraint.every:
        failed = failed[:1]
    args = {name: scope.value(operand) for name, operand in constraint.args.items()}
    problems = [fill(c.problem.zh, c.problem.en, args) for c in failed if c.problem]
    if constraint.every:
        args["problems"] = problems
    elif problems:
        args["problem"] = problems[0]
    fields = {check.field for check in failed}
    field = fields.pop() if len(fields) == 1 else None
    return Violation(
        subject,
        args,
        field=tuple(field.split(".")) if field else None,
        related=named(scope),
    )


def evaluate(ctx: RuleContext, constraint: CompareConstraint) -> Iterator[Violation]:
    """A violation for each subject whose first failing check is named."""
    selector = constraint.select
    for subject, record in select(ctx, selector):
        if subject is None or record is None:
            continue
        joined = _join(ctx, record, constraint.join)
        if joined is None:
            ctx.applied -= 1  # not looked at: the reference is D002's
            continue

        def read(path: str, record: Record = record, joined: dict[str, Record] = joined) -> Any:
            head, _, rest = path.partition(".")
            if head in joined and rest:
                return field_value(joined[head], rest)
            return field_value(record, path)

        def no_related(relation: Relation, record: Record = record) -> bool:
            return next(related(ctx, record.id, relation), None) is None

        scope = _Scope(read, no_related, ctx.as_of, ctx.params)
        if any(scope.value(path) is None for path in constraint.looks_at):
            ctx.applied -= 1  # not a subject of the rule
            continue
        found = _finding(
            constraint,
            scope,
            subject,
            lambda scope: related_ids(ctx.index, map(scope.value, constraint.related)),
        )
        if found is not None:
            yield found


# The compiler. Each dotted path becomes a column ``_v<n>`` and each ``none``
# relation a flag ``_n<n>``; the query keeps the failing subjects and
# :func:`violations` runs the same ``_finding`` on their rows.


def _tests(constraint: CompareConstraint) -> list[Test]:
    return [
        *constraint.unless,
        *(t for check in constraint.checks for t in (*check.when, check.test)),
    ]


def _operand_paths(operand: Operand) -> list[str]:
    if isinstance(operand, str):
        return [operand]
    if isinstance(operand, Days):
        return [side for side in operand.days if isinstance(side, str)]
    if isinstance(operand, Distinct):
        return [operand.distinct]
    return []


def _test_paths(test: Test) -> list[str]:
    if isinstance(test, Present):
        return [test.present]
    if isinstance(test, Absent):
        return [test.absent]
    if isinstance(test, Served):
        return [test.served, test.to]
    if isinstance(test, Comparison):
        return [*_operand_paths(test.left), *_operand_paths(test.right)]
    return []


def _columns(constraint: CompareConstraint) -> tuple[dict[str, str], dict[str, str]]:
    """The column of each dotted path, and the flag column of each ``none`` relation."""
    paths = [
        *constraint.looks_at,
        *(p for test in _tests(constraint) for p in _test_paths(test)),
        *(p for operand in constraint.args.values() for p in _operand_paths(operand)),
        *constraint.related,
    ]
    relations = [t.none.model_dump_json() for t in _tests(constraint) if isinstance(t, NoneRelated)]
    return (
        {path: f"_v{n}" for n, path in enumerate(dict.fromkeys(paths))},
        {key: f"_n{n}" for n, key in enumerate(dict.fromkeys(relations))},
    )


class _Query:
    """The subjects joined to their records, and the tests as boolean expressions."""

    def __init__(
        self,
        constraint: CompareConstraint,
        params: Mapping[str, Any],
        tables: Tables,
        as_of: date,
    ) -> None:
        if constraint.select.ids is not None:
            raise CompileError("a compare over listed ids does not compile")
        self.params = params
        self.tables = tables
        self.as_of = as_of
        frame = selected(tables, constraint.select, params)
        self.joins: dict[str, list[str]] = {}
        for alias, spec in constraint.join.items():
            if spec.field not in frame.columns:
                raise CompileError(f"no reference column {spec.field!r} to join on")
            target = tables[spec.collection].view()
            names = [c for c in target.columns if not c.startswith("_")]
            target = target.select(**{f"_j_{alias}__{c}": target[c] for c in names})
            frame = frame.join(target, frame[spec.field] == target[f"_j_{alias}__id"])
            self.joins[alias] = names
        self.frame = frame

    def column(self, path: str) -> ir.Value:
        """The column of a dotted path: a field, or one inside a nested model (``a__b``).

        A path through a list of nested models has no column (it does not compile).
        """
        head, _, rest = path.partition(".")
        if head in self.joins and rest:
            name = rest.replace(".", "__")
            if name not in self.joins[head]:
                raise CompileError(f"{path!r} is not a joined field with a column")
            return self.frame[f"_j_{head}__{name}"]
        name = path.replace(".", "__")
        if name not in self.frame.columns or name.startswith("_"):
            raise CompileError(f"{path!r} is not a field with a column")
        return self.frame[name]

    def literal(self, operand: Operand) -> Any:
        if isinstance(operand, AsOf):
            return self.as_of
        if isinstance(operand, ParamRef):
            return param_value(operand, self.params)
        raise CompileError("not a literal operand")

    def none_related(self, relation: Relation) -> ir.BooleanValue:
        records = related_table(self.tables, relation, self.params, self.as_of)
        via = relation.via or ""
        pointing = records.filter(records[via].notnull()).select(_to=records[via])
        return ~self.frame.id.isin(pointing._to)

    def holds(self, test: Test) -> ir.BooleanValue:
        import ibis

        if isinstance(test, Present):
            return self.column(test.present).notnull()
        if isinstance(test, Absent):
            return self.column(test.absent).isnull()
        if isinstance(test, NoneRelated):
            return self.none_related(test.none)
        if isinstance(test, Served):
            raise CompileError("a served term (calendar years) does not compile")
        if isinstance(test.left, Days) or isinstance(test.right, Days):
            return self.days_holds(test)
        if isinstance(test.left, Distinct) or isinstance(test.right, Distinct):
            raise CompileError("a distinct count of a list does not compile")
        sides = []
        for side in (test.left, test.right):
            if isinstance(side, str):
                sides.append(self.column(side))
                continue
            value = self.literal(side)
            if value is None:
                return ibis.literal(True)  # a missing operand: the test does not apply
            sides.append(ibis.literal(value))
        left, right = sides
        if test.op == "in":
            if not right.type().is_array():
                raise CompileError("'in' compiles only against a list column")
            compared = right.contains(left)
        else:
            compared = OPERATORS[test.op](left, right)
        return left.isnull() | right.isnull() | compared

    def days_holds(self, test: Comparison) -> ir.BooleanValue:
        """``days(a, b) op n`` with one of a, b a literal day and n a literal number.

        Compared as dates (``b`` against ``a + n`` days), so no backend's day
        difference is needed.
        """
        import ibis

        days, other, op = test.left, test.right, str(test.op)
        if not isinstance(days, Days):
            days, other, op = test.right, test.left, _FLIPPED[test.op]
        if not isinstance(days, Days) or isinstance(other, Days | Distinct | str):
            raise CompileError("days compile only against a number")
        if op == "in":
            raise CompileError("'in' does not take a number of days")
        number = self.literal(other)
        first, then = days.days
        if number is None:
            return ibis.literal(True)
        if isinstance(first, AsOf) and isinstance(then, str):
            # then - as_of op n  <=>  then op as_of + n
            column, bound, op_on_column = self.column(then), self.as_of, op
            bound = bound + timedelta(days=int(number))
        elif isinstance(first, str) and isinstance(then, AsOf):
            # as_of - first op n  <=>  first flipped-op as_of - n
            column, op_on_column = self.column(first), _FLIPPED[op]
            bound = self.as_of - timedelta(days=int(number))
        else:
            raise CompileError("days compile only between a field and as_of")
        return column.isnull() | OPERATORS[op_on_column](column, ibis.literal(bound))


_FLIPPED: dict[str, str] = {
    "<": ">",
    "<=": ">=",
    "==": "==",
    "!=": "!=",
    ">=": "<=",
    ">": "<",
    "in": "in",
}
"""The operator that holds with its sides swapped."""


def _subjects(query: _Query, constraint: CompareConstraint) -> ir.Table:
    frame = query.frame
    for path in constraint.looks_at:
        frame = frame.filter(query.column(path).notnull())
    return frame


def compile_query(
    constraint: CompareConstraint, params: Mapping[str, Any], tables: Tables, as_of: date
) -> ir.Table:
    """The failing subjects, with a column per dotted path and per ``none`` relation.

    Raises:
        CompileError: A nested path, a served term, a distinct count, days not
            against as_of and a number, or a selector that does not compile.
    """
    import ibis

    query = _Query(constraint, params, tables, as_of)
    paths, nones = _columns(constraint)
    query.frame = _subjects(query, constraint)
    passes = [query.holds(test) for test in constraint.unless]
    fails = [
        ibis.and_(*(query.holds(t) for t in check.when), ~query.holds(check.test))
        for check in constraint.checks
    ]
    keep = ibis.or_(*fails)
    if passes:
        keep = keep & ~ibis.or_(*passes)
    relations = {
        t.none.model_dump_json(): t.none for t in _tests(constraint) if isinstance(t, NoneRelated)
    }
    columns = {name: query.column(path) for path, name in paths.items()}
    for n, path in enumerate(constraint.related):  # only ids that name a record
        value = query.column(path)
        columns[f"_r{n}"] = ibis.ifelse(value.isin(_all_ids(tables).id), value, ibis.null())
    columns |= {name: query.none_related(relations[key]) for key, name in nones.items()}
    frame = query.frame.filter(keep)
    return frame.select(subject=frame.subject, _as_of=ibis.literal(as_of), **columns)


def _all_ids(tables: Tables) -> ir.Table:
    """The id of every record read, valid or not, as ``id`` (the index names them all)."""
    return record_ids(tables)


def compile_applied(
    constraint: CompareConstraint, params: Mapping[str, Any], tables: Tables, as_of: date
) -> ir.Value:
    """The number of subjects looked at: joined, with the ``looks_at`` values there."""
    query = _Query(constraint, params, tables, as_of)
    return _subjects(query, constraint).count()


def violations(
    constraint: CompareConstraint, params: Mapping[str, Any], rows: Iterable[Mapping[str, Any]]
) -> Iterator[Violation]:
    """The violations of the compiled query's rows, as :func:`evaluate` yields them."""
    paths, nones = _columns(constraint)

    for row in rows:
        shown = (row[f"_r{n}"] for n in range(len(constraint.related)))
        ids = tuple(dict.fromkeys(i for i in shown if i is not None))[:RELATED_CAP]

        def read(path: str, row: Mapping[str, Any] = row) -> Any:
            return row[paths[path]]

        def no_related(relation: Relation, row: Mapping[str, Any] = row) -> bool:
            return bool(row[nones[relation.model_dump_json()]])

        def named(_: _Scope, ids: tuple[str, ...] = ids) -> tuple[str, ...]:
            return ids

        scope = _Scope(read, no_related, row["_as_of"], params)
        found = _finding(constraint, scope, row["subject"], named)
        if found is not None:
            yield found
