"""The world the generators build: its choices, its vocabulary and its records.

Two generators build 挂包帮 worlds: :class:`~guabao_rules.testing._build.Builder`
(the Hypothesis strategies and violations: every piece clean under every rule)
and ``bench/generate.py`` (a real province's shape, streamed to files). Both
build their records here, from the models, and make their choices through a
:class:`Chooser`:

* :class:`DrawChooser` draws each choice from Hypothesis (so examples shrink);
* :class:`SeededChooser` takes them from a seeded :class:`random.Random` (the
  same seed, the same world), for the benchmark or outside a test.

A record's fields come out in the order its model declares them, and the way a
table column is written (a region code, a date, a list) is read off the model's
field, so neither generator holds a second copy of what a collection is.
"""

from __future__ import annotations

import random
import types
import typing
from collections.abc import Sequence
from datetime import date, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any, Literal, TypeVar

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
