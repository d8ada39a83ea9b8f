"""Write the derandomized examples of ``guabao_rules.testing``'s strategies to files.

The "nothing changes for users" check of a restructure: the same draws must
give the same generated datasets. Run it before and after a change and compare::

    git stash && python scripts/generated_datasets.py /tmp/before && git stash pop
    python scripts/generated_datasets.py /tmp/after && diff -r /tmp/before /tmp/after

It writes one file per strategy (``datasets()`` in two shapes, joined with
unrelated counties, and every rule's violation strategy), each holding its
examples as the files ``render_files`` writes, with their parameters and, for a
violation, its rule, subject and change.

Hypothesis (since 6.13x) mixes the string and integer literals of every local
module it finds loaded into its draws, so any edit of our source, anywhere,
changes the draws themselves. The check is "same draws, same dataset", so that
pool is emptied here (a private hook: this fails loudly if it is renamed).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.internal.conjecture import providers
from hypothesis.internal.constants_ast import Constants

from guabao_rules.testing import (
    VIOLATIONS,
    GeneratedDataset,
    datasets,
    joined_with_unrelated,
    render_files,
    violations,
)

if not hasattr(providers, "_get_local_constants"):
    raise SystemExit("hypothesis no longer has providers._get_local_constants: update this script")
_NO_CONSTANTS = Constants()
providers._get_local_constants = lambda: _NO_CONSTANTS


def strategies() -> dict[str, st.SearchStrategy[Any]]:
    """The strategies whose examples are written, by file name."""
    cases: dict[str, st.SearchStrategy[Any]] = {
        "default": datasets(),
        "wide": datasets(
            prefectures=(1, 3),
            counties_per_prefecture=(1, 3),
            villages_per_county=(0, 4),
            households_per_village=(0, 4),
            projects_per_county=(0, 5),
            funds_per_county=(0, 3),
        ),
        "joined": datasets().flatmap(joined_with_unrelated),
    }
    for rule in VIOLATIONS:
        cases[f"v-{rule}"] = violations(rule, datasets())
    return cases


def text(value: Any) -> bytes:
    """An example as bytes: a violation's rule, subject and change, then its files."""
    dataset: GeneratedDataset = getattr(value, "dataset", value)
    head = b""
    if hasattr(value, "rule"):
        head = f"{value.rule} {value.subject} {value.change}\n".encode()
    files = sorted(render_files(dataset).items())
    body = b"".join(path.encode() + b"\n" + data + b"\n" for path, data in files)
    return head + body + repr(sorted(dataset.params.items())).encode()


def examples(strategy: st.SearchStrategy[Any], count: int) -> list[bytes]:
    """The first ``count`` derandomized examples of ``strategy``, as :func:`text`."""
    seen: list[bytes] = []

    @settings(
        derandomize=True,
        database=None,
        deadline=None,
        max_examples=count,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(value: Any) -> None:
        seen.append(text(value))

    collect()
    return seen


def main() -> None:
    """Write the examples under the folder named on the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--examples", type=int, default=20, help="per strategy (default 20)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    total = 0
    cases = strategies()
    for name, strategy in cases.items():
        seen = examples(strategy, args.examples)
        (args.out / f"{name}.txt").write_bytes(b"\n=====\n".join(seen))
        total += len(seen)
    print(f"{total} examples of {len(cases)} strategies -> {args.out}")


if __name__ == "__main__":
    main()
