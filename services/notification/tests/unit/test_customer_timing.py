"""When customer messages may go: India time, never 21:00–09:00, 48 h before a coupon lapses, a week before a value drop."""

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from notification.domain.messages import exchange_cancelled, rupees, value_dropping
from notification.domain.timing import CUSTOMER_TZ, coupon_reminder_at, in_quiet_hours, next_allowed, value_drop_notice_at, value_drops

moments = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC))


@given(moments)
def test_next_allowed_is_never_in_quiet_hours_and_at_most_12_hours_later(at: datetime) -> None:
    allowed = next_allowed(at)
    assert not in_quiet_hours(allowed) and timedelta(0) <= allowed - at <= timedelta(hours=12)
    if not in_quiet_hours(at):
        assert allowed == at


def test_quiet_hours_are_india_evening_to_morning() -> None:
    assert in_quiet_hours(datetime(2026, 3, 2, 15, 30, tzinfo=UTC))  # 21:00 IST
    assert not in_quiet_hours(datetime(2026, 3, 2, 15, 29, tzinfo=UTC))  # 20:59 IST
    assert in_quiet_hours(datetime(2026, 3, 2, 3, 29, tzinfo=UTC))  # 08:59 IST
    assert next_allowed(datetime(2026, 3, 2, 20, 0, tzinfo=UTC)).astimezone(CUSTOMER_TZ) == datetime(2026, 3, 3, 9, 0, tzinfo=CUSTOMER_TZ)


@given(moments, st.integers(min_value=1, max_value=14 * 24))
def test_a_coupon_reminder_comes_before_expiry_at_most_48_hours_ahead_in_the_day(issued: datetime, hours_valid: int) -> None:
    expires = issued + timedelta(hours=hours_valid)
    due = coupon_reminder_at(expires, issued)
    if due is not None:
        assert issued <= due < expires and not in_quiet_hours(due)
        assert expires - due <= timedelta(hours=48)


def test_a_drop_is_noticed_at_nine_a_week_before() -> None:
    now = datetime(2026, 3, 2, 4, 30, tzinfo=UTC)
    assert value_drop_notice_at(date(2026, 9, 1), now) == datetime(2026, 8, 25, 9, 0, tzinfo=CUSTOMER_TZ)
    assert value_drop_notice_at(date(2026, 3, 5), now) == now  # less than a week away: now (it is day time)
    assert value_drop_notice_at(date(2026, 3, 2), now) is None


def test_drops_are_where_the_next_window_pays_less_or_nothing_follows() -> None:
    windows = [(date(2026, 6, 1), date(2026, 8, 31), 700_000), (date(2026, 9, 1), date(2026, 11, 30), 500_000)]
    assert value_drops(windows) == [(date(2026, 9, 1), 700_000, 500_000), (date(2026, 12, 1), 500_000, 0)]
    rising = [(date(2026, 6, 1), date(2026, 8, 31), 500_000), (date(2026, 9, 1), date(2026, 11, 30), 700_000)]
    assert value_drops(rising) == [(date(2026, 12, 1), 700_000, 0)]


def test_each_message_answers_to_one_reason() -> None:
    assert value_dropping("pln_1", date(2026, 9, 1), 700_000, 500_000).dedupe_key == "value_dropping:pln_1:2026-09-01"
    assert exchange_cancelled("exc_1", "customer_cancelled").body == "Your exchange exc_1 was cancelled as you asked."
    assert [rupees(p) for p in (0, 99, 100_000, 1_200_000, 12_345_678_901)] == ["₹0", "₹0.99", "₹1,000", "₹12,000", "₹12,34,56,789.01"]
