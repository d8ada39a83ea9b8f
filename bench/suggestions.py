"""What "did you mean" costs D002 on a province with many dangling references.

For each size it generates a dataset (``bench/generate.py``, CSV tables), then
breaks references: the ``household`` of a share of the reports (``--broken``,
a share of all records) becomes a distinct id one edit pair away from the real
one (``HH-…-000`` → ``HH-…-000-1``), so every broken reference is a distinct
lookup that finds a suggestion: the worst case for
:data:`guabao_rules.suggest.LOOKUP_BUDGET`. It loads the dataset once and builds
its index, runs D002 once untimed (the caches a first run fills), then times
the D002 check (the rule, its findings stamped) with suggestions

* **off**: ``LOOKUP_BUDGET = 0``, no lookup and no id table;
* **budget**: the shipped budget (2,000 distinct lookups);
* **unbounded**: every distinct missing id looked up (``--unbounded``).

Each mode is run ``--repeat`` times in the same process and the fastest kept;
the extra cost of a mode beside "off" is printed, and divided by its lookups.
A script to run by hand, not a test::

    python bench/suggestions.py                          # 1e5 records, 16 % broken
    python bench/suggestions.py --sizes 100000,1000000 --unbounded
"""

from __future__ import annotations

import argparse
import csv
import io
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402

from guabao_rules import suggest  # noqa: E402
from guabao_rules.config import Config  # noqa: E402
from guabao_rules.engine.core import plan, run  # noqa: E402
from guabao_rules.sources import loader  # noqa: E402


def break_references(root: Path, count: int) -> int:
    """Point the household of ``count`` reports at ids that do not exist; how many were."""
    broken = 0
    for table in sorted(root.rglob("reports.csv")):
        if broken >= count:
            break
        rows = list(csv.reader(io.StringIO(table.read_text(encoding="utf-8"))))
        column = rows[0].index("household")
        for row in rows[1:]:
            if broken >= count:
                break
            quarter = row[rows[0].index("period")][-1]
            row[column] = f"{row[column]}-{quarter}"  # distinct per report, 2 edits away
            broken += 1
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(rows)
        table.write_text(out.getvalue(), encoding="utf-8")
    return broken


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(records: int, share: float, repeat: int, unbounded: bool, work: Path) -> None:
    root = work / f"d{records}"
    totals = generate.generate(generate.Shape.for_records(records), root, form="csv")
    broken = break_references(root, round(totals.records * share))
    start = time.perf_counter()
    dataset = loader.load(root)
    loaded = time.perf_counter() - start
    start = time.perf_counter()
    index = dataset.index
    built = time.perf_counter() - start
    dangling = sum(len(p) for p in index.bad_references.values())
    the_plan = plan(Config(select=["D002"], as_of=date(2019, 12, 31)))
    modes = [("off", 0), ("budget", suggest.LOOKUP_BUDGET)]
    if unbounded:
        modes.append(("unbounded", 10**12))
    shipped = suggest.LOOKUP_BUDGET
    # One run untimed first: the caches a first stamping fills (source positions of
    # every finding's record) are not suggestions' cost, and would fall on "off".
    suggest.LOOKUP_BUDGET = 0
    start = time.perf_counter()
    run(dataset, the_plan)
    warm = time.perf_counter() - start
    print(
        f"\n{totals.records:,} records, {broken:,} references broken "
        f"({dangling:,} dangling in the index); load {loaded:.1f} s, index {built:.1f} s, "
        f"first D002 run (untimed below) {warm:.1f} s"
    )
    print("| mode | lookups | suggested | D002 s | beside off | per lookup |")
    print("|---|---|---|---|---|---|")
    off = None
    for name, budget in modes:
        suggest.LOOKUP_BUDGET = budget
        best = float("inf")
        report = None
        for _ in range(repeat):
            start = time.perf_counter()
            report = run(dataset, the_plan)
            best = min(best, time.perf_counter() - start)
        assert report is not None
        suggested = sum("did you mean" in d.message for d in report.diagnostics)
        lookups = min(budget, len({p.value for ps in index.bad_references.values() for p in ps}))
        if off is None:
            off = best
            print(f"| {name} | 0 | {suggested:,} | {best:.2f} | — | — |")
        else:
            extra = best - off
            per = f"{extra / lookups * 1000:.2f} ms" if lookups else "—"
            print(
                f"| {name} | {lookups:,} | {suggested:,} | {best:.2f} | "
                f"+{extra:.2f} s (+{extra / off * 100:.0f} %) | {per} |"
            )
    suggest.LOOKUP_BUDGET = shipped
    print(f"peak memory {_peak_mib():.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000", help="record counts, comma-separated")
    parser.add_argument("--broken", type=float, default=0.16, help="share of records broken")
    parser.add_argument("--repeat", type=int, default=3, help="runs per mode, fastest kept")
    parser.add_argument("--unbounded", action="store_true", help="also with no budget")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="guabao-suggest-") as work:
        for size in (int(s) for s in args.sizes.split(",")):
            measure(size, args.broken, args.repeat, args.unbounded, Path(work))


if __name__ == "__main__":
    main()
