"""The ``guabao-rules`` command line."""

from __future__ import annotations

import argparse
import gc
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from guabao_rules import __version__
from guabao_rules.config import (
    ENGINES,
    Config,
    find_config,
    parse_as_of,
    read_config_file,
)
from guabao_rules.diagnostics import BilingualError, Text
from guabao_rules.i18n import LANGS, default_lang
from guabao_rules.report import FORMATS
from guabao_rules.report.escape import terminal
from guabao_rules.safeio import Protected, silence_stdout

if TYPE_CHECKING:
    from guabao_rules.dataset import Dataset

PROG = "guabao-rules"


class UsageError(BilingualError):
    """A command line that cannot be carried out (exit 2)."""


_ARGPARSE_ZH = (
    (r"unrecognized arguments: (?P<a>.*)", "无法识别的参数:{a}"),
    (r"the following arguments are required: (?P<a>.*)", "缺少必需的参数:{a}"),
    (r"one of the arguments (?P<a>.*) is required", "参数 {a} 须给出其一"),
    (r"invalid choice: (?P<v>.*) \(choose from (?P<c>.*)\)", "无效的取值 {v}(可选:{c})"),
    (r"expected one argument", "需要一个值"),
    (r"expected at most one argument", "最多接受一个值"),
    (r"expected at least one argument", "至少需要一个值"),
    (r"expected (?P<n>\d+) arguments?", "需要 {n} 个值"),
    (r"ambiguous option: (?P<o>.*) could match (?P<m>.*)", "选项有歧义:{o} 可以是 {m}"),
    (r"not allowed with argument (?P<a>.*)", "不能与参数 {a} 同用"),
    (r"ignored explicit argument (?P<a>.*)", "不接受写在选项上的值 {a}"),
    (r"invalid (?P<t>\S+) value: (?P<v>.*)", "无效的 {t} 值:{v}"),
    (r"unexpected option string: (?P<o>.*)", "意外的选项:{o}"),
    (r"unknown parser (?P<p>.*) \(choices: (?P<c>.*)\)", "未知的子命令 {p}(可选:{c})"),
)
"""argparse's error messages (Python 3.11-3.13) and their zh texts, the values kept."""

UNTRANSLATED = "命令行有误:"
"""The zh prefix of an argparse message this table does not know (another Python's wording)."""

_ARGUMENT = re.compile(r"argument (?P<name>[^:]+): (?P<message>.*)", re.DOTALL)


def argparse_text(message: str) -> Text:
    """One of argparse's English error messages in both languages."""
    named = _ARGUMENT.fullmatch(message)
    inner = named["message"] if named else message
    zh: str | None = None
    for pattern, template in _ARGPARSE_ZH:
        found = re.fullmatch(pattern, inner, re.DOTALL)
        if found is not None:
            zh = template.format(**found.groupdict())
            break
    if zh is None:
        return Text(zh=f"{UNTRANSLATED}{message}", en=message)
    if named:
        zh = f"参数 {named['name']}:{zh}"
    return Text(zh=zh, en=message)


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit 2, in zh or en."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(text=argparse_text(message))


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = _Parser(prog=PROG, description="Check 挂包帮 pairing data against its policy.")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    check = sub.add_parser("check", help="load the dataset(s), run the rules, print findings")
    check.add_argument("paths", nargs="*", metavar="PATH", help="dataset directories or files")
    check.add_argument("--format", default="text", help=", ".join(FORMATS))
    check.add_argument("--select", action="append", help="rule ids or prefixes to run (Q, S6)")
    check.add_argument("--ignore", action="append", help="rule ids or prefixes not to run")
    check.add_argument("--extend-select", action="append", help=argparse.SUPPRESS)
    check.add_argument("--lang", choices=LANGS, help="message language (default: the locale)")
    check.add_argument("--as-of", help="the day the data is judged at (YYYY-MM-DD)")
    check.add_argument("--config", help="the configuration file to use")
    check.add_argument("--profile", help="a built-in profile name or a profile file")
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even with errors")
    check.add_argument("--output", "-o", help="write the report to this file")
    check.add_argument("--statistics", action="store_true", help="per-rule table")
    check.add_argument("--show-waived", action="store_true", help="list waived findings")
    check.add_argument(
        "--baseline", metavar="FILE", help="fail only on findings not in this baseline"
    )
    check.add_argument(
        "--write-baseline", metavar="FILE", help="record the findings as the baseline"
    )
    check.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    check.add_argument(
        "--quiet", "-q", action="store_true", help="print the findings and nothing else"
    )
    check.add_argument(
        "--show-source",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show the offending source line under each finding (default: on a terminal)",
    )
    check.add_argument(
        "--fail-on",
        choices=("error", "warning", "info"),
        default="error",
        help="the least severity that fails the check (default: error)",
    )
    check.add_argument(
        "--show-settings",
        action="store_true",
        help="print the settings the check would use (config, profile, as_of, paths) and exit",
    )
    check.add_argument(
        "--list-files",
        action="store_true",
        help="print the files that would be read, and those skipped, and exit",
    )
    check.add_argument(
        "--engine",
        choices=ENGINES,
        help="python, or the compiled rules as queries on duckdb or spark (default: auto)",
    )
    check.add_argument(
        "--progress",
        choices=("auto", "always", "never"),
        default="auto",
        help="progress bar on stderr (auto: on a terminal, not in CI)",
    )

    rules = sub.add_parser("rules", help="list every rule")
    rules.add_argument("--lang", choices=LANGS)
    rules.add_argument("--format", choices=("text", "json"), default="text")

    explain = sub.add_parser("explain", help="a rule's full documentation")
    explain.add_argument("rule", metavar="ID", help="a rule id (D002) or name (invalid-reference)")
    explain.add_argument("--lang", choices=LANGS)
    explain.add_argument("--profile", help="show this profile's parameter values")

    schema = sub.add_parser("schema", help="write the JSON Schema of a data file, for editors")
    schema.add_argument("-o", "--output", metavar="DIR", help="write it into DIR (else stdout)")
    schema.add_argument(
        "--pack", action="store_true", help="the schema of a rule pack file instead"
    )

    graph = sub.add_parser("graph", help="export the loaded graph")
    graph.add_argument("path", metavar="PATH", help="the dataset directory")
    graph.add_argument("--format", choices=("graphml", "json", "dot"), required=True)
    graph.add_argument(
        "--findings",
        action="store_true",
        help="only the records findings are about, their related records and neighbours",
    )
    graph.add_argument("-o", "--output", metavar="FILE", help="write to this file")
    graph.add_argument("--config", help="the configuration file to use (with --findings)")
    graph.add_argument("--as-of", help="the day the data is judged at (with --findings)")
    return parser


def _config_for(args: argparse.Namespace) -> Config:
    from guabao_rules.api import resolve_config

    paths = args.paths or ["."]
    for path in paths:
        if not Path(path).exists():
            raise UsageError(zh="路径不存在:{path}", en="path does not exist: {path}", path=path)
    return resolve_config(
        paths,
        config_file=args.config,
        profile=args.profile,
        as_of=args.as_of,
        select=args.select,
        extend_select=args.extend_select or (),
        ignore=args.ignore or (),
        lang=args.lang,
        engine=getattr(args, "engine", None),
        # Errors and the summary name the option the user typed.
        labels={
            "as_of": "--as-of",
            "profile": "--profile",
            "select": "--select",
            "extend_select": "--extend-select",
            "ignore": "--ignore",
        },
    )


def _write(
    text: str | bytes,
    output: str | None,
    protected: Sequence[Protected] = (),
) -> None:
    """Write an output: to ``output`` with the shared writer, else to the standard output."""
    from guabao_rules.safeio import write_output, write_stdout

    if output is None:
        write_stdout(text)  # a closed pipe (`| head`) drops the rest quietly
        return
    write_output(output, text, protected)


_DATA_FILE = Text(zh="数据集的数据文件", en="a data file of the dataset")
_WAIVER_FILE = Text(zh="数据集的豁免文件", en="the waiver file of the dataset")
_CONFIG_FILE = Text(zh="配置文件", en="the configuration file")
_PROFILE = Text(zh="配置方案", en="the profile")
_BASELINE_READ = Text(zh="读取的基线文件", en="the baseline file read")
_BASELINE_WRITTEN = Text(zh="--write-baseline 的文件", en="the --write-baseline file")


def _inputs(
    dataset: Dataset | None, config: Config, profile: Path | None, baseline: str | None
) -> list[Protected]:
    """The files a check reads, which no output may overwrite: ``(path, what it is)``."""
    from guabao_rules.sources.loader import WAIVER_FILE

    protected: list[Protected] = []
    if dataset is not None:
        protected += [(dataset.root / rel, _DATA_FILE) for rel in dataset.files]
        protected.append((dataset.root / WAIVER_FILE, _WAIVER_FILE))
    if config.path is not None:
        protected.append((config.path, _CONFIG_FILE))
    if profile is not None:
        protected.append((profile, _PROFILE))
    if baseline is not None:
        protected.append((baseline, _BASELINE_READ))
    return [(path, what) for path, what in protected if os.path.lexists(path)]


def _refuse_protected(outputs: Sequence[str | None], protected: Sequence[Protected]) -> None:
    """Refuse, before any work, an output that would overwrite an input."""
    from guabao_rules.safeio import refuse_protected

    for output in outputs:
        if output is not None:
            refuse_protected(output, protected)


def cmd_check(args: argparse.Namespace) -> int:
    """Run ``check``."""
    from guabao_rules.api import load_for, no_data_files, restrict, scope
    from guabao_rules.columnar.engine import EngineError
    from guabao_rules.engine.baseline import apply_baseline, read_baseline, write_baseline
    from guabao_rules.engine.core import evaluator_for, plan, rules_known, run
    from guabao_rules.engine.waivers import read_waivers
    from guabao_rules.report import BINARY, FORMATS, OutputOptions, load_formatter
    from guabao_rules.report.progress import Progress, wanted
    from guabao_rules.sources import loader

    if args.format not in FORMATS:
        raise UsageError(
            zh="未知的输出格式 {format!r}(可选:{formats})",
            en="unknown format {format!r} (choose from {formats})",
            format=args.format,
            formats=", ".join(sorted(FORMATS)),
        )
    if args.format in BINARY and args.output is None and sys.stdout.isatty():
        raise UsageError(
            zh="--format {format} 是二进制文件:请用 -o FILE 写入文件",
            en="--format {format} is a binary file: write it with -o FILE",
            format=args.format,
        )
    stdin = args.paths == ["-"]
    if stdin:
        args.paths = ["."]
    config = _config_for(args)
    args.lang = config.lang or args.lang  # later usage errors speak the report's language
    the_plan = plan(config)
    entries = read_baseline(Path(args.baseline)) if args.baseline else None
    paths = args.paths or ["."]
    if args.show_settings:
        from guabao_rules.report.text import settings_text

        _write(settings_text(the_plan, config, paths), None)
        return 0
    if not the_plan.rules and not args.list_files:
        raise UsageError(
            zh="没有选中任何规则", en="no rule selected"
        )  # never a silent pass on an empty selection
    # Outputs onto the config, profile or baseline are refused before loading anything.
    profile = the_plan.settings.profile_file if the_plan.settings else None
    _refuse_protected([args.write_baseline], _inputs(None, config, profile, None))
    _refuse_protected([args.output], _inputs(None, config, profile, args.baseline))
    # A terminal sees a progress line when loading is slow; pipes and CI see nothing.
    progress = None
    if wanted(args.progress, sys.stderr) and not stdin:
        progress = Progress(sys.stderr, delay=0 if args.progress == "always" else 0.5)
    try:
        the_scope = scope(paths, config)
        if stdin:  # `check -`: one YAML document on standard input, named `-`
            dataset = loader.load_text(sys.stdin.buffer.read().decode("utf-8", "replace"), "-")
        else:
            dataset = load_for(config, the_plan, the_scope, progress=progress)
        if args.list_files:
            from guabao_rules.report.text import files_text

            _write(files_text(dataset, the_plan.lang), None)
            return 0
        problem = no_data_files(dataset, paths, None if stdin else the_scope.only)
        if problem is not None:
            raise UsageError(text=problem)
        protected = _inputs(None if stdin else dataset, config, profile, None)
        # The report must not overwrite the baseline read or the one written.
        report_protected = _inputs(None if stdin else dataset, config, profile, args.baseline)
        if args.write_baseline:
            report_protected.append((args.write_baseline, _BASELINE_WRITTEN))
        _refuse_protected([args.write_baseline], protected)
        _refuse_protected([args.output], report_protected)
        waivers = [] if stdin else read_waivers(dataset.root, rules_known())
        try:
            evaluator = evaluator_for(dataset, config)
        except EngineError as error:
            raise UsageError(text=error.text) from None
        try:
            report = run(dataset, the_plan, waivers, progress.rule if progress else None, evaluator)
        except EngineError as error:  # out of memory: a setting to change, not a crash
            raise UsageError(text=error.text) from None
        finally:
            close = getattr(evaluator, "close", None)  # a query engine's tables
            if close is not None:
                close()
        if not stdin:
            report = restrict(report, the_scope.only)
    finally:
        if progress is not None:
            progress.close()
    if args.write_baseline:
        # The new baseline accepts today's findings, so they are judged against it.
        written = write_baseline(Path(args.write_baseline), report.diagnostics, protected)
        entries = (entries or set()) | set(written)
    if entries is not None:
        apply_baseline(report, entries)
    # NO_COLOR (no-color.org) and FORCE_COLOR (force-color.org) when --color is auto.
    forced = bool(os.environ.get("FORCE_COLOR")) and not os.environ.get("NO_COLOR")
    color = args.color == "always" or (
        args.color == "auto"
        and args.output is None
        and (forced or (sys.stdout.isatty() and not os.environ.get("NO_COLOR")))
    )
    options = OutputOptions(
        dataset=dataset,
        color=color,
        show_waived=args.show_waived,
        statistics=args.statistics,
        quiet=args.quiet,
        show_source=args.show_source,
    )
    _write(load_formatter(args.format)(report, options), args.output, report_protected)
    if args.exit_zero:
        return 0
    return report.fails_on(args.fail_on)


def cmd_rules(args: argparse.Namespace) -> int:
    """Run ``rules``."""
    import json

    from guabao_rules.engine.core import catalogue

    lang = args.lang or default_lang()
    rules = catalogue().rules
    if args.format == "json":
        data = [
            {
                "rule": r.id,
                "name": r.name,
                "family": r.family,
                "kind": r.constraint.kind,
                "check": getattr(r.constraint, "check", None),
                "severity": r.severity.value,
                "title": {"zh": r.title.zh, "en": r.title.en},
                "measure": r.measure,
                "params": {
                    name: {"type": spec.type, "default": spec.default}
                    for name, spec in r.params.items()
                },
                "requires": list(r.requires),
            }
            for r in rules
        ]
        _write(json.dumps(data, ensure_ascii=False, indent=2) + "\n", None)
        return 0
    from guabao_rules.packs import MEASURES
    from guabao_rules.report.statistics import FAMILIES

    lines: list[str] = []
    for family, names in FAMILIES.items():
        members = [r for r in rules if r.family == family]
        if not members:
            continue
        lines.append(f"{family} — {names.get(lang)}\n")
        for rule in members:
            measure = f"  [{MEASURES[rule.measure].get(lang)}]" if rule.measure else ""
            title = rule.title.get(lang)
            lines.append(
                f"  {rule.id}  {rule.name:<33} {rule.severity.value:<7}  {title}{measure}\n"
            )
    _write("".join(lines), None)
    return 0


def cmd_explain(args: argparse.Namespace) -> int:
    """Run ``explain``."""
    from guabao_rules.docs import explain
    from guabao_rules.engine.core import catalogue, plan

    rule = catalogue().get(args.rule.upper()) or catalogue().get(args.rule.lower())
    if rule is None:
        raise UsageError(zh="未知的规则编号:{rule}", en="unknown rule id: {rule}", rule=args.rule)
    params = plan(Config(profile=args.profile)).params if args.profile else None
    _write(explain(rule, args.lang or default_lang(), params), None)
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    """Run ``schema``."""
    from guabao_rules.schema import schema_text, write_schema

    if args.output is None:
        _write(schema_text(args.pack), None)
        return 0
    target = Path(args.output)
    if target.exists() and not target.is_dir():
        raise UsageError(zh="不是文件夹:{path}", en="not a directory: {path}", path=args.output)
    try:
        written = write_schema(target, args.pack)
    except OSError as error:
        raise UsageError(
            zh="无法写入 {target}:{reason}",
            en="cannot write {target}: {reason}",
            target=target,
            reason=error.strerror,
        ) from None
    # `schema` takes no --lang: the locale's language, as for its errors.
    _write(f"已写入 {written}\n" if default_lang() == "zh" else f"wrote {written}\n", None)
    return 0


def cmd_graph(args: argparse.Namespace) -> int:
    """Run ``graph``."""
    from guabao_rules.engine.core import check
    from guabao_rules.export import dataset_graph, export, findings_subgraph
    from guabao_rules.sources import loader

    path = Path(args.path)
    if not path.exists():
        raise UsageError(zh="路径不存在:{path}", en="path does not exist: {path}", path=args.path)
    if args.config and not os.path.lexists(args.config):
        raise UsageError(
            zh="配置文件不存在:{path}", en="config file does not exist: {path}", path=args.config
        )
    config = read_config_file(Path(args.config)) if args.config else find_config(path)
    args.lang = config.lang  # `graph` has no --lang: the configuration's, else the locale's
    if args.as_of is not None:
        config.as_of = parse_as_of(args.as_of, "--as-of")
    dataset = loader.load(path, exclude=config.exclude, encoding=config.encoding)
    protected = _inputs(dataset, config, None, None)
    _refuse_protected([args.output], protected)
    graph = dataset_graph(dataset)
    if args.findings:
        graph = findings_subgraph(graph, check(dataset, config).diagnostics)
    _write(export(graph, args.format), args.output, protected)
    return 0


COMMANDS = {
    "check": cmd_check,
    "rules": cmd_rules,
    "explain": cmd_explain,
    "schema": cmd_schema,
    "graph": cmd_graph,
}


def _lang_in(argv: Sequence[str]) -> str | None:
    """The ``--lang`` a command line gives (the last valid one), read before argparse runs.

    argparse's own errors come before the namespace exists; they are shown in
    this language, as every later error is.
    """
    lang = None
    for index, token in enumerate(argv):
        if token == "--":
            break
        value = None
        if token == "--lang" and index + 1 < len(argv):
            value = argv[index + 1]
        elif token.startswith("--lang="):
            value = token[len("--lang=") :]
        if value in LANGS:
            lang = value
    return lang


def error_lang(args: argparse.Namespace | None, argv: Sequence[str]) -> str:
    """The language of a usage error: the report's when known, else ``--lang``, else the locale.

    ``check`` sets ``args.lang`` to the configuration's language once the
    configuration is read; before that (argparse's errors, a configuration
    that cannot be read) the ``--lang`` argument counts, then the locale.
    """
    lang = getattr(args, "lang", None) if args is not None else None
    return lang or _lang_in(argv) or default_lang()


def _say(zh: str, en: str, lang: str) -> str:
    return zh if lang == "zh" else en


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit status."""
    parser = build_parser()
    given = list(sys.argv[1:] if argv is None else argv)
    args: argparse.Namespace | None = None
    try:
        args = parser.parse_args(given)
        if args.command is None:
            raise UsageError(
                zh="需要一个子命令({commands});见 {prog} --help",
                en="a command is required ({commands}); see {prog} --help",
                commands=", ".join(COMMANDS),
                prog=PROG,
            )
        status = COMMANDS[args.command](args)
        if argv is None:  # the program, not a caller in the same process: it ends now
            # Spare the exit a last collection and freeing a province's objects
            # one by one (2 s of 9 s on 325,036 records).
            gc.freeze()
        return status
    except BilingualError as error:  # usage, config, pack, output, engine: one line
        lang = error_lang(args, given)
        sys.stderr.write(
            f"{PROG}: {_say('错误', 'error', lang)}: {terminal(error.text.get(lang))}\n"
        )
        return 2
    except BrokenPipeError:  # the reader went away (`| head`): end quietly, as `ruff` does
        silence_stdout()
        return 0
    except FileNotFoundError as error:
        lang = error_lang(args, given)
        what = _say("路径不存在", "path does not exist", lang)
        sys.stderr.write(f"{PROG}: {_say('错误', 'error', lang)}: {what}: {terminal(str(error))}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write(f"{PROG}: {_say('已中断', 'interrupted', error_lang(args, given))}\n")
        return 130
    except Exception as error:  # the last line of defence: one line, never a traceback
        from guabao_rules.sources import loader

        lang = error_lang(args, given)
        where = ""
        if loader.CURRENT_FILE:
            where = _say(
                f"(读取 {loader.CURRENT_FILE} 时)", f" while reading {loader.CURRENT_FILE}", lang
            )
        detail = terminal(f"{where}: {type(error).__name__}: {error}")
        sys.stderr.write(f"{PROG}: {_say('内部错误', 'internal error', lang)}{detail}\n")
        return 2


if __name__ == "__main__":
    sys.exit(main())
