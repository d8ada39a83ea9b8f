"""How big and how quick the office outputs are at 10^4 findings (and more).

For each count it writes a dataset of that many poor households nobody helps
(one Q011 finding each, ``tests/browser/pages.py``), then measures:

* **html**: writing ``--format html`` (the whole command), the file's size, and
  in Debian's headless Chromium the time to ``DOMContentLoaded`` and to the
  load event, and the findings the page holds in its DOM at once (one page);
* **xlsx**: writing ``--format xlsx``, and the workbook's size;
* **json**: writing ``--format json``, the floor the others stand beside.

Nothing is timed by the test suite; run it by hand::

    python bench/report_page.py                 # 1e3, 1e4, 1e5 findings
    python bench/report_page.py --counts 10000
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "browser"))

from pages import chromium, have_browser, many_findings  # noqa: E402


def _write(root: Path, fmt: str, out: Path) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "guabao_rules", "check", str(root), "--format", fmt, "-o", str(out)],
        check=False,
        capture_output=True,
    )
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    args = parser.parse_args()
    head = ("findings", "fmt", "write s", "MB", "DOM ms", "load ms", "in DOM")
    print(" ".join(f"{h:>9}" for h in head))
    with tempfile.TemporaryDirectory() as tmp:
        for count in args.counts:
            root = many_findings(Path(tmp) / f"d{count}", count)
            json_s = _write(root, "json", Path(tmp) / "r.json")
            size = (Path(tmp) / "r.json").stat().st_size / 1e6
            print(f"{count:>9} {'json':>5} {json_s:>8.2f} {size:>7.2f}")
            xlsx_s = _write(root, "xlsx", Path(tmp) / "r.xlsx")
            size = (Path(tmp) / "r.xlsx").stat().st_size / 1e6
            print(f"{count:>9} {'xlsx':>5} {xlsx_s:>8.2f} {size:>7.2f}")
            page = Path(tmp) / "r.html"
            html_s = _write(root, "html", page)
            size = page.stat().st_size / 1e6
            dom = load = shown = float("nan")
            if have_browser():
                with chromium() as browser:
                    browser.get(page.as_uri())
                    timing = browser.execute_script(
                        "const t = performance.getEntriesByType('navigation')[0];"
                        "return [t.domContentLoadedEventEnd, t.loadEventEnd,"
                        " document.querySelectorAll('#list .finding').length];"
                    )
                    dom, load, shown = timing
            print(
                f"{count:>9} {'html':>5} {html_s:>8.2f} {size:>7.2f} {dom:>7.0f} {load:>8.0f}"
                f" {shown:>7.0f}"
            )
    print("floor: json; the page holds 100 findings in its DOM at once, whatever the count")
    return 0


if __name__ == "__main__":
    sys.exit(main())
