"""What a plan is worth on the day before and the day of every boundary."""

from datetime import date

import pytest

from enrolment.domain.schedule import BuybackSchedule

SCHEDULE = BuybackSchedule.for_purchase(date(2021, 1, 31), 1_000_000)

# (day, status, percent, next change): B(3)=30 Apr, B(6)=31 Jul, B(9)=31 Oct, B(12)=31 Jan, B(15)=30 Apr.
CASES = [
    (date(2021, 1, 31), "not_yet", None, date(2021, 4, 30)),
    (date(2021, 4, 29), "not_yet", None, date(2021, 4, 30)),
    (date(2021, 4, 30), "available", 70, date(2021, 7, 31)),
    (date(2021, 7, 30), "available", 70, date(2021, 7, 31)),
    (date(2021, 7, 31), "available", 60, date(2021, 10, 31)),
    (date(2021, 10, 30), "available", 60, date(2021, 10, 31)),
    (date(2021, 10, 31), "available", 50, date(2022, 1, 31)),
    (date(2022, 1, 30), "available", 50, date(2022, 1, 31)),
    (date(2022, 1, 31), "available", 40, date(2022, 4, 30)),
    (date(2022, 4, 29), "available", 40, date(2022, 4, 30)),
    (date(2022, 4, 30), "lapsed", None, None),
]


@pytest.mark.parametrize(("day", "status", "percent", "next_change"), CASES)
def test_the_value_changes_exactly_on_each_boundary(day, status, percent, next_change):
    value = SCHEDULE.value_on(day)
    assert value.status == status
    assert (value.window.percent if value.window else None) == percent
    assert value.next_change_on == next_change
    if value.window:
        assert value.window.amount_paise == 1_000_000 * percent // 100
