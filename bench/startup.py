"""How long ``guabao-rules check`` takes from a cold start on the bundled example.

Runs the command ``--runs`` times, each in a fresh process, and prints the
median, minimum and maximum wall time and the peak resident set beside the
budget (the charter: the bundled example checks in under 0.5 s cold), then
one ``python -X importtime`` run summarised: the modules with the largest self
cost and the total by top-level package. The load average before and after is
printed too, since the machine may be shared. A script to run by hand, never
from the tests::

    python bench/startup.py                        # 10 runs of the bundled example
    python bench/startup.py --runs 20 --top 25
    python bench/startup.py --no-bytecode          # our package without .pyc files
    python bench/startup.py --rev main             # the package as committed on main
    flock /work/wt/suite.lock python bench/startup.py   # on a shared machine

``--compile`` first writes the package's bytecode (``python -m compileall``,
as ``pip install`` does). ``--no-bytecode`` measures a temporary copy of the
package that has none (``PYTHONDONTWRITEBYTECODE=1``, so every run compiles
our sources again, as a checkout without ``.pyc`` files does); the other
packages keep theirs. ``--rev`` measures a temporary, compiled copy of the
package as committed at a revision (with ``--no-bytecode``: not compiled), so
two revisions compare on the same machine and the working tree can change
meanwhile. The CPU time (user + system) is printed beside the wall time: on a
loaded machine it moves less.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "yunnan-sanqu-sanzhou"
PACKAGE = "guabao_rules"
BUDGET = 0.5


def command(path: Path) -> list[str]:
    """The check, as a user starts it (the console script; else ``-m``)."""
    script = Path(sys.executable).with_name("guabao-rules")
    if script.exists():
        return [str(script), "check", str(path)]
    return [sys.executable, "-m", PACKAGE, "check", str(path)]


def timed_run(
    argv: Sequence[str], env: dict[str, str], cwd: Path
) -> tuple[float, float, int, bytes]:
    """One fresh process: wall and CPU seconds, peak RSS in KiB and its standard output."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        child = subprocess.Popen(argv, env=env, cwd=cwd, stdout=out, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)  # the child's own rusage: its peak RSS
        wall = time.perf_counter() - start
        child.returncode = code = os.waitstatus_to_exitcode(status)  # reaped here
        if code not in (0, 1):
            err.seek(0)
            sys.exit(f"{' '.join(argv)} exited {code}:\n{err.read().decode(errors='replace')}")
        out.seek(0)
        return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, out.read()


def run_all(
    argv: Sequence[str], env: dict[str, str], cwd: Path, runs: int
) -> list[tuple[float, float, int]]:
    """``runs`` cold runs; every one must print the same report."""
    results: list[tuple[float, float, int]] = []
    first: bytes | None = None
    for _ in range(runs):
        wall, cpu, rss, out = timed_run(argv, env, cwd)
        if first is not None and out != first:
            sys.exit("the report differs between runs")
        first = out
        results.append((wall, cpu, rss))
    return results


def import_costs(argv: Sequence[str], env: dict[str, str], cwd: Path) -> list[tuple[int, int, str]]:
    """``-X importtime`` of one run: ``(self µs, cumulative µs, module)`` per module."""
    if Path(argv[0]).name == "guabao-rules":
        argv = [sys.executable, "-m", PACKAGE, *argv[1:]]
    probe = subprocess.run(
        [argv[0], "-X", "importtime", *argv[1:]], env=env, cwd=cwd, capture_output=True, check=False
    )
    rows: list[tuple[int, int, str]] = []
    for line in probe.stderr.decode(errors="replace").splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        own, total, name = line.removeprefix("import time:").split("|", 2)
        rows.append((int(own), int(total), name.strip()))
    return rows


def report_imports(rows: list[tuple[int, int, str]], top: int) -> None:
    """Print the largest self costs and the totals by top-level package."""
    total = sum(own for own, _, _ in rows)
    print(f"\nimports (-X importtime, one run): {len(rows)} modules, {total / 1e6:.3f} s self")
    by_package: defaultdict[str, int] = defaultdict(int)
    for own, _, name in rows:
        by_package[name.split(".")[0].lstrip("_") or name] += own
    print(
        "  by package: "
        + ", ".join(
            f"{name} {cost / 1e3:.0f} ms"
            for name, cost in sorted(by_package.items(), key=lambda item: -item[1])[:8]
        )
    )
    print(f"  top {top} self costs:")
    for own, cumulative, name in sorted(rows, reverse=True)[:top]:
        print(f"  {own / 1e3:7.1f} ms self {cumulative / 1e3:7.1f} ms cumulative  {name}")


def bytecode_state(package: Path) -> str:
    """How many of the package's modules have current bytecode beside them."""
    import importlib.util

    sources = sorted(package.rglob("*.py"))
    fresh = 0
    for source in sources:
        cached = Path(importlib.util.cache_from_source(str(source)))
        if cached.exists() and cached.stat().st_mtime >= source.stat().st_mtime:
            fresh += 1
    return f"{fresh}/{len(sources)} modules with bytecode"


def package_copy(workdir: Path, env: dict[str, str], rev: str | None, bytecode: bool) -> Path:
    """A copy of the package (as committed at ``rev``, else as it is), first on the path."""
    copy = workdir / PACKAGE
    if rev is None:
        shutil.copytree(ROOT / PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
        if not (copy / "rules").exists():  # an editable checkout keeps the packs beside it
            shutil.copytree(ROOT / "rules", copy / "rules")
    else:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", rev, PACKAGE, "rules"],
            capture_output=True,
            check=True,
        ).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(workdir, filter="data")
        (workdir / "rules").rename(copy / "rules")
    if bytecode:  # as pip does at install
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(copy)], check=True)
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONPATH"] = os.pathsep.join([str(workdir), env.get("PYTHONPATH", "")]).rstrip(
        os.pathsep
    )
    where = subprocess.run(
        [sys.executable, "-c", f"import {PACKAGE}; print({PACKAGE}.__file__)"],
        env=env,
        cwd=workdir,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not Path(where).is_relative_to(copy):
        sys.exit(f"the copy is not the package imported: {where}")
    return copy


def main(argv: Sequence[str] | None = None) -> int:
    """Measure and print; the status is 1 when the median misses the budget."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", nargs="?", type=Path, default=EXAMPLE, help="dataset to check")
    parser.add_argument("--runs", type=int, default=10, help="cold runs (default 10)")
    parser.add_argument("--top", type=int, default=15, help="modules in the import summary")
    parser.add_argument("--budget", type=float, default=BUDGET, help="seconds (default 0.5)")
    parser.add_argument("--compile", action="store_true", help="compileall the package first")
    parser.add_argument(
        "--no-bytecode", action="store_true", help="a copy of the package without .pyc files"
    )
    parser.add_argument(
        "--rev", help="a compiled copy of the package as committed at this git revision"
    )
    args = parser.parse_args(argv)
    env = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="startup-") as workdir:
        package, cwd = ROOT / PACKAGE, Path.cwd()
        if args.no_bytecode or args.rev:  # run in the copy's folder: `-m` puts it first
            cwd = Path(workdir)
            package = package_copy(cwd, env, args.rev, bytecode=not args.no_bytecode)
            run = [sys.executable, "-m", PACKAGE, "check", str(args.path.resolve())]
            state = f"{'none' if args.no_bytecode else 'compiled'} (a copy of the package"
            state += f" at {args.rev})" if args.rev else ")"
        else:
            if args.compile:
                subprocess.run([sys.executable, "-m", "compileall", "-q", str(package)], check=True)
            run = command(args.path)
            state = bytecode_state(package)
        before = os.getloadavg()
        timed_run(run, env, cwd)  # warms the file cache; not counted
        results = run_all(run, env, cwd, args.runs)
        after = os.getloadavg()
        rows = import_costs(run, env, cwd)
    walls = [wall for wall, _, _ in results]
    cpus = [cpu for _, cpu, _ in results]
    rss = max(peak for _, _, peak in results)
    median = statistics.median(walls)
    verdict = "holds" if median < args.budget else f"missed by {median - args.budget:.2f} s"
    print(f"command: {' '.join(run)}")
    print(f"bytecode: {state}")
    print(f"load average: {before[0]:.2f} before, {after[0]:.2f} after ({os.cpu_count()} CPUs)")
    print(
        f"{args.runs} cold runs: median {median:.3f} s, min {min(walls):.3f} s, "
        f"max {max(walls):.3f} s; CPU (user+sys) median {statistics.median(cpus):.3f} s; "
        f"peak RSS {rss / 1024:.0f} MiB"
    )
    print(f"budget {args.budget:.2f} s (wall, median): {verdict}")
    report_imports(rows, args.top)
    return 0 if median < args.budget else 1


if __name__ == "__main__":
    sys.exit(main())
