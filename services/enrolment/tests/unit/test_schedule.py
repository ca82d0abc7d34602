"""The assured buyback schedule of SPEC §5, worked by hand and checked over random dates."""

from datetime import date, timedelta
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from enrolment.domain.schedule import BuybackSchedule, add_months


def spans(schedule: BuybackSchedule) -> list[tuple[date, date, int, int]]:
    return [(w.starts_on, w.ends_on, w.percent, w.amount_paise) for w in schedule.windows]


def test_the_worked_example_of_the_spec_gives_its_dates_and_floored_amounts():
    schedule = BuybackSchedule.for_purchase(date(2020, 11, 5), 1_099_950)
    assert spans(schedule) == [
        (date(2021, 2, 5), date(2021, 5, 4), 70, 769_965),
        (date(2021, 5, 5), date(2021, 8, 4), 60, 659_970),
        (date(2021, 8, 5), date(2021, 11, 4), 50, 549_975),
        (date(2021, 11, 5), date(2022, 2, 4), 40, 439_980),
    ]
    assert schedule.lapses_on == date(2022, 2, 5)


def test_amounts_are_floored_to_whole_paise():
    schedule = BuybackSchedule.for_purchase(date(2020, 11, 5), 999)
    assert [w.amount_paise for w in schedule.windows] == [699, 599, 499, 399]


@pytest.mark.parametrize(
    ("purchase", "boundaries"),
    [
        # 29, 30 and 31 January: April and leap/non-leap February clamp, later months do not drift.
        (date(2021, 1, 29), [date(2021, 4, 29), date(2021, 7, 29), date(2021, 10, 29), date(2022, 1, 29), date(2022, 4, 29)]),
        (date(2021, 1, 30), [date(2021, 4, 30), date(2021, 7, 30), date(2021, 10, 30), date(2022, 1, 30), date(2022, 4, 30)]),
        (date(2021, 1, 31), [date(2021, 4, 30), date(2021, 7, 31), date(2021, 10, 31), date(2022, 1, 31), date(2022, 4, 30)]),
        # 30 November: B(3) falls on 28 February (29 in a leap year), B(6) back on 30 May.
        (date(2020, 11, 30), [date(2021, 2, 28), date(2021, 5, 30), date(2021, 8, 30), date(2021, 11, 30), date(2022, 2, 28)]),
        (date(2019, 11, 30), [date(2020, 2, 29), date(2020, 5, 30), date(2020, 8, 30), date(2020, 11, 30), date(2021, 2, 28)]),
        # 29 February: every later month has a 29th.
        (date(2020, 2, 29), [date(2020, 5, 29), date(2020, 8, 29), date(2020, 11, 29), date(2021, 2, 28), date(2021, 5, 29)]),
    ],
)
def test_month_ends_clamp_each_boundary_from_the_purchase_date(purchase, boundaries):
    schedule = BuybackSchedule.for_purchase(purchase, 1_000_000)
    b3, b6, b9, b12, b15 = boundaries
    one = timedelta(days=1)
    assert [(w.starts_on, w.ends_on) for w in schedule.windows] == [(b3, b6 - one), (b6, b9 - one), (b9, b12 - one), (b12, b15 - one)]
    assert schedule.lapses_on == b15


def test_a_31st_of_january_plus_one_month_is_the_last_of_february():
    assert add_months(date(2021, 1, 31), 1) == date(2021, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2021, 11, 15), 3) == date(2022, 2, 15)


@given(purchase=st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)), srp=st.integers(min_value=1, max_value=50_000_000))
def test_windows_are_contiguous_and_never_promise_more_than_the_percent_of_srp(purchase, srp):
    schedule = BuybackSchedule.for_purchase(purchase, srp)
    windows = schedule.windows
    assert [w.percent for w in windows] == [70, 60, 50, 40]
    assert windows[0].starts_on == add_months(purchase, 3)
    assert windows[-1].ends_on == add_months(purchase, 15) - timedelta(days=1)
    for earlier, later in pairwise(windows):
        assert later.starts_on == earlier.ends_on + timedelta(days=1)
    for window in windows:
        assert window.starts_on <= window.ends_on
        assert window.amount_paise * 100 <= srp * window.percent
        assert (window.amount_paise + 1) * 100 > srp * window.percent
