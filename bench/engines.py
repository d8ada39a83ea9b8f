"""One check of a dataset per engine, each in a fresh process: its stages, and its JSON report.

For each engine named, a child process loads the dataset, connects the engine,
runs every rule and renders the JSON report, timing each stage; the reports are
then compared byte for byte with the first engine's (issue 10: "Spark local
mode: identical JSON report at 10^6 records, with its time shown")::

    python bench/generate.py /tmp/d6 --records 1000000 --format csv
    python bench/engines.py /tmp/d6 --engines python,duckdb,spark

Spark runs in local mode (``--master``, default ``local[2]``) with
``--driver-memory`` (default 6g). Nothing here is timed by the test suite.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import subprocess
import sys
import time
from pathlib import Path


def measure(root: Path, engine: str, out: Path, master: str, memory: str) -> dict[str, object]:
    """Load, connect, run the rules and render JSON with ``engine``; write the report to ``out``."""
    start = time.perf_counter()
    import guabao_rules
    from guabao_rules.columnar.reading import ColumnarTables
    from guabao_rules.config import Config, SparkSettings
    from guabao_rules.engine.core import evaluator_for, plan, rules_known, run
    from guabao_rules.engine.waivers import read_waivers
    from guabao_rules.report import OutputOptions, load_formatters

    # As the command reads: the bulk tables columnar under a query engine, their
    # rows left as rows unless a rule in Python reads them.
    bulk = ColumnarTables() if engine != "python" else None
    dataset = guabao_rules.load(root, bulk=bulk)
    loaded = time.perf_counter()
    spark = None
    if engine == "spark":
        conf = {"spark.driver.memory": memory, "spark.ui.enabled": "false"}
        spark = SparkSettings(master=master, conf=conf)
    config = Config(as_of="2019-12-31", engine=engine, spark=spark, lang="en")
    the_plan = plan(config)
    evaluator = evaluator_for(dataset, config)
    connected = time.perf_counter()
    report = run(dataset, the_plan, read_waivers(root, rules_known()), None, evaluator)
    ran = time.perf_counter()
    text = load_formatters()["json"](report, OutputOptions(dataset=dataset))
    assert isinstance(text, str)
    out.write_text(text, encoding="utf-8")
    done = time.perf_counter()
    return {
        "engine": engine,
        "records": len(dataset),  # never dataset.entries: it would make every row a record
        "load s": round(loaded - start, 2),
        "connect s": round(connected - loaded, 2),
        "rules s": round(ran - connected, 2),
        "json s": round(done - ran, 2),
        "total s": round(done - start, 2),
        "peak MiB": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "as queries": len(getattr(evaluator, "as_queries", [])),
        "sha256": hashlib.sha256(text.encode()).hexdigest()[:16],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--engines", default="python,duckdb,spark")
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--driver-memory", default="6g")
    parser.add_argument("--timeout", type=float, default=1200, help="seconds per engine")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        figures = measure(args.root, args.child, args.out, args.master, args.driver_memory)
        print(json.dumps(figures))
        return
    rows = []
    for engine in args.engines.split(","):
        out = args.root.parent / f"{args.root.name}.{engine}.json"
        try:
            child = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    str(args.root),
                    "--child",
                    engine,
                    "--out",
                    str(out),
                    "--master",
                    args.master,
                    "--driver-memory",
                    args.driver_memory,
                ],
                capture_output=True,
                text=True,
                check=True,
                timeout=args.timeout,
            )
        except subprocess.TimeoutExpired:
            print(f"{engine}: over {args.timeout:.0f} s, stopped", file=sys.stderr)
            continue
        except subprocess.CalledProcessError as error:
            print(f"{engine}: failed\n{error.stderr[-2000:]}", file=sys.stderr)
            continue
        rows.append((json.loads(child.stdout.strip().splitlines()[-1]), out))
        print(json.dumps(rows[-1][0]), file=sys.stderr)
    if not rows:
        return
    first, first_out = rows[0]
    head = list(first)
    print("| " + " | ".join(head) + " | same report |")
    print("|" + "---|" * (len(head) + 1))
    for figures, out in rows:
        same = out.read_bytes() == first_out.read_bytes()
        cells = [str(figures[key]) for key in head]
        print("| " + " | ".join(cells) + f" | {'yes' if same else '**no**'} |")


if __name__ == "__main__":
    main()
