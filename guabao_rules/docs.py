"""Rule documentation in ruff's shape, from the rule packs.

``guabao-rules explain ID`` and the generated ``docs/rules/`` pages both come
from :func:`explain`, so they never disagree.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from guabao_rules.engine import catalogue, render_value
from guabao_rules.loader import WAIVER_FILE
from guabao_rules.packs import RuleSpec

_HEADINGS = {
    "zh": {
        "what": "检查内容",
        "why": "依据",
        "fail": "违规示例",
        "pass": "合规示例",
        "params": "参数",
        "subject": "对象",
        "severity": "默认级别",
        "none": "无",
        "default": "默认值",
        "active": "当前值",
        "as_of": "评估日",
        "measure": "七化措施",
    },
    "en": {
        "what": "What it checks",
        "why": "Why",
        "fail": "Example",
        "pass": "Passing example",
        "params": "Parameters",
        "subject": "Subject",
        "severity": "Default severity",
        "none": "None",
        "default": "default",
        "active": "in force",
        "as_of": "as_of",
        "measure": "七化 measure",
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
    for key, example in (("fail", rule.examples.fail), ("pass", rule.examples.pass_)):
        lines += [f"## {h[key]}", ""]
        notes = []
        if example.as_of:
            notes.append(f"{h['as_of']} = {example.as_of.isoformat()}")
        notes += [f"{k} = {_param_value(v, lang)}" for k, v in example.params.items()]
        if notes:
            lines += ["; ".join(notes), ""]
        lines += ["```yaml", example.data.rstrip("\n"), "```", ""]
        if example.waivers:
            lines += [f"`{WAIVER_FILE}`:", "", "```yaml", example.waivers.rstrip("\n"), "```", ""]
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


def _uses(rule: RuleSpec, name: str) -> bool:
    dumped = rule.constraint.model_dump_json()
    return name in dumped or (name == "scope_tag" and '"in_scope":true' in dumped)
