"""Choosing an engine: the config's ``engine`` and ``[spark]``, ``--engine``, ``auto``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from helpers import EXAMPLES, bench_generator

from guabao_rules.cli import main
from guabao_rules.columnar.engine import (
    AUTO_TABLE_BYTES,
    QueryEvaluator,
    auto_reads_columnar,
    choose,
)
from guabao_rules.columnar.tables import arrow_schema, columns_of
from guabao_rules.config import ConfigError, from_mapping
from guabao_rules.engine.core import evaluator_for
from guabao_rules.kinds import evaluate
from guabao_rules.models import Pairing, Project, Report
from guabao_rules.sources.loader import load


def test_the_config_names_the_engine_and_spark() -> None:
    config = from_mapping(
        {
            "engine": "spark",
            "spark": {"master": "spark://head:7077", "conf": {"spark.executor.memory": "8g"}},
        },
        "t.toml",
    )
    assert config.engine == "spark"
    assert config.spark.master == "spark://head:7077"
    assert config.spark.conf == {"spark.executor.memory": "8g"}
    assert from_mapping({}, "t.toml").engine == "auto"


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ({"engine": "polars"}, "engine"),
        ({"spark": "local"}, "spark"),
        ({"spark": {"workers": 3}}, "workers"),
        ({"spark": {"conf": {"a": [1]}}}, "a"),
        ({"duckdb": {"memory_limit": "lots"}}, "memory_limit.*4GB"),
        ({"duckdb": {"memory_limit": 4}}, "memory_limit"),
        ({"duckdb": {"threads": 4}}, "threads"),
    ],
)
def test_a_bad_engine_setting_is_a_config_error(table: dict[str, object], key: str) -> None:
    with pytest.raises(ConfigError, match=f"t.toml: .*{key}"):
        from_mapping(table, "t.toml")


def test_the_duckdb_table_sets_its_memory_and_where_it_spills(tmp_path: Path) -> None:
    config = from_mapping(
        {"duckdb": {"memory_limit": "1.5GiB", "temp_directory": "spill"}}, "t.toml", base=tmp_path
    )
    assert config.duckdb.memory_limit == "1.5GiB"
    assert config.duckdb.temp_directory == str(tmp_path / "spill")  # beside the config file
    assert from_mapping({}, "t.toml").duckdb.memory_limit is None


def test_duckdb_gets_its_memory_limit_and_spills_in_a_folder_of_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Never DuckDB's default ./.tmp, in the folder the check runs in; removed after."""
    pytest.importorskip("ibis")
    import duckdb

    from guabao_rules.config import Config, DuckDBSettings

    monkeypatch.chdir(tmp_path)
    temporary = tmp_path / "temporary"
    temporary.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(temporary))
    settings = DuckDBSettings(memory_limit="1GB")
    evaluator = evaluator_for(load(EXAMPLES / "broken"), Config(engine="duckdb", duckdb=settings))
    assert isinstance(evaluator, QueryEvaluator)
    setting = "SELECT current_setting('memory_limit'), current_setting('temp_directory')"
    limit, spill = evaluator._con.con.execute(setting).fetchone()  # type: ignore[attr-defined]
    (expected,) = duckdb.connect(config={"memory_limit": "1GB"}).execute(setting).fetchone()[:1]
    assert limit == expected
    assert Path(spill).parent == temporary
    evaluator.close()
    assert list(temporary.iterdir()) == []
    # The command, reading the tables columnar too, leaves nothing behind.
    args = ["check", str(EXAMPLES / "broken"), "--engine", "duckdb", "-q", "--as-of", "2019-12-31"]
    assert main(args) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["temporary"]
    assert list(temporary.iterdir()) == []


def test_duckdb_out_of_its_memory_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("ibis")
    generate = bench_generator()
    generate.generate(generate.Shape(villages=8), tmp_path, form="csv")
    with (tmp_path / "guabao-rules.toml").open("a", encoding="utf-8") as config:
        config.write('\n[duckdb]\nmemory_limit = "2MB"\n')
    assert main(["check", str(tmp_path), "--engine", "duckdb", "--lang", "en"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert "DuckDB ran out of memory (memory_limit = 2MB): raise [duckdb] memory_limit" in (
        captured.err
    )
    assert "Traceback" not in captured.err and "internal error" not in captured.err


def test_auto_keeps_a_small_dataset_on_python() -> None:
    dataset = load(EXAMPLES / "yunnan-sanqu-sanzhou")
    tables = sum(p.stat().st_size for p in (EXAMPLES / "yunnan-sanqu-sanzhou").rglob("*.csv"))
    assert AUTO_TABLE_BYTES is None or tables < AUTO_TABLE_BYTES
    assert not auto_reads_columnar(tables)
    assert choose("auto", dataset) == "python"
    assert choose("duckdb", dataset) == "duckdb"
    assert evaluator_for(dataset, None) is evaluate


def test_auto_takes_duckdb_when_the_tables_are_large(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Decided before reading, from the tables' bytes: read columnar, then run on DuckDB."""
    pytest.importorskip("ibis")
    generate = bench_generator()
    generate.generate(generate.Shape(villages=2), tmp_path, form="csv")
    tables = sum(p.stat().st_size for p in tmp_path.rglob("*.csv"))
    monkeypatch.setattr("guabao_rules.columnar.engine.AUTO_TABLE_BYTES", tables)
    assert auto_reads_columnar(tables) and not auto_reads_columnar(tables - 1)
    args = ["check", str(tmp_path), "--format", "json"]
    assert main([*args, "--engine", "python"]) == 1
    python = capsys.readouterr().out
    assert main(args) == 1  # engine = "auto"
    assert capsys.readouterr().out == python
    assert main([*args[:-2], "--statistics"]) == 1
    assert "engine duckdb:" in capsys.readouterr().out
    monkeypatch.setattr("guabao_rules.columnar.engine.AUTO_TABLE_BYTES", None)
    assert not auto_reads_columnar(10**12)


def test_the_query_engine_lists_the_rules_it_ran_in_python() -> None:
    pytest.importorskip("ibis")
    from guabao_rules.config import Config
    from guabao_rules.engine.core import plan, run

    dataset = load(EXAMPLES / "broken")
    evaluator = evaluator_for(dataset, Config(as_of="2019-12-31", engine="duckdb"))
    assert isinstance(evaluator, QueryEvaluator)
    the_plan = plan(Config(as_of="2019-12-31"))
    run(dataset, the_plan, evaluator=evaluator)
    ran = set(evaluator.as_queries) | set(evaluator.in_python)
    assert ran == {r.id for r in the_plan.rules}
    compiled = {"Q005", "M004", "T003", "T004", "T005", "T010", "S401", "T008"}
    compiled |= {"D000", "D001", "D002", "D003", "D006", "D007"}
    compiled |= {"D005", "T006", "T009", "S501"}  # query forms, a nested path
    assert compiled <= set(evaluator.as_queries)
    assert "D004" in evaluator.in_python  # a registered check without a query form


def test_the_cli_takes_engine(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("ibis")
    args = ["check", str(EXAMPLES / "broken"), "--as-of", "2019-12-31", "--format", "json"]
    assert main([*args, "--engine", "python"]) == 1
    python = capsys.readouterr().out
    assert main([*args, "--engine", "duckdb"]) == 1
    assert capsys.readouterr().out == python


def test_an_unknown_engine_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(EXAMPLES / "broken"), "--engine", "polars"]) == 2
    assert "invalid choice: 'polars'" in capsys.readouterr().err


def test_the_schema_comes_from_the_models() -> None:
    assert columns_of(Pairing) == {
        "id": "string",
        "kind": "string",
        "helper": "string",
        "target": "string",
        "role": "string",
        "start": "date",
        "end": "date",
    }
    assert columns_of(Report)["recipients"] == "strings"
    assert "milestones" not in columns_of(Project)  # nested: columns of its own
    assert str(arrow_schema(Project).field("milestones__in_library").type) == "date32[day]"
    schema = arrow_schema(Project)
    assert str(schema.field("budget").type) == "decimal128(38, 2)"
    # A reference inside a nested model has a column of its own, for D002.
    assert str(schema.field("performance__beneficiaries").type) == "list<item: string>"
    assert schema.names[-2:] == ["_file", "_ordinal"]


LAZY = (
    "ibis",
    "duckdb",
    "pyspark",
    "pyarrow",
    "networkx",
    "difflib",
    "xlsxwriter",
    "python_calamine",
)
"""Never imported by a check on the Python path (the bundled example starts in < 0.5 s)."""
LAZY_OURS = ("hints", "suggest", "docs", "schema", "export", "format_reference", "testing")
"""Our modules for messages about broken data, docs, schemas and graphs: the same."""


def test_the_engines_are_imported_lazily() -> None:
    code = (
        "import sys, guabao_rules, guabao_rules.cli, guabao_rules.columnar.engine;"
        "print([m for m in ('ibis', 'duckdb', 'pyspark', 'pyarrow') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def _imported(argv: list[str], names: tuple[str, ...]) -> str:
    """Which of ``names`` a fresh process has imported after running ``main(argv)``."""
    code = (
        "import contextlib, io, sys\n"
        "from guabao_rules.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    status = main({argv!r})\n"
        "names = set(sys.argv[1:])\n"
        "print(status, sorted({m.split('.')[0] for m in sys.modules} & names),"
        " sorted({m.split('.')[1] for m in sys.modules if m.startswith('guabao_rules.')} & names))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, *names], capture_output=True, text=True, check=False
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_a_check_of_the_bundled_example_imports_nothing_it_does_not_use() -> None:
    example = str(EXAMPLES / "yunnan-sanqu-sanzhou")
    assert _imported(["check", example], LAZY + LAZY_OURS) == "0 [] []"
    # The probe does see what a command imports: a graph export needs networkx.
    assert _imported(["graph", example, "--format", "json"], ("networkx", "export")) == (
        "0 ['networkx'] ['export']"
    )


def test_check_path_takes_the_engine_as_the_command_does() -> None:
    from guabao_rules import check_path

    root = EXAMPLES / "yunnan-sanqu-sanzhou"
    assert check_path(root, engine="python").exit_status == 0
    with pytest.raises(ConfigError, match="engine must be one of"):
        check_path(root, engine="oracle")


@pytest.mark.parametrize("where", ["yaml", "csv", "total"])
def test_an_amount_too_large_for_a_query_runs_every_rule_in_python(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    """The format bounds no amount; DuckDB's and Spark's decimals stop at 38 digits."""
    import shutil

    pytest.importorskip("duckdb")
    root = tmp_path / "data"
    shutil.copytree(EXAMPLES / "yunnan-sanqu-sanzhou", root)
    huge = "9" * 40 + ".00"
    county = root / "counties" / "533324-gongshan"
    if where == "yaml":
        funds = county / "funds.yaml"
        text = funds.read_text(encoding="utf-8")
        assert 'amount: "950000.00"' in text
        funds.write_text(text.replace('amount: "950000.00"', f'amount: "{huge}"', 1), "utf-8")
    elif where == "csv":
        (county / "allocations.csv").write_text(
            "id,fund,project,amount,date\n"
            f"AL-533324-99,F-533324-2019-C,PJ-533324-2019-02,{huge},2019-04-01\n",
            encoding="utf-8",
        )
    else:  # each amount fits a query's decimal, their sum would not
        large = "1" + "0" * 34
        (county / "allocations.csv").write_text(
            "id,fund,project,amount,date\n"
            + "".join(
                f"AL-533324-9{n},F-533324-2019-C,PJ-533324-2019-02,{large},2019-04-01\n"
                for n in range(20)
            ),
            encoding="utf-8",
        )
    args = ["check", str(root), "--format", "json"]
    assert main([*args, "--engine", "python"]) == 1  # the fund is overcommitted now
    python = capsys.readouterr().out
    assert ("999,999,999" if where != "total" else "000,000,000") in python  # its findings
    assert main([*args, "--engine", "duckdb"]) == 1
    assert capsys.readouterr().out == python
    main(["check", str(root), "--engine", "duckdb", "--statistics"])
    said = capsys.readouterr().out
    assert "does not fit a query's decimal(38, 2): every rule ran in Python" in said
    assert ("the total of allocations.amount" in said) == (where == "total")


def test_statistics_say_what_was_made_into_records_and_for_what() -> None:
    from guabao_rules.report.statistics import engine_lines

    engine = {
        "engine": "duckdb",
        "as_queries": ["D001"],
        "in_python": ["Q008"],
        "materialised": {"pairings": 12},
        "made_for": {"pairings": ["Q008"]},
        "left_as_rows": {"reports": 40, "visits": 3},
        "out_of_range": None,
    }
    en = "\n".join(engine_lines(engine, zh=False))
    assert "made into Python records: pairings 12 (for Q008)" in en
    assert "left as rows (not entered as records): reports 40, visits 3" in en
    zh = "\n".join(engine_lines(engine, zh=True))
    assert "pairings 12 (因 Q008)" in zh
    assert "仅作为表格行(未录入为记录):reports 40, visits 3" in zh
