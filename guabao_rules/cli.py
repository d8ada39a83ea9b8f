"""The ``guabao-rules`` command line."""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from guabao_rules import __version__
from guabao_rules.config import (
    ENGINES,
    Config,
    ConfigError,
    find_config,
    parse_as_of,
    read_config_file,
)
from guabao_rules.i18n import LANGS, default_lang
from guabao_rules.packs import PackError
from guabao_rules.report import FORMATS
from guabao_rules.report.escape import terminal
from guabao_rules.safeio import OutputError, silence_stdout

if TYPE_CHECKING:
    from guabao_rules.dataset import Dataset

PROG = "guabao-rules"


class UsageError(Exception):
    """A command line that cannot be carried out (exit 2)."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit 2."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


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
            raise UsageError(f"path does not exist: {path}")
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
    protected: Sequence[tuple[str | os.PathLike[str], str]] = (),
) -> None:
    """Write an output: to ``output`` with the shared writer, else to the standard output."""
    from guabao_rules.safeio import write_output, write_stdout

    if output is None:
        write_stdout(text)  # a closed pipe (`| head`) drops the rest quietly
        return
    write_output(output, text, protected)


def _inputs(
    dataset: Dataset | None, config: Config, profile: Path | None, baseline: str | None
) -> list[tuple[str | os.PathLike[str], str]]:
    """The files a check reads, which no output may overwrite: ``(path, what it is)``."""
    from guabao_rules.sources.loader import WAIVER_FILE

    protected: list[tuple[str | os.PathLike[str], str]] = []
    if dataset is not None:
        protected += [(dataset.root / rel, "a data file of the dataset") for rel in dataset.files]
        protected.append((dataset.root / WAIVER_FILE, "the waiver file of the dataset"))
    if config.path is not None:
        protected.append((config.path, "the configuration file"))
    if profile is not None:
        protected.append((profile, "the profile"))
    if baseline is not None:
        protected.append((baseline, "the baseline file read"))
    return [(path, what) for path, what in protected if os.path.lexists(path)]


def _refuse_protected(
    outputs: Sequence[str | None], protected: Sequence[tuple[str | os.PathLike[str], str]]
) -> None:
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
            f"unknown format {args.format!r} (choose from {', '.join(sorted(FORMATS))})"
        )
    if args.format in BINARY and args.output is None and sys.stdout.isatty():
        raise UsageError(f"--format {args.format} is a binary file: write it with -o FILE")
    stdin = args.paths == ["-"]
    if stdin:
        args.paths = ["."]
    config = _config_for(args)
    the_plan = plan(config)
    entries = read_baseline(Path(args.baseline)) if args.baseline else None
    paths = args.paths or ["."]
    if args.show_settings:
        from guabao_rules.report.text import settings_text

        _write(settings_text(the_plan, config, paths), None)
        return 0
    if not the_plan.rules and not args.list_files:
        raise UsageError("no rule selected")  # never a silent pass on an empty selection
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
        problem = no_data_files(dataset, paths)
        if problem is not None:
            raise UsageError(problem)
        protected = _inputs(None if stdin else dataset, config, profile, None)
        # The report must not overwrite the baseline read or the one written.
        report_protected = _inputs(None if stdin else dataset, config, profile, args.baseline)
        if args.write_baseline:
            report_protected.append((args.write_baseline, "the --write-baseline file"))
        _refuse_protected([args.write_baseline], protected)
        _refuse_protected([args.output], report_protected)
        waivers = [] if stdin else read_waivers(dataset.root, rules_known())
        try:
            evaluator = evaluator_for(dataset, config)
        except EngineError as error:
            raise UsageError(str(error)) from None
        report = run(dataset, the_plan, waivers, progress.rule if progress else None, evaluator)
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
        raise UsageError(f"unknown rule id: {args.rule}")
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
        raise UsageError(f"not a directory: {args.output}")
    try:
        written = write_schema(target, args.pack)
    except OSError as error:
        raise UsageError(f"cannot write {target}: {error.strerror}") from None
    _write(f"wrote {written}\n", None)
    return 0


def cmd_graph(args: argparse.Namespace) -> int:
    """Run ``graph``."""
    from guabao_rules.engine.core import check
    from guabao_rules.export import dataset_graph, export, findings_subgraph
    from guabao_rules.sources import loader

    path = Path(args.path)
    if not path.exists():
        raise UsageError(f"path does not exist: {args.path}")
    if args.config and not os.path.lexists(args.config):
        raise UsageError(f"config file does not exist: {args.config}")
    config = read_config_file(Path(args.config)) if args.config else find_config(path)
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


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            raise UsageError(f"a command is required ({', '.join(COMMANDS)}); see {PROG} --help")
        status = COMMANDS[args.command](args)
        if argv is None:  # the program, not a caller in the same process: it ends now
            # Spare the exit a last collection and freeing a province's objects
            # one by one (2 s of 9 s on 325,036 records).
            gc.freeze()
        return status
    except (UsageError, ConfigError, PackError, OutputError) as error:
        sys.stderr.write(f"{PROG}: error: {terminal(str(error))}\n")
        return 2
    except BrokenPipeError:  # the reader went away (`| head`): end quietly, as `ruff` does
        silence_stdout()
        return 0
    except FileNotFoundError as error:
        sys.stderr.write(f"{PROG}: error: path does not exist: {terminal(str(error))}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write(f"{PROG}: interrupted\n")
        return 130
    except Exception as error:  # the last line of defence: one line, never a traceback
        from guabao_rules.sources import loader

        where = f" while reading {loader.CURRENT_FILE}" if loader.CURRENT_FILE else ""
        detail = terminal(f"{where}: {type(error).__name__}: {error}")
        sys.stderr.write(f"{PROG}: internal error{detail}\n")
        return 2


if __name__ == "__main__":
    sys.exit(main())
