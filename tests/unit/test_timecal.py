"""Unit and property tests for guabao_rules.timecal (spec rules.md, "Time")."""

from __future__ import annotations

import calendar
import dataclasses
import itertools
import time
from datetime import date, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from guabao_rules.timecal import (
    DATE_RE,
    PERIOD_RE,
    Quarter,
    add_years,
    complete_quarters,
    complete_years,
    days_between,
    is_active,
    parse_date,
    served_full_term,
)

D = date
PROPS = settings(max_examples=150, deadline=None, database=None)

# Small ranges so that brute-force day walks stay cheap.
small_days = st.dates(min_value=D(2014, 1, 1), max_value=D(2022, 12, 31))


@st.composite
def boundaryish_days(draw: st.DrawFn) -> date:
    """A day in the small range, biased towards the first and last days of quarters."""
    if draw(st.booleans()):
        return draw(small_days)
    quarter = Quarter(draw(st.integers(2014, 2022)), draw(st.integers(1, 4)))
    base = draw(st.sampled_from([quarter.first_day, quarter.last_day]))
    return base + timedelta(days=draw(st.integers(-1, 1)))


record_days = boundaryish_days()
optional_end = st.none() | record_days


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _covered(start: date, end: date | None, as_of: date) -> set[date]:
    """Every day on which the record is active and that is on or before as_of (day walk)."""
    last = as_of if end is None else min(end, as_of)
    return set(_days(start, last)) if start <= last else set()


# --------------------------------------------------------------------------- is_active


class TestIsActive:
    def test_inclusive_bounds(self) -> None:
        assert is_active(D(2019, 1, 1), D(2019, 12, 31), D(2019, 1, 1))
        assert is_active(D(2019, 1, 1), D(2019, 12, 31), D(2019, 12, 31))
        assert is_active(D(2019, 1, 1), D(2019, 12, 31), D(2019, 6, 15))

    def test_outside(self) -> None:
        assert not is_active(D(2019, 1, 1), D(2019, 12, 31), D(2018, 12, 31))
        assert not is_active(D(2019, 1, 1), D(2019, 12, 31), D(2020, 1, 1))

    def test_open_end(self) -> None:
        assert is_active(D(2019, 1, 1), None, D(9999, 12, 31))
        assert not is_active(D(2019, 1, 1), None, D(2018, 12, 31))

    def test_no_start_means_always_started(self) -> None:
        assert is_active(None, None, D(1, 1, 1))
        assert is_active(None, D(2019, 5, 1), D(2019, 5, 1))
        assert not is_active(None, D(2019, 5, 1), D(2019, 5, 2))

    def test_end_before_start_never_active(self) -> None:
        for day in _days(D(2019, 1, 1), D(2019, 3, 1)):
            assert not is_active(D(2019, 2, 1), D(2019, 1, 31), day)

    def test_single_day(self) -> None:
        assert is_active(D(2019, 2, 1), D(2019, 2, 1), D(2019, 2, 1))

    @PROPS
    @given(start=st.none() | small_days, end=st.none() | small_days, day=small_days)
    def test_matches_definition(self, start: date | None, end: date | None, day: date) -> None:
        expected = (start is None or start <= day) and (end is None or day <= end)
        assert is_active(start, end, day) is expected


# --------------------------------------------------------------------------- Quarter


class TestQuarter:
    def test_str(self) -> None:
        assert str(Quarter(2019, 3)) == "2019-Q3"
        assert str(Quarter(1, 1)) == "0001-Q1"

    @pytest.mark.parametrize(
        ("q", "first", "last"),
        [
            (1, D(2019, 1, 1), D(2019, 3, 31)),
            (2, D(2019, 4, 1), D(2019, 6, 30)),
            (3, D(2019, 7, 1), D(2019, 9, 30)),
            (4, D(2019, 10, 1), D(2019, 12, 31)),
        ],
    )
    def test_bounds(self, q: int, first: date, last: date) -> None:
        assert Quarter(2019, q).first_day == first
        assert Quarter(2019, q).last_day == last

    def test_leap_q1_has_91_days(self) -> None:
        q1 = Quarter(2020, 1)
        assert days_between(q1.first_day, q1.last_day) + 1 == 91
        q1 = Quarter(2019, 1)
        assert days_between(q1.first_day, q1.last_day) + 1 == 90

    def test_parse(self) -> None:
        assert Quarter.parse("2019-Q3") == Quarter(2019, 3)
        assert Quarter.parse("9999-Q4") == Quarter(9999, 4)
        assert Quarter.parse("0001-Q1") == Quarter(1, 1)

    @pytest.mark.parametrize(
        "text",
        [
            "2019-Q0",
            "2019-Q5",
            "2019-q3",
            "2019Q3",
            "19-Q3",
            "02019-Q3",
            "2019-Q03",
            "2019-Q",
            "2019-3",
            " 2019-Q3",
            "2019-Q3 ",
            "2019-Q3\n",
            "0000-Q1",
            "",
            "\uff12\uff10\uff11\uff19-Q3",  # fullwidth digits
            "\u0662\u0660\u0661\u0669-Q3",  # Arabic-Indic digits
            "2019-Q\u0663",
        ],
    )
    def test_parse_rejects(self, text: str) -> None:
        with pytest.raises(ValueError, match="period"):
            Quarter.parse(text)

    def test_parse_rejects_non_string(self) -> None:
        with pytest.raises(TypeError):
            Quarter.parse(20193)  # type: ignore[arg-type]

    @pytest.mark.parametrize(("year", "q"), [(2019, 0), (2019, 5), (0, 1), (10000, 1), (-1, 2)])
    def test_constructor_validates(self, year: int, q: int) -> None:
        with pytest.raises(ValueError, match="out of range"):
            Quarter(year, q)

    def test_of(self) -> None:
        assert Quarter.of(D(2019, 1, 1)) == Quarter(2019, 1)
        assert Quarter.of(D(2019, 3, 31)) == Quarter(2019, 1)
        assert Quarter.of(D(2019, 4, 1)) == Quarter(2019, 2)
        assert Quarter.of(D(2019, 8, 15)) == Quarter(2019, 3)
        assert Quarter.of(D(2019, 12, 31)) == Quarter(2019, 4)

    def test_next_prev(self) -> None:
        assert Quarter(2019, 3).next() == Quarter(2019, 4)
        assert Quarter(2019, 4).next() == Quarter(2020, 1)
        assert Quarter(2020, 1).prev() == Quarter(2019, 4)
        assert Quarter(2020, 2).prev() == Quarter(2020, 1)

    def test_next_prev_range_ends(self) -> None:
        with pytest.raises(ValueError, match="out of range"):
            Quarter(9999, 4).next()
        with pytest.raises(ValueError, match="out of range"):
            Quarter(1, 1).prev()

    def test_order_and_hash(self) -> None:
        qs = [Quarter(2020, 1), Quarter(2019, 4), Quarter(2019, 1)]
        assert sorted(qs) == [Quarter(2019, 1), Quarter(2019, 4), Quarter(2020, 1)]
        assert Quarter(2019, 4) < Quarter(2020, 1)
        assert len({Quarter(2019, 1), Quarter(2019, 1)}) == 1

    def test_frozen(self) -> None:
        with pytest.raises(dataclasses.FrozenInstanceError):
            Quarter(2019, 1).q = 2  # type: ignore[misc]

    def test_contains(self) -> None:
        assert Quarter(2019, 3).contains(D(2019, 7, 1))
        assert Quarter(2019, 3).contains(D(2019, 9, 30))
        assert not Quarter(2019, 3).contains(D(2019, 10, 1))
        assert not Quarter(2018, 3).contains(D(2019, 7, 1))

    @PROPS
    @given(year=st.integers(1, 9999))
    def test_quarters_partition_the_year(self, year: int) -> None:
        qs = [Quarter(year, q) for q in (1, 2, 3, 4)]
        assert qs[0].first_day == D(year, 1, 1)
        assert qs[-1].last_day == D(year, 12, 31)
        for a, b in itertools.pairwise(qs):
            assert a.next() == b
            assert b.prev() == a
            assert a.last_day + timedelta(days=1) == b.first_day
        total = sum(days_between(q.first_day, q.last_day) + 1 for q in qs)
        assert total == (366 if calendar.isleap(year) else 365)

    @PROPS
    @given(day=st.dates())
    def test_of_contains_day(self, day: date) -> None:
        quarter = Quarter.of(day)
        assert quarter.first_day <= day <= quarter.last_day
        assert quarter.contains(day)

    @PROPS
    @given(year=st.integers(1, 9999), q=st.integers(1, 4))
    def test_str_parse_round_trip(self, year: int, q: int) -> None:
        quarter = Quarter(year, q)
        assert PERIOD_RE.match(str(quarter))
        assert Quarter.parse(str(quarter)) == quarter

    @PROPS
    @given(a=st.dates(), b=st.dates())
    def test_order_agrees_with_days(self, a: date, b: date) -> None:
        if a <= b:
            assert Quarter.of(a) <= Quarter.of(b)


class TestPeriodRe:
    def test_groups(self) -> None:
        m = PERIOD_RE.match("2019-Q3")
        assert m is not None
        assert m.groups() == ("2019", "3")

    @pytest.mark.parametrize("text", ["2019-Q3\n", "x2019-Q3", "2019-Q3x", "2019-Q5"])
    def test_anchored_for_every_method(self, text: str) -> None:
        assert PERIOD_RE.match(text) is None
        assert PERIOD_RE.search(text) is None
        assert PERIOD_RE.fullmatch(text) is None


# --------------------------------------------------------------------------- complete years


class TestCompleteYears:
    def test_mid_year_start_is_not_complete(self) -> None:
        assert complete_years(D(2017, 3, 1), None, D(2019, 12, 31)) == [2018, 2019]

    def test_start_on_first_of_january(self) -> None:
        assert complete_years(D(2017, 1, 1), None, D(2019, 12, 31)) == [2017, 2018, 2019]

    def test_year_ending_exactly_on_as_of_is_complete(self) -> None:
        assert complete_years(D(2018, 1, 1), None, D(2018, 12, 31)) == [2018]

    def test_year_not_yet_over(self) -> None:
        assert complete_years(D(2018, 1, 1), None, D(2018, 12, 30)) == []
        assert complete_years(D(2018, 1, 1), None, D(2019, 12, 30)) == [2018]

    def test_end_on_31_december(self) -> None:
        assert complete_years(D(2016, 1, 1), D(2018, 12, 31), D(2020, 6, 1)) == [2016, 2017, 2018]

    def test_end_before_31_december(self) -> None:
        assert complete_years(D(2016, 1, 1), D(2018, 12, 30), D(2020, 6, 1)) == [2016, 2017]

    def test_end_on_first_of_january(self) -> None:
        assert complete_years(D(2016, 1, 1), D(2018, 1, 1), D(2020, 6, 1)) == [2016, 2017]

    def test_single_full_year_record(self) -> None:
        assert complete_years(D(2019, 1, 1), D(2019, 12, 31), D(2019, 12, 31)) == [2019]

    def test_leap_year(self) -> None:
        assert complete_years(D(2020, 1, 1), D(2020, 12, 31), D(2021, 1, 1)) == [2020]
        assert complete_years(D(2020, 2, 29), None, D(2022, 12, 31)) == [2021, 2022]

    def test_start_after_as_of(self) -> None:
        assert complete_years(D(2021, 1, 1), None, D(2020, 12, 31)) == []

    def test_end_before_start(self) -> None:
        assert complete_years(D(2019, 1, 1), D(2018, 12, 31), D(2021, 1, 1)) == []
        assert complete_years(D(2020, 1, 1), D(2017, 12, 31), D(2021, 1, 1)) == []

    def test_as_of_before_start_year_end(self) -> None:
        assert complete_years(D(2019, 1, 1), None, D(2019, 6, 30)) == []

    def test_date_range_extremes(self) -> None:
        assert complete_years(D.min, None, D.max) == list(range(1, 10000))
        assert complete_years(D(9999, 1, 2), None, D.max) == []
        assert complete_years(D.min, D(1, 12, 30), D.max) == []

    def test_linear_in_years_not_days(self) -> None:
        began = time.perf_counter()
        for _ in range(1000):
            complete_years(D.min, None, D.max)
        # 1000 calls over 9999 years each: a day walk would be ~3.6e9 steps.
        assert time.perf_counter() - began < 5

    @PROPS
    @given(start=record_days, end=optional_end, as_of=record_days)
    def test_agrees_with_day_walk(self, start: date, end: date | None, as_of: date) -> None:
        covered = _covered(start, end, as_of)
        expected = [
            y
            for y in range(2013, 2024)
            if all(d in covered for d in _days(D(y, 1, 1), D(y, 12, 31)))
        ]
        assert complete_years(start, end, as_of) == expected

    @PROPS
    @given(start=record_days, end=optional_end, as_of=record_days)
    def test_agrees_with_definition(self, start: date, end: date | None, as_of: date) -> None:
        expected = [
            y
            for y in range(2013, 2024)
            if is_active(start, end, D(y, 1, 1))
            and is_active(start, end, D(y, 12, 31))
            and D(y, 12, 31) <= as_of
        ]
        assert complete_years(start, end, as_of) == expected


# --------------------------------------------------------------------------- complete quarters


class TestCompleteQuarters:
    def test_mid_quarter_start(self) -> None:
        assert complete_quarters(D(2019, 2, 15), None, D(2019, 12, 31)) == [
            Quarter(2019, 2),
            Quarter(2019, 3),
            Quarter(2019, 4),
        ]

    def test_quarter_ending_on_as_of_is_complete(self) -> None:
        assert complete_quarters(D(2019, 4, 1), None, D(2019, 6, 30)) == [Quarter(2019, 2)]
        assert complete_quarters(D(2019, 4, 1), None, D(2019, 6, 29)) == []

    def test_end_inside_quarter(self) -> None:
        assert complete_quarters(D(2019, 1, 1), D(2019, 9, 29), D(2020, 1, 1)) == [
            Quarter(2019, 1),
            Quarter(2019, 2),
        ]

    def test_end_on_quarter_end(self) -> None:
        assert complete_quarters(D(2019, 1, 1), D(2019, 9, 30), D(2020, 1, 1)) == [
            Quarter(2019, 1),
            Quarter(2019, 2),
            Quarter(2019, 3),
        ]

    def test_across_year_boundary(self) -> None:
        assert complete_quarters(D(2019, 10, 1), None, D(2020, 3, 31)) == [
            Quarter(2019, 4),
            Quarter(2020, 1),
        ]

    def test_leap_q1(self) -> None:
        assert complete_quarters(D(2020, 1, 1), D(2020, 3, 31), D(2020, 3, 31)) == [
            Quarter(2020, 1)
        ]
        assert complete_quarters(D(2020, 1, 1), D(2020, 3, 30), D(2020, 12, 31)) == []

    def test_start_after_as_of(self) -> None:
        assert complete_quarters(D(2020, 1, 1), None, D(2019, 12, 31)) == []

    def test_end_before_start(self) -> None:
        assert complete_quarters(D(2019, 7, 1), D(2019, 6, 30), D(2020, 1, 1)) == []
        assert complete_quarters(D(2020, 1, 1), D(2019, 3, 31), D(2021, 1, 1)) == []

    def test_date_range_extremes(self) -> None:
        quarters = complete_quarters(D.min, None, D.max)
        assert len(quarters) == 9999 * 4
        assert quarters[0] == Quarter(1, 1)
        assert quarters[-1] == Quarter(9999, 4)
        assert complete_quarters(D(9999, 10, 2), None, D.max) == []
        assert complete_quarters(D.min, None, D(1, 3, 30)) == []

    @PROPS
    @given(start=record_days, end=optional_end, as_of=record_days)
    def test_agrees_with_day_walk(self, start: date, end: date | None, as_of: date) -> None:
        covered = _covered(start, end, as_of)
        expected = [
            Quarter(y, q)
            for y in range(2013, 2024)
            for q in (1, 2, 3, 4)
            if all(d in covered for d in _days(Quarter(y, q).first_day, Quarter(y, q).last_day))
        ]
        assert complete_quarters(start, end, as_of) == expected

    @PROPS
    @given(start=record_days, end=optional_end, as_of=record_days)
    def test_years_are_four_complete_quarters(
        self, start: date, end: date | None, as_of: date
    ) -> None:
        quarters = set(complete_quarters(start, end, as_of))
        for year in range(2013, 2024):
            all_four = all(Quarter(year, q) in quarters for q in (1, 2, 3, 4))
            assert all_four is (year in complete_years(start, end, as_of))

    @PROPS
    @given(start=record_days, end=optional_end, as_of=record_days)
    def test_consecutive(self, start: date, end: date | None, as_of: date) -> None:
        quarters = complete_quarters(start, end, as_of)
        for a, b in itertools.pairwise(quarters):
            assert a.next() == b


# --------------------------------------------------------------------------- add_years


class TestAddYears:
    def test_plain(self) -> None:
        assert add_years(D(2017, 3, 1), 2) == D(2019, 3, 1)
        assert add_years(D(2019, 3, 1), -2) == D(2017, 3, 1)
        assert add_years(D(2019, 3, 1), 0) == D(2019, 3, 1)

    def test_feb_29_to_non_leap(self) -> None:
        assert add_years(D(2016, 2, 29), 1) == D(2017, 2, 28)
        assert add_years(D(2016, 2, 29), 2) == D(2018, 2, 28)
        assert add_years(D(2000, 2, 29), 100) == D(2100, 2, 28)
        assert add_years(D(2016, 2, 29), -1) == D(2015, 2, 28)

    def test_feb_29_to_leap(self) -> None:
        assert add_years(D(2016, 2, 29), 4) == D(2020, 2, 29)
        assert add_years(D(1996, 2, 29), 4) == D(2000, 2, 29)

    def test_out_of_range(self) -> None:
        with pytest.raises(ValueError, match="out of the date range"):
            add_years(D(9999, 1, 1), 1)
        with pytest.raises(ValueError, match="out of the date range"):
            add_years(D(1, 1, 1), -1)

    @PROPS
    @given(
        day=st.dates(min_value=D(1000, 1, 1), max_value=D(8999, 12, 31)), n=st.integers(-999, 999)
    )
    def test_round_trip_except_feb_29(self, day: date, n: int) -> None:
        assume((day.month, day.day) != (2, 29))
        shifted = add_years(day, n)
        assert (shifted.month, shifted.day) == (day.month, day.day)
        assert shifted.year == day.year + n
        assert add_years(shifted, -n) == day

    @PROPS
    @given(
        year=st.sampled_from([y for y in range(1004, 8996) if calendar.isleap(y)]),
        n=st.integers(-999, 999),
    )
    def test_feb_29(self, year: int, n: int) -> None:
        expected_day = 29 if calendar.isleap(year + n) else 28
        assert add_years(D(year, 2, 29), n) == D(year + n, 2, expected_day)

    @PROPS
    @given(
        a=st.dates(min_value=D(1000, 1, 1), max_value=D(8999, 12, 31)),
        b=st.dates(min_value=D(1000, 1, 1), max_value=D(8999, 12, 31)),
        n=st.integers(-999, 999),
    )
    def test_monotone(self, a: date, b: date, n: int) -> None:
        if a <= b:
            assert add_years(a, n) <= add_years(b, n)


# --------------------------------------------------------------------------- days_between


class TestDaysBetween:
    def test_values(self) -> None:
        assert days_between(D(2019, 1, 1), D(2019, 1, 1)) == 0
        assert days_between(D(2019, 1, 1), D(2019, 4, 1)) == 90
        assert days_between(D(2020, 1, 1), D(2020, 4, 1)) == 91
        assert days_between(D(2019, 4, 1), D(2019, 1, 1)) == -90
        assert days_between(D.min, D.max) == 3652058

    @PROPS
    @given(a=st.dates(), b=st.dates())
    def test_antisymmetric(self, a: date, b: date) -> None:
        assert days_between(a, b) == -days_between(b, a)
        assert a + timedelta(days=days_between(a, b)) == b


# --------------------------------------------------------------------------- parse_date


class TestParseDate:
    def test_valid(self) -> None:
        assert parse_date("2019-07-01") == D(2019, 7, 1)
        assert parse_date("2020-02-29") == D(2020, 2, 29)
        assert parse_date("0001-01-01") == D.min
        assert parse_date("9999-12-31") == D.max

    @pytest.mark.parametrize(
        "text",
        [
            "2019-1-1",
            "2019-01-1",
            "19-01-01",
            "02019-01-01",
            "2019/01/01",
            "20190101",
            "2019-01-01T00:00",
            " 2019-01-01",
            "2019-01-01 ",
            "2019-01-01\n",
            "",
            "+2019-01-01",
            "\uff12\uff10\uff11\uff19-01-01",  # fullwidth digits
            "\u0662\u0660\u0661\u0669-01-01",  # Arabic-Indic digits
        ],
    )
    def test_bad_shape(self, text: str) -> None:
        with pytest.raises(ValueError, match="YYYY-MM-DD"):
            parse_date(text)

    @pytest.mark.parametrize(
        "text",
        [
            "2019-02-29",
            "2019-02-30",
            "2019-13-01",
            "2019-00-10",
            "2019-04-31",
            "0000-01-01",
            "1900-02-29",
            "2019-01-00",
        ],
    )
    def test_not_a_real_day(self, text: str) -> None:
        with pytest.raises(ValueError, match="not a real calendar day"):
            parse_date(text)

    def test_message_names_the_text(self) -> None:
        with pytest.raises(ValueError, match=r"'2019-02-30'"):
            parse_date("2019-02-30")

    def test_non_string(self) -> None:
        with pytest.raises(TypeError):
            parse_date(20190101)  # type: ignore[arg-type]

    def test_date_re_shape_only(self) -> None:
        assert DATE_RE.match("2019-02-30") is not None
        assert DATE_RE.match("2019-2-3") is None

    @PROPS
    @given(day=st.dates())
    def test_round_trip(self, day: date) -> None:
        assert parse_date(day.isoformat()) == day


# --------------------------------------------------------------------------- served_full_term


class TestServedFullTerm:
    def test_exact_term(self) -> None:
        # 2017-03-01 .. 2019-02-28 inclusive is exactly two years.
        assert served_full_term(D(2017, 3, 1), D(2019, 2, 28), 2)
        assert not served_full_term(D(2017, 3, 1), D(2019, 2, 27), 2)
        assert served_full_term(D(2017, 3, 1), D(2019, 3, 1), 2)

    def test_leap_start(self) -> None:
        # 2016-02-29 + 2 years = 2018-02-28, so the term may end on 2018-02-27.
        assert served_full_term(D(2016, 2, 29), D(2018, 2, 27), 2)
        assert not served_full_term(D(2016, 2, 29), D(2018, 2, 26), 2)
        # 2016-02-29 + 4 years = 2020-02-29.
        assert served_full_term(D(2016, 2, 29), D(2020, 2, 28), 4)
        assert not served_full_term(D(2016, 2, 29), D(2020, 2, 27), 4)

    def test_term_over_leap_day(self) -> None:
        assert served_full_term(D(2019, 3, 1), D(2020, 2, 29), 1)
        assert not served_full_term(D(2019, 3, 1), D(2020, 2, 28), 1)

    def test_zero_years(self) -> None:
        assert served_full_term(D(2019, 3, 1), D(2019, 3, 1), 0)

    def test_negative_years(self) -> None:
        with pytest.raises(ValueError, match="negative"):
            served_full_term(D(2019, 3, 1), D(2021, 3, 1), -1)

    def test_no_overflow_at_range_end(self) -> None:
        assert served_full_term(D(9998, 1, 1), D.max, 2)
        assert not served_full_term(D(9998, 1, 2), D.max, 2)
        assert not served_full_term(D(9999, 6, 1), D(9999, 7, 1), 5)

    @PROPS
    @given(start=small_days, end=small_days, years=st.integers(0, 5))
    def test_matches_spec_formula(self, start: date, end: date, years: int) -> None:
        expected = not (end + timedelta(days=1) < add_years(start, years))
        assert served_full_term(start, end, years) is expected

    @PROPS
    @given(start=small_days, years=st.integers(0, 5), extra=st.integers(0, 400))
    def test_monotone_in_end(self, start: date, years: int, extra: int) -> None:
        shortest = add_years(start, years) - timedelta(days=1)
        assert served_full_term(start, shortest + timedelta(days=extra), years)
        assert not served_full_term(start, shortest - timedelta(days=1 + extra), years)
