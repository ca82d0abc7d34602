"""The assured buyback schedule of SPEC §5: calendar months from the purchase date. No I/O.

B(k) is the purchase date plus k calendar months, its day clamped to the end of a shorter month
(31 Jan + 1 month = 28/29 Feb). Each B(k) is computed from the purchase date itself, never from the
previous boundary, so a clamp in one month does not drag later boundaries earlier.
"""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

# (first month, month it ends, percent of SRP): [B(3), B(6)) pays 70%, and so on.
WINDOWS = ((3, 6, 70), (6, 9, 60), (9, 12, 50), (12, 15, 40))

ValueStatus = Literal["not_yet", "available", "lapsed"]


def add_months(day: date, months: int) -> date:
    """`day` plus whole calendar months, the day clamped to the last day of the target month."""
    years, month_index = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month_index + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def amount_for(srp_paise: int, percent: int) -> int:
    """floor(SRP * percent / 100) in paise: the customer is never promised a fraction of a paisa."""
    return srp_paise * percent // 100


@dataclass(frozen=True)
class Window:
    starts_on: date
    ends_on: date  # the last day of the window, inclusive
    percent: int
    amount_paise: int

    def contains(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on


@dataclass(frozen=True)
class BuybackValue:
    """What a plan is worth on a day, and the next day that changes."""

    status: ValueStatus
    window: Window | None
    next_change_on: date | None


@dataclass(frozen=True)
class BuybackSchedule:
    purchase_date: date
    srp_paise: int
    windows: tuple[Window, ...]

    @classmethod
    def for_purchase(cls, purchase_date: date, srp_paise: int) -> "BuybackSchedule":
        """The four windows for a phone bought (and finally billed) on `purchase_date` at `srp_paise`."""
        windows = tuple(
            Window(
                starts_on=add_months(purchase_date, start),
                ends_on=add_months(purchase_date, end) - timedelta(days=1),
                percent=percent,
                amount_paise=amount_for(srp_paise, percent),
            )
            for start, end, percent in WINDOWS
        )
        return cls(purchase_date, srp_paise, windows)

    @property
    def available_from(self) -> date:
        return self.windows[0].starts_on

    @property
    def lapses_on(self) -> date:
        """B(15): the first day with no assured value."""
        return self.windows[-1].ends_on + timedelta(days=1)

    def value_on(self, day: date) -> BuybackValue:
        """The assured value on `day`: not yet, a window's amount, or lapsed."""
        if day < self.available_from:
            return BuybackValue("not_yet", None, self.available_from)
        for window in self.windows:
            if window.contains(day):
                return BuybackValue("available", window, window.ends_on + timedelta(days=1))
        return BuybackValue("lapsed", None, None)
