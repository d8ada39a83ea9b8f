"""Baselines: accept today's findings, fail only on new ones.

``check --write-baseline FILE`` records the findings as (rule, subject) pairs
in a small JSON file; ``check --baseline FILE`` then leaves those findings out
of the counts and the exit status and reports the entries that no longer
occur. Keys are rule and subject, never line numbers, so editing a data file
does not invalidate the baseline. A finding without a subject (D000, about a
file) is keyed (rule, null): one such entry covers every file-level finding
of that rule.

The file looks like::

    {"version": 1, "findings": [{"rule": "Q003", "subject": "533323"}]}
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from guabao_rules.config import ConfigError
from guabao_rules.diagnostics import Diagnostic
from guabao_rules.engine.core import Report
from guabao_rules.report import write_atomic
from guabao_rules.safeio import Protected, read_regular

BASELINE_VERSION = 1

Entry = tuple[str, str | None]
"""A baseline entry: rule id and subject id (None for a file-level finding)."""


class BaselineError(ConfigError):
    """A baseline file that cannot be used (exit status 2)."""


def entries_of(diagnostics: Iterable[Diagnostic]) -> list[Entry]:
    """The distinct (rule, subject) pairs of some findings, sorted."""
    pairs = {(d.rule, d.subject) for d in diagnostics}
    return sorted(pairs, key=lambda pair: (pair[0], pair[1] or ""))


def write_baseline(
    path: Path,
    diagnostics: Iterable[Diagnostic],
    protected: Iterable[Protected] = (),
) -> list[Entry]:
    """Write the baseline of some findings with the shared writer (atomically for a file).

    Args:
        path: Where to write it.
        diagnostics: The findings to record.
        protected: ``(path, what)`` of files it must not overwrite (the dataset's own).

    Returns:
        The entries written.

    Raises:
        ConfigError: The file cannot be written.
    """
    entries = entries_of(diagnostics)
    data = {
        "version": BASELINE_VERSION,
        "findings": [{"rule": rule, "subject": subject} for rule, subject in entries],
    }
    write_atomic(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n", protected)
    return entries


def read_baseline(path: Path) -> set[Entry]:
    """Read a baseline file.

    Raises:
        BaselineError: The file is missing, is not JSON, or breaks the format.
    """
    try:
        data = json.loads(read_regular(path).decode("utf-8"))
    except FileNotFoundError:
        raise BaselineError(
            zh="基线文件不存在:{path}", en="baseline file does not exist: {path}", path=path
        ) from None
    except OSError as error:  # a FIFO or device too: refused, never waited on
        raise BaselineError(
            zh="{path}:无法读取:{reason}",
            en="{path}: cannot read: {reason}",
            path=path,
            reason=error.strerror,
        ) from None
    except UnicodeDecodeError as error:
        raise BaselineError(
            zh="{path}:不是基线文件:编码错误({error})",
            en="{path}: not a baseline file: {error}",
            path=path,
            error=error,
        ) from None
    except json.JSONDecodeError as error:
        raise BaselineError(
            zh="{path}:不是基线文件:第 {line} 行第 {column} 列(第 {pos} 个字符)JSON 有误:{msg}",
            en="{path}: not a baseline file: {msg}: line {line} column {column} (char {pos})",
            path=path,
            msg=error.msg,
            line=error.lineno,
            column=error.colno,
            pos=error.pos,
        ) from None
    if not isinstance(data, dict) or data.get("version") != BASELINE_VERSION:
        raise BaselineError(
            zh="{path}:不是版本 {version} 的基线文件",
            en="{path}: not a baseline file of version {version}",
            path=path,
            version=BASELINE_VERSION,
        )
    findings = data.get("findings")
    if not isinstance(findings, list):
        raise BaselineError(
            zh="{path}:`findings` 应为列表", en="{path}: `findings` must be a list", path=path
        )
    out: set[Entry] = set()
    for number, item in enumerate(findings, start=1):
        if not (
            isinstance(item, dict)
            and isinstance(item.get("rule"), str)
            and (item.get("subject") is None or isinstance(item.get("subject"), str))
        ):
            raise BaselineError(
                zh='{path}:第 {number} 条记录应为 {{"rule": ID, "subject": ID 或 null}}',
                en='{path}: finding {number} must be {{"rule": ID, "subject": ID or null}}',
                path=path,
                number=number,
            )
        out.add((item["rule"], item.get("subject")))
    return out


def apply_baseline(report: Report, entries: set[Entry]) -> None:
    """Take the findings in the baseline out of a report's counts, in place.

    Sets ``report.baselined`` (the findings left out) and
    ``report.baseline_fixed`` (entries of rules that ran which no longer occur).
    """
    kept: list[Diagnostic] = []
    baselined: list[Diagnostic] = []
    for diagnostic in report.diagnostics:
        if (diagnostic.rule, diagnostic.subject) in entries:
            baselined.append(diagnostic)
        else:
            kept.append(diagnostic)
    ran = {stat.rule for stat in report.rules}
    occurring = {(d.rule, d.subject) for d in (*report.diagnostics, *report.waived)}
    report.diagnostics = kept
    report.baselined = baselined
    report.baseline_fixed = [
        entry
        for entry in sorted(entries, key=lambda pair: (pair[0], pair[1] or ""))
        if entry[0] in ran and entry not in occurring
    ]
