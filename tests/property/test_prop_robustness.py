"""No input crashes the command line: broken, odd and hostile data files alike.

``guabao-rules check DIR --format json`` must exit 0 or 1 with a JSON report
(unreadable files are D000 findings), or 2 with one line on stderr for a
waiver or config file it cannot use; never a traceback, never an exception.
"""

from __future__ import annotations

import json
import tempfile
from datetime import date
from pathlib import Path

import yaml
from hypothesis import given, note
from hypothesis import strategies as st
from prop_support import assert_one_per_subject, run_cli, scaled

from guabao_rules.models import COLLECTIONS
from guabao_rules.testing import datasets, layouts, render_files

FIELDS = sorted({name for model in COLLECTIONS.values() for name in model.model_fields})
KEYS = st.one_of(st.sampled_from(FIELDS), st.sampled_from(sorted(COLLECTIONS)), st.text(max_size=8))
ODD_TEXT = st.sampled_from(
    [
        "2019-02-30",
        "0000-01-01",
        "9999-12-31",
        "2019-13-01",
        "2019-Q5",
        "1e400",
        "-0",
        ".inf",
        ".nan",
        "533300",
        "1.005",
        "yes",
        "on",
        "~",
        "12345678901",
        "110105194912310020",
        "11010519491231002X",
        "9" * 400,
        "",
        " ",
    ]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**18, max_value=10**400),
    st.floats(),
    st.text(max_size=20),
    st.dates(min_value=date(1, 1, 1)),
    ODD_TEXT,
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=25,
)
RECORDS = st.dictionaries(KEYS, VALUES, max_size=8)
DOCUMENTS = st.one_of(
    VALUES,
    st.dictionaries(
        st.one_of(st.sampled_from(sorted(COLLECTIONS)), KEYS),
        st.one_of(st.lists(st.one_of(RECORDS, VALUES), max_size=4), VALUES),
        max_size=4,
    ),
)


@st.composite
def yaml_files(draw: st.DrawFn) -> bytes:
    """A random YAML document, dumped as PyYAML would (any encoding PyYAML offers)."""
    document = draw(DOCUMENTS, label="document")
    text = yaml.safe_dump(document, allow_unicode=draw(st.booleans()), sort_keys=False)
    return text.encode("utf-8")


@st.composite
def damaged_files(draw: st.DrawFn) -> bytes:
    """A valid data file truncated, overwritten or spliced with random bytes."""
    dataset = draw(datasets(villages_per_county=(0, 1), projects_per_county=(0, 2)))
    files = render_files(dataset, draw(layouts(styles=("single", "per_collection"))))
    data = draw(st.sampled_from(sorted(files.values())))
    at = draw(st.integers(0, len(data)))
    how = draw(st.sampled_from(["truncate", "overwrite", "insert", "delete"]))
    junk = draw(st.binary(min_size=1, max_size=8))
    if how == "truncate":
        return data[:at]
    if how == "overwrite":
        return data[:at] + junk + data[at + len(junk) :]
    if how == "insert":
        return data[:at] + junk + data[at:]
    return data[:at] + data[at + draw(st.integers(1, 40)) :]


@st.composite
def encoded_files(draw: st.DrawFn) -> bytes:
    """A valid data file in another encoding (UTF-16, GBK, Latin-1, UTF-8 with BOM)."""
    dataset = draw(datasets(villages_per_county=(0, 1), projects_per_county=(0, 1)))
    text = render_files(dataset)[draw(st.sampled_from(["regions.yaml", "units.yaml"]))]
    encoding = draw(st.sampled_from(["utf-16", "utf-16-le", "gbk", "latin-1", "utf-8-sig"]))
    return text.decode("utf-8").encode(encoding, errors="replace")


def _nested(kind: str, depth: int) -> bytes:
    if kind == "flow":
        return ("units: " + "[" * depth + "]" * depth + "\n").encode()
    if kind == "mapping":
        return ("units:\n" + "".join(f"{'  ' * i}- k{i}:\n" for i in range(depth))).encode()
    return ("regions:\n  - " + "- " * depth + "x\n").encode()


NESTED = st.builds(
    _nested, st.sampled_from(["flow", "mapping", "sequence"]), st.sampled_from([50, 300, 1200])
)

ODD_RECORDS = st.sampled_from(
    [
        b"visits:\n  - {id: V-1, visitor: U-1, county: '533323', date: 2019-02-30}\n",
        b"funds:\n  - {id: F-1, name: x, source: central, year: 99999999999999999999, "
        b"amount: 1e400}\n",
        b"funds:\n  - {id: F-1, name: x, source: central, year: 2019, amount: "
        + b"9" * 5000
        + b"}\n",
        b"allocations:\n  - {id: A-1, fund: F-1, project: P-1, amount: .nan, date: 0000-01-01}\n",
        b"projects:\n  - {id: P-1, progress: [{date: 9999-12-31, physical_pct: 1e9999}]}\n",
        b"reports:\n  - {id: R-1, reporter: C, household: H, period: 0000-Q1, date: 2019-1-1}\n",
        b"a: &a [*a]\n",
        b"a: &a ['x', 'x']\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
        b"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
        b"e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n",
        b"units:\n  - !!python/object/apply:os.system ['echo pwned']\n",
        b"units: !!binary aGVsbG8=\n",
        b"%YAML 1.1\n---\nunits: []\n---\nleaders: []\n",
        b"\xef\xbb\xbfunits: []\n",
        b"\x00\x01\x02",
        b"",
        b"units:\n  - {id: 533300, name: 1, kind: provincial_unit}\n  - {id: true}\n  - {id: .5}\n",
    ]
)

DATA_FILES = st.one_of(
    yaml_files(), st.binary(max_size=300), damaged_files(), encoded_files(), NESTED, ODD_RECORDS
)


@scaled(2.0)
@given(
    files=st.lists(DATA_FILES, min_size=1, max_size=3),
    settings_file=st.one_of(st.none(), st.binary(max_size=60), yaml_files()),
    fmt=st.sampled_from(["json", "json", "text", "sarif", "junit", "github"]),
)
def test_no_input_crashes_the_command_line(
    files: list[bytes], settings_file: bytes | None, fmt: str
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        for index, data in enumerate(files):
            path = root / ("nested/" * (index % 2)) / f"file-{index}.yaml"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            note(f"--- {path.relative_to(root)}\n{data[:3000]!r}")
        if settings_file is not None:
            # A broken waiver file may stop the check, but in one line (exit 2).
            (root / "guabao-rules-waivers.yaml").write_bytes(settings_file)
            note(f"--- guabao-rules-waivers.yaml\n{settings_file!r}")
        status, out, err = run_cli(["check", folder, "--format", fmt, "--as-of", "2019-12-31"])
    note(f"status {status}\nstderr {err!r}\nstdout {out[:3000]!r}")
    assert "Traceback" not in err + out
    assert "internal error" not in err
    if status == 2:
        assert settings_file is not None, "data files alone never stop the check"
        assert err.count("\n") == 1 and err.endswith("\n")
        return
    assert status in (0, 1)
    if fmt == "json":
        report = json.loads(out)
        assert report["summary"]["files"] == len(files)
        assert_one_per_subject([(d["rule"], d["subject"]) for d in report["diagnostics"]])
