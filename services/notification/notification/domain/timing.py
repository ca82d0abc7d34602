"""When a customer message may go out: reminders keep to the customer's day (Asia/Kolkata, never 21:00–09:00).

Transactional messages (a coupon credited, an exchange cancelled) go at once, day or night: the
customer just acted. Reminders are what we choose to send, so they wait for the morning.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

CUSTOMER_TZ = ZoneInfo("Asia/Kolkata")
QUIET_FROM = time(21, 0)
QUIET_UNTIL = time(9, 0)
COUPON_REMINDER_BEFORE = timedelta(hours=48)
VALUE_DROP_NOTICE = timedelta(days=7)


def in_quiet_hours(at: datetime) -> bool:
    local = at.astimezone(CUSTOMER_TZ).time()
    return local >= QUIET_FROM or local < QUIET_UNTIL


def next_allowed(at: datetime) -> datetime:
    """`at` itself outside quiet hours, else the next 09:00 in the customer's time zone (as UTC)."""
    if not in_quiet_hours(at):
        return at
    local = at.astimezone(CUSTOMER_TZ)
    day = local.date() if local.time() < QUIET_UNTIL else local.date() + timedelta(days=1)
    return datetime.combine(day, QUIET_UNTIL, CUSTOMER_TZ).astimezone(at.tzinfo)


def coupon_reminder_at(expires_at: datetime, now: datetime) -> datetime | None:
    """48 h before expiry (or now, if less is left), moved out of quiet hours; None if that is too late."""
    due = next_allowed(max(expires_at - COUPON_REMINDER_BEFORE, now))
    return due if due < expires_at else None


def start_of(day: date) -> datetime:
    """Midnight in the customer's time zone: when a business date begins."""
    return datetime.combine(day, time(0, 0), CUSTOMER_TZ)


def value_drop_notice_at(drops_on: date, now: datetime) -> datetime | None:
    """09:00 a week before the drop (or as soon as allowed, if that has passed); None once the drop has come."""
    drop = start_of(drops_on)
    if drop <= now:
        return None
    due = max(datetime.combine(drops_on - VALUE_DROP_NOTICE, QUIET_UNTIL, CUSTOMER_TZ), now)
    due = next_allowed(due)
    return due if due < drop else None


def value_drops(windows: list[tuple[date, date, int]]) -> list[tuple[date, int, int]]:
    """(drops on, from, to) for each window whose successor pays less (the last one: nothing after it).

    `windows` are (starts on, ends on inclusive, assured amount in paise), as the plan's schedule.
    """
    ordered = sorted(windows)
    drops = []
    for index, (_, ends_on, amount) in enumerate(ordered):
        following = ordered[index + 1] if index + 1 < len(ordered) else None
        next_amount = following[2] if following is not None and following[0] == ends_on + timedelta(days=1) else 0
        if next_amount < amount:
            drops.append((ends_on + timedelta(days=1), amount, next_amount))
    return drops
