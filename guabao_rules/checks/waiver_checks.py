"""D009: waivers that have expired or that match no finding.

The engine runs D009 after every other rule and hands it, in ``ctx.extra``,
the waivers (``waivers``), the findings of the other rules (``findings``) and
the ids of the rules that ran (``ran``). A waiver for a rule that did not run
(deselected, or missing a parameter) is not called unused: nothing could
have matched it.
"""

from __future__ import annotations

from collections.abc import Iterator

from guabao_rules.diagnostics import Diagnostic, Text, Violation
from guabao_rules.engine.context import RuleContext
from guabao_rules.engine.waivers import Waiver
from guabao_rules.kinds.python import register


@register("stale-waiver", reads=[])  # the waivers and the findings, no record
def stale_waivers(ctx: RuleContext) -> Iterator[Violation]:
    """Waivers that have lapsed (``expires`` < as_of) or that waive nothing.

    One finding per subject (rules.md): the stale waivers of one subject are
    reported together at the first of them, each problem named with its rule,
    the other entries in ``related``. Waivers for files or the dataset
    (subject null) are reported one by one.
    """
    waivers: tuple[Waiver, ...] = tuple(ctx.extra.get("waivers", ()))
    findings: tuple[Diagnostic, ...] = tuple(ctx.extra.get("findings", ()))
    ran: frozenset[str] = frozenset(ctx.extra.get("ran", ()))
    found = {(d.rule, d.subject) for d in findings}
    stale: dict[object, list[tuple[Waiver, Text]]] = {}
    for index, waiver in enumerate(waivers):
        ctx.applied += 1
        if waiver.expired(ctx.as_of):
            assert waiver.expires is not None
            day = waiver.expires.isoformat()
            problem = Text(zh=f"已于 {day} 到期", en=f"it expired on {day}")
        elif waiver.rule in ran and (waiver.rule, waiver.subject) not in found:
            problem = Text(zh="没有与之匹配的发现", en="it matches no finding")
        else:
            continue
        key = waiver.subject if waiver.subject is not None else ("file", index)
        stale.setdefault(key, []).append((waiver, problem))
    for group in stale.values():
        first, problem = group[0]
        if len(group) == 1:
            yield Violation(
                first.subject, {"rule": first.rule, "problem": problem}, at=first.source
            )
            continue
        rules = list(dict.fromkeys(waiver.rule for waiver, _ in group))
        combined = Text(
            zh=";".join(f"{p.zh}({w.rule})" for w, p in group),
            en="; ".join(f"{p.en} ({w.rule})" for w, p in group),
        )
        related = tuple((first.subject, waiver.source) for waiver, _ in group[1:])
        yield Violation(
            first.subject, {"rule": rules, "problem": combined}, at=first.source, related=related
        )
