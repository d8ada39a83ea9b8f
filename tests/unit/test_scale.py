"""The fast paths of loading give the same results as the plain ones (never timing)."""

from __future__ import annotations

import gc
import itertools
import json
from pathlib import Path

import pytest
import yaml
from helpers import bench_generator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guabao_rules.dataset import paused_gc
from guabao_rules.engine.core import check
from guabao_rules.personal import scan_personal_data
from guabao_rules.sources import loader, yamlfast, yamlsource
from guabao_rules.sources.loader import load, long_digit_runs, may_hold_personal_data
from guabao_rules.sources.yamlfast import _UNREAD, _unread, line_starts, parse_plain
from guabao_rules.sources.yamlsource import parse_yaml

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

# Digits, signs and the characters around numbers, so personal data turns up often.
DIGITY = (
    st.text(alphabet=st.sampled_from(list("0123456789Xx+-. 1313xo\\ab电话")), max_size=24)
    | st.from_regex(r"[a-z 电]{0,2}1[3-9][0-9]{9}[a-z 话X]{0,2}", fullmatch=True)
    | st.from_regex(r"[a-z 电]{0,2}[0-9]{17}[0-9X][a-z 话]{0,2}", fullmatch=True)
)
VALUES = st.recursive(
    st.integers(min_value=0, max_value=10**19)
    | st.integers(min_value=13 * 10**9, max_value=2 * 10**10)
    | DIGITY,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(DIGITY, children, max_size=4),
    max_leaves=12,
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(VALUES, st.sampled_from(["plain", "quoted", "leading_zeros", "hex"]))
def test_a_file_whose_text_has_no_hint_holds_no_personal_data(value: object, style: str) -> None:
    if style == "quoted":
        text = yaml.safe_dump(value, allow_unicode=True, default_style='"')
    else:
        text = yaml.safe_dump(value, allow_unicode=True)
    if style == "leading_zeros":
        text = text.replace(": 1", ": 001").replace("- 1", "- 001")
    elif style == "hex" and isinstance(value, int):
        text = hex(value)
    data = text.encode("utf-8")
    parsed = parse_yaml(data)
    if parsed.fatal:
        return
    if scan_personal_data(parsed.value):
        assert may_hold_personal_data(data), text


def test_hint_examples() -> None:
    assert not may_hold_personal_data(b'- {id: HH-1, village: "530122200201", status: poor}\n')
    assert may_hold_personal_data(b"phone: 13800138000\n")
    assert may_hold_personal_data(b"phone: 013800138000\n")
    assert may_hold_personal_data(b"phone: 0x33698C8D0\n")
    assert may_hold_personal_data(b'id: "11010519491231002X"\n')
    assert may_hold_personal_data(b'note: "\\u0031"\n')


@settings(max_examples=300, deadline=None)
@given(
    st.binary(max_size=80)
    | st.text(alphabet=st.sampled_from(list("0123456789Xx\n -a\x00真")), max_size=120).map(
        lambda text: text.encode("utf-8")
    ),
    st.integers(1, 8),
)
def test_long_digit_runs_are_the_patterns_matches(data: bytes, chunk: int) -> None:
    """Split at C speed, chunk by chunk, the runs are what the pattern finds in the whole text."""
    original = loader._RUN_CHUNK
    loader._RUN_CHUNK = chunk
    try:
        assert long_digit_runs(data) == set(loader._DIGIT_RUN.findall(data))
    finally:
        loader._RUN_CHUNK = original


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab\n真 ")), max_size=60), st.integers(1, 7))
def test_line_starts_chunk_by_chunk(text: str, chunk: int) -> None:
    original = yamlfast._STARTS_CHUNK
    yamlfast._STARTS_CHUNK = chunk
    try:
        starts = list(line_starts(text))
    finally:
        yamlfast._STARTS_CHUNK = original
    lines = text.split("\n")
    assert len(starts) == len(lines) + 1
    assert [text[a : b - 1] for a, b in itertools.pairwise(starts)] == lines


@pytest.mark.parametrize("code", range(128))
def test_the_ascii_check_of_unread_characters_is_the_patterns(code: int) -> None:
    for text in (chr(code), f"a: {chr(code)}\n", f"{chr(code)}真"):
        assert _unread(text) == (_UNREAD.search(text) is not None), repr(text)


def test_loading_restores_the_garbage_collector(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("units:\n  - {id: U-1, name: 单位, kind: other}\n")
    assert gc.isenabled()
    dataset = load(tmp_path)
    assert gc.isenabled()
    assert dataset.index.records("units")
    assert gc.isenabled()
    check(dataset)
    assert gc.isenabled()
    gc.disable()
    try:
        load(tmp_path)
        assert not gc.isenabled()
        with paused_gc():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_generated_dataset_is_valid_and_loads_every_record(tmp_path: Path) -> None:
    generate = bench_generator()
    shape = generate.Shape(villages=2)
    written = {
        form: generate.generate(
            shape, tmp_path / form, form=form, json_root=tmp_path / f"{form}-json"
        )
        for form in ("flow", "block", "csv", "parquet")
    }
    datasets = {form: load(tmp_path / form) for form in written}
    for form, dataset in datasets.items():
        assert len(dataset.entries) == written[form].records, form
        assert not dataset.issues, form
        assert all(entry.valid for entry in dataset.entries), form
    assert any(name.endswith(".csv") for name in datasets["csv"].files)
    assert any(name.endswith(".parquet") for name in datasets["parquet"].files)
    models = {k: e.model for k, e in datasets["flow"].by_id.items()}
    for form in ("block", "csv", "parquet"):
        assert {k: e.model for k, e in datasets[form].by_id.items()} == models, form


def test_the_generator_walks_the_real_provinces_shape(tmp_path: Path) -> None:
    from guabao_rules.testing.world import SeededChooser, codes_under

    generate = bench_generator()
    writer = generate.Writer(tmp_path, "csv", None)
    province = generate.Province(writer, SeededChooser(0), generate.Shape.province())
    assert province.prefectures() == 16  # Yunnan's, with its 129 counties
    places = [generate.Place("prefecture", f"53{n:02d}00", "530000", n) for n in range(16)]
    counts = [province.counties_in(p) for p in places]
    assert sum(counts) == 129 and set(counts) == {8, 9}
    # A small world: every id unique (they come from positions), codes the walk's.
    generate.generate(generate.Shape(villages=14), tmp_path / "d", form="csv")
    dataset = load(tmp_path / "d")
    assert len(dataset.by_id) == len(dataset.entries)
    levels = {k: getattr(e.model, "level", None) for k, e in dataset.by_id.items()}
    villages = sorted(k for k, level in levels.items() if level == "village")
    township = codes_under("township", "530101")
    assert villages[:13] == [
        *codes_under("village", township[0])[:12],
        codes_under("village", township[1])[0],
    ]


def test_generated_block_yaml_is_what_safe_dump_writes(tmp_path: Path) -> None:
    generate = bench_generator()
    generate.generate(
        generate.Shape(villages=1), tmp_path / "d", form="block", json_root=tmp_path / "j"
    )
    bulk = 0
    for path in sorted((tmp_path / "d").rglob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        floor = json.loads(
            (tmp_path / "j" / path.relative_to(tmp_path / "d"))
            .with_suffix(".json")
            .read_text(encoding="utf-8")
        )
        assert parse_yaml(text.encode("utf-8")).value == floor, path
        assert "{" not in text, path  # block style: no flow mapping per line
        if path.stem in ("households", "reports"):  # bulk rows only
            bulk += 1
            assert text == yaml.safe_dump(floor, allow_unicode=True, sort_keys=False), path
    assert bulk == 2  # households.yaml, reports.yaml


def test_generated_world_is_its_seeds_and_its_tables_are_the_models(tmp_path: Path) -> None:
    from guabao_rules.models import TABLE_COLLECTIONS

    generate = bench_generator()
    assert generate.TABLE_COLLECTIONS is TABLE_COLLECTIONS  # no second copy

    def files(seed: int, name: str) -> dict[str, bytes]:
        root = tmp_path / name
        generate.generate(generate.Shape(villages=2), root, form="flow", seed=seed)
        return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.*"))}

    assert files(3, "a") == files(3, "b")
    other = files(4, "c")
    assert other.keys() == files(3, "a").keys() and other != files(3, "a")


# --- the fast YAML reader gives exactly what PyYAML gives -----------------------------

SAFE_TEXT = st.text(alphabet=st.sampled_from(list("ab1.-_ 真X")), max_size=8)
WORDS = st.sampled_from(
    ["true", "False", "null", "~", "", "1.50", "-7", "0x1F", "007", "2019-01-01", "-.inf", "a b"]
)
ODD_TEXT = st.text(alphabet=st.sampled_from(list(" -?:,[]{}#&*!|>'\"%@`.019ab_真\\\t")), max_size=6)
SAFE_KEYS = st.sampled_from(["id", "name", "a_b", "K9", "tags", "x", "y", "_z"])
ODD_KEYS = st.text(alphabet=st.sampled_from(list("ab_-: 1'\"#")), min_size=1, max_size=4)


@st.composite
def scalar(draw: st.DrawFn, odd: bool) -> str:
    text = draw(st.one_of(WORDS, SAFE_TEXT, ODD_TEXT) if odd else st.one_of(WORDS, SAFE_TEXT))
    style = draw(st.sampled_from(["plain", "plain", "double", "single"]))
    if style == "double":
        return '"' + text + '"'
    if style == "single":
        return "'" + text.replace("'", "''") + "'"
    return text


def key(draw: st.DrawFn, odd: bool) -> str:
    return draw(st.one_of(SAFE_KEYS, ODD_KEYS) if odd else SAFE_KEYS)


@st.composite
def flow(draw: st.DrawFn, odd: bool, depth: int = 0) -> str:
    def item() -> str:
        if depth < 2 and draw(st.integers(0, 4)) == 0:
            return draw(flow(odd, depth + 1))
        return draw(scalar(odd))

    separator = draw(st.sampled_from([", ", ",", " , ", ", "]))
    if draw(st.booleans()):
        entries: dict[str, str] = {}
        for _ in range(draw(st.integers(0, 4))):
            entries.setdefault(key(draw, odd), item())
        if odd and entries and draw(st.integers(0, 5)) == 0:
            entries[next(iter(entries)) + ": x, " + next(iter(entries))] = item()  # duplicate
        return "{" + separator.join(f"{k}: {v}" for k, v in entries.items()) + "}"
    return "[" + separator.join(item() for _ in range(draw(st.integers(0, 4)))) + "]"


@st.composite
def block(draw: st.DrawFn, indent: int, depth: int, odd: bool) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    names = [key(draw, odd) for _ in range(draw(st.integers(1, 3)))]
    if not odd:
        names = list(dict.fromkeys(names))
    for name in names:
        kind = draw(st.sampled_from(["scalar", "flow", "seq", "map", "empty"]))
        comment = draw(st.sampled_from(["", "", " # note", "  #x", "#x" if odd else ""]))
        if kind == "scalar":
            lines.append(f"{pad}{name}: {draw(scalar(odd))}{comment}")
        elif kind == "flow":
            lines.append(f"{pad}{name}: {draw(flow(odd))}{comment}")
        elif kind == "empty" or depth > 2:
            lines.append(f"{pad}{name}:{comment}")
        elif kind == "map":
            lines.append(f"{pad}{name}:")
            lines.extend(draw(block(indent + draw(st.sampled_from([2, 4])), depth + 1, odd)))
        else:
            lines.append(f"{pad}{name}:")
            inner = indent + draw(st.sampled_from([0, 2]))
            for _ in range(draw(st.integers(1, 3))):
                style = draw(st.sampled_from(["flow", "scalar", "compact"]))
                if style == "compact":
                    sub = draw(block(inner + 2, depth + 1, odd))
                    lines.append(" " * inner + "- " + sub[0][inner + 2 :])
                    lines.extend(sub[1:])
                else:
                    value = draw(flow(odd)) if style == "flow" else draw(scalar(odd))
                    lines.append(f"{' ' * inner}- {value}{comment}")
        if draw(st.integers(0, 8)) == 0:
            extra = ["", "  ", "# c", "   # c"] + (["---", "  x", "- y"] if odd else [])
            lines.append(draw(st.sampled_from(extra)))
    return lines


def parse_both(data: bytes) -> tuple[object, object]:
    """The reading with the fast reader first, and PyYAML's alone."""
    fast = parse_yaml(data)
    yamlsource.FAST_PATH = False
    try:
        slow = parse_yaml(data)
    finally:
        yamlsource.FAST_PATH = True
    return fast, slow


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(block(0, 0, odd=False))
def test_fast_reader_equals_pyyaml(lines: list[str]) -> None:
    data = ("\n".join(lines) + "\n").encode("utf-8")
    fast, slow = parse_both(data)
    assert fast == slow, data.decode()


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(block(0, 0, odd=True))
def test_fast_reader_equals_pyyaml_on_odd_text(lines: list[str]) -> None:
    data = ("\n".join(lines) + "\n").encode("utf-8")
    fast, slow = parse_both(data)
    assert fast == slow, data.decode()


def test_fast_reader_reads_the_bundled_and_generated_data(tmp_path: Path) -> None:
    generate = bench_generator()
    for form in ("flow", "block"):
        generate.generate(generate.Shape(villages=2), tmp_path / form, form=form)
    files = [*tmp_path.rglob("*.yaml"), *(EXAMPLES / "yunnan-sanqu-sanzhou").rglob("*.yaml")]
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert parse_plain(text, yamlsource._plain) is not None, path
        fast, slow = parse_both(path.read_bytes())
        assert fast == slow, path


@pytest.mark.parametrize(
    "text",
    [
        "a: &x 1\nb: *x\n",
        "a: !!python/object:os.system x\n",
        "a: |\n  text\n",
        "a: b\na: c\n",
        "a:\n  - {x: 1, x: 2}\n",
        "a: b\n  c\n",
        "a: {x: 1,\n  y: 2}\n",
        "a:\tb\n",
        "a: b\r\n",
        "a: 'it''s'\n",
        'a: "x\\ty"\n',
        "---\na: 1\n",
        "a: 1\n---\nb: 2\n",
        "? a\n: b\n",
        "a: [b, [c, [d]]]\n",
        "a:\n- b\n- c\nd: e\n",
        "a:\n  -\n    b: c\n",
        "a:\n  - {b: x\\ny, c: 1}\n",
        "a:\n  - {b: 007, c: +5, d: .5, e: True, f: ~, g: .inf, h: -Infinity, i: 0x1F}\n",
        "a:\n  - {b: 1e5, c: -0, d: 1.50, e: NaN, f: 2019-01-01, g: 1_000, h: 1 2}\n",
        'a:\n  - {b: "x, y: z", c: 1}\n  - {b: 2}\n',
    ],
)
def test_fast_reader_leaves_the_rest_to_pyyaml(text: str) -> None:
    fast, slow = parse_both(text.encode("utf-8"))
    assert fast == slow


# --- block style: runs of alike records, as yaml.safe_dump and people write them ----------

BLOCK_SCALARS = st.one_of(
    st.sampled_from(["poor", "HH-1", "2019-Q1", "533323", "007", "true", "True", "null", "~"]),
    st.sampled_from(["1.50", "-7", "0x1F", "2019-01-01", "", "a b", "it's", 'say "x"', "a: b"]),
    st.sampled_from([" #", "x #y", "[a]", "{a: 1}", "- x", "真", "1_000", ".inf", "a\\b"]),
    st.integers(-5, 10**12),
    st.booleans(),
    st.none(),
)
BLOCK_RECORD = st.fixed_dictionaries(
    {"id": BLOCK_SCALARS},
    optional={
        "village": BLOCK_SCALARS,
        "status": BLOCK_SCALARS,
        "tags": st.lists(BLOCK_SCALARS, max_size=3),
        "date": BLOCK_SCALARS,
    },
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(BLOCK_RECORD, min_size=1, max_size=6),
    st.integers(1, 70),
    st.sampled_from(["safe_dump", "indented", "blank lines", "comment"]),
)
def test_fast_reader_equals_pyyaml_on_block_records(
    records: list[dict[str, object]], repeat: int, style: str
) -> None:
    """Runs of alike block records (read column by column) give PyYAML's values and positions."""
    data = {"households": records * repeat, "reports": records}
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    if style == "indented":  # as people write it: the items indented under their key
        text = "\n".join(("  " + line if line[:1] in "- " else line) for line in text.split("\n"))
    elif style == "blank lines":
        text = text.replace("\n- ", "\n\n- ", 3)
    elif style == "comment":
        text = text.replace("\n  ", "\n  # note\n  ", 1)
    fast, slow = parse_both(text.encode("utf-8"))
    assert fast == slow, text
    assert fast.positions is None or fast.positions.children == slow.positions.children


def test_block_records_are_read_by_columns_with_lazy_positions() -> None:
    records = [
        {"id": f"HH-{n}", "village": "533323200201", "status": "poor", "tags": ["a", "b"]}
        for n in range(200)
    ]
    text = yaml.safe_dump({"households": records}, allow_unicode=True, sort_keys=False)
    read = parse_plain(text, yamlsource._plain)
    assert read is not None
    value, positions, nodes = read
    assert value == {"households": records}
    assert positions is not None
    households = positions.children["households"]
    assert all(type(tree).__name__ == "_BlockPositions" for tree in households.children.values())
    assert households.children[199].keys["tags"].line == 199 * 6 + 2 + 3
    fast, slow = parse_both(text.encode("utf-8"))
    assert fast == slow
    assert nodes == slow.nodes


def test_findings_in_block_records_point_where_pyyaml_points(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Broken records deep in runs read by columns: the same findings, file:line:column."""
    households = [
        {"id": f"HH-533323200201-{n:03d}", "village": "533323200201", "status": "poor"}
        for n in range(300)
    ]
    households[7]["status"] = "rich"
    households[250]["village"] = "533323200299"
    del households[251]["status"]
    households[299]["id"] = households[0]["id"]
    reports = [
        {
            "id": f"R-{n}",
            "reporter": "C-1",
            "household": households[n]["id"],
            "period": "2019-Q1" if n != 120 else "2019-Q5",
            "date": "2019-04-09" if n != 121 else "2019-02-30",
            "recipients": ["U-1", "C-1"],
        }
        for n in range(200)
    ]
    text = yaml.safe_dump(
        {
            "regions": [{"id": "533323200201", "name": "村", "level": "village"}],
            "households": households,
            "reports": reports,
        },
        allow_unicode=True,
        sort_keys=False,
    )
    (tmp_path / "data.yaml").write_text(text, encoding="utf-8")

    def findings() -> list[tuple[str, str | None, str]]:
        report = check(load(tmp_path))
        return [(d.rule, d.subject, str(d.location)) for d in report.diagnostics]

    fast = findings()
    monkeypatch.setattr(yamlsource, "FAST_PATH", False)
    assert fast == findings()
    assert {"D001", "D002", "D003"} <= {rule for rule, _, _ in fast}
