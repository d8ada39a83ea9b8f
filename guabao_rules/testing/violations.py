"""Mutations that break exactly one rule on one chosen subject.

``VIOLATIONS[rule_id](dataset)`` is a strategy of :class:`Violated`: a copy of a
valid dataset changed so that checking it yields exactly one finding,
``(rule_id, subject)``. Each mutation is surgical: it changes what only that
rule looks at, and when the dataset lacks what the rule needs (no project in
the library, no poor household) it first adds a clean one with the same
builder that made the dataset.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.strategies import DrawFn, SearchStrategy

from guabao_rules.models import COLLECTIONS
from guabao_rules.testing._build import (
    LIBRARY_STATUSES,
    PREFECTURE_CODES,
    RUNNING_STATUSES,
    STATUSES,
    Builder,
    add_years,
    cents,
    complete_quarters,
    complete_years,
    money,
    quarter_bounds,
)
from guabao_rules.testing.generated import SHARED, GeneratedDataset, Record, dump_yaml
from guabao_rules.testing.strategies import datasets

Subject = str | None


@dataclass(frozen=True)
class Violated:
    """A dataset that breaks one rule on one subject.

    Attributes:
        dataset: The mutated dataset (params, raw files and waivers included).
        rule: The rule it breaks.
        subject: The subject of the one finding expected (None for a file or the dataset).
        change: What was changed, in words (for failure reports).
    """

    dataset: GeneratedDataset
    rule: str
    subject: Subject
    change: str

    @property
    def expected(self) -> set[tuple[str, Subject]]:
        """The findings checking the dataset must yield: exactly ``{(rule, subject)}``."""
        return {(self.rule, self.subject)}


Mutation = Callable[[Builder], tuple[Subject, str]]
VIOLATIONS: dict[str, Callable[[GeneratedDataset], SearchStrategy[Violated]]] = {}
"""Rule id → a function from a valid dataset to a strategy of :class:`Violated`."""


def _violation(rule: str) -> Callable[[Mutation], Mutation]:
    """Register a mutation as the violation strategy of ``rule``."""

    def register(mutate: Mutation) -> Mutation:
        def strategy(dataset: GeneratedDataset) -> SearchStrategy[Violated]:
            @st.composite
            def build(draw: DrawFn) -> Violated:
                builder = Builder(draw, dataset)
                subject, change = mutate(builder)
                return Violated(builder.result(), rule, subject, change)

            return build()

        strategy.__doc__ = mutate.__doc__
        VIOLATIONS[rule] = strategy
        return mutate

    return register


def violations(
    rule: str, dataset: GeneratedDataset | SearchStrategy[GeneratedDataset] | None = None
) -> SearchStrategy[Violated]:
    """Datasets that break exactly ``rule`` on one subject.

    Args:
        rule: A rule id of the catalogue (``"Q003"``).
        dataset: A valid dataset, a strategy of them, or None for :func:`datasets`.

    Raises:
        InvalidArgument: No violation strategy is known for ``rule``.
    """
    if rule not in VIOLATIONS:
        raise InvalidArgument(f"no violation strategy for rule {rule!r}")
    make = VIOLATIONS[rule]
    if dataset is None:
        dataset = datasets()
    if isinstance(dataset, GeneratedDataset):
        return make(dataset)
    return dataset.flatmap(make)


# --- shared helpers ------------------------------------------------------------------


def _counties(b: Builder) -> list[Record]:
    return [r for r in b.all("regions") if r["level"] == "county"]


def _in_scope(b: Builder) -> list[Record]:
    counties = [r for r in _counties(b) if b.in_scope(r)]
    if not counties:
        raise InvalidArgument("the dataset has no in-scope county")
    return counties


def _prefectures(b: Builder) -> list[Record]:
    return [r for r in b.all("regions") if r["level"] == "prefecture"]


def _new_county(b: Builder) -> str:
    """A bare out-of-scope county (no pairings: no quota applies to it)."""
    prefecture = b.pick(_prefectures(b))
    return str(b.add_county_region(str(prefecture["id"]), in_scope=False)["id"])


def _township(b: Builder, county: str) -> str:
    townships = b.regions_under(county, "township")
    if townships and b.flag():
        return str(b.pick(townships)["id"])
    return str(b.add_township(county)["id"])


def _village(b: Builder) -> str:
    """An existing village, or a new one (with a team) in some county."""
    villages = [str(v["id"]) for v in b.all("regions") if v["level"] == "village"]
    if villages and b.between(0, 3) > 0:
        return str(b.pick(villages))
    county = str(b.pick(_counties(b))["id"])
    return b.add_village(_township(b, county), poor=b.flag(), team=True)


def _later(b: Builder, day: date, most: int = 400) -> date:
    return day + timedelta(days=b.between(1, most))


def _earlier(b: Builder, day: date, most: int = 400) -> date:
    return day - timedelta(days=b.between(1, most))


def _active(b: Builder, record: Record) -> bool:
    return bool(
        record["start"] <= b.as_of and (record.get("end") is None or b.as_of <= record["end"])
    )


def _project(
    b: Builder,
    statuses: tuple[str, ...],
    ok: Callable[[Record], bool] = lambda p: True,
    fresh: tuple[str, ...] | None = None,
) -> Record:
    """A project of one of ``statuses`` satisfying ``ok``, or a new clean one.

    The new one (made when none is found, and now and then anyway) has one of
    the ``fresh`` statuses (default ``statuses``), which must satisfy ``ok``.
    """
    found = [p for p in b.all("projects") if p["status"] in statuses and ok(p)]
    if found and b.between(0, 3) > 0:
        chosen: Record = b.pick(found)
        return chosen
    county = str(b.pick(_counties(b))["id"])
    return b.add_project(county, b.pick(list(fresh or statuses)), [])


def _allocations_of(b: Builder, project: Record) -> list[Record]:
    return b.where("allocations", project=project["id"])


def _paid(b: Builder, allocation: Record) -> int:
    return sum(cents(d["amount"]) for d in b.where("disbursements", allocation=allocation["id"]))


def _unit_links(b: Builder) -> list[Record]:
    return [
        p
        for p in b.where("pairings", kind="county_link")
        if b.collection_of(str(p["helper"])) == "units" and b.get(str(p["target"]))
    ]


def _ensure_visits(
    b: Builder, unit: str, county: str, start: date, *, skip: int | None, end: date | None = None
) -> None:
    """Enough main-leader visits in every complete year from ``start`` to ``end`` but ``skip``."""
    need = int(b.param("min_visits_per_year"))
    for year in complete_years(start, end, b.as_of):
        if year == skip:
            continue
        have = [
            v
            for v in b.where("visits", visitor=unit, county=county)
            if v.get("main_leader") is True and v["date"].year == year
        ]
        for _ in range(need - len(have)):
            b.add_visit(unit, county, b.day(date(year, 1, 1), date(year, 12, 31)), main_leader=True)


def _ensure_meetings(b: Builder, unit: str, county: str, start: date, skip: int | None) -> None:
    """Enough joint meetings by ``unit`` in every complete year from ``start`` but ``skip``."""
    need = int(b.param("min_joint_meetings_per_year"))
    for year in complete_years(start, None, b.as_of):
        if year == skip:
            continue
        have = [
            m
            for m in b.where("meetings", county=county, convened_by=unit)
            if m["date"].year == year
        ]
        for _ in range(need - len(have)):
            record: Record = {"id": b.fresh(f"MT-{county}-{year}"), "county": county}
            record["convened_by"] = unit
            record["date"] = b.day(date(year, 1, 1), date(year, 12, 31))
            b.add("meetings", record, county)


def _extend_back(b: Builder, link: Record) -> None:
    """Start a link on 1 January of the year before as_of, so it has a complete year."""
    link["start"] = min(link["start"], date(b.as_of.year - 1, 1, 1))


def _fund_still_fine(b: Builder, fund_id: str) -> None:
    """After allocations were taken away: an idle fund must not look idle for long (T002)."""
    found = b.get(fund_id)
    if found is None:
        return
    fund = found[1]
    if not b.where("allocations", fund=fund_id) and not b.where("funds", parent=fund_id):
        fund.pop("received", None)


# --- D: data integrity -----------------------------------------------------------------

_BROKEN_FILES: tuple[tuple[str, bytes], ...] = (
    ("a YAML syntax error", b'regions:\n  - {id: "530000", name: [\n'),
    ("a top level that is a list", b"- regions\n- units\n"),
    ("a collection that is not a list", "units: {id: U-ONE, name: 某单位, kind: other}\n".encode()),
    ("a record that is not a mapping", b"units:\n  - just a sentence\n"),
    ("an object tag", b'units:\n  - !!python/object/apply:os.system ["true"]\n'),
    ("GBK bytes", "units:\n  - {id: U-GBK, name: 云南省财政厅, kind: other}\n".encode("gbk")),
    ("a scalar document", b"just a sentence\n"),
)


@_violation("D000")
def _d000(b: Builder) -> tuple[Subject, str]:
    """A file that cannot be read (subject null)."""
    what, data = b.pick(list(_BROKEN_FILES))
    name = b.pick(["raw-broken.yaml", "raw/deep/broken.yml", "raw/zz-broken.yaml"])
    b.raw_files[name] = data
    return None, f"added {name} with {what}"


@_violation("D001")
def _d001(b: Builder) -> tuple[Subject, str]:
    """A second record with an existing id: an exact copy, so nothing else changes."""
    collections = sorted(c for c, items in b.records.items() if items)
    collection = b.pick(collections)
    record = b.pick(b.all(collection))
    if b.flag():
        # Certainly second (``zz-`` sorts after every layout's files): any valid record
        # may carry the id, for the later record is ignored by every other rule.
        other = b.pick(collections)
        twin = copy.deepcopy(b.pick(b.all(other)))
        twin["id"] = record["id"]
        b.raw_files["zz-twin.yaml"] = dump_yaml({other: [twin]}).encode()
        return str(record["id"]), f"a {other} record in zz-twin.yaml reuses id {record['id']}"
    twin = copy.deepcopy(record)
    if collection in ("units", "leaders", "cadres", "regions") and b.flag():
        twin["name"] = b.text()  # names are for people, no rule reads them
    # An exact copy may come first or second: nothing changes either way.
    name = b.pick(["raw-twin.yaml", "a-twin.yaml"])
    b.raw_files[name] = dump_yaml({collection: [twin]}).encode()
    return str(record["id"]), f"copied {collection} record {record['id']} into {name}"


@_violation("D002")
def _d002(b: Builder) -> tuple[Subject, str]:
    """A reference to a missing id or to a record of the wrong collection or level."""
    choice = b.between(0, 3)
    if choice == 1 and b.all("reports"):
        report = b.pick(b.all("reports"))
        bad = b.pick([b.fresh("U-MISSING"), *[str(h["id"]) for h in b.all("households")][:1]])
        report["recipients"] = [*report.get("recipients", []), bad]
        return str(report["id"]), f"report {report['id']} names recipient {bad}"
    if choice == 2:
        leader = b.pick(b.all("leaders"))
        places = [r for r in b.all("regions") if r["level"] in ("village", "prefecture")]
        place = b.pick(places)
        visit = b.add_visit(
            str(leader["id"]), str(place["id"]), b.day(b.start, b.as_of), main_leader=False
        )
        return str(visit["id"]), f"visit {visit['id']} goes to {place['level']} {place['id']}"
    if choice == 3 and b.all("projects") and b.all("cadres"):
        project = b.pick(b.all("projects"))
        cadre = b.pick(b.all("cadres"))
        project["implementer"] = cadre["id"]
        return str(project["id"]), f"project {project['id']} implementer is cadre {cadre['id']}"
    county = str(b.pick(_counties(b))["id"])
    bad = b.pick([b.fresh("U-MISSING"), county])
    cadre = {"id": b.fresh("C-ORPHAN"), "name": "某某", "unit": bad}
    b.add("cadres", cadre, b.pick([SHARED, county]))
    return str(cadre["id"]), f"new cadre {cadre['id']} of unit {bad}"


_UNKNOWN_KEYS = ("remark", "备注", "nmae", "notes", "parnet", "statuss")


@_violation("D003")
def _d003(b: Builder) -> tuple[Subject, str]:
    """An unknown field (the record still loads), or an invalid record no rule needs.

    An invalid record still exists for references: a pairing or a project naming
    it gets no D002, and no other rule looks at it.
    """
    choice = b.between(0, 4)
    # Not a collection's only record: with none of them valid, the rules that look
    # at the collection check nothing, and D010 rightly says so.
    spare = [h for h in b.where("households", status="lifted") if len(b.all("households")) > 1]
    spare += [
        p
        for p in b.all("projects")
        if p["status"] in ("proposed", "reviewed") and len(b.all("projects")) > 1
    ]
    if choice == 4 and spare:
        record = b.pick(spare)
        if "village" in record:
            how = b.pick(["rich", 3, "no village"])
            if how == "no village":
                del record["village"]  # a missing required field
            else:
                record["status"] = how
        else:
            record["budget"] = b.pick(["-1.00", "12.345", "a lot"])
        return str(record["id"]), f"{record['id']} no longer validates"
    if choice == 0:
        collection = b.pick(sorted(c for c, items in b.records.items() if items))
        record = b.pick(b.all(collection))
        known = COLLECTIONS[collection].model_fields
        key = b.pick([k for k in _UNKNOWN_KEYS if k not in known])
        record[key] = b.text()
        return str(record["id"]), f"{collection} record {record['id']} gets unknown field {key}"
    if choice == 1 and b.all("projects"):
        project = b.pick(b.all("projects"))
        where = b.pick(["milestones", "performance", "period"])
        nested = project.get(where)
        if isinstance(nested, dict):
            nested["remark"] = b.text()
            return str(project["id"]), f"project {project['id']} gets {where}.remark"
    if choice == 2:
        unit: Record = {"id": b.fresh("U-BAD"), "name": "某单位", "kind": "ministry"}
        if b.flag():
            del unit["name"]
        b.add("units", unit, SHARED)
        return str(unit["id"]), f"new unit {unit['id']} breaks the format"
    b.records.setdefault("units", []).append({"name": "无编号单位", "kind": "other"})
    return None, "new unit record without an id"


@_violation("D004")
def _d004(b: Builder) -> tuple[Subject, str]:
    """A new region whose code does not fit its level or parent."""
    county = str(b.pick(_counties(b))["id"])
    choice = b.between(0, 3)
    if choice == 0:
        code = b.fresh(f"{county}1{b.between(10, 99)}2{b.between(10, 99)}")
        record: Record = {"id": code, "name": "某村", "level": "village", "parent": county}
        why = "a village whose parent is a county"
    elif choice == 1:
        code = b.fresh(f"{county[:4]}99{b.between(100, 999)}")
        record = {"id": code, "name": "某镇", "level": "township", "parent": county}
        why = "a township not prefixed by its county"
    elif choice == 2:
        code = b.fresh(f"{county[:4]}{b.pick(['X', '9', 'AB', '0001'])}")
        prefecture = b.pick(_prefectures(b))
        record = {"id": code, "name": "某县", "level": "county", "parent": prefecture["id"]}
        why = "a county code of the wrong length"
    else:
        code = b.fresh(b.pick(["540000", "510000", "520000"]))
        record = {"id": code, "name": "某省", "level": "province", "parent": "530000"}
        why = "a province with a parent"
    b.add("regions", record, SHARED)
    return code, f"new region {code}: {why}"


@_violation("D005")
def _d005(b: Builder) -> tuple[Subject, str]:
    """An end before its start, a deadline before its date, or an event after as_of."""
    choice = b.between(0, 5)
    if choice == 1 and b.all("projects"):
        project = b.pick(b.all("projects"))
        end = b.day(b.start - timedelta(days=400), b.as_of)
        notice = {
            "stage": b.pick(["intake", "implementation", "completion"]),
            "start": _later(b, end),
        }
        notice["end"] = end
        notice["place"] = b.text()
        project.setdefault("announcements", []).append(notice)
        return str(project["id"]), f"project {project['id']} gets a notice ending before it starts"
    if choice == 2 and b.all("findings"):
        finding = b.pick(b.all("findings"))
        finding["deadline"] = _earlier(b, finding["date"])
        return str(finding["id"]), f"finding {finding['id']} deadline before its date"
    if choice == 3 and b.all("funds"):
        fund = b.pick(b.all("funds"))
        fund["received"] = _later(b, b.as_of)
        return str(fund["id"]), f"fund {fund['id']} received after as_of"
    if choice == 4 and b.all("households") and b.all("cadres"):
        household = b.pick(b.all("households"))
        year = b.as_of.year
        record = {
            "id": b.fresh(f"R-{household['id']}-late"),
            "reporter": b.pick(b.all("cadres"))["id"],
        }
        record["household"] = household["id"]
        record["period"] = f"{year}-Q{b.between(1, 4)}"
        record["date"] = _later(b, b.as_of)
        b.add("reports", record, b.home_of(str(household["id"])))
        return str(record["id"]), f"report {record['id']} sent after as_of"
    if choice == 5:
        link = b.pick(_unit_links(b) or b.where("pairings", kind="prefecture_link"))
        start = b.day(b.start, b.as_of)
        pairing = b.add_pairing(
            str(link["kind"]),
            str(link["helper"]),
            str(link["target"]),
            start,
            SHARED,
            end=_earlier(b, start),
        )
        return str(pairing["id"]), f"pairing {pairing['id']} ends before it starts"
    unit = b.pick(b.all("units"))
    county = str(b.pick(_counties(b))["id"])
    visit = b.add_visit(str(unit["id"]), county, _later(b, b.as_of), main_leader=False)
    return str(visit["id"]), f"visit {visit['id']} dated after as_of"


def _id_number(b: Builder) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    body = f"5333{b.between(10, 99)}{b.between(1950, 2005)}{b.between(10, 12)}{b.between(10, 28)}"
    body += f"{b.between(100, 999)}"
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
    return body + check


@_violation("D006")
def _d006(b: Builder) -> tuple[Subject, str]:
    """A resident ID number or a mobile number written into a name or a text."""
    fields = {
        "cadres": ("name",),
        "leaders": ("name",),
        "units": ("name",),
        "findings": ("summary",),
        "projects": ("task", "mechanism"),
        "funds": ("name",),
    }
    candidates = [
        (collection, record, field)
        for collection, names in fields.items()
        for record in b.all(collection)
        for field in names
        if isinstance(record.get(field), str)
    ]
    collection, record, field = b.pick(candidates)
    number = _id_number(b) if b.flag() else f"1{b.between(3, 9)}{b.between(0, 999_999_999):09d}"
    record[field] = f"{record[field]} {number}"
    return str(record["id"]), f"{collection} {record['id']}.{field} holds {number}"


@_violation("D007")
def _d007(b: Builder) -> tuple[Subject, str]:
    """A key written twice in one record (the first value is kept), or a collection twice."""
    collection = b.pick(sorted(c for c, items in b.records.items() if items))
    items = b.all(collection)
    if b.between(0, 2) == 0:
        count = b.between(1, min(len(items), 3))
        moved = items[:count]
        for record in moved:
            b.remove(collection, record)
        cut = b.between(0, count)
        text = dump_yaml({collection: moved[:cut]}) + dump_yaml({collection: moved[cut:]})
        b.raw_files["raw/dup-collection.yaml"] = text.encode()
        return None, f"{collection} named twice at the top of raw/dup-collection.yaml"
    record = b.pick(items)
    b.remove(collection, record)
    scalar_keys = [k for k, v in record.items() if not isinstance(v, list | dict)]
    key = b.pick(scalar_keys)
    text = dump_yaml({collection: [record]}) + f'  {key}: "重复的值"\n'
    b.raw_files["raw/dup-key.yaml"] = text.encode()
    return str(record["id"]), f"{collection} {record['id']} repeats key {key} in raw/dup-key.yaml"


@_violation("D008")
def _d008(b: Builder) -> tuple[Subject, str]:
    """A region id named as retired in ``legacy_codes``."""
    region = b.pick(b.all("regions"))
    codes = dict(b.params.get("legacy_codes") or {})
    codes[str(region["id"])] = b.pick(
        [c for c in ("530102", "533401", "533301") if c != region["id"]]
    )
    b.params["legacy_codes"] = codes
    return str(region["id"]), f"legacy_codes retires {region['id']}"


@_violation("D009")
def _d009(b: Builder) -> tuple[Subject, str]:
    """A waiver that has expired, or that matches no finding."""
    from guabao_rules.engine.core import catalogue

    rules = [
        r.id
        for r in catalogue().rules
        if r.id != "D009" and all(b.params.get(name) is not None for name in r.requires)
    ]
    subject = b.pick([None, *[str(r["id"]) for r in b.all("regions")][:5]])
    waiver: Record = {"rule": b.pick(rules), "subject": subject, "reason": b.text()}
    if b.flag():
        waiver["expires"] = _earlier(b, b.as_of)
        how = "expired"
    else:
        if b.flag():
            waiver["expires"] = b.day(b.as_of, b.as_of + timedelta(days=400))
        how = "matching nothing"
    b.waivers.append(waiver)
    return subject, f"waiver for {waiver['rule']}/{subject} {how}"


# --- Q: quotas ---------------------------------------------------------------------------


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


# --- M: working mechanisms ---------------------------------------------------------------


@_violation("M001")
def _m001(b: Builder) -> tuple[Subject, str]:
    """A unit's county link with a complete year of too few main-leader visits."""
    # A link with a complete year, or an open one that can start a year earlier.
    links = [
        p
        for p in _unit_links(b)
        if p.get("end") is None
        or p["end"] >= b.as_of
        or complete_years(p["start"], p["end"], b.as_of)
    ]
    link = b.pick(links)
    unit, county = str(link["helper"]), str(link["target"])
    need = int(b.param("min_visits_per_year"))
    years = complete_years(link["start"], link.get("end"), b.as_of)
    if not years:
        _extend_back(b, link)
        years = complete_years(link["start"], link.get("end"), b.as_of)
        if link.get("role") == "lead":
            _ensure_meetings(b, unit, county, link["start"], None)
    year = b.pick(years)
    _ensure_visits(b, unit, county, link["start"], skip=year, end=link.get("end"))
    visits = [
        v
        for v in b.where("visits", visitor=unit, county=county)
        if v.get("main_leader") is True and v["date"].year == year
    ]
    keep = b.between(0, need - 1)
    for visit in visits[keep:]:
        if b.flag():
            b.remove("visits", visit)
        else:
            visit["main_leader"] = False
    return str(
        link["id"]
    ), f"{unit} made {min(keep, len(visits))} main-leader visits to {county} in {year}"


def _poor_with_quarters(b: Builder) -> list[tuple[Record, Record]]:
    out = []
    for household in b.where("households", status="poor"):
        team = b.active_team(str(household["village"]))
        if team and complete_quarters(team["start"], team.get("end"), b.as_of):
            out.append((household, team))
    return out


@_violation("M002")
def _m002(b: Builder) -> tuple[Subject, str]:
    """A poor household missing its report for one complete quarter."""
    candidates = _poor_with_quarters(b)
    if not candidates or b.between(0, 3) == 0:
        previous = date(b.as_of.year, 3 * ((b.as_of.month - 1) // 3) + 1, 1) - timedelta(days=1)
        first, _ = quarter_bounds(previous.year, (previous.month - 1) // 3 + 1)
        county = str(b.pick(_counties(b))["id"])
        village = b.add_village(_township(b, county), poor=b.flag(), team=True, team_start=first)
        household = b.add_household(village, "poor")
        candidates = [(b.get(household)[1], b.active_team(village))]  # type: ignore[index,list-item]
    household, team = b.pick(candidates)
    year, q = b.pick(complete_quarters(team["start"], team.get("end"), b.as_of))
    period = f"{year}-Q{q}"
    reports = [
        r
        for r in b.where("reports", household=household["id"], period=period)
        if r["reporter"] in team["members"]
    ]
    outsider = [str(c["id"]) for c in b.all("cadres") if c["id"] not in team["members"]]
    for report in reports:
        if outsider and b.flag():
            report["reporter"] = b.pick(outsider)
        else:
            b.remove("reports", report)
    return str(household["id"]), f"no report on {household['id']} for {period}"


@_violation("M003")
def _m003(b: Builder) -> tuple[Subject, str]:
    """An in-scope county whose lead unit convened no joint meeting in a complete year."""
    candidates = []
    for county in _in_scope(b):
        leads = [
            p
            for p in b.where("pairings", kind="county_link", target=county["id"])
            if p.get("role") == "lead"
            and b.collection_of(str(p["helper"])) == "units"
            and _active(b, p)
        ]
        if len(leads) == 1:
            candidates.append((county, leads[0]))
    county, link = b.pick(candidates)
    unit, code = str(link["helper"]), str(county["id"])
    if not complete_years(link["start"], link.get("end"), b.as_of):
        _extend_back(b, link)
        _ensure_visits(b, unit, code, link["start"], skip=None)
    year = b.pick(complete_years(link["start"], link.get("end"), b.as_of))
    _ensure_meetings(b, unit, code, link["start"], skip=year)
    for meeting in b.where("meetings", county=code, convened_by=unit):
        if meeting["date"].year == year:
            b.remove("meetings", meeting)
    return code, f"no joint meeting of {code} in {year}"


@_violation("M004")
def _m004(b: Builder) -> tuple[Subject, str]:
    """A project that hands out cash or goods."""
    # A library project must have a village once it is no infrastructure (S101).
    project = _project(
        b,
        STATUSES,
        lambda p: "village" in p or p["status"] not in LIBRARY_STATUSES,
        fresh=("proposed", "reviewed", "cancelled"),
    )
    project["category"] = b.pick(["cash_handout", "goods_handout"])
    return str(project["id"]), f"project {project['id']} is a {project['category']}"


@_violation("M005")
def _m005(b: Builder) -> tuple[Subject, str]:
    """An east-west prefecture without an active partner-city pairing."""
    listed = [str(p) for p in b.params.get("east_west_prefectures") or []]
    if listed and b.flag():
        target = b.pick(listed)
        for pairing in b.where("pairings", kind="east_west", target=target):
            b.remove("pairings", pairing)
        return target, f"removed the east-west pairing of {target}"
    paired = {str(p["target"]) for p in b.where("pairings", kind="east_west")}
    target = b.pick([f"53{c}00" for c in PREFECTURE_CODES if f"53{c}00" not in paired])
    b.params["east_west_prefectures"] = [*listed, target]
    return target, f"east_west_prefectures also lists {target}"


def _a_team(b: Builder) -> Record:
    teams = b.all("work_teams")
    if teams and b.between(0, 3) > 0:
        team: Record = b.pick(teams)
        return team
    county = str(b.pick(_counties(b))["id"])
    village = b.add_village(_township(b, county), poor=False, team=True)
    return b.where("work_teams", village=village)[0]


@_violation("M006")
def _m006(b: Builder) -> tuple[Subject, str]:
    """A work team without a first secretary who is a member, or of the wrong size."""
    team = _a_team(b)
    high = b.params.get("max_team_members")
    choice = b.between(0, 2)
    if choice == 0 and high is not None:
        county = b.home_of(str(team["id"]))
        extra = int(high) - len(set(team["members"])) + 1
        team["members"] = [
            *team["members"],
            *(b.add_cadre(str(team["unit"]), county) for _ in range(extra)),
        ]
        return str(team["id"]), f"team {team['id']} has {len(set(team['members']))} members"
    if choice == 1:
        outsiders = [str(c["id"]) for c in b.all("cadres") if c["id"] not in team["members"]]
        other = b.pick(outsiders) if outsiders else b.add_cadre(str(team["unit"]), SHARED)
        team["first_secretary"] = other
        return str(team["id"]), f"team {team['id']} first secretary {other} is no member"
    del team["first_secretary"]
    return str(team["id"]), f"team {team['id']} has no first secretary"


@_violation("M007")
def _m007(b: Builder) -> tuple[Subject, str]:
    """A new work team that ended before as_of after too short a term."""
    village = _village(b)
    county = village[:6]
    years = int(b.param("min_team_term_years"))
    if b.flag():  # one day short of the full term, from a 29 February now and then
        start = b.term_start(years)
        end = add_years(start, years) - timedelta(days=2)
    else:
        length = b.between(1, 800)
        start = b.as_of - timedelta(days=length)
        end = start + timedelta(days=b.between(0, min(365 * years - 2, length - 1)))
    units = b.county_units(county) or [b.county_implementer(county)]
    team = b.add_team(village, b.pick(units), start, end=end)
    return str(team["id"]), f"team {team['id']} served {start}..{end}"


@_violation("M008")
def _m008(b: Builder) -> tuple[Subject, str]:
    """A supervision finding closed after its deadline, or still open past it."""
    closable = [f for f in b.all("findings") if f["deadline"] < b.as_of]
    if closable and b.flag():
        finding = b.pick(closable)
        if b.flag():
            finding["closed"] = b.day(finding["deadline"] + timedelta(days=1), b.as_of)
            return str(finding["id"]), f"finding {finding['id']} closed late"
        finding.pop("closed", None)
        return str(finding["id"]), f"finding {finding['id']} still open"
    group = b.pick(b.all("supervision_groups"))
    day = _earlier(b, b.as_of, 300)
    record = {"id": b.fresh(f"FD-{group['county']}-late"), "county": group["county"]}
    record["raised_by"] = group["id"]
    record["date"] = day
    record["deadline"] = b.day(day, b.as_of - timedelta(days=1))
    record["summary"] = b.text()
    b.add("findings", record, b.home_of(str(group["id"])))
    return str(record["id"]), f"finding {record['id']} open past its deadline"


# --- S: the 七化 standards ---------------------------------------------------------------


@_violation("S101")
def _s101(b: Builder) -> tuple[Subject, str]:
    """A library project missing library fields."""
    project = _project(b, LIBRARY_STATUSES)
    removable = ["nature", "task", "mechanism", "implementer", "period"]
    if project["category"] != "infrastructure" and "village" in project:
        removable.append("village")
    chosen = [f for f in removable if b.flag()] or [b.pick(removable)]
    for name in chosen:
        if name in ("task", "mechanism") and b.flag():
            project[name] = ""
        else:
            project.pop(name, None)
    # A blank `name` is a missing required field (D003), not an S101 finding (issue 14).
    return str(project["id"]), f"project {project['id']} lacks {', '.join(chosen)}"


@_violation("S201")
def _s201(b: Builder) -> tuple[Subject, str]:
    """Milestones out of order, or a library project without its review milestone."""
    project = _project(b, STATUSES)
    milestones = project["milestones"]
    if project["status"] in LIBRARY_STATUSES and b.flag():
        del milestones["reviewed"]
        return str(project["id"]), f"project {project['id']} lacks milestones.reviewed"
    milestones["reviewed"] = _earlier(b, milestones["proposed"])
    return str(project["id"]), f"project {project['id']} reviewed before proposed"


@_violation("S301")
def _s301(b: Builder) -> tuple[Subject, str]:
    """An implementing project not updated recently."""
    project = _project(b, ("implementing",))
    if b.flag():
        project.pop("updated", None)
        return str(project["id"]), f"project {project['id']} has no updated"
    age = int(b.param("max_update_age_days"))
    project["updated"] = _earlier(b, b.as_of - timedelta(days=age))
    return str(project["id"]), f"project {project['id']} updated {project['updated']}"


@_violation("S401")
def _s401(b: Builder) -> tuple[Subject, str]:
    """A running project whose allocations fall short of its budget."""
    project = _project(b, RUNNING_STATUSES)
    project["budget"] = b.amount(cents(project["budget"]) + b.between(1, 10_000_000))
    return str(project["id"]), f"project {project['id']} budget raised to {project['budget']}"


@_violation("S501")
def _s501(b: Builder) -> tuple[Subject, str]:
    """A library project naming a beneficiary household of another county."""
    project = _project(b, LIBRARY_STATUSES)
    elsewhere = [h for h in b.all("households") if str(h["village"])[:6] != project["county"]]
    if elsewhere and b.flag():
        household = str(b.pick(elsewhere)["id"])
    else:
        county = _new_county(b)
        village = b.add_village(_township(b, county), poor=False, team=False)
        household = b.add_household(village, "lifted")
    performance = project.setdefault("performance", {})
    performance["beneficiaries"] = [*performance.get("beneficiaries", []), household]
    return str(project["id"]), f"project {project['id']} benefits {household} of another county"


@_violation("S601")
def _s601(b: Builder) -> tuple[Subject, str]:
    """A library project whose required announcement is missing, short or late."""
    project = _project(b, LIBRARY_STATUSES)
    stages = ["intake"]
    if project["status"] in RUNNING_STATUSES:
        stages.append("implementation")
    if project["status"] in ("completed", "accepted"):
        stages.append("completion")
    stage = b.pick(stages)
    notices = [n for n in project.get("announcements", []) if n["stage"] == stage]
    minimum = int(b.param("min_announcement_days"))
    choice = b.between(0, 2)
    if choice == 0 or not notices:
        project["announcements"] = [n for n in project.get("announcements", []) if n not in notices]
        return str(project["id"]), f"project {project['id']} lacks its {stage} notice"
    if choice == 1 and minimum >= 2:
        for notice in notices:
            notice["end"] = notice["start"] + timedelta(days=b.between(0, minimum - 2))
        return str(project["id"]), f"project {project['id']} {stage} notice too short"
    if stage == "intake":
        library = project["milestones"]["in_library"]
        for notice in notices:
            notice["end"] = _later(b, library, 60)
            notice["start"] = notice["end"] - timedelta(days=minimum + b.between(0, 10))
        return str(project["id"]), f"project {project['id']} intake notice ends after in_library"
    for notice in notices:
        notice["end"] = notice["start"]
    if minimum < 2:
        project["announcements"] = [n for n in project["announcements"] if n not in notices]
    return str(project["id"]), f"project {project['id']} {stage} notice lasts one day"


@_violation("S701")
def _s701(b: Builder) -> tuple[Subject, str]:
    """An implementing project whose progress reports fell silent."""
    project = _project(b, ("implementing",))
    limit = int(b.param("max_progress_gap_days"))
    start = project["milestones"].get("start")
    if start is not None and (b.as_of - start).days > limit and b.flag():
        project.pop("progress", None)
        return str(project["id"]), f"project {project['id']} has no progress report since {start}"
    project["milestones"].pop("start", None)
    project.pop("progress", None)
    return str(project["id"]), f"project {project['id']} has neither start nor progress"


# --- T: traceability -------------------------------------------------------------------


@_violation("T001")
def _t001(b: Builder) -> tuple[Subject, str]:
    """A running project without any allocation (its budget 0, so S401 stays quiet)."""
    running = [p for p in b.all("projects") if p["status"] in RUNNING_STATUSES]
    if running and b.flag():
        project = b.pick(running)
        project["budget"] = b.pick(["0.00", 0])
        for allocation in _allocations_of(b, project):
            for payment in b.where("disbursements", allocation=allocation["id"]):
                b.remove("disbursements", payment)
            b.remove("allocations", allocation)
            _fund_still_fine(b, str(allocation["fund"]))
    else:
        county = str(b.pick(_counties(b))["id"])
        project = b.add_project(county, b.pick(list(RUNNING_STATUSES)), [], budget=0)
    return str(project["id"]), f"project {project['id']} has no allocation"


@_violation("T002")
def _t002(b: Builder) -> tuple[Subject, str]:
    """A fund with nothing allocated long after it arrived."""
    home = b.pick([SHARED, *[str(c["id"]) for c in _counties(b)]])
    fund = b.add_fund(home)
    fund["amount"] = b.amount(b.between(0, 100_000_000))
    idle = int(b.param("idle_days"))
    fund["received"] = b.as_of - timedelta(days=idle + b.between(0, 400))
    return str(fund["id"]), f"fund {fund['id']} idle since {fund['received']}"


def _fund_use(b: Builder, fund: Record) -> int:
    used = sum(cents(a["amount"]) for a in b.where("allocations", fund=fund["id"]))
    return used + sum(cents(c["amount"]) for c in b.where("funds", parent=fund["id"]))


@_violation("T003")
def _t003(b: Builder) -> tuple[Subject, str]:
    """A fund whose allocations and child funds exceed its amount."""
    used = [f for f in b.all("funds") if _fund_use(b, f) > 0]
    if used and b.flag():
        fund = b.pick(used)
    else:
        fund = b.add_fund(SHARED)
        child = b.add_fund(SHARED, parent=fund)
        child["amount"] = b.amount(b.between(1, 100_000_000))
        child["year"] = max(child["year"], fund["year"])
    total = _fund_use(b, fund)
    fund["amount"] = money(total - b.between(1, total))
    return str(
        fund["id"]
    ), f"fund {fund['id']} amount {fund['amount']} below its use {money(total)}"


@_violation("T004")
def _t004(b: Builder) -> tuple[Subject, str]:
    """A project whose allocations exceed its budget."""
    funded = [p for p in b.all("projects") if b.allocated(str(p["id"])) > 0]
    if funded and b.flag():
        project = b.pick(funded)
    else:
        county = str(b.pick(_counties(b))["id"])
        project = b.add_project(county, b.pick(list(RUNNING_STATUSES)), [])
    total = b.allocated(str(project["id"]))
    project["budget"] = money(total - b.between(1, total))
    return str(project["id"]), f"project {project['id']} budget below {money(total)} allocated"


def _payable(b: Builder) -> list[tuple[Record, date]]:
    """Allocations of projects not settled yet, with the first day a new payment can fall on."""
    out = []
    for project in b.all("projects"):
        if project["status"] not in ("in_library", "implementing"):
            continue
        reports = [r["date"] for r in project.get("progress", [])]
        for allocation in _allocations_of(b, project):
            first = max([allocation["date"], *(d + timedelta(days=1) for d in reports)])
            if first <= b.as_of:
                out.append((allocation, first))
    return out


def _fresh_allocation(b: Builder) -> Record:
    county = str(b.pick(_counties(b))["id"])
    project = b.add_project(county, "in_library", [], allocate=True)
    allocation: Record = b.pick(_allocations_of(b, project))
    return allocation


@_violation("T005")
def _t005(b: Builder) -> tuple[Subject, str]:
    """An allocation paid out beyond its amount (after the last progress report)."""
    payable = _payable(b)
    if payable and b.flag():
        allocation, first = b.pick(payable)
    else:
        allocation = _fresh_allocation(b)
        first = allocation["date"]
    over = cents(allocation["amount"]) - _paid(b, allocation) + b.between(1, 1_000_000)
    record = {"id": b.fresh(f"PAY-{allocation['id']}-over"), "allocation": allocation["id"]}
    record["amount"] = b.amount(over)
    record["date"] = b.day(first, b.as_of)
    b.add("disbursements", record, b.home_of(str(allocation["id"])))
    return str(allocation["id"]), f"allocation {allocation['id']} overpaid by {record['id']}"


def _any_allocation(b: Builder) -> Record:
    allocations = b.all("allocations")
    if allocations and b.flag():
        allocation: Record = b.pick(allocations)
        return allocation
    return _fresh_allocation(b)


@_violation("T006")
def _t006(b: Builder) -> tuple[Subject, str]:
    """An allocation made before its project entered the library."""
    allocation = _any_allocation(b)
    project = b.get(str(allocation["project"]))[1]  # type: ignore[index]
    allocation["date"] = _earlier(b, project["milestones"]["in_library"])
    return str(allocation["id"]), f"allocation {allocation['id']} dated {allocation['date']}"


@_violation("T007")
def _t007(b: Builder) -> tuple[Subject, str]:
    """A disbursement (of nothing) dated before its allocation."""
    allocation = _any_allocation(b)
    record = {"id": b.fresh(f"PAY-{allocation['id']}-early"), "allocation": allocation["id"]}
    record["amount"] = b.pick(["0.00", 0])
    record["date"] = _earlier(b, allocation["date"])
    b.add("disbursements", record, b.home_of(str(allocation["id"])))
    return str(record["id"]), f"disbursement {record['id']} before allocation {allocation['id']}"


@_violation("T008")
def _t008(b: Builder) -> tuple[Subject, str]:
    """A fund older than its parent, or funds whose parents form a cycle."""
    choice = b.between(0, 2)
    children = [f for f in b.all("funds") if f.get("parent") and b.get(str(f["parent"]))]
    if choice == 0 and children:
        child = b.pick(children)
        child["year"] = b.get(str(child["parent"]))[1]["year"] - b.between(1, 3)  # type: ignore[index]
        return str(child["id"]), f"fund {child['id']} older than its parent"
    if choice == 1 and b.all("funds"):
        parent = b.pick(b.all("funds"))
        child = b.add_fund(SHARED, parent=parent)
        child["year"] = int(parent["year"]) - b.between(1, 3)
        return str(child["id"]), f"new fund {child['id']} older than its parent {parent['id']}"
    funds = [b.add_fund(SHARED) for _ in range(b.between(1, 3))]
    year = b.between(b.start.year - 1, b.as_of.year)
    for index, fund in enumerate(funds):
        fund["parent"] = funds[(index + 1) % len(funds)]["id"]
        fund["year"] = year
    subject = min(str(f["id"]) for f in funds)
    return subject, f"funds {', '.join(str(f['id']) for f in funds)} form a cycle"


@_violation("T009")
def _t009(b: Builder) -> tuple[Subject, str]:
    """A progress report far from the share of the money paid out."""
    gap = int(b.param("max_progress_gap_pct"))
    tracked = [p for p in b.all("projects") if p.get("progress") and b.allocated(str(p["id"])) > 0]
    if tracked and b.flag():
        project = b.pick(tracked)
    else:
        county = str(b.pick(_counties(b))["id"])
        project = b.add_project(county, "implementing", [])
        if not project.get("progress"):
            project["progress"] = [{"date": b.day(project["milestones"]["start"], b.as_of)}]
            project["progress"][0]["physical_pct"] = 0
    report = b.pick(project["progress"])
    actual = Fraction(
        100 * b.paid_by(str(project["id"]), report["date"]), b.allocated(str(project["id"]))
    )
    far = [pct for pct in range(101) if abs(pct - actual) > gap]
    report["physical_pct"] = b.pick(far)
    return str(
        project["id"]
    ), f"project {project['id']} reports {report['physical_pct']}% on {report['date']}"


@_violation("T010")
def _t010(b: Builder) -> tuple[Subject, str]:
    """A completed project with money left unpaid (one payment a little smaller)."""
    done = [
        p
        for p in b.all("projects")
        if p["status"] in ("completed", "accepted") and b.allocated(str(p["id"])) >= 10
    ]
    if done and b.flag():
        project = b.pick(done)
    else:
        county = str(b.pick(_counties(b))["id"])
        project = b.add_project(county, b.pick(["completed", "accepted"]), [])
    total = b.allocated(str(project["id"]))
    payments = [
        d
        for a in _allocations_of(b, project)
        for d in b.where("disbursements", allocation=a["id"])
        if cents(d["amount"]) > 0
    ]
    payment = b.pick(payments)
    # A tenth of the money at most: progress reports stay close to spending (T009).
    cut = b.between(1, min(cents(payment["amount"]), max(1, total // 10)))
    payment["amount"] = money(cents(payment["amount"]) - cut)
    return str(project["id"]), f"project {project['id']} has {money(cut)} unpaid"
