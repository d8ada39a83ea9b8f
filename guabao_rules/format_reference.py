"""The generated part of ``docs/data-format.md``: every field and every tag with an effect.

Read off the models (which fields are required, what each reference may name)
and the rule packs (which tags select what), so the page cannot drift from the
code: ``python -m guabao_rules.docs --write docs/rules`` rewrites the block
between the markers, and a test fails when it is stale.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator
from typing import Any

from guabao_rules.models import COLLECTIONS, ByKind, Model, To, _nested_model, column_names

BEGIN = "<!-- BEGIN generated: python -m guabao_rules.docs --write docs/rules -->"
END = "<!-- END generated -->"


def _target(to: To) -> str:
    text = " / ".join(f"`{t}`" for t in to.targets)
    if to.level:
        text += f" of level `{to.level}`"
    if to.unit_kinds:
        text += " of kind " + " / ".join(f"`{k}`" for k in to.unit_kinds)
    if to.within:
        text += f", inside the record's `{to.within}`"
    return text


def _refers(meta: list[Any]) -> str:
    for item in meta:
        if isinstance(item, To):
            return _target(item)
        if isinstance(item, ByKind):
            return "; ".join(f"{kind}: {_target(to)}" for kind, to in item.ends)
    return ""


def _is_list(annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _is_list(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return any(_is_list(a) for a in typing.get_args(annotation) if a is not type(None))
    return origin is list


def _rows(model: type[Model], prefix: str = "") -> Iterator[tuple[str, bool, str, str]]:
    columns = column_names(model)
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        nested, many = _nested_model(info.annotation)
        required = info.is_required()
        if nested is not None:
            yield path + ("[]" if many else ""), required, "", ""
            yield from _rows(nested, f"{path}{'[]' if many else ''}.")
            continue
        refers = _refers(list(info.metadata))
        if refers and _is_list(info.annotation):
            refers = "each: " + refers
        yield path, required, refers, columns.get(name, "")


def _fields_section() -> list[str]:
    lines = [
        "## Fields and references",
        "",
        "Every field of every collection: whether it is required, and for a reference the",
        "collections (region level, unit kind) its id must name (D002). A field not listed",
        "is unknown (D003); `notes` (备注) is free text on every record. The column is the",
        "Chinese header a table or workbook may use instead of the field name.",
        "",
    ]
    for collection, model in COLLECTIONS.items():
        lines += [
            f"### `{collection}`",
            "",
            "| field | required | refers to | column |",
            "|---|---|---|---|",
        ]
        for path, required, refers, column in _rows(model):
            lines.append(
                f"| `{path}` | {'yes' if required else 'no'} | {refers or '—'} | {column or '—'} |"
            )
        lines.append("")
    return lines


def _tag_uses() -> dict[str, list[str]]:
    """Each tag a rule selects on, with the rules (the scope tag under its default)."""
    from guabao_rules.engine.core import catalogue

    cat = catalogue()
    defaults = {name: spec.default for name, spec in cat.params.items()}
    uses: dict[str, list[str]] = {}
    for rule in cat.rules:
        found: set[str] = set()
        _walk(rule.constraint.model_dump(), found, defaults)
        for tag in sorted(found):
            uses.setdefault(tag, []).append(rule.id)
    return uses


def _walk(value: Any, found: set[str], defaults: dict[str, Any]) -> None:
    if isinstance(value, dict):
        tagged = value.get("tagged")
        if isinstance(tagged, str):
            found.add(tagged)
        elif isinstance(tagged, dict) and "param" in tagged:
            default = defaults.get(tagged["param"])
            if isinstance(default, str):
                found.add(default)
        if value.get("in_scope") is True:
            found.add(str(defaults.get("scope_tag")))
        for item in value.values():
            _walk(item, found, defaults)
    elif isinstance(value, list):
        for item in value:
            _walk(item, found, defaults)


def reference_block() -> str:
    """The generated block of ``docs/data-format.md``, markers included."""
    from guabao_rules.checks.coverage import TAG_ALIASES

    lines = [BEGIN, "", *_fields_section()]
    lines += [
        "## Tags",
        "",
        "A region's `tags` are free words; these have an effect. The scope tag is the",
        "rule parameter `scope_tag` (default `deep_poverty`): a county carrying it, and",
        "everything inside it, is in scope for the rules below. Any other tag has no",
        "effect. When a rule family checks nothing because no region carries a tag it",
        "needs, D010 says so and names a tag written instead that looks like it.",
        "",
        "| tag | on | effect | rules | similar tags D010 points out |",
        "|---|---|---|---|---|",
    ]
    effects = {
        "deep_poverty": (
            "county",
            "puts the county (and its villages, households, projects) in scope",
        ),
        "poor_village": ("village", "the village must be packaged and have a work team"),
    }
    for tag, rules in sorted(_tag_uses().items()):
        on, effect = effects.get(tag, ("region", "selects the region for these rules"))
        aliases = ", ".join(f"`{a}`" for a, t in TAG_ALIASES.items() if t == tag) or "—"
        rule_links = ", ".join(f"[{r}](rules/{r}.md)" for r in rules)
        lines.append(f"| `{tag}` | {on} | {effect} | {rule_links} | {aliases} |")
    lines += ["", END]
    return "\n".join(lines)


def refreshed(text: str) -> str:
    """``text`` (the page) with its generated block rewritten (appended when absent)."""
    block = reference_block()
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        return head + block + tail
    return text.rstrip("\n") + "\n\n" + block + "\n"
