"""The engines that run a plan: Python evaluators, or queries on DuckDB or Spark.

``python`` evaluates every rule with its kind's Python evaluator over the
dataset's index. ``duckdb`` and ``spark`` run every rule whose kind compiles
(:func:`guabao_rules.kinds.compile_rule`) as one relational query over Arrow
tables of the collections, and turn the query's rows into the violations the
Python evaluator yields; a rule whose kind (or whose use of it) does not
compile yet is evaluated in Python on the same records, and is listed in
:attr:`QueryEvaluator.in_python` (never skipped). ``auto`` takes ``duckdb``
when the bulk tables come to :data:`AUTO_TABLE_BYTES`, else ``python``.

duckdb, ibis and pyspark are imported only when a query engine runs.
"""

from __future__ import annotations

import contextlib
import importlib.util
import shutil
import tempfile
import uuid
import warnings
from collections.abc import Iterator, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from guabao_rules.config import ENGINES, DuckDBSettings, SparkSettings
from guabao_rules.diagnostics import BilingualError, Text, Violation
from guabao_rules.engine.causes import collections_read
from guabao_rules.kinds import KINDS, compile_rule, evaluate, violations_of_rows
from guabao_rules.kinds.python import EVERY_COLLECTION, READS
from guabao_rules.kinds.query import CompileError, QuerySource

if TYPE_CHECKING:
    import pyarrow as pa

    from guabao_rules.dataset import Dataset
    from guabao_rules.engine.context import RuleContext

__all__ = [
    "AUTO_TABLE_BYTES",
    "ENGINES",
    "EngineError",
    "QueryEvaluator",
    "auto_reads_columnar",
    "choose",
    "records_read",
]

AUTO_TABLE_BYTES: int | None = 25 * 10**6
"""From this many bytes of bulk CSV tables, ``auto`` reads them columnar and runs DuckDB.

Measured on the benchmark's province shape (bench/engines.py, 3 December 2026,
docs/performance.md): 10^5 records (9.2 MB of tables) python 4.7 s / 271 MiB,
duckdb 9.0 s / 368 MiB; 3.2x10^5 (29.4 MB) 13.5 s / 773 MiB against
12.5 s / 555 MiB; 10^6 (91.8 MB) 40.6 s / 2.3 GiB against 22.0 s / 1.1 GiB.
The engines cross near 3x10^5 records, where DuckDB already holds less
memory. None: ``auto`` always takes ``python``.
"""


def records_read(rule: Any) -> frozenset[str]:
    """The collections whose records a rule reads when it is evaluated in Python.

    A registered check declares them at its registration (``reads``); a
    declarative rule names them in its constraint (``collection:`` anywhere
    in it), except where its kind reads every record (:func:`_reads_every`).
    What matters is the bulk collections (``model.bulk``), whose rows a query
    engine makes into records only for the rules that read them: for those
    tests/unit/test_check_reads.py runs every rule through a probe to prove
    the answer. (A rule may also follow a reference into an organisation
    collection it does not name; those are always records.)
    """
    constraint = rule.constraint
    if _reads_every(constraint):
        return EVERY_COLLECTION
    named = collections_read(constraint.model_dump(by_alias=True))
    if constraint.kind == "python":
        return READS.get(constraint.check, EVERY_COLLECTION) | named
    return named


def _reads_every(constraint: Any) -> bool:
    """Whether a kind's Python evaluator reads every record.

    ``reference`` resolves every reference (D002); the ``reader`` kind's
    ``personal-data`` looks at every valid record (D006).
    """
    kind = constraint.kind
    return kind == "reference" or (
        kind == "reader" and getattr(constraint, "finding", None) == "personal-data"
    )


class EngineError(BilingualError):
    """An engine that cannot run here (not installed, no Java): a usage error."""


def auto_reads_columnar(table_bytes: int) -> bool:
    """Whether ``auto`` reads bulk tables of this many bytes columnar (and then runs DuckDB).

    Decided before reading, from the files' sizes: the columnar reader must
    read the tables for DuckDB to be worth its start.
    """
    return (
        AUTO_TABLE_BYTES is not None
        and table_bytes >= AUTO_TABLE_BYTES
        and importlib.util.find_spec("duckdb") is not None
        and importlib.util.find_spec("ibis") is not None
    )


def choose(engine: str, dataset: Dataset) -> str:
    """The engine that runs: ``engine`` itself, or what ``auto`` picks for this dataset.

    ``auto`` takes ``duckdb`` for a dataset whose bulk tables were read
    columnar (:func:`auto_reads_columnar`, or a caller's ``bulk`` reader), else
    ``python``.
    """
    if engine != "auto":
        return engine
    read = getattr(getattr(dataset, "bulk", None), "read", None)
    if read is not None and read.files and importlib.util.find_spec("ibis") is not None:
        return "duckdb"
    return "python"


def _duckdb(settings: DuckDBSettings, spill: str) -> Any:
    """An embedded DuckDB that spills to ``spill``, within the memory it is given."""
    import ibis

    return ibis.duckdb.connect(**settings.connection_config(spill))


def _backend(engine: str, spark: SparkSettings | None, duckdb: DuckDBSettings, spill: str) -> Any:
    """The ibis backend of a query engine (``spill``: DuckDB's temporary folder)."""
    try:
        import ibis
    except ImportError:  # pragma: no cover - ibis is a dependency
        raise EngineError(
            zh="--engine {engine} 需要 ibis-framework",
            en="--engine {engine} needs ibis-framework",
            engine=engine,
        ) from None
    if engine == "duckdb":
        return _duckdb(duckdb, spill)
    settings = spark or SparkSettings()
    session = settings.session
    if session is None:
        try:
            from pyspark.sql import SparkSession
        except ImportError:
            raise EngineError(
                zh="--engine spark 需要 pyspark:{install}",
                en="--engine spark needs pyspark: {install}",
                install="pip install 'guabao-rules[spark]'",
            ) from None
        builder = SparkSession.builder.master(settings.master).appName("guabao-rules")
        conf = dict(settings.conf)
        # The findings are the output: no progress bars over them.
        conf.setdefault("spark.ui.showConsoleProgress", "false")
        if settings.master.startswith("local"):
            # One machine: a few shuffle partitions, not the cluster default of 200.
            conf.setdefault("spark.sql.shuffle.partitions", "4")
        for key, value in conf.items():
            builder = builder.config(key, value)
        try:
            session = builder.getOrCreate()
        except Exception as error:  # Java missing or the master unreachable
            first = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
            raise EngineError(
                zh="--engine spark:无法启动 Spark:{reason}",
                en="--engine spark: cannot start Spark: {reason}",
                reason=first,
            ) from None
        session.sparkContext.setLogLevel("ERROR")
    return ibis.pyspark.connect(session)


class QueryEvaluator:
    """Evaluates rules as queries on one backend, over the dataset's tables.

    Raises:
        EngineError: On construction, when the engine cannot start here.

    Attributes:
        engine: ``duckdb`` or ``spark``.
        in_python: The rules that ran in Python (their kind does not compile yet).
        as_queries: The rules that ran as queries.
    """

    def __init__(
        self,
        dataset: Dataset,
        engine: str,
        spark: SparkSettings | None = None,
        duckdb: DuckDBSettings | None = None,
    ) -> None:
        self.dataset = dataset
        self.engine = engine
        self.in_python: list[str] = []
        self.as_queries: list[str] = []
        self._duckdb = duckdb or DuckDBSettings()
        # DuckDB's own default is ./.tmp: a check never writes into the folder it runs in.
        self._spill = tempfile.mkdtemp(prefix="guabao-duckdb-") if engine == "duckdb" else None
        # Connect now: an engine that cannot start is a usage error before any rule runs.
        try:
            self._con = _backend(engine, spark, self._duckdb, self._spill or "")
        except BaseException:
            self._remove_spill()
            raise
        self._tables: dict[str, Any] | None = None
        self.out_of_range: dict[str, str] | None = None
        """What sent every rule to Python (zh, en): too large for a query's decimal."""
        # A name of its own for this evaluator's views: several may share a session.
        self._views = uuid.uuid4().hex[:12]

    def _ready(self) -> tuple[Any, Mapping[str, Any]] | None:
        """The backend and the tables; None when the data does not fit the tables' types."""
        if self._tables is None and self.out_of_range is None:
            from guabao_rules.columnar.tables import AmountOutOfRange, dataset_tables

            try:
                arrow = dataset_tables(self.dataset)
            except AmountOutOfRange as error:
                # Every rule in Python: a query over the other rules' tables would
                # still miss this record, and a valid record is never left out.
                self.out_of_range = {"zh": error.zh, "en": error.en}
                return None
            self._tables = {name: self._register(name, table) for name, table in arrow.items()}
        if self._tables is None:
            return None
        return self._con, self._tables

    def close(self) -> None:
        """Free what this check held: DuckDB's in-memory database, or its Spark views.

        A program that checks many datasets in one process (the property tests,
        a platform's worker) would otherwise keep every check's tables alive.
        The Spark session itself is left running: it may be the caller's.
        """
        tables, self._tables = self._tables, None
        if self.engine == "spark":
            if tables is not None:
                catalog = self._con._session.catalog
                for name in tables:
                    catalog.dropTempView(f"guabao_{self._views}_{name.lstrip('_')}")
            return
        with contextlib.suppress(Exception):  # already closed: nothing to free
            self._con.disconnect()
        self._remove_spill()

    def _remove_spill(self) -> None:
        if self._spill is not None:
            shutil.rmtree(self._spill, ignore_errors=True)
            self._spill = None

    def _register(self, name: str, table: pa.Table) -> Any:
        """An Arrow table as an ibis table of the backend.

        DuckDB reads an in-memory table as it is. Spark is given each table
        once, straight from Arrow, as a temporary view: ibis would hand an
        in-memory table to Spark through pandas, which turns a null text into
        the text ``NaN`` and a column of whole numbers with nulls into nulls.
        """
        import ibis

        from guabao_rules.columnar.tables import decoded

        if self.engine != "spark":
            return ibis.memtable(table)
        session = self._con._session
        view = f"guabao_{self._views}_{name.lstrip('_')}"
        frame = session.createDataFrame(decoded(table))  # Spark takes no dictionaries
        frame.createOrReplaceTempView(view)
        return self._con.table(view)

    @contextlib.contextmanager
    def _within_memory(self) -> Iterator[None]:
        """DuckDB out of the memory it may use, as an :class:`EngineError` (one line, exit 2)."""
        try:
            yield
        except Exception as error:
            # duckdb.OutOfMemoryException, or Arrow's OSError when it struck mid-stream.
            if "Out of Memory Error" not in str(error):
                raise
            limit = self._duckdb.memory_limit
            raise EngineError(
                zh="DuckDB 内存不足({limit}):请调高 guabao-rules.toml 的 [duckdb] memory_limit,"
                "或在内存更大的机器上检查,或用 --engine python",
                en="DuckDB ran out of memory ({limit}): raise [duckdb] memory_limit in "
                "guabao-rules.toml, check on a machine with more memory, or use --engine python",
                limit=Text(zh=f"memory_limit = {limit}", en=f"memory_limit = {limit}")
                if limit
                else Text(zh="DuckDB 的默认上限", en="DuckDB's default limit"),
            ) from None

    def _in_python(self, ctx: RuleContext) -> list[Violation]:
        """The rule evaluated in Python, after the deferred rows it reads are made records."""
        rule = ctx.rule
        self.in_python.append(rule.id)
        deferred = self.dataset.deferred
        if deferred is not None:
            wanted = records_read(rule) & deferred.collections()
            if wanted:
                self.dataset.make_records(wanted, reason=rule.id)
        return evaluate(ctx)

    def __call__(self, ctx: RuleContext) -> list[Violation]:
        """The rule's violations: from its query when its kind compiles, else from Python."""
        rule = ctx.rule
        if KINDS[rule.constraint.kind].compile is None:
            return self._in_python(ctx)
        ready = self._ready()
        if ready is None:
            return self._in_python(ctx)
        con, tables = ready
        try:
            # Compiling may run a query too (the members of fund cycles): the same
            # libraries' warnings as the queries below.
            with _quiet_libraries(), self._within_memory():
                query = compile_rule(rule, ctx.params, tables, ctx.as_of)
                applied = _applied_query(rule, ctx.params, tables, ctx.as_of)
        except CompileError:
            return self._in_python(ctx)
        self.as_queries.append(rule.id)
        with _quiet_libraries(), self._within_memory():
            rows = con.to_pyarrow(query).to_pylist()
            ctx.applied += int(con.to_pyarrow(applied).as_py())  # Arrow, never pandas
            source = QuerySource(tables, con.to_pyarrow)
            found = violations_of_rows(rule, ctx.params, rows, source)
        if getattr(rule.constraint, "select", None) is None:
            return found  # no selector: the kind's rows come in the evaluator's order
        return sorted(found, key=_python_order(ctx, rule, found))


@contextlib.contextmanager
def _quiet_libraries() -> Iterator[None]:
    """Silence pandas 3's deprecation warnings raised inside ibis and pyspark.

    Both still pass pandas arguments pandas 3 deprecates; the warnings are
    theirs to fix and say nothing about the data.
    """
    with warnings.catch_warnings():
        import pandas.errors

        category = getattr(pandas.errors, "Pandas4Warning", None)
        if category is not None:
            warnings.simplefilter("ignore", category)
        yield


def _applied_query(
    rule: Any, params: Mapping[str, Any], tables: Mapping[str, Any], as_of: date
) -> Any:
    """The number of subjects the rule looks at, as a scalar query (its selector's rows)."""
    from guabao_rules.kinds.query import selected

    count = KINDS[rule.constraint.kind].applied
    if count is not None:
        return count(rule.constraint, params, tables, as_of)
    selector = getattr(rule.constraint, "select", None)
    if selector is None:
        raise CompileError(f"rule {rule.id}: no selector to count the subjects of")
    return selected(tables, selector, params).count()


def _python_order(ctx: RuleContext, rule: Any, found: list[Violation]) -> Any:
    """A sort key putting violations in the order the Python evaluator yields them.

    Subjects come in the selector's order: the listed ids, or the records of
    the collection as read. Findings that tie in the report's order keep it;
    a kind without a selector (``lineage``) puts its rows in order itself.
    """
    selector = getattr(rule.constraint, "select", None)
    if selector is None:
        return lambda v: 0
    if selector.ids is not None:
        from guabao_rules.kinds.select import param_value

        ids = param_value(selector.ids, ctx.params)
        listed = [ids] if isinstance(ids, str) else list(dict.fromkeys(ids or []))
        rank: Mapping[str | None, int] = {subject: n for n, subject in enumerate(listed)}
    else:
        collection = selector.collection or ""
        deferred = ctx.dataset.deferred
        if deferred is not None and collection in deferred.collections():
            table = deferred.table(collection)
            return _ranked(_table_rank(table, [v.subject for v in found]), table.num_rows)
        entries = ctx.index.by_collection.get(collection, ())
        rank = {e.id: n for n, e in enumerate(entries)}
    return _ranked(rank, len(rank))


def _ranked(rank: Mapping[str | None, int], last: int) -> Any:
    """A violation's place by its subject's rank (the unranked last)."""
    return lambda v: rank.get(v.subject, last)


def _table_rank(table: Any, subjects: list[str | None]) -> dict[str | None, int]:
    """The places of these ids among a deferred collection's rows (the index's order)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    wanted = [s for s in dict.fromkeys(subjects) if s is not None]
    # The few ids hashed, the column scanned: a hash of every row's id cost more.
    found = pc.index_in(table.column("id"), value_set=pa.array(wanted, pa.string()))
    hit = found.is_valid()
    rows = np.flatnonzero(hit.to_numpy(zero_copy_only=False))
    rank: dict[str | None, int] = {}
    for which, row in zip(pc.filter(found, hit).to_pylist(), rows.tolist(), strict=True):
        rank.setdefault(wanted[which], row)
    return rank
