"""Violation strategies of the data-integrity rules (D000-D009)."""

from __future__ import annotations

import copy
from datetime import timedelta

from guabao_rules.models import COLLECTIONS
from guabao_rules.testing._build import Builder
from guabao_rules.testing.generated import SHARED, Record, dump_yaml
from guabao_rules.testing.violations.base import (
    Subject,
    _counties,
    _earlier,
    _later,
    _prefectures,
    _unit_links,
    _violation,
)

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
