"""How long a workbook takes to read, beside the same rows as a CSV table.

Writes one table of ``--rows`` pairings (id, kind, helper, target, role, start
as an Excel date, end, notes) as ``pairings.csv`` and as ``pairings.xlsx``
(openpyxl, write-only), then measures, best of ``--repeat`` runs:

* **readers**: the rows as Python values, from the CSV with :mod:`csv` and from
  the workbook with each candidate reader installed (python-calamine,
  fastexcel through Arrow, openpyxl read-only);
* **load**: ``guabao_rules.load`` of a dataset holding just the CSV, and of one
  holding just the workbook (reading, cells as text, validation, positions).

Every time is printed beside its ratio to the CSV's. The floor (issue 13): a
workbook of 1e5 rows loads within 3x the same rows as CSV. A script to run by
hand, never from the tests::

    python bench/workbook.py                 # 1e5 rows
    python bench/workbook.py --rows 10000 --repeat 5
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HEADER = ("id", "kind", "helper", "target", "role", "start", "end", "notes")
FLOOR = 3.0


def rows(count: int) -> list[tuple[Any, ...]]:
    """``count`` pairing rows, with real dates (the workbook stores them as Excel dates)."""
    start = dt.date(2018, 1, 1)
    out = []
    for i in range(count):
        out.append(
            (
                f"P-{i:07d}",
                "household_help",
                f"C-{i // 5:06d}",
                f"H-{i:07d}",
                "member",
                start + dt.timedelta(days=i % 700),
                None if i % 3 else start + dt.timedelta(days=900 + i % 200),
                "已走访" if i % 10 == 0 else None,
            )
        )
    return out


def write_csv(path: Path, data: list[tuple[Any, ...]]) -> None:
    """The rows as a UTF-8 CSV table (dates as YYYY-MM-DD, empty cells for None)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    for row in data:
        writer.writerow(["" if v is None else str(v) for v in row])
    path.write_text(buffer.getvalue(), encoding="utf-8")


def write_xlsx(path: Path, data: list[tuple[Any, ...]]) -> None:
    """The rows as one sheet named ``pairings``, dates as date cells."""
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("pairings")
    sheet.append(HEADER)
    for row in data:
        sheet.append(row)
    workbook.save(path)


def best(function: Callable[[], object], repeat: int) -> float:
    """The shortest of ``repeat`` wall times of ``function()``, in seconds."""
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        function()
        times.append(time.perf_counter() - began)
    return min(times)


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def read_calamine(path: Path) -> list[list[Any]]:
    from python_calamine import CalamineWorkbook

    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name("pairings").to_python()


def read_fastexcel(path: Path) -> list[dict[str, Any]]:
    import fastexcel

    sheet = fastexcel.read_excel(str(path)).load_sheet("pairings", dtypes="string")
    return sheet.to_arrow().to_pylist()  # type: ignore[no-any-return]


def read_openpyxl(path: Path) -> list[tuple[Any, ...]]:
    import openpyxl

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        return list(workbook["pairings"].iter_rows(values_only=True))
    finally:
        workbook.close()


def _installed(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    import guabao_rules

    with tempfile.TemporaryDirectory() as work:
        csv_root = Path(work, "csv")
        xlsx_root = Path(work, "xlsx")
        csv_root.mkdir()
        xlsx_root.mkdir()
        data = rows(args.rows)
        write_csv(csv_root / "pairings.csv", data)
        write_xlsx(xlsx_root / "pairings.xlsx", data)
        csv_file = csv_root / "pairings.csv"
        xlsx_file = xlsx_root / "pairings.xlsx"
        print(
            f"{args.rows} rows: CSV {csv_file.stat().st_size / 2**20:.1f} MiB, "
            f"xlsx {xlsx_file.stat().st_size / 2**20:.1f} MiB; best of {args.repeat}"
        )
        base = best(lambda: read_csv(csv_file), args.repeat)
        print(f"\n{'reader':<28}{'seconds':>9}{'x CSV':>8}")
        print(f"{'csv.reader':<28}{base:>9.3f}{1.0:>8.2f}")
        for name, module, reader in (
            ("python-calamine", "python_calamine", read_calamine),
            ("fastexcel (Arrow, strings)", "pyarrow", read_fastexcel),
            ("openpyxl (read-only)", "openpyxl", read_openpyxl),
        ):
            if not _installed(module) or (reader is read_fastexcel and not _installed("fastexcel")):
                print(f"{name:<28}{'not installed':>17}")
                continue
            seconds = best(lambda r=reader: r(xlsx_file), args.repeat)  # type: ignore[misc]
            print(f"{name:<28}{seconds:>9.3f}{seconds / base:>8.2f}")
        load_csv = best(lambda: guabao_rules.load(csv_root), args.repeat)
        load_xlsx = best(lambda: guabao_rules.load(xlsx_root), args.repeat)
        ratio = load_xlsx / load_csv
        print(f"\n{'load':<28}{'seconds':>9}{'x CSV':>8}")
        print(f"{'pairings.csv':<28}{load_csv:>9.3f}{1.0:>8.2f}")
        print(f"{'pairings.xlsx':<28}{load_xlsx:>9.3f}{ratio:>8.2f}")
        verdict = "within" if ratio <= FLOOR else "OVER"
        print(f"\nfloor: workbook load <= {FLOOR:.0f}x CSV load: {ratio:.2f}x, {verdict}")


if __name__ == "__main__":
    main()
