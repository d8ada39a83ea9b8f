"""Every usage error says the same in zh and en (issue 12, "Chinese parity").

Usage errors (one line, exit status 2) are :class:`BilingualError` s raised
with a zh and an en template. Three checks:

- every raise in the package gives both templates, naming the same
  placeholders (read from the source, so a new English-only message fails);
- every one of them is reached by a command line (or, for pack-author and
  API errors, a call) below, in zh and in en: the same facts (names in
  backticks, quoted values, numbers, the paths) in both, and the zh line is
  Chinese; argparse's own errors too;
- the language is the one documented in ``docs/output.md``: the report's
  (configuration ``lang``, ``--lang``), else ``--lang`` as typed, else the locale.
"""

from __future__ import annotations

import ast
import errno
import os
import re
import string
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from helpers import ROOT, bench_generator
from helpers import RULE as PACK_RULE

from guabao_rules import diagnostics
from guabao_rules.api import check_path
from guabao_rules.cli import UNTRANSLATED, argparse_text, main
from guabao_rules.config import from_mapping
from guabao_rules.diagnostics import BilingualError
from guabao_rules.packs import parse_pack

ERRORS = {
    "BilingualError",
    "UsageError",
    "ConfigError",
    "PackError",
    "OutputError",
    "EngineError",
    "BaselineError",
    "WaiverError",
}
"""The usage-error classes (BilingualError and its subclasses)."""

REGIONS = "regions:\n  - {id: '530000', name: 云南省, level: province}\n"
_CJK = re.compile(r"[\u4e00-\u9fff]")


# --- 1. every raise gives both templates, with the same placeholders ----------------


@dataclass
class Site:
    where: str
    zh: str | None
    en: str | None
    wraps: bool  # text=: another error's or a reader's bilingual text


def _fields(template: str) -> Counter[tuple[str, str | None, str]]:
    return Counter(
        (name, conversion, spec or "")
        for _, name, spec, conversion in string.Formatter().parse(template)
        if name is not None
    )


def raise_sites() -> list[Site]:
    sites = []
    for path in sorted((ROOT / "guabao_rules").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            if node.func.id not in ERRORS:
                continue
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            words = {k.arg: k.value for k in node.keywords}
            assert not node.args, f"{where}: a positional message (English only?)"
            texts = {
                lang: words[lang].value
                for lang in ("zh", "en")
                if isinstance(words.get(lang), ast.Constant)
            }
            sites.append(Site(where, texts.get("zh"), texts.get("en"), "text" in words))
    return sites


SITES = raise_sites()


def test_the_source_scan_sees_the_raises() -> None:
    assert len(SITES) > 60
    assert any(s.en == "no rule selected" for s in SITES)


@pytest.mark.parametrize("site", SITES, ids=[s.where for s in SITES])
def test_every_raise_has_zh_and_en_with_the_same_placeholders(site: Site) -> None:
    if site.wraps:
        assert site.zh is None and site.en is None, site.where
        return
    assert isinstance(site.zh, str) and isinstance(site.en, str), site.where
    # (Whether the zh line is Chinese is seen on the rendered line, below: a template
    # may be all placeholders, a reader's bilingual text put in it.)
    assert _fields(site.zh) == _fields(site.en), site.where


# --- 2. every message reached, in zh and in en --------------------------------------


_TICKED = re.compile(r"`([^`]*)`")
_QUOTED = re.compile(r"'([^'\s]*)'")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_PATH = re.compile(r"/[\w./-]+")


def facts(message: str) -> tuple[Counter[str], ...]:
    """What a user acts on: names, quoted values, numbers, paths."""
    return tuple(Counter(p.findall(message)) for p in (_TICKED, _QUOTED, _NUMBER, _PATH))


def assert_same_facts(zh: str, en: str) -> None:
    assert zh != en, en
    assert _CJK.search(zh), zh
    assert UNTRANSLATED not in zh, zh
    assert facts(zh) == facts(en), (zh, en)


@dataclass
class Walked:
    """The en templates of the messages raised while walking."""

    templates: set[str] = field(default_factory=set)


WALKED = Walked()


@pytest.fixture(autouse=True)
def record(monkeypatch: pytest.MonkeyPatch) -> None:
    real = BilingualError.__init__

    def init(self: BilingualError, **kwargs: Any) -> None:
        if isinstance(kwargs.get("en"), str):
            WALKED.templates.add(kwargs["en"])
        real(self, **kwargs)

    monkeypatch.setattr(BilingualError, "__init__", init)


@dataclass(frozen=True)
class Case:
    """A command line that is a usage error; ``build`` makes its files and returns argv."""

    name: str
    build: Callable[[Path, pytest.MonkeyPatch], list[str]]
    flag: bool = True  # the language is given as --lang (else by the locale: schema, graph)


def _data(tmp: Path, extra: dict[str, str] | None = None) -> Path:
    root = tmp / "data"
    root.mkdir(exist_ok=True)
    for name, text in {"regions.yaml": REGIONS, **(extra or {})}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def _config(tmp: Path, text: str, name: str = "guabao-rules.toml") -> list[str]:
    root = _data(tmp)
    (root / name).write_text(text, encoding="utf-8")
    return ["check", str(root)]


def _out_of_memory(tmp: Path) -> list[str]:
    """Bulk tables DuckDB cannot check within the memory the config gives it."""
    generate = bench_generator()
    root = tmp / "tables"
    generate.generate(generate.Shape(villages=8), root, form="csv")
    with (root / "guabao-rules.toml").open("a", encoding="utf-8") as config:
        config.write('\n[duckdb]\nmemory_limit = "2MB"\n')
    return ["check", str(root), "--engine", "duckdb"]


def _config_bytes(tmp: Path, data: bytes) -> list[str]:
    root = _data(tmp)
    (root / "guabao-rules.toml").write_bytes(data)
    return ["check", str(root)]


def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def _check(tmp: Path, *extra: str) -> list[str]:
    return ["check", str(_data(tmp)), *extra]


def _baseline(tmp: Path, text: str | bytes) -> list[str]:
    path = tmp / "baseline.json"
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return _check(tmp, "--baseline", str(path))


def _waivers(tmp: Path, text: str) -> list[str]:
    return ["check", str(_data(tmp, {"guabao-rules-waivers.yaml": text}))]


def _profile(tmp: Path, text: str) -> list[str]:
    path = tmp / "mine.yaml"
    path.write_text(text, encoding="utf-8")
    return _check(tmp, "--profile", str(path))


def _tty(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)


def _no_module(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    # `import name` raises ImportError, also for a submodule an earlier test imported.
    for loaded in [m for m in sys.modules if m.startswith(name + ".")]:
        monkeypatch.setitem(sys.modules, loaded, None)
    monkeypatch.setitem(sys.modules, name, None)


def _full_stdout(monkeypatch: pytest.MonkeyPatch) -> None:
    def write(_: str) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(sys.stdout, "write", write)


def _link_out(tmp: Path) -> list[str]:
    root = _data(tmp)
    (tmp / "elsewhere.yaml").write_text("waivers: []\n", encoding="utf-8")
    (root / "guabao-rules-waivers.yaml").symlink_to(tmp / "elsewhere.yaml")
    return ["check", str(root)]


def _fifo_waivers(tmp: Path) -> list[str]:
    root = _data(tmp)
    _fifo(root / "guabao-rules-waivers.yaml")
    return ["check", str(root)]


def _broken_plugin(monkeypatch: pytest.MonkeyPatch) -> None:
    from guabao_rules import packs
    from guabao_rules.engine import core

    class Broken:
        name = "myplugin"

        def load(self) -> Any:
            raise ImportError("No module named 'myplugin'")

    monkeypatch.setattr(packs, "entry_points", lambda group: [Broken()])
    monkeypatch.setattr(core, "_CATALOGUE", None)
    packs.builtin_packs.cache_clear()


PROFILE = "name: mine\ndescription: {zh: 我的, en: mine}\n"
FLOW = "waivers:\n  - {rule: T009, subject: x, reason: r, expires: 2030-01-01}\n"

CASES = [
    # argparse's own errors
    Case("unrecognized", lambda t, m: ["check", "--no-such-option"]),
    Case("invalid-choice", lambda t, m: ["check", "--color", "rainbow"]),
    Case("invalid-command", lambda t, m: ["frobnicate"]),
    Case("required", lambda t, m: ["explain"]),
    Case("required-option", lambda t, m: ["graph", "."], flag=False),
    Case("expected-one", lambda t, m: ["check", "--select"]),
    Case("ambiguous", lambda t, m: ["check", "--show", "."]),
    Case("explicit-argument", lambda t, m: ["check", "--exit-zero=yes"]),
    Case("no-command", lambda t, m: [], flag=False),
    # the command line
    Case("no-path", lambda t, m: ["check", str(t / "nowhere")]),
    Case("format", lambda t, m: _check(t, "--format", "yaml")),
    Case("binary-tty", lambda t, m: (_tty(m), _check(t, "--format", "xlsx"))[1]),
    Case("no-rule", lambda t, m: _check(t, "--select", "")),
    Case("no-data", lambda t, m: ["check", str((t / "empty").mkdir() or t / "empty")]),
    Case("no-pyspark", lambda t, m: (_no_module(m, "pyspark"), _check(t, "--engine", "spark"))[1]),
    Case("no-ibis", lambda t, m: (_no_module(m, "ibis"), _check(t, "--engine", "duckdb"))[1]),
    Case("duckdb-memory", lambda t, m: _out_of_memory(t)),
    Case("unknown-rule", lambda t, m: ["explain", "X999"]),
    Case("schema-not-dir", lambda t, m: ["schema", "-o", str(_data(t) / "regions.yaml")], False),
    Case("schema-cannot", lambda t, m: ["schema", "-o", "/proc/guabao-rules"], flag=False),
    Case("graph-no-path", lambda t, m: ["graph", str(t / "no"), "--format", "dot"], flag=False),
    Case(
        "graph-no-config",
        lambda t, m: ["graph", str(_data(t)), "--format", "dot", "--config", str(t / "x.toml")],
        flag=False,
    ),
    Case("no-config", lambda t, m: _check(t, "--config", str(t / "nowhere.toml"))),
    # the configuration
    Case("as-of", lambda t, m: _check(t, "--as-of", "2019-13-45")),
    Case("config-key", lambda t, m: _config(t, "lnag = 'zh'\n")),
    Case("config-fifo", lambda t, m: _check(t, "--config", str(_fifo(t / "c.toml")))),
    Case("config-utf16", lambda t, m: _config_bytes(t, "as_of = 2019-12-31\n".encode("utf-16"))),
    Case("config-toml", lambda t, m: _config(t, "as_of = [2019\n")),
    Case("config-toml-line", lambda t, m: _config(t, "[a\nb = 1\n")),
    Case("pyproject-tool", lambda t, m: _pyproject(t, "tool = 1\n")),
    Case("pyproject-table", lambda t, m: _pyproject(t, "[tool]\nguabao-rules = 3\n")),
    Case("param-type", lambda t, m: _config(t, "[params]\nmax_file_mb = 'big'\n")),
    Case("param-negative", lambda t, m: _config(t, "[params]\nmax_file_mb = -1\n")),
    Case("param-unknown", lambda t, m: _config(t, "[params]\nmax_fil_mb = 1\n")),
    Case("select-unknown", lambda t, m: _check(t, "--select", "X9")),
    Case("severity-unknown", lambda t, m: _config(t, "[severity]\nX999 = 'error'\n")),
    # profiles and plugin packs
    Case("profile-unknown", lambda t, m: _check(t, "--profile", "nosuch")),
    Case("profile-fifo", lambda t, m: _check(t, "--profile", str(_fifo(t / "p.yaml")))),
    Case("profile-yaml", lambda t, m: _profile(t, "name: [mine\n")),
    Case("profile-key", lambda t, m: _profile(t, PROFILE + "selct: [Q]\n")),
    Case("plugin", lambda t, m: (_broken_plugin(m), ["rules"])[1]),
    # baselines
    Case("baseline-missing", lambda t, m: _check(t, "--baseline", str(t / "no.json"))),
    Case("baseline-fifo", lambda t, m: _check(t, "--baseline", str(_fifo(t / "b.json")))),
    Case("baseline-utf8", lambda t, m: _baseline(t, b"\xff\xfe{}")),
    Case("baseline-json", lambda t, m: _baseline(t, '{"version": 1,\n "findings": [}')),
    Case("baseline-version", lambda t, m: _baseline(t, '{"version": 99}')),
    Case("baseline-list", lambda t, m: _baseline(t, '{"version": 1, "findings": 3}')),
    Case("baseline-item", lambda t, m: _baseline(t, '{"version": 1, "findings": [1, 2]}')),
    # waivers
    Case("waiver-yaml", lambda t, m: _waivers(t, "waivers: [\n")),
    Case("waiver-key", lambda t, m: _waivers(t, FLOW.replace("reason", "raeson"))),
    Case("waiver-rule", lambda t, m: _waivers(t, FLOW.replace("T009", "X999"))),
    Case("waiver-link", lambda t, m: _link_out(t)),
    Case("waiver-fifo", lambda t, m: _fifo_waivers(t)),
    # outputs
    Case("output-protected", lambda t, m: _check(t, "-o", str(_data(t) / "regions.yaml"))),
    Case(
        "baseline-protected",
        lambda t, m: _check(t, "--write-baseline", str(_data(t) / "regions.yaml")),
    ),
    Case("output-folder", lambda t, m: _check(t, "-o", str(t))),
    Case("output-stat", lambda t, m: _check(t, "-o", str(_data(t) / "regions.yaml" / "x"))),
    Case("output-replace", lambda t, m: _check(t, "-o", str(t / "no" / "report.txt"))),
    Case("output-device", lambda t, m: _check(t, "-o", "/dev/full")),
    Case("output-stdout", lambda t, m: (_full_stdout(m), _check(t))[1]),
    Case(
        "xlsx-missing",
        lambda t, m: (_no_module(m, "xlsxwriter"), _check(t, "--format", "xlsx", "-o", "x"))[1],
    ),
]


def _pyproject(tmp: Path, text: str) -> list[str]:
    root = _data(tmp)
    (root / "pyproject.toml").write_text(text, encoding="utf-8")
    return _check(tmp, "--config", str(root / "pyproject.toml"))


def _environ(monkeypatch: pytest.MonkeyPatch, lang: str) -> None:
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8" if lang == "zh" else "en_US.UTF-8")


def run_case(
    case: Case,
    lang: str,
    tmp: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> str:
    """The one line a case prints in ``lang`` (asserting exit 2 and nothing else)."""
    folder = tmp / lang
    folder.mkdir(parents=True)
    monkeypatch.chdir(folder)
    _environ(monkeypatch, "en" if case.flag else lang)  # --lang must win over the locale
    with monkeypatch.context() as patch:
        argv = case.build(folder, patch)
        if case.flag:
            argv = [*argv, "--lang", lang]
        status = main(argv)
        captured = capsys.readouterr()
    (line,) = captured.err.splitlines()
    assert status == 2, (case.name, line)
    prefix = "guabao-rules: 错误: " if lang == "zh" else "guabao-rules: error: "
    assert line.startswith(prefix), line
    return line[len(prefix) :]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_every_usage_error_says_the_same_in_zh_and_en(
    case: Case,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    en = run_case(case, "en", tmp_path, monkeypatch, capsys)
    zh = run_case(case, "zh", tmp_path, monkeypatch, capsys)
    assert_same_facts(
        zh.replace(str(tmp_path / "zh"), "<tmp>"), en.replace(str(tmp_path / "en"), "<tmp>")
    )


def _raises_text(call: Callable[[], object]) -> diagnostics.Text:
    with pytest.raises(BilingualError) as caught:
        call()
    return caught.value.text


def _two(first: str, second: str) -> Callable[[], object]:
    from guabao_rules.engine.core import assemble

    return lambda: assemble(
        [parse_pack(first.encode(), "a.yaml"), parse_pack(second.encode(), "b.yaml")]
    )


RULE = PACK_RULE.replace(
    "CONSTRAINT",
    "{kind: count, select: {collection: regions}, "
    "checks: [{relation: {collection: pairings, via: target}, min: {param: limit}}]}",
)


def _pack(old: str = "", new: str = "") -> Callable[[], object]:
    from guabao_rules.engine.core import assemble, catalogue

    catalogue()  # the built-in checks registered
    return lambda: assemble([parse_pack(RULE.replace(old, new).encode(), "rules/test.yaml")])


CALLS = {
    # pack authors' errors (a pack is not a command-line argument)
    "pack-yaml": lambda: parse_pack(b"pack: {name: [\n", "rules/test.yaml"),
    "pack-key": lambda: parse_pack(
        RULE.replace("severity: error", "severity: fatal").encode(), "t.yaml"
    ),
    "pack-twice": _two(RULE, RULE.replace("name: test-rule", "name: other-rule")),
    "pack-name": _two(RULE, RULE.replace("id: X001", "id: X002")),
    "pack-param-types": _two(
        RULE.replace("id: X001", "id: X002").replace("name: test-rule", "name: b"),
        RULE.replace("type: int, default: 1", "type: str, default: x"),
    ),
    "pack-check": _pack(
        "constraint: {kind: count, select: {collection: regions}, checks: [{relation: "
        "{collection: pairings, via: target}, min: {param: limit}}]}",
        "constraint: {kind: python, check: NO_SUCH}",
    ),
    "pack-param": _pack("param: limit}", "param: limt}"),
    "pack-requires": _pack("    params:", "    requires: [nolimit]\n    params:"),
    # the API's own overrides
    "api-severity": lambda: check_path(".", severity={"T009": "fatal"}),
    "api-engine": lambda: check_path(".", engine="sqlite"),
    # a table validated without file positions (no 1:1 is made up)
    "mapping": lambda: from_mapping({"lnag": "zh"}, "somewhere"),
}


@pytest.mark.parametrize("name", CALLS)
def test_every_pack_and_api_error_says_the_same_in_zh_and_en(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "regions.yaml").write_text(REGIONS, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    text = _raises_text(CALLS[name])
    assert_same_facts(text.zh, text.en)


# Messages no test here can provoke, and why.
UNREACHED = {
    "--engine spark: cannot start Spark: {reason}": "needs pyspark installed and Java broken",
}


def test_the_walk_reaches_every_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every template of the source is raised by a case or a call above."""
    WALKED.templates.clear()
    for number, case in enumerate(CASES):
        run_case(case, "en", tmp_path / str(number), monkeypatch, capsys)
    for name, call in CALLS.items():
        folder = tmp_path / name
        folder.mkdir()
        (folder / "regions.yaml").write_text(REGIONS, encoding="utf-8")
        monkeypatch.chdir(folder)
        _raises_text(call)
    templates = {s.en for s in SITES if s.en is not None}
    assert set(UNREACHED) <= templates
    missing = templates - WALKED.templates - set(UNREACHED)
    assert not missing, sorted(missing)


# --- argparse's messages, one by one --------------------------------------------------


@pytest.mark.parametrize(
    ("message", "zh"),
    [
        ("unrecognized arguments: --x", "无法识别的参数:--x"),
        (
            "argument --color: invalid choice: 'red' (choose from 'auto', 'never')",
            "参数 --color:无效的取值 'red'(可选:'auto', 'never')",
        ),
        ("argument --select: expected one argument", "参数 --select:需要一个值"),
        ("argument -n: expected 2 arguments", "参数 -n:需要 2 个值"),
        ("the following arguments are required: ID", "缺少必需的参数:ID"),
        ("argument --n: invalid int value: 'x'", "参数 --n:无效的 int 值:'x'"),
        ("something argparse may say one day", f"{UNTRANSLATED}something argparse may say one day"),
    ],
)
def test_argparse_messages_in_zh(message: str, zh: str) -> None:
    assert argparse_text(message).zh == zh
    assert argparse_text(message).en == message


# --- 3. which language ----------------------------------------------------------------


@pytest.fixture
def zh_config(tmp_path: Path) -> Iterator[Path]:
    root = _data(tmp_path)
    (root / "guabao-rules.toml").write_text("lang = 'zh'\n", encoding="utf-8")
    yield root


@pytest.mark.parametrize(
    ("extra", "env", "expected"),
    [
        ([], "en", "zh"),  # the configuration's language, as the report's
        (["--lang", "en"], "zh", "en"),  # --lang over the configuration
    ],
)
def test_a_usage_error_after_the_configuration_speaks_its_language(
    zh_config: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    env: str,
    expected: str,
) -> None:
    _environ(monkeypatch, env)
    assert main(["check", str(zh_config), "--select", "", *extra]) == 2
    err = capsys.readouterr().err
    assert err == (
        "guabao-rules: 错误: 没有选中任何规则\n"
        if expected == "zh"
        else "guabao-rules: error: no rule selected\n"
    )


@pytest.mark.parametrize("env", ["zh", "en"])
def test_before_anything_is_parsed_the_lang_argument_then_the_locale(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], env: str
) -> None:
    _environ(monkeypatch, env)
    assert main(["check", "--color", "rainbow", "--lang=zh"]) == 2
    assert capsys.readouterr().err.startswith(
        "guabao-rules: 错误: 参数 --color:无效的取值 'rainbow'"
    )
    assert main(["check", "--color", "rainbow", "--lang", "fr"]) == 2  # not a language: the locale
    said = capsys.readouterr().err
    assert said.startswith("guabao-rules: 错误:" if env == "zh" else "guabao-rules: error:")


@pytest.mark.parametrize(("env", "said"), [("en", "wrote "), ("zh", "已写入 ")])
def test_schema_says_what_it_wrote_in_the_locale_language(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    env: str,
    said: str,
) -> None:
    _environ(monkeypatch, env)
    assert main(["schema", "-o", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(said) and Path(out.strip().removeprefix(said)).is_file()
