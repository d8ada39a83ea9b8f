"""Violation strategies of the quota rules (Q001-Q011), and of D010.

D010 (the scope tag misspelled) is registered here, between Q002 and Q003,
where it always was: it empties the quotas' scope, and VIOLATIONS keeps the
order of registration.
"""

from __future__ import annotations

from datetime import timedelta

from guabao_rules.testing._build import PREFECTURE_CODES, Builder
from guabao_rules.testing.generated import Record
from guabao_rules.testing.violations.base import (
    Subject,
    _active,
    _in_scope,
    _new_county,
    _township,
    _village,
    _violation,
)


def _top_link(b: Builder, param: str, post: str) -> tuple[Subject, str]:
    target = str(b.params[param])
    leaders = {str(x["id"]) for x in b.where("leaders", post=post)}
    links = [
        p
        for p in b.where("pairings", kind="prefecture_link", target=target)
        if p["helper"] in leaders
    ]
    choice = b.between(0, 3)
    if choice == 0 and links:
        for link in links:
            b.remove("pairings", link)
        return target, f"removed the {post}'s prefecture_link to {target}"
    if choice == 1 and links:
        for leader in b.where("leaders", post=post):
            leader["post"] = "other"
        return target, f"no leader has post {post}"
    if choice == 2 and links and all(p["start"] < b.as_of for p in links):
        for link in links:
            link["end"] = b.day(link["start"], b.as_of - timedelta(days=1))
        return target, f"the {post}'s prefecture_link to {target} ended before as_of"
    linked = {
        str(p["target"])
        for p in b.where("pairings", kind="prefecture_link")
        if p["helper"] in leaders
    }
    unused = [f"53{c}00" for c in PREFECTURE_CODES if f"53{c}00" not in linked]
    other = b.pick(unused)
    b.params[param] = other
    return other, f"{param} set to {other}"


@_violation("Q001")
def _q001(b: Builder) -> tuple[Subject, str]:
    """The party secretary's prefecture has no active link from the party secretary."""
    return _top_link(b, "party_secretary_prefecture", "party_secretary")


@_violation("Q002")
def _q002(b: Builder) -> tuple[Subject, str]:
    """The governor's prefecture has no active link from the governor."""
    return _top_link(b, "governor_prefecture", "governor")


def _leader_links(b: Builder, county: str) -> list[Record]:
    return [
        p
        for p in b.where("pairings", kind="county_link", target=county)
        if b.collection_of(str(p["helper"])) == "leaders"
    ]


@_violation("D010")
def _d010(b: Builder) -> tuple[Subject, str]:
    """The scope tag misspelled on every region (upper case): the quota rules check nothing."""
    tag = str(b.param("scope_tag"))
    _in_scope(b)  # a dataset without an in-scope county cannot lose its scope
    for region in b.all("regions"):
        tags = region.get("tags")
        if isinstance(tags, list) and tag in tags:
            region["tags"] = [tag.upper() if t == tag else t for t in tags]
    # Q008 would count 0 units in scope against `total_units`: a finding of its own.
    b.params["total_units"] = None
    return None, f"every `{tag}` tag written `{tag.upper()}`"


@_violation("Q003")
def _q003(b: Builder) -> tuple[Subject, str]:
    """An in-scope county with one provincial leader too many or too few."""
    county = str(b.pick(_in_scope(b))["id"])
    links = _leader_links(b, county)
    choice = b.between(0, 2)
    if choice == 0 and links:
        for link in links:
            b.remove("pairings", link)
        return county, f"removed the leader links of {county}"
    if choice == 1 and links:
        for link in links:
            found = b.get(str(link["helper"]))
            if found:
                found[1]["rank"] = "departmental"
        return county, f"the leaders linking {county} are departmental"
    leader = b.add_leader(county, "provincial", f"L-{county}-B")
    b.add_pairing("county_link", str(leader["id"]), county, b.day(b.start, b.as_of), county)
    return county, f"a second provincial leader links {county}"


@_violation("Q004")
def _q004(b: Builder) -> tuple[Subject, str]:
    """A provincial leader linking too many counties (the extra ones out of scope)."""
    leaders = [x for x in b.where("leaders", rank="provincial")]
    leader = b.pick(leaders)
    have = {
        str(p["target"])
        for p in b.where("pairings", kind="county_link", helper=leader["id"])
        if _active(b, p)
    }
    for _ in range(int(b.param("counties_per_leader")) - len(have) + 1):
        county = _new_county(b)
        b.add_pairing("county_link", str(leader["id"]), county, b.day(b.start, b.as_of), county)
    return str(leader["id"]), f"leader {leader['id']} links out-of-scope counties too"


def _linked_units(b: Builder, county: str, kinds: tuple[str, ...]) -> list[Record]:
    out = []
    for link in b.where("pairings", kind="county_link", target=county):
        if not _active(b, link):
            continue
        found = b.get(str(link["helper"]))
        if found and found[0] == "units" and found[1]["kind"] in kinds and found[1] not in out:
            out.append(found[1])
    return out


@_violation("Q005")
def _q005(b: Builder) -> tuple[Subject, str]:
    """An in-scope county with too few provincial or central units (some become other kinds)."""
    county = str(b.pick(_in_scope(b))["id"])
    units = _linked_units(b, county, ("provincial_unit", "central_unit"))
    need = int(b.param("units_per_county"))
    for unit in units[: len(units) - need + 1]:
        unit["kind"] = b.pick(["county_unit", "prefecture_unit", "other", "provincial_soe"])
    return county, f"{county} keeps {need - 1} provincial or central units"


@_violation("Q006")
def _q006(b: Builder) -> tuple[Subject, str]:
    """An in-scope county with too few provincial state-owned enterprises."""
    county = str(b.pick(_in_scope(b))["id"])
    units = _linked_units(b, county, ("provincial_soe",))
    need = int(b.param("soes_per_county"))
    for unit in units[: len(units) - need + 1]:
        unit["kind"] = b.pick(["provincial_unit", "central_unit"])
    return county, f"{county} keeps {need - 1} state-owned enterprises"


@_violation("Q007")
def _q007(b: Builder) -> tuple[Subject, str]:
    """An in-scope county with two supervision groups, or a head of too low a rank."""
    county = str(b.pick(_in_scope(b))["id"])
    groups = b.where("supervision_groups", county=county)
    choice = b.between(0, 2)
    if choice == 0 and groups:
        for group in groups:
            found = b.get(str(group["head"]))
            if found:
                found[1]["rank"] = "other"
        return county, f"the supervision group head of {county} has rank other"
    if choice == 1 and groups and not any(b.where("findings", raised_by=g["id"]) for g in groups):
        for group in groups:
            b.remove("supervision_groups", group)
        return county, f"removed the supervision group of {county}"
    b.add_supervision(county)
    return county, f"a second supervision group for {county}"


@_violation("Q008")
def _q008(b: Builder) -> tuple[Subject, str]:
    """The number of linked units differs from ``total_units``."""
    if b.flag():
        total = int(b.params["total_units"])
        delta = b.pick([d for d in (-2, -1, 1, 2, 5) if total + d >= 0])
        b.params["total_units"] = total + delta
        return None, f"total_units changed by {delta}"
    county = str(b.pick(_in_scope(b))["id"])
    unit = b.add_unit(county, "provincial_unit")
    # Starting on as_of, the link has no complete year yet: no visit is due (M001).
    b.add_pairing("county_link", str(unit["id"]), county, b.as_of, county)
    return None, f"a new unit {unit['id']} links {county}"


@_violation("Q009")
def _q009(b: Builder) -> tuple[Subject, str]:
    """An in-scope county with no lead unit, or two."""
    county = str(b.pick(_in_scope(b))["id"])
    links = [
        p
        for p in b.where("pairings", kind="county_link", target=county)
        if b.collection_of(str(p["helper"])) == "units" and _active(b, p)
    ]
    leads = [p for p in links if p.get("role") == "lead"]
    others = [p for p in links if p.get("role") != "lead"]
    if others and b.flag():
        b.pick(others)["role"] = "lead"
        return county, f"{county} gets a second lead unit"
    for link in leads:
        if b.flag():
            link["role"] = "member"
        else:
            link.pop("role", None)
    return county, f"{county} has no lead unit"


@_violation("Q010")
def _q010(b: Builder) -> tuple[Subject, str]:
    """A poor village in scope without a village package or without a work team."""
    scope = {str(c["id"]) for c in _in_scope(b)}
    villages = [
        v for v in b.all("regions") if v["level"] == "village" and str(v["id"])[:6] in scope
    ]
    if villages and b.between(0, 3) > 0:
        village = b.pick(villages)
        tags = list(village.get("tags") or [])
        if "poor_village" not in tags:
            village["tags"] = [*tags, "poor_village"]
    else:
        county = b.pick(sorted(scope))
        code = b.add_village(_township(b, county), poor=True, team=False)
        village = b.get(code)[1]  # type: ignore[index]
    vid = str(village["id"])
    packages = b.where("pairings", kind="village_package", target=vid)
    teams = b.where("work_teams", village=vid)
    if packages and (not teams or b.flag()):
        for pairing in packages:
            b.remove("pairings", pairing)
        return vid, f"removed the village package of {vid}"
    for team in teams:
        b.remove("work_teams", team)
    return vid, f"removed the work team of {vid}"


@_violation("Q011")
def _q011(b: Builder) -> tuple[Subject, str]:
    """A poor household without a helper."""
    poor = b.where("households", status="poor")
    if poor and b.between(0, 3) > 0:
        household = str(b.pick(poor)["id"])
    else:
        household = b.add_household(_village(b), "poor")
    for pairing in b.where("pairings", kind="household_help", target=household):
        b.remove("pairings", pairing)
    return household, f"removed the helpers of {household}"
