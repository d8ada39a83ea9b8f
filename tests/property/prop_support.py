"""Helpers of the property tests: settings, running the checker, a location oracle."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import yaml
from hypothesis import HealthCheck, note, settings
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

import guabao_rules
from guabao_rules import cli
from guabao_rules.sources.loader import WAIVER_FILE
from guabao_rules.testing import GeneratedDataset, Layout, files_text, render_files

SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example]


def scaled(fraction: float, least: int = 2) -> settings:
    """Settings with a share of the loaded profile's ``max_examples`` (ci or dev)."""
    base = settings.default
    return settings(
        max_examples=max(least, int(base.max_examples * fraction)),
        deadline=None,
        suppress_health_check=[*base.suppress_health_check, *SLOW_OK],
    )


Finding = tuple[str, str | None]


@dataclass
class Checked:
    """A dataset written to disk and checked."""

    root: Path
    files: dict[str, bytes]
    report: guabao_rules.Report

    @property
    def findings(self) -> set[Finding]:
        return {(d.rule, d.subject) for d in self.report.diagnostics}

    def describe(self) -> str:
        return "\n".join(
            f"{d.location}: {d.rule} [{d.subject}] {d.message}" for d in self.report.diagnostics
        )


@contextmanager
def checked(dataset: GeneratedDataset, layout: Layout | None = None) -> Iterator[Checked]:
    """Write ``dataset`` to a fresh folder, check it, and note its files for a failure report."""
    files = render_files(dataset, layout)
    note(f"as_of: {dataset.as_of}\nparams: {dataset.params}\n{files_text(files)}")
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        for name, data in files.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_bytes(data)
        report = guabao_rules.check(guabao_rules.load(root), dataset.config())
        result = Checked(root, files, report)
        note(f"findings:\n{result.describe()}")
        assert_one_per_subject([(d.rule, d.subject) for d in report.diagnostics])
        yield result


def assert_one_per_subject(found: list[Finding]) -> None:
    """rules.md: one finding per subject per rule (a null subject, a file or the dataset, aside)."""
    subjects = [f for f in found if f[1] is not None]
    repeated = sorted({f for f in subjects if subjects.count(f) > 1}, key=str)
    assert not repeated, f"(rule, subject) reported more than once: {repeated}"


def run_cli(args: list[str]) -> tuple[int, str, str]:
    """Run ``guabao-rules`` in process; return (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        status = cli.main(args)
    return status, out.getvalue(), err.getvalue()


# --- where records stand, read independently of the product ------------------------------

Point = tuple[int, int]


@dataclass
class FileMap:
    """The records of one YAML file: id → the points (line, column) inside each record."""

    lines: list[str]
    records: dict[str, list[set[Point]]]
    starts: dict[str, list[Point]]
    entries: list[Point]
    """The first key of every mapping inside a top-level list (records and waivers)."""


def _point(node: Node) -> Point:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _points(node: Node, into: set[Point]) -> None:
    into.add(_point(node))
    if isinstance(node, MappingNode):
        for key, value in node.value:
            into.add(_point(key))
            _points(value, into)
    elif isinstance(node, SequenceNode):
        for item in node.value:
            _points(item, into)


def map_table(data: bytes) -> FileMap | None:
    """The rows of a CSV table: every cell of a row is a point of its record."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    lines = text.splitlines()
    found = FileMap(lines, {}, {}, [])
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows or "id" not in rows[0]:
        return found
    at = rows[0].index("id")
    for number, cells in enumerate(rows[1:], start=2):  # one line per row: no line breaks
        if at < len(cells) and cells[at]:
            points = {(number, column) for column in range(1, len(lines[number - 1]) + 2)}
            found.records.setdefault(cells[at], []).append(points)
            found.starts.setdefault(cells[at], []).append((number, 1))
    return found


def map_file(name: str, data: bytes) -> FileMap | None:
    """Parse a data file independently of the product (None when it cannot be read)."""
    if name.endswith(".csv"):
        return map_table(data)
    try:
        text = data.decode("utf-8")
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except (UnicodeDecodeError, yaml.YAMLError, RecursionError):
        return None
    found = FileMap(text.splitlines(), {}, {}, [])
    if not isinstance(root, MappingNode):
        return found
    for _, items in root.value:
        if not isinstance(items, SequenceNode):
            continue
        for item in items.value:
            if not isinstance(item, MappingNode) or not item.value:
                continue
            found.entries.append(_point(item.value[0][0]))
            ids = [v for k, v in item.value if isinstance(k, ScalarNode) and k.value == "id"]
            if not ids or not isinstance(ids[0], ScalarNode):
                continue
            points: set[Point] = set()
            _points(item, points)
            found.records.setdefault(ids[0].value, []).append(points)
            found.starts.setdefault(ids[0].value, []).append(_point(item.value[0][0]))
    return found


def location_problems(result: Checked) -> list[str]:
    """Every finding whose file:line:column does not point into its subject (or its file)."""
    maps = {name: map_file(name, data) for name, data in result.files.items()}
    problems = []
    for d in result.report.diagnostics:
        where = f"{d.rule} [{d.subject}] at {d.location}"
        if d.file is None:
            # Only dataset-level findings, and a configured region absent from the data.
            if d.subject is not None and any(
                m is not None and d.subject in m.records for m in maps.values()
            ):
                problems.append(f"{where}: no location though the subject is in the data")
            continue
        if d.file not in result.files:
            problems.append(f"{where}: not a file of the dataset")
            continue
        mapped = maps[d.file]
        if d.line is None:
            if d.rule != "D000":
                problems.append(f"{where}: a record finding without a line")
            continue
        if mapped is None:
            continue  # an unreadable file (D000): any line of it will do
        if not 1 <= d.line <= len(mapped.lines) + 1:
            problems.append(f"{where}: line {d.line} outside the file's {len(mapped.lines)} lines")
            continue
        point = (d.line, d.column or 0)
        if d.file == WAIVER_FILE:
            if point not in mapped.entries:
                problems.append(f"{where}: not the start of a waiver entry")
        elif d.subject is not None and d.subject in mapped.records:
            if not any(point in points for points in mapped.records[d.subject]):
                problems.append(f"{where}: not inside record {d.subject} of {d.file}")
        elif d.subject is not None:
            problems.append(f"{where}: record {d.subject} is not in {d.file}")
        for related in d.related:
            loc = related.location
            if related.subject is None or loc.file is None or loc.file == WAIVER_FILE:
                continue
            other = maps.get(loc.file)
            if other is None or related.subject not in other.starts:
                continue
            if (loc.line, loc.column) not in other.starts[related.subject]:
                problems.append(f"{where}: related {related.subject} at {loc} is not its start")
    return problems
