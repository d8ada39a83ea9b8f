"""Rule documentation in ruff's shape, from the rule packs.

``guabao-rules explain ID`` and the generated ``docs/rules/`` pages both come
from :func:`explain`, so they never disagree.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from guabao_rules.engine.core import catalogue
from guabao_rules.engine.render import render_value
from guabao_rules.packs import Example, Expect, RuleSpec
from guabao_rules.sources.loader import WAIVER_FILE

_HEADINGS = {
    "zh": {
        "what": "检查内容",
        "why": "依据",
        "fail": "违规示例",
        "pass": "合规示例",
        "params": "参数",
        "subject": "对象",
        "name": "名称",
        "kind": "约束类型",
        "severity": "默认级别",
        "none": "无",
        "default": "默认值",
        "active": "当前值",
        "as_of": "评估日",
        "measure": "七化措施",
        "expect": "预期发现:",
    },
    "en": {
        "what": "What it checks",
        "why": "Why",
        "fail": "Example",
        "pass": "Passing example",
        "params": "Parameters",
        "subject": "Subject",
        "name": "Name",
        "kind": "Constraint kind",
        "severity": "Default severity",
        "none": "None",
        "default": "default",
        "active": "in force",
        "as_of": "as_of",
        "measure": "七化 measure",
        "expect": "Expected findings:",
    },
}


def _param_value(value: Any, lang: str) -> str:
    if value is None:
        return "unset" if lang == "en" else "未设置"
    if isinstance(value, dict):
        return ", ".join(f"{k} → {v}" for k, v in value.items()) or "{}"
    if isinstance(value, list) and not value:
        return "[]"
    return render_value(value, lang)


def explain(rule: RuleSpec, lang: str = "en", params: Mapping[str, Any] | None = None) -> str:
    """The rule's documentation as Markdown.

    Args:
        rule: The rule.
        lang: ``zh`` or ``en``.
        params: Parameter values in force (a profile's), shown beside the defaults.
    """
    h = _HEADINGS[lang]
    lines = [f"# {rule.id}: {rule.title.get(lang)}", ""]
    lines.append(f"- {h['name']}: `{rule.name}`")
    lines.append(f"- {h['kind']}: `{rule.constraint.kind}`")
    lines.append(f"- {h['severity']}: `{rule.severity.value}`")
    lines.append(f"- {h['subject']}: {rule.subject.get(lang)}")
    if rule.measure:
        lines.append(f"- {h['measure']}: {rule.measure}")
    lines += ["", f"## {h['what']}", "", rule.description.get(lang), ""]
    source = rule.source
    cite = "seed" if source.document == "seed" else source.document
    lines += [
        f"## {h['why']}",
        "",
        rule.rationale.get(lang),
        "",
        f"> {source.quote}",
        ">",
        f"> — {cite} {source.clause}",
        "",
    ]
    for key, examples in (("fail", rule.examples.fail), ("pass", rule.examples.pass_)):
        for number, example in enumerate(examples, 1):
            lines += [f"## {h[key]}" + (f" {number}" if number > 1 else ""), ""]
            lines += _example(rule, example, lang)
    shared = catalogue().params
    names = list(rule.params)
    for name in ("scope_tag",):
        if name in shared and name not in names and _uses(rule, name):
            names.append(name)
    lines += [f"## {h['params']}", ""]
    if not names:
        lines += [h["none"], ""]
    for name in names:
        spec = rule.params.get(name) or shared[name]
        text = f"- `{name}` ({spec.type}, {h['default']} `{_param_value(spec.default, lang)}`"
        if params is not None and params.get(name) != spec.default:
            text += f", {h['active']} `{_param_value(params.get(name), lang)}`"
        lines.append(text + f"): {spec.description.get(lang)}")
    return "\n".join(lines).rstrip("\n") + "\n"


def _example(rule: RuleSpec, example: Example, lang: str) -> list[str]:
    """One example: what it shows, its settings, its data and the findings it expects."""
    h = _HEADINGS[lang]
    lines = [example.note.get(lang), ""] if example.note else []
    notes = []
    if example.as_of:
        notes.append(f"{h['as_of']} = {example.as_of.isoformat()}")
    notes += [f"{k} = {_param_value(v, lang)}" for k, v in example.params.items()]
    if notes:
        lines += ["; ".join(notes), ""]
    lines += ["```yaml", example.data.rstrip("\n"), "```", ""]
    if example.waivers:
        lines += [f"`{WAIVER_FILE}`:", "", "```yaml", example.waivers.rstrip("\n"), "```", ""]
    if example.expect:
        lines += [h["expect"], ""]
        lines += [_expected(rule, expect, lang) for expect in example.expect]
        lines.append("")
    return lines


def _expected(rule: RuleSpec, expect: Expect, lang: str) -> str:
    """One expected finding as a list item: rule, subject, line and message as the pack states."""
    rule_id = f"`{expect.rule or rule.id}`"
    subject = f"`{expect.subject}`" if expect.subject is not None else None
    if lang == "zh":
        parts = [rule_id, f"对象 {subject}" if subject else "对象为文件或整个数据集"]
        if expect.line is not None:
            parts.append(f"第 {expect.line} 行")
        text = "- " + ",".join(parts)
    else:
        text = f"- {rule_id} on {subject or 'a file or the dataset'}"
        if expect.line is not None:
            text += f", line {expect.line}"
    if expect.message is not None:
        text += f": {expect.message}"
    return text


def _uses(rule: RuleSpec, name: str) -> bool:
    dumped = rule.constraint.model_dump_json()
    return name in dumped or (name == "scope_tag" and '"in_scope":true' in dumped)


# --- the generated docs/rules pages ----------------------------------------------------

REGENERATE = "python -m guabao_rules.docs --write docs/rules"
_GENERATED = f"<!-- Generated from the rule packs by `{REGENERATE}`; do not edit. -->"
_PAGE = re.compile(r"^[A-Z][0-9]{3}\.md$")
_INDEX_TEXT = {
    "en": (
        "Rules",
        "Every rule, by family. Each page is `guabao-rules explain ID`.",
        "中文",
        "zh/index.md",
    ),
    "zh": (
        "规则",
        "全部规则,按类别列出。每页即 `guabao-rules explain ID --lang zh`。",
        "English",
        "../index.md",
    ),
}


def _index_page(rules: Sequence[RuleSpec], lang: str) -> str:
    from guabao_rules.packs import MEASURES
    from guabao_rules.report.statistics import FAMILIES

    title, intro, other, other_link = _INDEX_TEXT[lang]
    heads = ("规则", "级别", "标题") if lang == "zh" else ("Rule", "Severity", "Title")
    lines = [_GENERATED, "", f"# {title}", "", intro, f"([{other}]({other_link}))", ""]
    for family, name in FAMILIES.items():
        members = [r for r in rules if r.family == family]
        if not members:
            continue
        lines += [f"## {family} — {name.get(lang)}", ""]
        has_measure = any(r.measure for r in members)
        head = [*heads, *(("七化",) if has_measure else ())]
        lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for rule in members:
            cells = [f"[{rule.id}]({rule.id}.md)", f"`{rule.severity.value}`", rule.title.get(lang)]
            if has_measure:
                cells.append(MEASURES[rule.measure].get(lang) if rule.measure else "")
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def rule_pages() -> dict[str, str]:
    """Every generated page, by path relative to ``docs/rules``.

    English pages are ``<ID>.md`` with ``index.md``; Chinese ones the same under ``zh/``.
    """
    rules = catalogue().rules
    pages: dict[str, str] = {}
    for lang, prefix in (("en", ""), ("zh", "zh/")):
        pages[f"{prefix}index.md"] = _index_page(rules, lang)
        for rule in rules:
            pages[f"{prefix}{rule.id}.md"] = f"{_GENERATED}\n\n{explain(rule, lang)}"
    return pages


def stale_pages(directory: Path) -> list[str]:
    """Generated pages under ``directory`` that are missing, different or obsolete."""
    pages = rule_pages()
    stale = []
    for name, text in pages.items():
        path = directory / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            stale.append(name)
    for folder in (directory, directory / "zh"):
        if folder.is_dir():
            for path in folder.iterdir():
                name = path.relative_to(directory).as_posix()
                if _PAGE.match(path.name) and name not in pages:
                    stale.append(name)
    return sorted(stale)


def write_pages(directory: Path) -> list[str]:
    """Write the generated pages into ``directory``, removing obsolete ones.

    Returns:
        The pages written or removed.
    """
    changed = stale_pages(directory)
    pages = rule_pages()
    for name in changed:
        path = directory / name
        if name in pages:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(pages[name], encoding="utf-8")
        else:
            path.unlink()
    return changed


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m guabao_rules.docs --write DIR`` (or ``--check DIR``)."""
    parser = argparse.ArgumentParser(
        prog="python -m guabao_rules.docs", description="Generate the docs/rules pages."
    )
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", metavar="DIR", help="write the pages into DIR")
    group.add_argument("--check", metavar="DIR", help="exit 1 if the pages in DIR are stale")
    args = parser.parse_args(argv)
    if args.write:
        for name in write_pages(Path(args.write)):
            sys.stdout.write(f"updated {Path(args.write) / name}\n")
        return 0
    stale = stale_pages(Path(args.check))
    for name in stale:
        sys.stdout.write(f"stale: {Path(args.check) / name}\n")
    if stale:
        sys.stdout.write(f"regenerate with: {REGENERATE}\n")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
