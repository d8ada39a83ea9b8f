"""The world the generators build: its shape, its choices, its vocabulary and its records.

Two generators build 挂包帮 worlds: :class:`~guabao_rules.testing._build.Builder`
(the Hypothesis strategies and violations: every piece clean under every rule)
and ``bench/generate.py`` (a real province's shape, streamed to files). Both
walk the same shape with :func:`walk`: the province, its prefectures, then
county by county its townships, villages and households. At each place the
walk asks the generator's :class:`Places` how many children there are and
lets it make that place's records; it yields each county when it is done, so
the benchmark writes and forgets it while the builder keeps it. Region codes
and household ids come from positions in the walk (unique by construction,
nothing to remember); the builder, which also adds to existing worlds,
numbers by the first code it has not used (its :class:`Numbering`).

Both make their choices through a :class:`Chooser`:

* :class:`DrawChooser` draws each choice from Hypothesis (so examples shrink);
* :class:`SeededChooser` takes them from a seeded :class:`random.Random` (the
  same seed, the same world), for the benchmark or outside a test.

A record's fields come out in the order its model declares them, and the way a
table column is written (a region code, a date, a list) is read off the model's
field, so neither generator holds a second copy of what a collection is. This
module imports no Hypothesis until a :class:`DrawChooser` is made.
"""

from __future__ import annotations

import random
import types
import typing
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar, overload

from guabao_rules.models import COLLECTIONS, To

if TYPE_CHECKING:
    from hypothesis.strategies import DrawFn

T = TypeVar("T")

# --- choices ---------------------------------------------------------------------------


class Chooser:
    """Where a generator's choices come from: three primitives and what follows from them."""

    def between(self, low: int, high: int) -> int:
        """An integer in ``[low, high]``."""
        raise NotImplementedError

    def flag(self) -> bool:
        """A boolean."""
        raise NotImplementedError

    def choice(self, items: Sequence[T]) -> T:
        """One of a fixed list of values (a parameter's candidates)."""
        raise NotImplementedError

    def text(self, alphabet: str, min_size: int, max_size: int) -> str:
        """A text of ``min_size`` to ``max_size`` characters of ``alphabet``."""
        raise NotImplementedError

    def pick(self, items: Sequence[T]) -> T:
        """One of ``items`` (an index drawn: shrinks towards the first)."""
        return items[self.between(0, len(items) - 1)]

    def day(self, low: date, high: date) -> date:
        """A day in ``[low, high]``."""
        if high < low:
            raise ValueError(f"empty date range {low}..{high}")
        return low + timedelta(days=self.between(0, (high - low).days))

    def days(self, low: date, high: date, n: int) -> list[date]:
        """``n`` days in ``[low, high]``, ascending (ties allowed)."""
        return sorted(self.day(low, high) for _ in range(n))


class DrawChooser(Chooser):
    """Choices drawn from Hypothesis inside a strategy (``@st.composite``'s ``draw``)."""

    def __init__(self, draw: DrawFn) -> None:
        # Imported here: the seeded world (bench/generate.py) never needs Hypothesis.
        from hypothesis import strategies

        self.draw = draw
        self.st = strategies

    def between(self, low: int, high: int) -> int:
        """Drawn from ``st.integers``."""
        return self.draw(self.st.integers(low, high))

    def flag(self) -> bool:
        """Drawn from ``st.booleans``."""
        return self.draw(self.st.booleans())

    def choice(self, items: Sequence[T]) -> T:
        """Drawn from ``st.sampled_from``."""
        return self.draw(self.st.sampled_from(items))

    def text(self, alphabet: str, min_size: int, max_size: int) -> str:
        """Drawn from ``st.text``."""
        return self.draw(self.st.text(alphabet=alphabet, min_size=min_size, max_size=max_size))


class SeededChooser(Chooser):
    """Choices from a :class:`random.Random` seeded once: the same seed, the same world."""

    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)

    def between(self, low: int, high: int) -> int:
        """Uniform over ``[low, high]``."""
        if high < low:
            raise ValueError(f"empty range {low}..{high}")
        # random() and a multiply: randint costs five times as much, and the
        # benchmark generator makes a choice per household.
        return low + int(self.random.random() * (high - low + 1))

    def flag(self) -> bool:
        """True or false, as likely."""
        return self.random.random() < 0.5

    def choice(self, items: Sequence[T]) -> T:
        """Uniform over ``items``."""
        return self.pick(items)

    def text(self, alphabet: str, min_size: int, max_size: int) -> str:
        """A uniform length, then uniform characters."""
        size = self.between(min_size, max_size)
        return "".join(self.random.choice(alphabet) for _ in range(size))


# --- the vocabulary: places, people, money --------------------------------------------

PROVINCE = "530000"
PREFECTURE_CODES = (
    "01", "03", "04", "05", "06", "07", "08", "09", "23", "25", "26", "28", "29", "31", "33", "34",
)  # fmt: skip
"""The two-digit prefecture codes of Yunnan (GB/T 2260), in order."""

CATEGORIES = (
    "industry", "infrastructure", "housing", "education",
    "health", "employment", "ecology", "other",
)  # fmt: skip
"""Project categories that are allowed (no handouts: M004)."""

CJK = "云南怒江迪庆福贡兰坪维西德钦泸水香格里拉山水林田路桥村镇乡花椒草果核桃茶叶养殖合作社"
SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜和木余罗达丰"


def place_name(seed: int, suffix: str) -> str:
    """A deterministic name of a place or body (no digits: nothing D006 could mistake)."""
    first = CJK[seed % len(CJK)]
    second = CJK[(seed * 7 + 3) % len(CJK)]
    return f"{first}{second}{suffix}"


def person(seed: int) -> str:
    """A pseudonym such as 赵某江 (never a real name: 某 in the middle)."""
    return SURNAMES[seed % len(SURNAMES)] + "某" + CJK[(seed * 5 + 1) % len(CJK)]


def money(cents: int) -> str:
    """An amount in yuan written as the data format wants it: ``"1234.50"``."""
    return f"{cents // 100}.{cents % 100:02d}"


def cents(value: Any) -> int:
    """An amount (string or whole yuan) in fen."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value * 100
    text = str(value)
    whole, _, frac = text.partition(".")
    return int(whole or "0") * 100 + int((frac + "00")[:2])


# --- records, from the models -----------------------------------------------------------


@cache
def field_order(collection: str) -> tuple[str, ...]:
    """The fields of a collection's records, in the order its model declares them."""
    return tuple(COLLECTIONS[collection].model_fields)


def record_of(collection: str, /, **fields: Any) -> dict[str, Any]:
    """A record of ``collection``: the given fields in the model's order, ``None`` left out.

    Raises:
        KeyError: A field the collection's model does not have.
    """
    order = field_order(collection)
    unknown = fields.keys() - set(order)
    if unknown:
        raise KeyError(f"{collection} has no field {', '.join(sorted(unknown))}")
    return {name: fields[name] for name in order if fields.get(name) is not None}


Written = Literal["id", "code", "date", "list"]
"""How a value is written in YAML: plain, a digit code or a date (quoted where a YAML 1.1
reader would take it for a number or a date), or a list."""


def _unwrapped(annotation: Any) -> set[Any]:
    """The types a field annotation allows, with Annotated, Optional and unions opened."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrapped(typing.get_args(annotation)[0])
    if origin is typing.Union or origin is types.UnionType:
        return {t for arg in typing.get_args(annotation) for t in _unwrapped(arg)}
    return {origin or annotation}


@cache
def written_as(collection: str, field: str) -> Written:
    """How a field of ``collection`` is written, read off its model field.

    A reference that can only name a region holds a digit code; a ``date`` field a date;
    a list field a list; the rest (ids, names, enums) is written plain.
    """
    info = COLLECTIONS[collection].model_fields[field]
    types = _unwrapped(info.annotation)
    if list in types:
        return "list"
    if date in types:
        return "date"
    if any(isinstance(meta, To) and meta.targets == ("regions",) for meta in info.metadata):
        return "code"
    return "id"


# --- the walk: the world's shape --------------------------------------------------------

Level = Literal["province", "prefecture", "county", "township", "village"]


@dataclass(frozen=True)
class Codes(Sequence[str]):
    """The region codes open to one level under one parent, in order: prefix, number, suffix."""

    prefix: str
    numbers: Sequence[int]
    width: int
    suffix: str = ""

    def __len__(self) -> int:
        return len(self.numbers)

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...
    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return f"{self.prefix}{self.numbers[index]:0{self.width}d}{self.suffix}"


def codes_under(level: Level, parent: str) -> Codes:
    """The codes a region of ``level`` may have under ``parent`` (GB/T 2260's widths)."""
    if level == "prefecture":
        return Codes(parent[:2], [int(code) for code in PREFECTURE_CODES], 2, "00")
    if level == "county":
        return Codes(parent[:4], range(1, 98), 2)  # 98, 99: left for retired codes
    if level == "township":
        return Codes(parent, range(100, 1000), 3)
    if level == "village":
        return Codes(parent, range(200, 1000), 3)
    raise ValueError(f"no region is walked to under another at level {level}")


class Numbering:
    """How the walk turns a place's position into its code: the position's own code.

    Codes derived from positions are unique by construction, so nothing needs to
    remember them. A generator that adds to an existing world (the Hypothesis
    builder) numbers instead by the first code it has not used.
    """

    def code(self, codes: Codes, position: int) -> str:
        """The code of the ``position``-th place among ``codes``."""
        return codes[position]


def household_id(village: str, position: int) -> str:
    """The id of a village's ``position``-th household (from 0): ``HH-<village>-<n>``."""
    return f"HH-{village}-{position + 1}"


_REGION_SUFFIX = {"prefecture": "州", "county": "县", "township": "镇", "village": "村"}


def region_of(
    level: Level, code: str, parent: str | None = None, tags: list[str] | None = None
) -> dict[str, Any]:
    """A region record, named from its code (no digits: nothing D006 could mistake)."""
    if level == "province":
        name = "云南省"
    elif level == "prefecture":
        name = place_name(int(code[2:4]), "州")
    elif level == "village":
        name = place_name(int(code[-3:]), "村")
    else:
        name = place_name(int(code), _REGION_SUFFIX[level])
    return record_of("regions", id=code, name=name, level=level, parent=parent, tags=tags)


@dataclass(frozen=True)
class Place:
    """A region the walk stands on: its level, its code, its parent's code, its position.

    ``position`` counts from 0 among the parent's children of the same level.
    """

    level: Level
    code: str
    parent: str | None
    position: int


class Places(Protocol):
    """What one generator puts at the places of the walk.

    The walk asks how many of each thing there are (``*_in``) and tells the
    generator where it stands; the generator makes that place's records and keeps
    or writes them. Each is called in the walk's order, so a generator's choices
    come in the same order every time.
    """

    villages_per_township: int

    def prefectures(self) -> int:
        """How many prefectures the province has."""
        ...

    def province(self, place: Place) -> None:
        """The province."""
        ...

    def prefecture(self, place: Place) -> None:
        """A prefecture."""
        ...

    def top(self, prefectures: list[Place]) -> None:
        """What belongs to the whole province (its leaders), once its prefectures exist."""
        ...

    def counties_in(self, prefecture: Place) -> int:
        """How many counties a prefecture has."""
        ...

    def county(self, place: Place) -> None:
        """A county and what stands at county level (leaders, units, visits...)."""
        ...

    def villages_in(self, county: Place) -> int:
        """How many villages a county has."""
        ...

    def township(self, place: Place) -> None:
        """A township."""
        ...

    def village(self, place: Place) -> None:
        """A village and what stands at village level (its package, its work team...)."""
        ...

    def households_in(self, village: Place) -> int:
        """How many households a village registers."""
        ...

    def households(self, village: Place, ids: list[str]) -> None:
        """A village's households (with their helpers, pairings and reports)."""
        ...

    def county_end(self, county: Place) -> None:
        """What a county has once its villages exist (projects, money)."""
        ...

    def end(self) -> None:
        """What the whole world has once its counties exist."""
        ...


def walk_county(
    places: Places, prefecture: Place, position: int, numbering: Numbering | None = None
) -> Place:
    """One county under ``prefecture``: its townships, villages and households, in order."""
    numbering = numbering or Numbering()
    code = numbering.code(codes_under("county", prefecture.code), position)
    county = Place("county", code, prefecture.code, position)
    places.county(county)
    township = county
    for index in range(places.villages_in(county)):
        in_township = index % places.villages_per_township
        if in_township == 0:
            number = index // places.villages_per_township
            code = numbering.code(codes_under("township", county.code), number)
            township = Place("township", code, county.code, number)
            places.township(township)
        code = numbering.code(codes_under("village", township.code), in_township)
        village = Place("village", code, township.code, in_township)
        places.village(village)
        count = places.households_in(village)
        places.households(village, [household_id(village.code, h) for h in range(count)])
    places.county_end(county)
    return county


def walk(places: Places, numbering: Numbering | None = None) -> Iterator[Place]:
    """Walk the world's shape: province, prefectures, then county by county.

    Yields each county once its records are made, so a writer can write them and
    forget them (the benchmark's province never is in memory at once); the
    generator's :meth:`Places.end` runs when the last county has been yielded.
    """
    numbering = numbering or Numbering()
    province = Place("province", PROVINCE, None, 0)
    places.province(province)
    prefectures = []
    for position in range(places.prefectures()):
        code = numbering.code(codes_under("prefecture", PROVINCE), position)
        prefectures.append(Place("prefecture", code, PROVINCE, position))
        places.prefecture(prefectures[-1])
    places.top(prefectures)
    for prefecture in prefectures:
        for position in range(places.counties_in(prefecture)):
            yield walk_county(places, prefecture, position, numbering)
    places.end()
