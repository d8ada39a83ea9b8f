"""Read a dataset directory into validated records, never raising on bad data.

Every file problem becomes a finding kept on the :class:`Dataset` (D000, D001,
D003, D006 candidates, D007); every good record is loaded. Source positions are
kept beside the records (:class:`~guabao_rules.sources.positions.PositionTree`), so the
engine can point each finding at ``file:line:column``.
"""

from __future__ import annotations

import fnmatch
import functools
import os
import re
import stat
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import ValidationError

from guabao_rules.dataset import Dataset, LoadIssue, RecordEntry, paused_gc
from guabao_rules.diagnostics import SourceRef, Text, Violation
from guabao_rules.i18n import describe_error
from guabao_rules.models import (
    COLLECTIONS,
    TABLE_COLLECTIONS,
    Record,
    Region,
    _nested_model,
    unknown_keys,
)
from guabao_rules.personal import personal_kind, scan_personal_data
from guabao_rules.report.escape import MAX_VALUE, cap
from guabao_rules.safeio import file_kind, read_regular
from guabao_rules.sources.csvsource import (
    ParsedTable,
    read_table,
    table_collection,
)
from guabao_rules.sources.parquetsource import PARQUET_SUFFIX, read_parquet
from guabao_rules.sources.positions import Key, Mark, PositionTree, cell_name
from guabao_rules.sources.problems import ReadProblem
from guabao_rules.sources.workbook import WORKBOOK_SUFFIXES, read_workbook
from guabao_rules.sources.yamlsource import parse_yaml

if TYPE_CHECKING:
    pass

WAIVER_FILE = "guabao-rules-waivers.yaml"

_KIND_ZH = {"a FIFO": "FIFO", "a socket": "套接字", "a device": "设备", "a folder": "文件夹"}

CURRENT_FILE: str | None = None
"""The data file being read, for the one-line message of an internal error."""
DATA_SUFFIXES = (".yaml", ".yml")
TABLE_SUFFIX = ".csv"
TABLE_SUFFIXES = (TABLE_SUFFIX, PARQUET_SUFFIX)
"""The suffixes of table files: CSV, and Parquet wherever a CSV table may stand."""


class BulkReader(Protocol):
    """Another reader of the bulk CSV tables (the columnar engine's), passed to :func:`load`.

    ``prepare`` gets every bulk CSV table the loader would read (its relative
    path, path, collection and encoding; regular files within the size bound)
    and says which it reads itself; the loader then hands it each of those in
    reading order (``read_into``), with the file's reader to fill the dataset
    through (records, issues, ids). The others are read as usual.
    """

    def prepare(self, files: Sequence[tuple[str, Path, str, str]]) -> Collection[str]:
        """Read what it can of ``files``; the relative paths of those it read."""
        ...

    def read_into(self, reader: _FileReader, rel: str) -> None:
        """Put what it read of ``rel`` into the dataset, as the loader would."""
        ...


def _is_hidden(rel: PurePosixPath) -> bool:
    return any(part.startswith(".") for part in rel.parts)


def _excluded(rel: str, patterns: Sequence[str]) -> bool:
    for pattern in patterns:
        if fnmatch.fnmatchcase(rel, pattern):
            return True
        # `drafts/**` also names the folder's own files and `drafts` itself.
        if pattern.endswith("/**") and (rel == pattern[:-3] or rel.startswith(pattern[:-2])):
            return True
    return False


LOOKS_LIKE_DATA = (
    ".yaml",
    ".yml",
    ".csv",
    ".parquet",
    ".tsv",
    ".json",
    ".xlsx",
    ".xlsm",
    ".xls",
    ".ods",
)
"""Suffixes (any case) of files a user may take for data: those not read are reported skipped."""


def table_path(root: Path, rel: str) -> PurePosixPath:
    """The path a table file's (CSV or Parquet) collection is judged from.

    Its path below the root, or, when that names no collection, with the root's
    own folder name in front: ``check reports/`` (or ``check reports/2019.csv``)
    reads the tables of ``reports/`` as from the dataset root.
    """
    posix = PurePosixPath(rel)
    if table_collection(posix) is None and root.name:
        return PurePosixPath(root.name) / posix
    return posix


def _is_table(root: Path, rel: str) -> bool:
    """Whether a file is a table (CSV or Parquet), or one named after a non-table collection."""
    if not rel.endswith(TABLE_SUFFIXES):
        return False
    posix = table_path(root, rel)
    return table_collection(posix) is not None or posix.stem in COLLECTIONS


def _walk(root: Path) -> Iterator[tuple[str, list[str]]]:
    """Each folder below ``root`` (hidden ones left out) and the names of its non-folders.

    Iterative, so a tree of any depth is walked without recursion. Links to
    folders are not followed (as :func:`os.walk`): the dataset stays inside
    its root. Names are everything but folders: files, links to files, and
    special files, which the reader reports rather than reads.
    """
    stack = [str(root)]
    while stack:
        folder = stack.pop()
        names: list[str] = []
        folders: list[str] = []
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    try:
                        if entry.is_symlink():
                            if not entry.is_dir():  # a link to a folder is not walked
                                names.append(entry.name)
                        elif not entry.is_dir():
                            names.append(entry.name)
                        elif not entry.name.startswith("."):
                            folders.append(entry.path)
                    except OSError:
                        names.append(entry.name)  # the reader reports why it cannot be read
        except OSError:
            continue  # an unreadable folder, as os.walk skips it
        yield folder, names
        stack.extend(sorted(folders, reverse=True))


_LINK_PROBLEMS = {
    "dangling": ("符号链接指向不存在的文件,不予读取", "a symbolic link to nothing; it is not read"),
    "outside": (
        "符号链接指向数据集根目录之外,不予读取",
        "a symbolic link that leads outside the dataset root; it is not read",
    ),
    "special": (
        "符号链接指向的不是普通文件(FIFO、套接字或设备),不予读取",
        "a symbolic link to a FIFO, socket or device, not a regular file; it is not read",
    ),
}
"""Why a symbolic link in the dataset is not followed: (zh, en)."""


def link_problem(path: Path, root: Path) -> str | None:
    """Why a symbolic link below ``root`` must not be followed, or None when it may be.

    The reason is a key of :data:`_LINK_PROBLEMS`; None is a link to a regular
    file inside the root.

    The dataset stays inside its root (docs/security.md): a link that dangles,
    leads out of the root (``/etc/passwd``, ``/proc/self/environ``) or leads to
    a FIFO, socket or device is never read.
    """
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError):  # a dangling link, or a loop of links
        return "dangling"
    if not real.is_relative_to(root.resolve()):
        return "outside"
    try:
        if not stat.S_ISREG(real.stat().st_mode):
            return "special"
    except OSError:
        return "dangling"
    return None


def discover(
    root: Path, exclude: Sequence[str] = (), skipped: list[str] | None = None
) -> list[Path]:
    """The data files below ``root`` (YAML files, CSV and Parquet tables, workbooks), sorted.

    Args:
        root: The folder to walk.
        exclude: Globs of paths that are not data.
        skipped: When given, receives the relative paths of files that look like
            data (:data:`LOOKS_LIKE_DATA`, any case) but are not read, sorted.
    """
    found: list[tuple[str, Path]] = []
    passed: list[str] = []
    for dirpath, filenames in _walk(root):
        for name in filenames:
            if name.startswith(".") or name == WAIVER_FILE:
                continue
            path = Path(dirpath) / name
            rel = path.relative_to(root).as_posix()
            if (
                not name.endswith(DATA_SUFFIXES)
                and not _is_table(root, rel)
                and path.suffix.lower() not in WORKBOOK_SUFFIXES
            ):
                if name.lower().endswith(LOOKS_LIKE_DATA) and not _excluded(rel, exclude):
                    passed.append(rel)
                continue
            if _excluded(rel, exclude):
                continue
            found.append((rel, path))
    found.sort()
    if skipped is not None:
        skipped.extend(sorted(passed))
    return [path for _, path in found]


def _complex_key_text(inside: str) -> Text:
    """A key that is a mapping or a list, in the mapping at ``inside`` (a field path)."""
    where_en = f"`{inside}`: " if inside else ""
    where_zh = f"`{inside}`:" if inside else ""
    return Text(
        zh=f"{where_zh}键必须是普通值,不能是映射或列表(此条目已跳过)",
        en=f"{where_en}a key must be a plain value, not a mapping or a list (the entry is skipped)",
    )


def did_you_mean(key: str, known: Iterable[str]) -> str | None:
    """The known key closest to ``key``, when one is close enough to suggest."""
    import difflib  # unknown keys only: kept off the start-up path

    matches = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
    return matches[0] if matches else None


def _unknown_texts(
    found: Iterable[tuple[tuple[Key, ...], list[str]]],
) -> list[tuple[tuple[Key, ...], Text]]:
    """The unknown fields of a record; a number split by its commas is explained once."""
    texts = []
    explained = False
    for path, known in found:
        from guabao_rules.hints import split_number_hint  # only for broken records: off start-up

        text = _unknown_text(path, known, explain_split=not explained)
        explained = explained or split_number_hint(str(path[-1])) is not None
        texts.append((path, text))
    return texts


def _unknown_text(path: tuple[Key, ...], known: list[str], explain_split: bool = True) -> Text:
    from guabao_rules.hints import joined, line_hints, split_number_hint

    key = str(path[-1])
    name = ".".join(str(p) for p in path)
    if len(name) > MAX_VALUE:
        # A key is the data's: cut when long, as render() cuts values (and no
        # spelling is suggested for a key no one typed).
        return Text(
            zh=f"未知字段 `{cap(name, MAX_VALUE, 'zh')}`",
            en=f"unknown field `{cap(name, MAX_VALUE, 'en')}`",
        )
    guess = did_you_mean(key, known)
    if guess:
        text = Text(
            zh=f"未知字段 `{name}`(是否应为 `{guess}`?)",
            en=f"unknown field `{name}` (did you mean `{guess}`?)",
        )
    else:
        text = Text(zh=f"未知字段 `{name}`", en=f"unknown field `{name}`")
    split = split_number_hint(key)
    if split is not None:
        return joined(text, [split] if explain_split else [])
    return joined(text, line_hints(key))


_DIGIT_RUN = re.compile(rb"[0-9]{11,}[Xx]?")
"""A run of digits long enough to be an identity or mobile number (or to hold one)."""
_DIGITS_AND_X = bytes(byte if byte in b"0123456789Xx" else 0x20 for byte in range(256))
"""Every byte that :data:`_DIGIT_RUN` cannot match made a space."""
_RUN_CHUNK = 1 << 20
"""Bytes of text split at a time (a province file has millions of short digit runs)."""


def long_digit_runs(data: bytes) -> set[bytes]:
    """The distinct matches of :data:`_DIGIT_RUN` in ``data``.

    The bytes it cannot match become spaces (``bytes.translate``) and the rest
    is split into its runs of digits and ``X``, which are made a set, all at C
    speed; only the distinct runs of 11 bytes or more are searched. A match never holds
    a space, so it is a match in its run; a run's neighbours are spaces, which
    no match reaches into. (The pattern over the whole text is twice as slow: it
    builds a bytes object for every one of the million village codes of a
    province.) The text is taken a chunk at a time, cut at line breaks, so that
    the runs of one chunk are in memory at once.
    """
    runs: set[bytes] = set()
    size = len(data)
    start = 0
    while start < size:
        end = data.find(b"\n", start + _RUN_CHUNK)
        end = size if end < 0 else end
        found = set(data[start:end].translate(_DIGITS_AND_X).split())
        runs.update(run for run in found if len(run) >= 11)
        start = end
    return {match for run in runs for match in _DIGIT_RUN.findall(run)}


def may_hold_personal_data(data: bytes) -> bool:
    """Whether a data file's text may hold personal data (False: surely none).

    A value is a piece of the file's text whose ends are never digits, except
    for integers, which are scanned as their decimal digits (``0x``/``0o``
    forms, leading zeros), and escapes in double-quoted strings. So a file
    whose runs of digits hold no such number, and that has neither of those,
    holds no personal data and its records need no scan. The runs are checked
    once each (a province repeats the same codes on every line).
    """
    if b"\\" in data or b"0x" in data or b"0o" in data:
        return True
    for run in long_digit_runs(data):
        if run.startswith(b"0") or personal_kind(run.decode("ascii")):
            return True
    return False


@functools.cache
def _flat_fields(model: type[Record]) -> frozenset[str] | None:
    """The fields of a model that has no nested model; None when it has one.

    A record whose keys are all among these has no unknown key: no need to walk it.
    """
    if any(_nested_model(info.annotation)[0] for info in model.model_fields.values()):
        return None
    return frozenset(model.model_fields)


class _FileReader:
    """Reads one data file into the dataset."""

    def __init__(self, dataset: Dataset, rel: str) -> None:
        self.dataset = dataset
        self.rel = rel
        self.personal_possible = True
        self.sheet: str | None = None
        """The workbook sheet being read, if any."""

    def issue(self, rule: str, violation: Violation) -> None:
        self.dataset.issues.append(LoadIssue(rule, violation))

    def at(self, mark: Mark | None) -> SourceRef:
        """A place in the file being read (in a workbook, with its ``Sheet!C12``)."""
        if self.sheet is None or mark is None:
            return SourceRef(self.rel, mark)
        return SourceRef(self.rel, mark, f"{self.sheet}!{cell_name(mark.line, mark.column)}")

    def file_problem(self, mark: Mark | None, zh: str, en: str) -> None:
        self.issue("D000", Violation(None, {"problem": Text(zh=zh, en=en)}, at=self.at(mark)))

    def read(self, data: bytes) -> None:
        self.personal_possible = may_hold_personal_data(data)
        parsed = parse_yaml(data)
        record_ids: dict[tuple[str, int], str | None] = {}
        duplicates = []
        # Keys that are mappings or lists (``? [a, b]``): D003 for the record
        # holding one (with its other problems), or for the top level.
        complex_keys: dict[tuple[Key, ...], list[tuple[Mark, Text]]] = {}
        for problem in parsed.problems:
            if problem.rule == "D007":
                duplicates.append(problem)
            elif problem.rule == "D003":
                where = problem.path[:2]
                inside = ".".join(str(p) for p in problem.path[2:])
                complex_keys.setdefault(where, []).append((problem.mark, _complex_key_text(inside)))
            else:
                self.file_problem(problem.mark, problem.text.zh, problem.text.en)
        if parsed.fatal or parsed.value is None:
            return
        top = parsed.value
        positions = parsed.positions
        for where in list(complex_keys):
            if len(where) == 2 and isinstance(where[1], int):
                continue  # a record's, reported with it below
            for mark, text in complex_keys.pop(where):
                self.issue(
                    "D003", Violation(None, {"problems": [text]}, at=SourceRef(self.rel, mark))
                )
        if not isinstance(top, dict) or positions is None:
            self.file_problem(
                positions.start if positions else Mark(1, 1),
                "文件顶层必须是以集合名为键的映射",
                "the top level of a data file must be a mapping of collection names",
            )
            return
        for collection, items in top.items():
            key_mark = positions.keys.get(collection, positions.start)
            model = COLLECTIONS.get(collection)
            if model is None:
                guess = did_you_mean(collection, COLLECTIONS)
                hint = Text(
                    zh=f"未知集合 `{collection}`" + (f"(是否应为 `{guess}`?)" if guess else ""),
                    en=f"unknown collection `{collection}`"
                    + (f" (did you mean `{guess}`?)" if guess else ""),
                )
                at = SourceRef(self.rel, key_mark)
                self.issue("D003", Violation(None, {"problems": [hint]}, at=at))
                for item in items if isinstance(items, list) else ():
                    lost = item.get("id") if isinstance(item, dict) else None
                    if isinstance(lost, str | int) and not isinstance(lost, bool):
                        self.dataset.lost_ids.setdefault(str(lost), at)
                continue
            if items is None:
                continue
            if not isinstance(items, list):
                self.file_problem(
                    key_mark,
                    f"集合 `{collection}` 的值必须是记录列表",
                    f"collection `{collection}` must be a list of records",
                )
                continue
            subtree = positions.children.get(collection)
            item_trees = subtree.children if subtree else {}
            item_marks = subtree.keys if subtree else {}
            for index, raw in enumerate(items):
                item_tree = item_trees.get(index)
                item_mark = item_marks.get(index, key_mark)
                if not isinstance(raw, dict):
                    from guabao_rules.hints import joined, line_hints

                    text = joined(
                        Text(
                            zh=f"`{collection}` 的第 {index + 1} 项不是映射(记录)",
                            en=f"item {index + 1} of `{collection}` is not a mapping (a record)",
                        ),
                        line_hints(raw) if isinstance(raw, str) else [],
                    )
                    self.file_problem(item_mark, text.zh, text.en)
                    continue
                mark = item_tree.anchor if item_tree else item_mark
                record_id = self.read_record(
                    collection,
                    model,
                    raw,
                    SourceRef(self.rel, mark),
                    item_tree,
                    complex_keys=complex_keys.pop((collection, index), ()) if complex_keys else (),
                )
                if duplicates:  # the subjects of the D007 findings below
                    record_ids[(collection, index)] = record_id
        for marks in complex_keys.values():  # in an item that is no record: still said
            for mark, text in marks:
                self.issue(
                    "D003", Violation(None, {"problems": [text]}, at=SourceRef(self.rel, mark))
                )
        # One D007 per record (or per top-level mapping), listing every repeated key.
        grouped: dict[tuple[Key, ...], list[ReadProblem]] = {}
        for problem in duplicates:
            grouped.setdefault(problem.path[:2], []).append(problem)
        for where, problems in grouped.items():
            subject = None
            if len(where) == 2 and isinstance(where[1], int):
                subject = record_ids.get((str(where[0]), where[1]))
            keys = [
                ".".join(str(p) for p in (*problem.path[2:], problem.key or ""))
                for problem in problems
            ]
            self.issue(
                "D007",
                Violation(subject, {"keys": keys}, at=SourceRef(self.rel, problems[0].mark)),
            )

    def read_csv(self, data: bytes, encoding: str = "utf-8") -> None:
        """Read a CSV table of a bulk collection (data-format.md, "Tables")."""
        collection = self._table_collection("CSV")
        if collection is None:
            return
        self.personal_possible = may_hold_personal_data(data)
        self.read_rows(collection, read_table(data, collection, encoding))

    def read_parquet(self, data: bytes) -> None:
        """Read a Parquet table of a bulk collection (data-format.md, "Tables")."""
        collection = self._table_collection("Parquet")
        if collection is None:
            return
        # The bytes are compressed: no scan of them can rule personal data out.
        self.personal_possible = True
        self.read_rows(collection, read_parquet(data, collection))

    def _table_collection(self, form: str) -> str | None:
        """The collection the table file being read holds; None (and a D000) when none can."""
        posix = table_path(self.dataset.root, self.rel)
        collection = table_collection(posix)
        if collection is None:
            tables = ", ".join(sorted(TABLE_COLLECTIONS))
            self.file_problem(
                Mark(1, 1),
                f"集合 `{posix.stem}` 不能以 {form} 表格给出(只有 {tables} 可以)",
                f"the collection `{posix.stem}` cannot be a {form} table (only {tables} can)",
            )
        return collection

    def read_workbook(self, data: bytes) -> None:
        """Read the table sheets of a workbook (data-format.md, "Workbooks")."""
        parsed = read_workbook(data, PurePosixPath(self.rel))
        for sheet, problem in parsed.problems:
            self.sheet = sheet
            mark = problem.mark if sheet is not None else None
            self.file_problem(mark, problem.text.zh, problem.text.en)
        for sheet_table in parsed.sheets:
            self.sheet = sheet_table.sheet
            self.read_rows(sheet_table.collection, sheet_table.table)
        self.sheet = None

    def read_rows(self, collection: str, parsed: ParsedTable) -> None:
        """Load the rows of a table (a CSV file or a workbook sheet) and its problems."""
        for problem in parsed.problems:
            at = self.at(problem.mark)
            if problem.rule == "D003" and problem.key is not None:
                text = _unknown_text((problem.key,), list(problem.known))
                self.issue("D003", Violation(None, {"problems": [text]}, at=at))
            elif problem.rule == "D007" and problem.key is not None:
                self.issue("D007", Violation(None, {"keys": [problem.key]}, at=at))
            else:
                self.file_problem(problem.mark, problem.text.zh, problem.text.en)
        model = COLLECTIONS[collection]
        for row in parsed.rows:
            self.read_record(collection, model, row.raw, self.at(row.mark), row.positions)

    def read_record(
        self,
        collection: str,
        model: type[Record],
        raw: dict[str, Any],
        source: SourceRef,
        tree: PositionTree | None,
        *,
        complex_keys: Sequence[tuple[Mark, Text]] = (),
    ) -> str | None:
        record_id: str | None = None
        raw_id = raw.get("id")
        if isinstance(raw_id, int) and not isinstance(raw_id, bool):
            record_id = str(raw_id)
        elif isinstance(raw_id, str) and raw_id.strip():
            record_id = raw_id
        problems: list[tuple[tuple[Key, ...], Text]] = []
        flat_fields = _flat_fields(model)
        if flat_fields is None or not raw.keys() <= flat_fields:
            problems = _unknown_texts(unknown_keys(model, raw))
        record: Record | None = None
        try:
            record = model.model_validate(raw)
        except ValidationError as error:
            for detail in error.errors(include_url=False, include_context=True):
                loc = tuple(detail["loc"])
                error_text = describe_error(
                    loc, detail["type"], detail["msg"], detail.get("ctx"), detail.get("input")
                )
                problems.append((loc, error_text))
        except (RecursionError, ValueError, TypeError) as error:  # defensive: never raise
            problems.append(((), Text(zh=f"无法校验记录:{error}", en=f"cannot validate: {error}")))
        if isinstance(record, Region) and record.level != "province" and record.parent is None:
            problems.append(
                (
                    ("parent",),
                    Text(zh="缺少必填字段 `parent`", en="missing required field `parent`"),
                )
            )
            record = None
        entry = RecordEntry(collection, record_id, record, source, tree)
        self.dataset.made.append(entry)
        problems.extend(((), text) for _, text in complex_keys)
        if problems:
            path = problems[0][0] if len(problems) == 1 and problems[0][0] else None
            at = entry.locate(path) if path else source
            if complex_keys and len(problems) == 1:
                at = SourceRef(self.rel, complex_keys[0][0])
            entry.problem_at = at
            if record is None:
                entry.mentions = frozenset(_scalars(raw))
            self.dataset.issues.append(
                LoadIssue(
                    "D003",
                    Violation(record_id, {"problems": [t for _, t in problems]}, field=path, at=at),
                    source,
                )
            )
        self.register(entry, lambda: scan_personal_data(raw))
        return record_id

    def register(
        self, entry: RecordEntry, personal: Callable[[], list[tuple[tuple[Key, ...], str]]]
    ) -> bool:
        """Enter a record read into the dataset's ids: D001 when its id is taken.

        Returns whether it is the first record of its id (then ``personal``,
        its personal data, is asked for when the file may hold some).
        """
        record_id = entry.id
        source = entry.source
        if record_id is None:
            return False
        first = self.dataset.made_by_id.get(record_id)
        if first is not None:
            self.dataset.issues.append(
                LoadIssue(
                    "D001",
                    Violation(
                        record_id,
                        {
                            "first": f"{first.source.file}:{first.source.mark.line}"
                            if first.source.mark
                            else first.source.file
                        },
                        at=source,
                        related=((record_id, first.source),),
                    ),
                    source,
                )
            )
            return False
        self.dataset.made_by_id[record_id] = entry
        if entry.model is not None and self.personal_possible:
            entry.personal = personal()
        return True


def _scalars(raw: dict[str, Any]) -> Iterator[str]:
    """Every text and integer value inside a raw record, as text (no recursion: any depth)."""
    stack: list[Any] = [raw]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, str):
            yield value
        elif isinstance(value, int) and not isinstance(value, bool):
            yield str(value)


MERGED_RULES = frozenset({"D001", "D003", "D007"})
"""The reader findings about a record, merged to one per id (rules.md: one per subject)."""


def _place(source: SourceRef | None) -> str:
    """``file:line`` of a record, as the messages name places."""
    if source is None:
        return "-"
    return f"{source.file}:{source.mark.line}" if source.mark else source.file


def _merged(group: list[LoadIssue]) -> LoadIssue:
    """One finding for issues of one rule on one id, from records sharing it."""
    kept = group[0]
    first = kept.violation
    subject = first.subject
    later = [issue.record or issue.violation.at for issue in group[1:]]
    related = (*first.related, *((subject, at) for at in later if at is not None))
    args = dict(first.args)
    at, field = first.at, first.field
    if kept.rule == "D003":
        # Each record's problems under its place, so the records can be told apart.
        parts = [(_place(issue.record), list(issue.violation.args["problems"])) for issue in group]
        args["problems"] = [
            Text(
                zh=";".join(f"{where}:" + "、".join(t.zh for t in texts) for where, texts in parts),
                en="; ".join(
                    f"{where}: " + ", ".join(t.en for t in texts) for where, texts in parts
                ),
            )
        ]
        at, field = kept.record or first.at, None
    elif kept.rule == "D007":
        keys = list(first.args["keys"])
        for issue in group[1:]:
            where = _place(issue.violation.at)
            keys.extend(f"{key} ({where})" for key in issue.violation.args["keys"])
        args["keys"] = keys
    violation = Violation(subject, args, field=field, at=at, related=related)
    return LoadIssue(kept.rule, violation, kept.record)


def one_per_subject(issues: list[LoadIssue]) -> list[LoadIssue]:
    """The issues with one finding per (rule, id) for the rules about a record.

    Records that share an id would otherwise each bring their own D001 (from a
    third record on), D003 or D007 on the same subject. The first finding stays
    where it was and takes in the later ones: their records go to ``related``,
    their problems into its message. Findings without a subject (a file, a
    header cell, a record with no id) are left as they are.
    """
    groups: dict[tuple[str, str], list[LoadIssue]] = {}
    out: list[LoadIssue] = []
    for issue in issues:
        subject = issue.violation.subject
        if issue.rule not in MERGED_RULES or subject is None:
            out.append(issue)
            continue
        group = groups.setdefault((issue.rule, subject), [])
        if not group:
            out.append(issue)
        group.append(issue)
    if all(len(group) == 1 for group in groups.values()):
        return out
    merged = {id(group[0]): _merged(group) for group in groups.values() if len(group) > 1}
    return [merged.get(id(issue), issue) for issue in out]


def load(
    path: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    *,
    exclude: Sequence[str] = (),
    max_file_mb: float = 64,
    progress: Callable[[int, int, str | None, int], None] | None = None,
    encoding: Sequence[tuple[str, str]] = (),
    bulk: BulkReader | None = None,
) -> Dataset:
    """Read a dataset directory (or a list of files and directories).

    Never raises on bad data: unreadable files and invalid records become
    findings kept on the dataset, and every good record is still loaded.

    Args:
        path: A dataset directory, or several files/directories whose common
            parent becomes the dataset root.
        exclude: Globs, relative to the root, of paths that are not data.
        max_file_mb: Files larger than this are not read (D000).
        progress: Called with (files read, files in all, the file about to be
            read, records read so far) before each file, and at the end with
            None for the file.
        encoding: ``(glob, encoding)`` pairs: a CSV table whose path relative to
            the root matches a glob is read in its encoding (the first match;
            otherwise UTF-8). See ``ENCODINGS`` in :mod:`~guabao_rules.sources.csvsource`.
        bulk: Reads the bulk CSV tables it can instead (the columnar engine's
            reader); None: every file is read here.

    Raises:
        FileNotFoundError: A path does not exist (a usage error, not bad data).
    """
    paths = [Path(path)] if isinstance(path, str | os.PathLike) else [Path(p) for p in path]
    for p in paths:
        if not p.exists():
            raise FileNotFoundError(str(p))
    if not paths:
        paths = [Path(".")]
    resolved = [p.resolve() for p in paths]
    if len(resolved) == 1:
        root = resolved[0] if resolved[0].is_dir() else resolved[0].parent
    else:
        common = Path(os.path.commonpath([str(p) for p in resolved]))
        root = common if common.is_dir() else common.parent
    files: list[Path] = []
    skipped: list[str] = []
    for p in resolved:
        if p.is_dir():
            passed: list[str] = []
            files.extend(discover(p, exclude, passed))
            skipped.extend((p / rel).relative_to(root).as_posix() for rel in passed)
        else:
            files.append(p)
    ordered = sorted({f.relative_to(root).as_posix(): f for f in files}.items())
    dataset = Dataset(root)
    dataset.bulk = bulk
    dataset.skipped = sorted(set(skipped))
    limit = int(max_file_mb * 1024 * 1024)
    with paused_gc():
        _read_files(dataset, ordered, limit, max_file_mb, progress, encoding, bulk)
        finish = getattr(bulk, "finish", None)
        if finish is not None and not finish(dataset):
            # A deferred row's id is another record's too: which is first (and
            # which is D001) is a question of reading order, so read again with
            # every row a record (the tables themselves are not read again).
            dataset = Dataset(root)
            dataset.bulk = bulk
            dataset.skipped = sorted(set(skipped))
            _read_files(dataset, ordered, limit, max_file_mb, progress, encoding, bulk)
    return dataset


def _bulk_tables(
    root: Path, ordered: list[tuple[str, Path]], limit: int, encoding: Sequence[tuple[str, str]]
) -> list[tuple[str, Path, str, str]]:
    """The bulk CSV tables among ``ordered`` that are plain regular files within the bound."""
    found = []
    for rel, file in ordered:
        if file.suffix != TABLE_SUFFIX:
            continue
        collection = table_collection(table_path(root, rel))
        if collection is None:
            continue
        try:
            status = os.lstat(file)
        except OSError:
            continue
        if stat.S_ISREG(status.st_mode) and status.st_size <= limit:
            found.append((rel, file, collection, _encoding_of(rel, encoding)))
    return found


def _read_files(  # noqa: PLR0917 - one private call site
    dataset: Dataset,
    ordered: list[tuple[str, Path]],
    limit: int,
    max_file_mb: float,
    progress: Callable[[int, int, str | None, int], None] | None,
    encoding: Sequence[tuple[str, str]] = (),
    bulk: BulkReader | None = None,
) -> None:
    global CURRENT_FILE  # noqa: PLW0603 - read only by the CLI's last-resort message
    handled: Collection[str] = ()
    if bulk is not None:
        handled = bulk.prepare(_bulk_tables(dataset.root, ordered, limit, encoding))
    for done, (rel, file) in enumerate(ordered):
        if progress is not None:
            progress(done, len(ordered), rel, len(dataset))
        CURRENT_FILE = rel
        dataset.files.append(rel)
        reader = _FileReader(dataset, rel)
        if rel in handled:
            assert bulk is not None
            file_encoding = _encoding_of(rel, encoding)
            if file_encoding != "utf-8":
                dataset.encodings[rel] = file_encoding
            bulk.read_into(reader, rel)
            continue
        try:
            status = os.lstat(file)
            if stat.S_ISLNK(status.st_mode):
                problem = link_problem(file, dataset.root)
                if problem is not None:
                    dataset.unread.add(rel)
                    reader.file_problem(Mark(1, 1), *_LINK_PROBLEMS[problem])
                    continue
                status = os.stat(file)
            if not stat.S_ISREG(status.st_mode):  # a FIFO or device would block or never end
                dataset.unread.add(rel)
                reader.file_problem(
                    Mark(1, 1),
                    f"不是普通文件({_KIND_ZH.get(file_kind(status.st_mode), '特殊文件')}),不予读取",
                    f"{file_kind(status.st_mode)}, not a regular file; it is not read",
                )
                continue
            size = status.st_size
            if size > limit:
                reader.file_problem(
                    None,
                    f"文件大小 {size} 字节,超过上限 {max_file_mb} MB",
                    f"the file has {size} bytes, over the bound of {max_file_mb} MB",
                )
                continue
            data = read_regular(file)
        except OSError as error:
            dataset.unread.add(rel)
            reader.file_problem(
                Mark(1, 1),
                f"无法读取文件:{error.strerror}",
                f"cannot read the file: {error.strerror}",
            )
            continue
        if file.suffix == TABLE_SUFFIX:
            file_encoding = _encoding_of(rel, encoding)
            if file_encoding != "utf-8":
                dataset.encodings[rel] = file_encoding
            reader.read_csv(data, file_encoding)
        elif file.suffix == PARQUET_SUFFIX:
            reader.read_parquet(data)
        elif file.suffix.lower() in WORKBOOK_SUFFIXES:
            reader.read_workbook(data)
        else:
            reader.read(data)
    CURRENT_FILE = None
    dataset.issues = one_per_subject(dataset.issues)
    if progress is not None:
        progress(len(ordered), len(ordered), None, len(dataset))


def _encoding_of(rel: str, encoding: Sequence[tuple[str, str]]) -> str:
    """The encoding the first matching glob gives ``rel``; UTF-8 when none matches."""
    for pattern, name in encoding:
        if _excluded(rel, (pattern,)):
            return name
    return "utf-8"


def load_text(text: str, name: str = "data.yaml") -> Dataset:
    """Load one YAML document given as text (for examples and tests)."""
    dataset = Dataset(Path("."))
    dataset.files.append(name)
    _FileReader(dataset, name).read(text.encode("utf-8"))
    dataset.issues = one_per_subject(dataset.issues)
    return dataset
