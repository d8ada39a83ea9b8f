r"""The builders of the hostile corpus (see :mod:`corpus` for how to add one).

The values are written as YAML double-quoted escapes (``\e``, ``\u202e``, ``\0``)
where the raw character could not stand in a YAML file; the readers turn them
into the characters themselves, which is what reaches the outputs.
"""

from __future__ import annotations

import itertools
from pathlib import Path

from corpus import ANY, INJECTED_TAG, REGIONS, Expect, Finding, case, write

SELECT_D = ("--select", "D")


COUNTY = '  - {id: "533323", name: 福贡县, level: county, parent: "533300", '
"""A valid county but for what a case adds after it (on line 4)."""


def _unknown_key(root: Path, key: str, *, name: str = "r.yaml") -> Expect:
    """A county whose one unknown field is named ``key`` (a YAML double-quoted text).

    Its only problem, so the D003 points at the key itself.
    """
    line = COUNTY + f'"{key}": 1}}'
    write(root, name, REGIONS + line + "\n")
    column = line.index(f'"{key}"') + 1
    return Expect(findings=[Finding("D003", "533323", name, 4, column)], args=SELECT_D)


# --- terminal: control, bidi and invisible characters ------------------------------


@case("ANSI escapes repaint the screen", classes={"control"}, subprocess=True)
def _ansi(root: Path) -> Expect:
    return _unknown_key(root, r"\e[2J\e[H\e]0;owned\a\e[31mred")


@case("CR and LF forge a finding line", classes={"control", "line-endings"})
def _forged_line(root: Path) -> Expect:
    return _unknown_key(root, r"x\r\nr.yaml:1:1: D999 [error] forged\rFound 0 errors")


@case("C1 controls, DEL and NEL", classes={"control"})
def _c1(root: Path) -> Expect:
    return _unknown_key(root, r"a\x7f\x9b2J\x85b\x90c")


@case("Trojan Source bidi controls", classes={"bidi"})
def _bidi(root: Path) -> Expect:
    return _unknown_key(root, r"\u202eevil\u202c\u2066\u2067\u2068\u2069\u202a\u202b\u202d")


@case("zero-width and invisible characters", classes={"bidi"})
def _invisible(root: Path) -> Expect:
    return _unknown_key(root, r"a\u200bb\u200c\u200d\u200e\u200f\ufeff\u2060\u00ad\u3164c")


@case("a record id holding controls", classes={"control", "bidi"})
def _hostile_id(root: Path) -> Expect:
    subject = "\x1b[2J\u202e\r\n::error::x"
    write(
        root,
        "r.yaml",
        REGIONS + r'  - {id: "\e[2J\u202e\r\n::error::x", name: x, level: county, bad: 1}' + "\n",
    )
    # Two problems (`bad`, no `parent`): the D003 points at the record.
    return Expect(findings=[Finding("D003", subject, "r.yaml", 4, 6)], args=SELECT_D)


# --- GitHub workflow commands --------------------------------------------------------


@case("workflow commands in a value", classes={"github"})
def _workflow(root: Path) -> Expect:
    return _unknown_key(
        root, r"\n::error file=x.yaml,line=1::pwned\n::add-mask::secret%0A::warning::"
    )


@case("workflow commands in a file name", classes={"github", "uri"})
def _workflow_name(root: Path) -> Expect:
    return _unknown_key(root, "k", name="::error file=a,line=1::b%0A::x.yaml")


# --- XML (JUnit, GraphML), HTML ------------------------------------------------------


@case("characters XML 1.0 cannot carry", classes={"xml", "nul"})
def _xml(root: Path) -> Expect:
    return _unknown_key(root, r"a\0b\x01\x08\x0b\x0c\x1f\ufffe\uffffc")


@case("markup in values", classes={"html", "xml"})
def _markup(root: Path) -> Expect:
    payload = f'</script><{INJECTED_TAG} a=\\"1\\">&amp;<!--]]><![CDATA[x'
    return _unknown_key(root, payload)


# --- JSON, SARIF: file names ---------------------------------------------------------


@case("a file name that is not UTF-8", classes={"json", "surrogate-name", "uri"}, subprocess=True)
def _latin1_name(root: Path) -> Expect:
    write(root, b"caf\xe9 \xff.yaml", REGIONS + '  - {id: "533323", level: county, x: 1}\n')
    return Expect(findings=[Finding("D003", "533323", "caf\\xe9 \\xff.yaml", 4, 6)], args=SELECT_D)


@case("a file name with URI delimiters", classes={"uri"})
def _uri_name(root: Path) -> Expect:
    return _unknown_key(root, "k", name="sub dir/a:b #1?x=%20&y[0].yaml")


@case("a file name with controls and bidi", classes={"control", "uri"})
def _control_name(root: Path) -> Expect:
    name = "a\x1b[31m\u202eb.yaml"
    write(root, name, REGIONS + '  - {id: "533323", level: county, x: 1}\n')
    return Expect(findings=[Finding("D003", "533323", name, 4, 6)], args=SELECT_D)


# --- spreadsheets --------------------------------------------------------------------


@case("formula-looking ids and values", classes={"formula"})
def _formulas(root: Path) -> Expect:
    rows = [
        "id,village,status",
        '"=HYPERLINK(""http://x"",""y"")",533323200205,poor',
        "@SUM(1+1),533323200205,poor",
        "+cmd|' /C calc'!A0,533323200205,poor",
        "-2+3,533323200205,poor",
        '"\t=1",533323200205,poor',
    ]
    write(root, "households.csv", "\n".join(rows) + "\n")
    return Expect(
        findings=[
            Finding("D002", '=HYPERLINK("http://x","y")', "households.csv", 2, 34),
            Finding("D002", "@SUM(1+1)", "households.csv", 3, 11),
            Finding("D002", "+cmd|' /C calc'!A0", "households.csv", 4, 20),
            Finding("D002", "-2+3", "households.csv", 5, 6),
            Finding("D002", "\t=1", "households.csv", 6, 7),
        ],
        args=SELECT_D,
    )


# --- long values ---------------------------------------------------------------------


@case("a value of a million characters", classes={"long", "huge-line"})
def _long_value(root: Path) -> Expect:
    write(root, "r.yaml", REGIONS + COUNTY + f'level2: 1, name2: "{"x" * 10**6}"}}\n')
    # The D002 quotes the reference: it is cut, saying how long it was.
    write(root, "households.csv", f"id,village,status\nHH-1,{'9' * 500_000},poor\n")
    return Expect(
        findings=[
            Finding("D003", "533323", "r.yaml", 4, 6),
            Finding("D002", "HH-1", "households.csv", 2, 6),
        ],
        messages=("`" + "9" * 200 + "… (500000 characters)`",),
        args=SELECT_D,
    )


@case("a key of a thousand characters", classes={"long"})
def _long_key(root: Path) -> Expect:
    return _unknown_key(root, "k" * 1000)


@case("a key of a million characters", classes={"long", "huge-line"})
def _huge_key(root: Path) -> Expect:
    write(root, "r.yaml", REGIONS + COUNTY + "k" * 10**6 + ": 1}\n")
    return Expect(
        findings=[Finding("D003", "533323", "r.yaml", 4, len(COUNTY) + 1)],
        messages=("`" + "k" * 200 + "… (1000000 characters)`",),
        args=SELECT_D,
    )


# --- YAML edge cases -----------------------------------------------------------------


@case("a complex key in a record", classes={"yaml-edge"})
def _complex_key(root: Path) -> Expect:
    text = '  - id: "533323"\n    name: x\n    level: county\n    parent: "533300"\n'
    text += "    ? [a, b]\n    : 1\n"
    write(root, "r.yaml", REGIONS + text)
    return Expect(findings=[Finding("D003", "533323", "r.yaml", 8, 7)], args=SELECT_D)


@case("a raw U+2028 in a quoted scalar", classes={"yaml-edge"})
def _line_separator(root: Path) -> Expect:
    text = (
        '  - {id: "5333\u202823", name: "福\u2029贡", level: county}\n'
        '  - {id: "533324", name: x, level: county, parent: "533300", bad: 1}\n'
    )
    write(root, "r.yaml", REGIONS + text)
    column = text.split("\n")[1].index("bad") + 1  # U+2028 and U+2029 break no line
    return Expect(findings=[Finding("D003", "533324", "r.yaml", 5, column)], args=SELECT_D)


@case("NEL in a plain scalar", classes={"yaml-edge", "control"})
def _nel(root: Path) -> Expect:
    text = '  - id: "533323"\n    name: 福\x85贡\n    parent: "533300"\n    level: coun\x85ty\n'
    write(root, "r.yaml", REGIONS + text)
    return Expect(findings=[Finding("D003", "533323", "r.yaml", 7, 5)], args=SELECT_D)


@case("a python tag", classes={"yaml-edge"})
def _tag(root: Path) -> Expect:
    write(root, "r.yaml", "regions:\n  - !!python/object/apply:os.system ['touch pwned']\n")
    return Expect(findings=[Finding("D000", None, "r.yaml", 2, 5)], args=SELECT_D)


# --- bytes and lines -----------------------------------------------------------------


@case("NUL bytes in a YAML file", classes={"nul"})
def _nul_yaml(root: Path) -> Expect:
    write(root, "r.yaml", REGIONS.encode() + b'  - {id: "533323", name: a\x00b, level: county}\n')
    write(root, "ok.yaml", 'regions:\n  - {id: "533324", level: county, x: 1}\n')
    # The file with the NUL is a D000 where the NUL is; the other file still loads.
    return Expect(
        findings=[
            Finding("D000", None, "r.yaml", 4, 27),
            Finding("D003", "533324", "ok.yaml", 2, 6),
        ],
        args=SELECT_D,
    )


@case("NUL bytes in a CSV file", classes={"nul", "csv-cell"})
def _nul_csv(root: Path) -> Expect:
    # The csv module reads a NUL as a character: the D002 quotes it; no output may hold it raw.
    data = b"id,village,status\nHH-1,5333\x00,poor\nHH-2,533323200205,poor\n"
    write(root, "households.csv", data)
    return Expect(
        findings=[
            Finding("D002", "HH-1", "households.csv", 2, 6),
            Finding("D002", "HH-2", "households.csv", 3, 6),
        ],
        args=SELECT_D,
    )


@case("BOMs at the start and inside", classes={"bom"})
def _bom(root: Path) -> Expect:
    write(root, "r.yaml", "\ufeff" + REGIONS + COUNTY + 'x: "福\ufeff贡"}\n')
    write(root, "households.csv", "\ufeffid,village,status\nHH-1,533323200205,poor\n")
    return Expect(
        findings=[
            Finding("D003", "533323", "r.yaml", 4, len(COUNTY) + 1),
            Finding("D002", "HH-1", "households.csv", 2, 6),
        ],
        args=SELECT_D,
    )


@case("mixed line endings", classes={"line-endings"})
def _line_endings(root: Path) -> Expect:
    text = (
        'regions:\r\n  - {id: "530000", name: 云南省, level: province}\n'
        '  - {id: "533300", level: prefecture, parent: "530000"}\r'
        '  - {id: "533323", name: x, level: county, parent: "533300", bad: 1}\r\n'
    )
    write(root, "r.yaml", text)
    column = text.split("\r")[2].index("bad") + 1  # CR LF, LF and CR each end a line
    return Expect(
        findings=[
            Finding("D003", "533300", "r.yaml", 3, 6),
            Finding("D003", "533323", "r.yaml", 4, column),
        ],
        args=SELECT_D,
    )


@case("invalid UTF-8 in a data file", classes={"json"})
def _bad_utf8(root: Path) -> Expect:
    write(root, "r.yaml", REGIONS.encode() + b'  - {id: "533323", name: \xff\xfe, level: county}\n')
    return Expect(findings=[Finding("D000", None, "r.yaml", 4, 26)], args=SELECT_D)


@case("a line of two million characters", classes={"huge-line"}, subprocess=True)
def _huge_line(root: Path) -> Expect:
    write(root, "r.yaml", REGIONS + "# " + "x" * 2 * 10**6 + "\n" + COUNTY + "x: 1}\n")
    return Expect(findings=[Finding("D003", "533323", "r.yaml", 5, len(COUNTY) + 1)], args=SELECT_D)


# --- nesting and aliases -------------------------------------------------------------


@case("deeply nested flow sequences", classes={"deep"}, subprocess=True)
def _deep_flow(root: Path) -> Expect:
    write(root, "r.yaml", "regions: " + "[" * 100_000 + "]" * 100_000 + "\n")
    return Expect(findings=[Finding("D000", None, "r.yaml", 1, ANY)], args=SELECT_D)


@case("deeply nested block mappings", classes={"deep"})
def _deep_block(root: Path) -> Expect:
    lines = ["regions:", '  - id: "533323"', "    level: county", "    x:"]
    lines += [" " * (6 + 2 * i) + f"k{i}:" for i in range(300)]
    write(root, "r.yaml", "\n".join(lines) + " 1\n")
    return Expect(findings=[Finding("D000", None, "r.yaml", ANY, ANY)], args=SELECT_D)


@case("a billion laughs", classes={"alias"}, subprocess=True)
def _laughs(root: Path) -> Expect:
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for previous, name in itertools.pairwise("abcdefghij"):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    write(root, "r.yaml", "\n".join(lines) + "\n")
    return Expect(findings=[Finding("D000", None, "r.yaml", ANY, ANY)], args=SELECT_D)


@case("a recursive alias", classes={"alias"})
def _recursive(root: Path) -> Expect:
    write(root, "r.yaml", "regions: &r\n  - *r\n")
    return Expect(findings=[Finding("D000", None, "r.yaml", 1, 10)], args=SELECT_D)


# --- CSV cells -----------------------------------------------------------------------


VILLAGE = (
    '  - {id: "533323", name: 福贡县, level: county, parent: "533300"}\n'
    '  - {id: "533323200", name: 匹河乡, level: township, parent: "533323"}\n'
    '  - {id: "533323200205", name: 老姆登村, level: village, parent: "533323200"}\n'
)


def _households(root: Path, count: int, broken: dict[int, str]) -> None:
    """``count`` valid households but the rows ``broken``; the last one names no village."""
    write(root, "regions.yaml", REGIONS + VILLAGE)
    rows = ["id,village,status"]
    rows += [broken.get(i, f"HH-{i},533323200205,poor") for i in range(count - 1)]
    rows.append(f"HH-{count - 1},533323299999,poor")
    write(root, "households.csv", "\n".join(rows) + "\n")


@case("a CSV cell over the size limit", classes={"csv-cell", "huge-line"}, subprocess=True)
def _huge_cell(root: Path) -> Expect:
    _households(root, 100, {40: 'HH-40,"' + "x" * 2_000_000 + '",poor'})
    return Expect(
        findings=[
            Finding("D000", None, "households.csv", 42, 7),
            Finding("D002", "HH-99", "households.csv", 101, 7),  # the rows after it load
        ],
        records=5 + 99,
        args=SELECT_D,
    )


@case("a CSV quote left open mid-file", classes={"csv-cell"})
def _open_quote(root: Path) -> Expect:
    # The quote opened on row 41 would close on row 79, taking in the rows between.
    _households(root, 100, {40: 'HH-40,"533323200205,poor', 78: 'HH-78,"533323200205",poor'})
    return Expect(
        findings=[
            Finding("D000", None, "households.csv", 42, 7),
            Finding("D002", "HH-99", "households.csv", 101, 7),
        ],
        records=5 + 99,
        args=SELECT_D,
    )


@case("a CSV quote left open at the end", classes={"csv-cell"})
def _open_quote_end(root: Path) -> Expect:
    _households(root, 20, {5: 'HH-5,"533323200205,poor'})
    return Expect(
        findings=[
            Finding("D000", None, "households.csv", 7, 6),
            Finding("D002", "HH-19", "households.csv", 21, 7),
        ],
        records=5 + 19,
        args=SELECT_D,
    )
