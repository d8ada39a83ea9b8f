"""How long ``guabao-rules check`` takes on province-size data, beside the JSON floor.

For each size it generates a dataset (``bench/generate.py``), writes the same
records as JSON, and measures, each stage in a fresh process:

* **floor**: reading the JSON files and ``json.loads`` of each, and that
  process's peak memory;
* **read**: parsing the data files (YAML, and CSV tables with ``--csv``);
* **validate**: the rest of loading (models, unknown keys, ids, positions);
* **graph**: building the rules' index;
* **rules**: evaluating every rule of the profile;
* **output**: rendering the text report;
* **check**: the whole ``guabao-rules check`` command, from a cold start, wall
  time and peak memory (as a separate process, output to nowhere).

Every time is printed beside its ratio to the floor. Then the growth from each
size to the next (the time of ``check`` per record, relative), the example
dataset's cold start, and the targets. Nothing is timed by the test suite: this
is a script to run by hand::

    python bench/benchmark.py                       # 1e3, 1e4, 1e5, 3.2e5 records, YAML
    python bench/benchmark.py --csv                 # bulk collections as CSV tables
    python bench/benchmark.py --sizes 1000000       # one size
    python bench/benchmark.py --profile 100000      # cProfile of one check, top 40
"""

from __future__ import annotations

import argparse
import cProfile
import itertools
import json
import os
import pstats
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402

DEFAULT_SIZES = (1_000, 10_000, 100_000, 320_000)
EXAMPLE = ROOT / "examples" / "yunnan-sanqu-sanzhou"


def _peak_mib() -> float:
    """This process's peak resident memory so far, in MiB (Linux: ru_maxrss is KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- measurements, each run in a child process ----------------------------------------


def measure_floor(json_root: Path) -> dict[str, float]:
    """Read and ``json.loads`` every JSON file; keep them, as a loader would."""
    start = time.perf_counter()
    kept = []
    for path in generate.iter_json(json_root):
        kept.append(json.loads(path.read_bytes()))
    seconds = time.perf_counter() - start
    return {"floor": seconds, "floor_mib": _peak_mib(), "records": _count(kept)}


def _count(documents: list[Any]) -> int:
    return sum(len(records) for document in documents for records in document.values())


def measure_stages(data: Path) -> dict[str, float]:
    """Load, index, check and render, timing each stage of one ``check``."""
    from guabao_rules.config import find_config
    from guabao_rules.engine.core import plan, run
    from guabao_rules.report import OutputOptions, load_formatters
    from guabao_rules.sources import loader

    parsing = [0.0]

    def timed(function: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                parsing[0] += time.perf_counter() - start

        return wrapper

    # The loader calls its parsers through module globals: time them there.
    for name in ("parse_yaml", "read_table"):
        if hasattr(loader, name):
            setattr(loader, name, timed(getattr(loader, name)))
    the_plan = plan(find_config(data))
    start = time.perf_counter()
    dataset = loader.load(data)
    loaded = time.perf_counter()
    index = dataset.index
    indexed = time.perf_counter()
    report = run(dataset, the_plan)
    checked = time.perf_counter()
    text = load_formatters()["text"](report, OutputOptions(dataset=dataset))
    rendered = time.perf_counter()
    del index, text
    return {
        "read": parsing[0],
        "validate": loaded - start - parsing[0],
        "graph": indexed - loaded,
        "rules": checked - indexed,
        "output": rendered - checked,
        "stages_mib": _peak_mib(),
        "loaded": len(dataset.entries),
        "findings": len(report.diagnostics),
    }


def _child(mode: str, path: Path) -> dict[str, float]:
    """Run one measurement in a fresh interpreter and return its figures."""
    result = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    figures: dict[str, float] = json.loads(result.stdout)
    return figures


SQL = HERE / "bulk_rules.sql"


def measure_sql(data: Path) -> dict[str, float]:
    """The hand-written DuckDB queries of ``bulk_rules.sql`` over the CSV tables."""
    import duckdb

    start = time.perf_counter()
    connection = duckdb.connect()
    failing = 0
    for statement in SQL.read_text(encoding="utf-8").replace("{root}", str(data)).split(";"):
        body = "\n".join(
            line for line in statement.splitlines() if not line.lstrip().startswith("--")
        ).strip()
        if not body:
            continue
        result = connection.execute(body).fetchall()
        if body.startswith("SELECT"):
            failing += len(result)
    return {"sql": time.perf_counter() - start, "sql_mib": _peak_mib(), "sql_failing": failing}


def engines_supported() -> bool:
    """Whether this checkout's ``check`` has ``--engine`` (the columnar engine)."""
    result = subprocess.run(
        [sys.executable, "-m", "guabao_rules", "check", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    return "--engine" in result.stdout


def measure_check(data: Path, engine: str | None = None) -> dict[str, float]:
    """The whole ``guabao-rules check`` command: wall time and peak memory."""
    start = time.perf_counter()
    extra = ["--engine", engine] if engine else []
    process = subprocess.Popen(
        [sys.executable, "-m", "guabao_rules", "check", str(data), *extra],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=data,
    )
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 1):
        raise RuntimeError(f"guabao-rules check {data} exited {process.returncode}")
    return {"check": seconds, "check_mib": usage.ru_maxrss / 1024}


def measure_example(runs: int = 5) -> float:
    """The best of ``runs`` cold starts of ``guabao-rules check`` on the bundled example."""
    best = float("inf")
    for _ in range(runs):
        best = min(best, measure_check(EXAMPLE)["check"])
    return best


# --- the table --------------------------------------------------------------------------


def _size_of(root: Path, suffixes: tuple[str, ...]) -> float:
    total = sum(p.stat().st_size for p in root.rglob("*") if p.suffix in suffixes)
    return total / 1e6


def bench_size(
    records: int,
    work: Path,
    *,
    form: str,
    engines: tuple[str, ...] = (),
    python: bool = True,
) -> dict[str, float]:
    """Generate one size and measure every stage (``python``: the Python engine's too)."""
    data = work / f"data-{records}-{form}"
    floor = work / f"json-{records}-{form}"
    written = generate.generate(
        generate.Shape.for_records(records), data, form=form, json_root=floor
    )
    row: dict[str, float] = {
        "records": written.records,
        "files": written.files,
        "mb": written.mb,
        "generate": written.seconds,
    }
    row.update(_child("floor", floor))
    if python:  # its stages and its check: every record a Python object
        row.update(_child("stages", data))
        row.update(measure_check(data, "python"))
    if form == "csv":
        row.update(_child("sql", data))
    for engine in engines:
        measured = measure_check(data, engine)
        row[f"check_{engine}"] = measured["check"]
        row[f"check_{engine}_mib"] = measured["check_mib"]
    if python and row["loaded"] != row["records"]:
        raise RuntimeError(f"loaded {row['loaded']} records of {row['records']}")
    return row


STAGES = ("read", "validate", "graph", "rules", "output", "check")


def table(rows: list[dict[str, float]]) -> str:
    """The results as a Markdown table: seconds (× floor) per stage, MiB (× floor)."""
    head = ["records", "files", "MB", "floor s"]
    head += [f"{s} s (×)" for s in STAGES]
    head += ["peak MiB (×)", "floor MiB", "findings"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        if "read" not in row:  # the Python engine not run at this size
            continue
        floor = row["floor"]
        cells = [
            f"{int(row['records']):,}",
            f"{int(row['files'])}",
            f"{row['mb']:.1f}",
            f"{floor:.3f}",
        ]
        cells += [f"{row[s]:.2f} ({row[s] / floor:.1f}×)" for s in STAGES]
        cells += [
            f"{row['check_mib']:.0f} ({row['check_mib'] / row['floor_mib']:.1f}×)",
            f"{row['floor_mib']:.0f}",
            f"{int(row['findings'])}",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def growth(rows: list[dict[str, float]]) -> str:
    """Time of ``check`` from each size to the next, against the growth of the records."""
    lines = []
    for small, large in itertools.pairwise(rows):
        if "check" not in small or "check" not in large:
            continue
        records = large["records"] / small["records"]
        seconds = large["check"] / small["check"]
        lines.append(
            f"- {int(small['records']):,} → {int(large['records']):,} records "
            f"(×{records:.1f}): check ×{seconds:.1f}, "
            f"per record ×{seconds / records:.2f}"
        )
    return "\n".join(lines)


def _verdict(value: float, limit: float, unit: str = "×") -> str:
    if value <= limit:
        return "holds"
    return f"**missed** by {value / limit:.1f}×" if unit == "×" else "**missed**"


def targets(rows: list[dict[str, float]], example: float, form: str) -> str:
    """Each target of issue 10 that these rows measure, and whether it holds here."""
    lines = [
        f"- example cold start: {example:.2f} s (target < 0.5 s): "
        + ("holds" if example < 0.5 else f"**missed** by {example - 0.5:.2f} s")
    ]
    for row in rows:
        n = row["records"]
        # The targets are the columnar engine's: --engine duckdb where it ran.
        engine = "duckdb" if "check_duckdb" in row else "python"
        check = row.get("check_duckdb", row.get("check"))
        mib = row.get("check_duckdb_mib", row.get("check_mib", 0.0))
        if check is None:
            continue
        ratio = check / row["floor"]
        label = f"{int(n):,} records ({form}, {engine})"
        if form == "csv" and 3e5 <= n < 4e5:
            lines.append(f"- {label}: check {ratio:.1f}× the floor (≤ 2×): {_verdict(ratio, 2)}")
        if form == "block" and 3e5 <= n < 4e5:
            lines.append(f"- {label}: check {ratio:.1f}× the floor (≤ 5×): {_verdict(ratio, 5)}")
            lines.append(
                f"- {label}: peak {mib:.0f} MiB (≤ 1024 MiB): " + _verdict(mib, 1024, "MiB")
            )
        if form == "csv" and n >= 1e7:
            lines.append(
                f"- {label}: check {ratio:.2f}× the floor (≤ 1×, moonshot 0.5×): "
                + _verdict(ratio, 1)
            )
            lines.append(
                f"- {label}: peak {mib / 1024:.1f} GiB (≤ 4 GiB): " + _verdict(mib, 4096, "MiB")
            )
        if "sql" in row:
            versus = check / row["sql"]
            lines.append(
                f"- {label}: check {versus:.1f}× the hand-written DuckDB queries "
                f"({row['sql']:.2f} s, {int(row['sql_failing'])} failing subjects) "
                f"(≤ 1.5×): {_verdict(versus, 1.5)}"
            )
        for key in row:
            if key.startswith("check_") and not key.endswith("_mib"):
                engine = key.removeprefix("check_")
                lines.append(
                    f"- {label}: --engine {engine} {row[key]:.2f} s "
                    f"({row[key] / row['floor']:.1f}× the floor), "
                    f"peak {row[key + '_mib']:.0f} MiB"
                )
    big = [(s, b) for s, b in itertools.pairwise(rows) if s["records"] >= 10_000]
    for small, large in big:
        key = "check_duckdb" if "check_duckdb" in small and "check_duckdb" in large else "check"
        if key not in small or key not in large:
            continue
        records = large["records"] / small["records"]
        seconds = large[key] / small[key]
        worst = 1.1 * records
        lines.append(
            f"- growth {int(small['records']):,} → {int(large['records']):,} "
            f"({key.removeprefix('check_')}): ×{seconds:.1f} "
            f"for ×{records:.1f} records (target ≤ ×{worst:.1f}): "
            + ("holds" if seconds <= worst else "**missed**")
        )
    return "\n".join(lines)


def profile(records: int, work: Path, *, form: str) -> None:
    """cProfile of one load + check + render, the 40 costliest functions."""
    data = work / f"data-{records}"
    generate.generate(generate.Shape.for_records(records), data, form=form)
    profiler = cProfile.Profile()
    profiler.enable()
    measure_stages(data)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    pstats.Stats(profiler).sort_stats("tottime").print_stats(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", help="record counts, comma-separated")
    parser.add_argument("--csv", action="store_true", help="the same as --format csv")
    parser.add_argument(
        "--format",
        choices=("csv", "parquet", "flow", "block"),
        help="how the data is written (flow)",
    )
    parser.add_argument("--province", action="store_true", help="the whole province (≈1.07e7)")
    parser.add_argument("--engines", help="also check with these --engine values, comma-separated")
    parser.add_argument(
        "--engines-only",
        action="store_true",
        help="measure only the --engines named, not the Python engine (implied by --province)",
    )
    parser.add_argument("--profile", type=int, metavar="RECORDS", help="profile one size")
    parser.add_argument("--work", type=Path, help="keep the generated data here")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, path = args.child
        measure = {"floor": measure_floor, "sql": measure_sql}.get(mode, measure_stages)
        figures = measure(Path(path))
        print(json.dumps(figures))
        return
    form = args.format or ("csv" if args.csv else "flow")
    engines = tuple(e for e in (args.engines or "").split(",") if e)
    if engines and not engines_supported():
        print("this checkout has no --engine: measuring the Python engine only", file=sys.stderr)
        engines = ()
    with tempfile.TemporaryDirectory(prefix="guabao-bench-") as tmp:
        work = args.work or Path(tmp)
        if args.profile:
            profile(args.profile, work, form=form)
            return
        sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else DEFAULT_SIZES
        if args.province:
            sizes = [generate.RECORDS_PROVINCE]
        rows = []
        for records in sizes:
            # The Python engine cannot hold a province (≈25 GiB): only the engines named.
            python = not args.province and not args.engines_only
            rows.append(bench_size(records, work, form=form, engines=engines, python=python))
            print(f"measured {int(rows[-1]['records']):,} records", file=sys.stderr)
        example = measure_example()
    print(
        f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
        f"{form}, load average {os.getloadavg()[0]:.1f}\n"
    )
    print(table(rows))
    print()
    print(growth(rows))
    print()
    print(targets(rows, example, form))


if __name__ == "__main__":
    main()
