"""Calendar semantics shared by every rule (spec: rules.md, "Time").

Every rule that looks at time uses these functions, and none re-derives them:

* :func:`is_active`: a record with ``start``/``end`` is active on day *d* when
  ``start <= d`` and (no end or ``d <= end``); both bounds are inclusive.
* :func:`complete_years` / :func:`complete_quarters`: a *complete* year (quarter)
  of a record is one on whose first **and** last day the record is active, and
  whose last day is on or before ``as_of``.
* :class:`Quarter` and :data:`PERIOD_RE`: the ``YYYY-Qn`` periods of reports.
* :func:`parse_date`: the strict ``YYYY-MM-DD`` date format of the data files.
* :func:`add_years` / :func:`served_full_term`: anniversaries, where 29 February
  plus *N* years is 28 February when the target year is not a leap year (M007).
* :func:`days_between`: signed day differences (T002, S301, S701).

All functions are pure and work on :class:`datetime.date`; none reads the clock.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import MAXYEAR, MINYEAR, date, timedelta
from typing import Any

__all__ = [
    "DATE_RE",
    "PERIOD_RE",
    "Quarter",
    "add_years",
    "complete_quarters",
    "complete_years",
    "days_between",
    "is_active",
    "parse_date",
    "served_full_term",
]

PERIOD_RE: re.Pattern[str] = re.compile(r"\A([0-9]{4})-Q([1-4])\Z")
"""A whole ``YYYY-Qn`` period (n = 1..4); group 1 is the year, group 2 the quarter.

Anchored with ``\\A``/``\\Z``, so ``match``, ``fullmatch`` and ``search`` all
accept only the whole string (no surrounding blanks, no trailing newline). Only
ASCII digits are accepted. The year range (1..9999) is checked by
:meth:`Quarter.parse`, not by the pattern.
"""

DATE_RE: re.Pattern[str] = re.compile(r"\A([0-9]{4})-([0-9]{2})-([0-9]{2})\Z")
"""The shape of a ``YYYY-MM-DD`` date (exactly 4-2-2 ASCII digits).

The shape only: whether it is a real calendar day is checked by :func:`parse_date`.
"""

_READ_BOUND = 1 << 16
"""How many distinct texts :func:`parse_date` and :meth:`Quarter.parse` remember."""
_DAYS_READ: dict[str, date] = {}
"""Texts read as days, and their day: a province writes the same few thousand days
and quarters on millions of records (the day and quarter objects are immutable)."""
_QUARTERS_READ: dict[str, Quarter] = {}


def _remember(read: dict[str, Any], text: str, value: Any) -> None:
    if len(read) < _READ_BOUND:
        read[text] = value


_QUARTER_FIRST_MONTH = (1, 4, 7, 10)
_QUARTER_LAST_DAY = ((3, 31), (6, 30), (9, 30), (12, 31))


def is_active(start: date | None, end: date | None, day: date) -> bool:
    """Tell whether a record with these bounds is active on ``day``.

    Both bounds are inclusive: active when ``start <= day`` and (``end`` is None
    or ``day <= end``). A record whose end is before its start is never active.

    Args:
        start: The first active day; None means "always started".
        end: The last active day; None means open-ended.
        day: The day asked about (usually ``as_of``).

    Returns:
        True when the record is active on ``day``.
    """
    if start is not None and day < start:
        return False
    return end is None or day <= end


@dataclass(frozen=True, slots=True, order=True)
class Quarter:
    """A calendar quarter, e.g. ``Quarter(2019, 3)`` = ``2019-Q3`` (1 July – 30 September).

    Quarters order chronologically (by year, then quarter) and are hashable.

    Attributes:
        year: The calendar year, 1..9999 (the range of :class:`datetime.date`).
        q: The quarter of the year, 1..4.

    Raises:
        ValueError: On construction, when ``year`` or ``q`` is out of range.
    """

    year: int
    q: int

    def __post_init__(self) -> None:
        if not MINYEAR <= self.year <= MAXYEAR:
            raise ValueError(f"quarter year {self.year} is out of range {MINYEAR}..{MAXYEAR}")
        if not 1 <= self.q <= 4:
            raise ValueError(f"quarter number {self.q} is out of range 1..4")

    def __str__(self) -> str:
        return f"{self.year:04d}-Q{self.q}"

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """Read a period written strictly as ``YYYY-Qn``.

        Args:
            text: The period, e.g. ``"2019-Q3"``.

        Returns:
            The quarter.

        Raises:
            ValueError: When ``text`` is not exactly ``YYYY-Qn`` with n in 1..4 and
                year in 1..9999 (``"2019-q3"``, ``"2019-Q5"``, ``"19-Q3"``,
                ``" 2019-Q3"`` and ``"0000-Q1"`` are all rejected).
            TypeError: When ``text`` is not a string.
        """
        if not isinstance(text, str):
            raise TypeError(f"a period must be a string, not {type(text).__name__}")
        known = _QUARTERS_READ.get(text)
        if known is not None and cls is Quarter:
            return known
        m = PERIOD_RE.match(text)
        if m is None:
            raise ValueError(f"{text!r} is not a period of the form YYYY-Qn (n = 1..4)")
        year = int(m.group(1))
        if year < MINYEAR:
            raise ValueError(f"{text!r} is not a period: year {year} is out of range")
        quarter = cls(year, int(m.group(2)))
        if cls is Quarter:
            _remember(_QUARTERS_READ, text, quarter)
        return quarter

    @classmethod
    def of(cls, day: date) -> Quarter:
        """Return the quarter that contains ``day``.

        Args:
            day: Any day.

        Returns:
            Its quarter, e.g. ``2019-Q3`` for 2019-08-15.
        """
        return cls(day.year, (day.month - 1) // 3 + 1)

    @property
    def first_day(self) -> date:
        """The first day of the quarter (1 January, 1 April, 1 July or 1 October)."""
        return date(self.year, _QUARTER_FIRST_MONTH[self.q - 1], 1)

    @property
    def last_day(self) -> date:
        """The last day of the quarter (31 March, 30 June, 30 September or 31 December)."""
        month, day = _QUARTER_LAST_DAY[self.q - 1]
        return date(self.year, month, day)

    def contains(self, day: date) -> bool:
        """Tell whether ``day`` falls within this quarter.

        Args:
            day: Any day.

        Returns:
            True when ``first_day <= day <= last_day``.
        """
        return Quarter.of(day) == self

    def next(self) -> Quarter:
        """Return the following quarter (``2019-Q4`` → ``2020-Q1``).

        Raises:
            ValueError: After ``9999-Q4``.
        """
        return Quarter._from_index(self._index() + 1)

    def prev(self) -> Quarter:
        """Return the preceding quarter (``2020-Q1`` → ``2019-Q4``).

        Raises:
            ValueError: Before ``0001-Q1``.
        """
        return Quarter._from_index(self._index() - 1)

    def _index(self) -> int:
        """Number the quarters consecutively: ``year * 4 + q - 1``."""
        return self.year * 4 + self.q - 1

    @staticmethod
    def _from_index(index: int) -> Quarter:
        """Invert :meth:`_index`."""
        year, rest = divmod(index, 4)
        return Quarter(year, rest + 1)


def complete_years(start: date, end: date | None, as_of: date) -> list[int]:
    """List the complete years of a record, in ascending order.

    Year Y is complete when the record is active on 1 January Y and on 31 December Y
    (hence on every day of Y) and 31 December Y <= ``as_of``. A record that starts
    mid-year does not complete that year; a year ending exactly on ``as_of`` (or on
    ``end``) is complete. A start after ``as_of`` or an end before the start yields
    nothing. The work is O(number of years), never a walk over days.

    Args:
        start: The first active day. Required: a record without a start would have
            infinitely many complete years.
        end: The last active day; None means open-ended.
        as_of: The day the data is judged at.

    Returns:
        The complete years, ascending; empty when there are none.
    """
    first = start.year if (start.month, start.day) == (1, 1) else start.year + 1
    last = as_of.year if (as_of.month, as_of.day) == (12, 31) else as_of.year - 1
    if end is not None:
        last = min(last, end.year if (end.month, end.day) == (12, 31) else end.year - 1)
    return list(range(first, last + 1))


def complete_quarters(start: date, end: date | None, as_of: date) -> list[Quarter]:
    """List the complete quarters of a record, in chronological order.

    The same as :func:`complete_years` with quarter bounds: quarter Q is complete
    when the record is active on the first and on the last day of Q, and the last
    day of Q is on or before ``as_of``. O(number of quarters).

    Args:
        start: The first active day (required, as for :func:`complete_years`).
        end: The last active day; None means open-ended.
        as_of: The day the data is judged at.

    Returns:
        The complete quarters, ascending; empty when there are none.
    """
    start_q = Quarter.of(start)
    first = start_q._index() + (0 if start == start_q.first_day else 1)
    last = _last_complete_index(as_of)
    if end is not None:
        last = min(last, _last_complete_index(end))
    return [Quarter._from_index(i) for i in range(first, last + 1)]


def _last_complete_index(day: date) -> int:
    """Index of the last quarter that ends on or before ``day``."""
    quarter = Quarter.of(day)
    return quarter._index() - (0 if day == quarter.last_day else 1)


def _add_years_ymd(day: date, n: int) -> tuple[int, int, int]:
    """Compute ``day`` plus ``n`` years as a (year, month, day) triple, unchecked.

    The year may fall outside 1..9999; that lets callers compare against
    anniversaries beyond :data:`datetime.date.max` without overflowing.
    """
    year = day.year + n
    if (day.month, day.day) == (2, 29) and not calendar.isleap(year):
        return (year, 2, 28)
    return (year, day.month, day.day)


def add_years(day: date, n: int) -> date:
    """Add ``n`` calendar years to ``day`` (``n`` may be negative).

    29 February plus ``n`` years is 28 February when the target year is not a leap
    year, and stays 29 February when it is.

    Args:
        day: The starting day.
        n: The number of years to add.

    Returns:
        The same month and day ``n`` years later (earlier when ``n`` < 0).

    Raises:
        ValueError: When the result's year is outside 1..9999.
    """
    year, month, dom = _add_years_ymd(day, n)
    if not MINYEAR <= year <= MAXYEAR:
        raise ValueError(f"{day.isoformat()} plus {n} years is out of the date range")
    return date(year, month, dom)


def days_between(a: date, b: date) -> int:
    """Return ``b - a`` in days (negative when ``b`` is before ``a``).

    Args:
        a: The earlier day, usually.
        b: The later day, usually.

    Returns:
        The signed number of days from ``a`` to ``b``; 0 when they are equal.
    """
    return (b - a).days


def as_date(value: object) -> date | None:
    """A plain date (not a datetime), or a string :func:`parse_date` accepts, as a date.

    Returns:
        The date, or None when ``value`` is neither.
    """
    if type(value) is date:
        return value
    if isinstance(value, str):
        try:
            return parse_date(value)
        except ValueError:
            return None
    return None


def parse_date(text: str) -> date:
    """Read a date written strictly as ``YYYY-MM-DD`` that is a real calendar day.

    Args:
        text: The date, e.g. ``"2019-07-01"``.

    Returns:
        The day.

    Raises:
        ValueError: When ``text`` is not exactly 4-2-2 ASCII digits joined by ``-``
            (``"2019-1-1"``, ``"2019/01/01"``, ``" 2019-01-01"``), or is not a real
            day (``"2019-02-30"``, ``"2019-13-01"``, ``"0000-01-01"``).
        TypeError: When ``text`` is not a string.
    """
    if not isinstance(text, str):
        raise TypeError(f"a date must be a string, not {type(text).__name__}")
    known = _DAYS_READ.get(text)
    if known is not None:
        return known
    m = DATE_RE.match(text)
    if m is None:
        raise ValueError(f"{text!r} is not a date of the form YYYY-MM-DD")
    try:
        day = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a real calendar day: {exc}") from None
    _remember(_DAYS_READ, text, day)
    return day


def served_full_term(start: date, end: date, years: int) -> bool:
    """Tell whether a record from ``start`` to ``end`` lasted at least ``years`` years (M007).

    Both bounds are inclusive, so the term runs until the day after ``end``; it is
    short exactly when ``end + 1 day`` is before ``add_years(start, years)``. For
    example a team from 2017-03-01 to 2019-02-28 served its 2 years, one ending
    2019-02-27 did not; from 2016-02-29, 2 years are up on 2018-02-28, so an end
    of 2018-02-27 is a full term. Dates near 9999-12-31 do not overflow.

    Args:
        start: The first day of the term.
        end: The last day of the term (inclusive).
        years: The minimum term in years, >= 0.

    Returns:
        False when the term was shorter than ``years`` years, True otherwise.

    Raises:
        ValueError: When ``years`` is negative.
    """
    if years < 0:
        raise ValueError(f"a term cannot be negative ({years} years)")
    target = _add_years_ymd(start, years)
    day_after_end = (MAXYEAR + 1, 1, 1) if end == date.max else _ymd(end + timedelta(days=1))
    return not day_after_end < target


def _ymd(day: date) -> tuple[int, int, int]:
    """Return ``day`` as a (year, month, day) triple, ordered like the date."""
    return (day.year, day.month, day.day)
