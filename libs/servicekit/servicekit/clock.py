"""An injectable clock: UTC instants for timestamps, Asia/Kolkata dates for business days."""

from datetime import UTC, date, datetime, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends, Request

BUSINESS_TZ = ZoneInfo("Asia/Kolkata")


class Clock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        """Today's calendar date in India, where every business date is reckoned."""
        return self.now().astimezone(BUSINESS_TZ).date()


class FixedClock(Clock):
    """A clock tests set and move by hand."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at

    def advance(self, by: timedelta) -> None:
        self.at += by


async def current_clock(request: Request) -> Clock:
    return request.app.state.clock


ClockDep = Annotated[Clock, Depends(current_clock)]
