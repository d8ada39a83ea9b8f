"""Helpers shared by the test modules."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Any

from guabao_rules.config import Config
from guabao_rules.dataset import Dataset
from guabao_rules.diagnostics import Diagnostic
from guabao_rules.engine.core import Report, plan, rules_known, run
from guabao_rules.engine.waivers import read_waivers
from guabao_rules.sources.loader import load, load_text
from guabao_rules.testing import datasets

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
BENCH = ROOT / "bench"


FUGONG_REGIONS = """\
regions:
  - {id: "530000", name: 云南省, level: province}
  - {id: "533300", name: 怒江傈僳族自治州, level: prefecture, parent: "530000"}
  - {id: "533323", name: 福贡县, level: county, parent: "533300", tags: [deep_poverty]}
  - {id: "533323101", name: 上帕镇, level: township, parent: "533323"}
  - {id: "533323101201", name: 腊竹底村, level: village, parent: "533323101", tags: [poor_village]}
"""
"""福贡县 from the province down to one poor village, the regions most rule tests stand on."""


RULE = """
pack: {name: test, description: {zh: 测试, en: test}}
rules:
  - id: X001
    name: test-rule
    title: {zh: 标题, en: title}
    message: {zh: 消息, en: message}
    severity: error
    subject: {zh: 县, en: county}
    description: {zh: 说明, en: description}
    rationale: {zh: 理由, en: rationale}
    source: {clause: (一), quote: 引文}
    constraint: CONSTRAINT
    params: {limit: {type: int, default: 1, description: {zh: 上限, en: limit}}}
    examples:
      fail: {data: "units: []", expect: [{subject: null}]}
      pass: {data: "units: []"}
"""
"""A one-rule pack; replace ``CONSTRAINT`` with a constraint (pack and usage-error tests)."""

COUNT = (
    "{kind: count, select: {collection: regions}, "
    "checks: [{relation: {collection: pairings, via: target}, min: {param: limit}}]}"
)
"""A constraint for :data:`RULE` that every pack check accepts."""


def rule_pack(constraint: str = COUNT, extra: str = "", clause: str = "(一)") -> bytes:
    """:data:`RULE` with this constraint and source clause, ``extra`` lines after it."""
    text = RULE.replace("CONSTRAINT", constraint).replace("clause: (一)", f"clause: {clause}")
    return (text + extra).encode()


def bench_generator() -> Any:
    """``bench/generate.py`` as a module (the benchmark's folder is not a package)."""
    sys.path.insert(0, str(BENCH))
    try:
        import generate
    finally:
        sys.path.remove(str(BENCH))
    return generate


def check_path(
    path: Path, *, as_of: date = date(2019, 12, 31), lang: str = "en", **kwargs: Any
) -> Report:
    """Load and check a dataset folder (English messages unless ``lang`` says)."""
    config = Config(as_of=as_of, lang=lang, **kwargs)
    return run(load(path), plan(config))


# --- the rule tests' one helper (the shape of yamllint's RuleTestCase) -------------------------

AS_OF = date(2019, 12, 31)
"""The day the rule tests judge their data at, unless a case needs another."""


Data = str | Dataset | Path
"""What a rule test judges: a YAML text, a loaded dataset, or a dataset folder."""


def run_rules(
    data: Data, *rules: str, as_of: date = AS_OF, lang: str = "en", **params: Any
) -> Report:
    """Run the given rules (ids or prefixes) over a YAML text, a dataset or a folder.

    A folder is loaded as the command loads it, with its waiver file.
    """
    config = Config(select=list(rules), as_of=as_of, params=params, lang=lang)
    if isinstance(data, Path):
        return run(load(data), plan(config), read_waivers(data, rules_known()))
    return run(load_text(data) if isinstance(data, str) else data, plan(config))


def findings(
    rule: str, data: Data, as_of: date = AS_OF, lang: str = "en", **params: Any
) -> list[Diagnostic]:
    """The findings of one rule on a YAML text, a dataset or a folder."""
    report = run_rules(data, rule, as_of=as_of, lang=lang, **params)
    return [d for d in report.diagnostics if d.rule == rule]


Place = tuple[str | None, str | None, int | None, int | None]


def places(found: list[Diagnostic]) -> list[Place]:
    """Each finding's subject, file, line and column."""
    return [(d.subject, d.file, d.line, d.column) for d in found]


def found(report: Report, rule: str) -> list[str | None]:
    """The subjects of one rule's findings in a report."""
    return [d.subject for d in report.diagnostics if d.rule == rule]


def applied(rule: str, data: Data, as_of: date = AS_OF, **params: Any) -> int:
    """How many subjects one rule looked at."""
    report = run_rules(data, rule, as_of=as_of, **params)
    return next(s.applied for s in report.rules if s.rule == rule)


# A small dataset shape the properties share: fast enough for CI, varied enough to find bugs.
SMALL = datasets(
    prefectures=(1, 2),
    counties_per_prefecture=(1, 2),
    villages_per_county=(0, 2),
    households_per_village=(0, 2),
    projects_per_county=(0, 2),
    funds_per_county=(0, 1),
    years=(1, 3),
)


# --- the columnar reader against the Python reader -------------------------------------------


def bulk_files(root: Path, encoding: str = "utf-8") -> list[Any]:
    """The bulk table files below ``root`` as the loader finds them, for the columnar reader."""
    from guabao_rules.columnar.reading import TableFile
    from guabao_rules.sources.csvsource import table_collection
    from guabao_rules.sources.loader import discover, table_path

    out = []
    for path in discover(root):
        rel = path.relative_to(root).as_posix()
        is_table = rel.endswith((".csv", ".parquet"))
        collection = table_collection(table_path(root, rel)) if is_table else None
        if collection is not None and path.is_file() and not path.is_symlink():
            out.append(TableFile(rel, path, collection, encoding))
    return out


def columnar_mismatches(files: list[Any]) -> list[str]:
    """How the columnar reader's result differs from the Python reader's on ``files`` (none: [])."""
    from guabao_rules.columnar.reading import read_bulk
    from guabao_rules.columnar.tables import decoded, table_of
    from guabao_rules.models import COLLECTIONS
    from guabao_rules.personal import scan_personal_data
    from guabao_rules.sources.csvsource import read_table
    from guabao_rules.sources.loader import _FileReader, may_hold_personal_data
    from guabao_rules.sources.parquetsource import read_parquet

    issues: list[Any] = []
    rows: dict[str, list[Any]] = {}
    personal: list[Any] = []
    invalid: list[Any] = []
    for file in files:
        reader = _FileReader(Dataset(Path(".")), file.rel)
        data = file.path.read_bytes()
        if file.rel.endswith(".parquet"):
            parsed, possible = read_parquet(data, file.collection), True
        else:
            parsed = read_table(data, file.collection, file.encoding)
            possible = may_hold_personal_data(data)
        reader.read_rows(file.collection, parsed)
        issues += [i for i in reader.dataset.issues if i.rule != "D001"]
        for row, (entry, table_row) in enumerate(
            zip(reader.dataset.entries, parsed.rows, strict=True)
        ):
            if entry.model is None:
                invalid.append((entry.collection, entry.id, entry.source, entry.mentions))
                continue
            rows.setdefault(file.collection, []).append((entry.model, file.rel, row))
            found = scan_personal_data(table_row.raw) if possible else []
            if found:
                personal.append((file.collection, file.rel, row, found))
    result = read_bulk(files)
    out: list[str] = []
    if result.issues != issues:
        out.append(f"issues differ: {len(result.issues)} columnar, {len(issues)} Python")
        out += [
            f"  columnar {a}\n  python   {b}"
            for a, b in zip(result.issues, issues, strict=False)
            if a != b
        ][:3]
    got_invalid = [(e.collection, e.id, e.source, e.mentions) for e in result.invalid]
    if got_invalid != invalid:
        out.append(f"invalid rows differ: {got_invalid[:3]} != {invalid[:3]}")
    for collection, table in result.tables.items():
        records = rows.get(collection, [])
        # Compared by value: each file's ``_file`` is a dictionary of its own.
        expected = decoded(table_of(COLLECTIONS[collection], ((m, f) for m, f, _ in records)))
        got = decoded(table).drop_columns(
            [n for n in table.column_names if n.startswith(("_row", "_text_"))]
        )
        if not got.equals(expected):
            for name in expected.column_names:
                if not got.column(name).equals(expected.column(name)):
                    out.append(
                        f"{collection}.{name} differs: {got.column(name).to_pylist()[:5]}"
                        f" != {expected.column(name).to_pylist()[:5]}"
                    )
            if got.num_rows != expected.num_rows:
                out.append(f"{collection}: {got.num_rows} rows, Python {expected.num_rows}")
        if table.column("_row").to_pylist() != [row for *_, row in records]:
            out.append(f"{collection}: the rows' places in their files differ")
    if result.personal != personal:
        out.append(f"personal data differs: {result.personal[:3]} != {personal[:3]}")
    return out
