"""Customer messages against the real database with a controllable clock: at the right time, in the customer's day, once."""

import asyncio
from datetime import UTC, datetime, timedelta

from notification.channels.local import LocalSink
from notification.domain.timing import CUSTOMER_TZ
from notification.main import create_app
from notification.service.messaging import send_due
from notification.testing import (
    OWNER,
    STRANGER,
    Harness,
    coupon_issued,
    coupon_redeemed,
    exchange_accepted,
    exchange_cancelled,
    headers,
    plan_purchased,
)
from servicekit.clock import FixedClock


async def sweep(harness: Harness) -> int:
    return await send_due(harness.app.state.db, LocalSink(), harness.clock)


async def reasons(harness: Harness) -> list[str]:
    return [m["reason"] for m in await harness.notifications()]


async def test_a_credited_coupon_is_told_at_once_and_its_expiry_48_hours_before(harness: Harness) -> None:
    await harness.deliver(exchange_accepted("exc_1"))
    issued = coupon_issued("cpn_1", "exc_1")
    await harness.deliver(issued)
    await sweep(harness)
    assert await reasons(harness) == ["coupon_credited"]

    harness.clock.at = issued.expires_at - timedelta(hours=48, minutes=1)
    await sweep(harness)
    assert await reasons(harness) == ["coupon_credited"]

    harness.clock.at = issued.expires_at - timedelta(hours=48)
    await sweep(harness)
    await sweep(harness)
    mine = await harness.notifications()
    assert [m["reason"] for m in mine] == ["coupon_expiring", "coupon_credited"]  # newest first, each once
    assert mine[0]["about"] == "cpn_1" and "₹12,000" in mine[0]["body"] and mine[0]["channel"] == "local"
    assert await harness.notifications(STRANGER) == []


async def test_a_reminder_due_at_night_waits_for_nine_in_the_morning_india_time(harness: Harness) -> None:
    evening = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)  # 21:30 IST
    harness.clock.at = evening
    issued = coupon_issued("cpn_1", "exc_1", issued_at=evening)
    await harness.deliver(issued)
    await sweep(harness)  # the credit itself goes at once, night or not

    harness.clock.at = issued.expires_at - timedelta(hours=48)  # 21:30 IST, two days before
    await sweep(harness)
    harness.clock.at = datetime(2026, 3, 15, 3, 29, tzinfo=UTC)  # 08:59 IST
    await sweep(harness)
    assert await reasons(harness) == ["coupon_credited"]

    harness.clock.at = datetime(2026, 3, 15, 3, 30, tzinfo=UTC)  # 09:00 IST
    await sweep(harness)
    reminder = (await harness.notifications())[0]
    assert reminder["reason"] == "coupon_expiring"
    assert datetime.fromisoformat(reminder["sent_at"]).astimezone(CUSTOMER_TZ).hour == 9


async def test_a_spent_coupon_gets_no_expiry_reminder(harness: Harness) -> None:
    issued = coupon_issued("cpn_1", "exc_1")
    await harness.deliver(issued)
    await harness.deliver(coupon_redeemed("cpn_1", "exc_1"))
    harness.clock.at = issued.expires_at - timedelta(hours=1)
    await sweep(harness)
    assert await reasons(harness) == ["coupon_credited"]


async def test_an_account_that_turned_reminders_off_gets_only_transactional_messages(harness: Harness) -> None:
    turned = await harness.client.put("/api/v1/me/notifications/preferences", json={"reminders": False}, headers=headers(OWNER))
    assert turned.status_code == 200 and turned.json() == {"reminders": False}
    assert (await harness.client.get("/api/v1/me/notifications/preferences", headers=headers(OWNER))).json() == {"reminders": False}
    bad = await harness.client.put("/api/v1/me/notifications/preferences", json={"reminders": "no"}, headers=headers(OWNER))
    assert bad.status_code == 422

    issued = coupon_issued("cpn_1", "exc_1")
    await harness.deliver(issued)
    await harness.deliver(exchange_cancelled("exc_7"))
    harness.clock.at = issued.expires_at - timedelta(hours=1)
    await sweep(harness)
    assert sorted(await reasons(harness)) == ["coupon_credited", "exchange_cancelled"]


async def test_a_plan_owner_is_told_a_week_before_the_assured_value_drops(harness: Harness) -> None:
    await harness.deliver(plan_purchased("pln_1"))  # 7,000 until 31 Aug, 5,000 until 30 Nov, then nothing
    harness.clock.at = datetime(2026, 8, 25, 3, 29, tzinfo=UTC)
    await sweep(harness)
    assert await reasons(harness) == []
    harness.clock.at = datetime(2026, 8, 25, 3, 30, tzinfo=UTC)  # 09:00 IST, 7 days before 1 Sep
    await sweep(harness)
    [drop] = await harness.notifications()
    assert drop["reason"] == "value_dropping" and "₹7,000" in drop["body"] and "₹5,000" in drop["body"] and "01 Sep 2026" in drop["body"]
    harness.clock.at = datetime(2026, 11, 24, 3, 30, tzinfo=UTC)
    await sweep(harness)
    assert await reasons(harness) == ["value_dropping", "value_dropping"]


async def test_no_value_reminder_once_the_plan_has_ended(harness: Harness) -> None:
    from contracts.enrolment import PlanCancelled

    await harness.deliver(plan_purchased("pln_1"))
    await harness.deliver(PlanCancelled(plan_id="pln_1", account_id="acc_owner", imei="490154203237518", refund_paise=99_900, cancelled_at=harness.clock.now()))
    harness.clock.at = datetime(2026, 8, 25, 3, 30, tzinfo=UTC)
    await sweep(harness)
    assert await reasons(harness) == []


async def test_two_workers_send_a_reminder_once(harness: Harness, settings) -> None:
    issued = coupon_issued("cpn_1", "exc_1")
    await harness.deliver(issued)
    harness.clock.at = issued.expires_at - timedelta(hours=47)
    second = create_app(settings, clock=FixedClock(harness.clock.now()))
    async with second.router.lifespan_context(second):
        sent = await asyncio.gather(sweep(harness), send_due(second.state.db, LocalSink(), second.state.clock))
    assert sum(sent) == 2 and sorted(await reasons(harness)) == ["coupon_credited", "coupon_expiring"]


async def test_a_reminder_survives_a_restart(harness: Harness, settings) -> None:
    issued = coupon_issued("cpn_1", "exc_1")
    await harness.deliver(issued)
    restarted = create_app(settings, clock=FixedClock(issued.expires_at - timedelta(hours=47)))
    async with restarted.router.lifespan_context(restarted):
        assert await send_due(restarted.state.db, LocalSink(), restarted.state.clock) == 2
    assert sorted(await reasons(harness)) == ["coupon_credited", "coupon_expiring"]


class RefusingFirst:
    """A channel whose relay refuses the first message it is handed, then accepts."""

    name = "smtp"

    def __init__(self) -> None:
        self.handed: list[str] = []

    async def send(self, message) -> None:
        self.handed.append(message.id)
        if len(self.handed) == 1:
            raise ConnectionRefusedError("relay away")


async def test_a_message_the_channel_refused_is_sent_later_once(harness: Harness) -> None:
    channel = RefusingFirst()
    await harness.deliver(exchange_cancelled("exc_1"))
    assert await send_due(harness.app.state.db, channel, harness.clock) == 0
    assert await reasons(harness) == []
    harness.clock.advance(timedelta(minutes=1))
    assert await send_due(harness.app.state.db, channel, harness.clock) == 1
    harness.clock.advance(timedelta(hours=1))
    assert await send_due(harness.app.state.db, channel, harness.clock) == 0
    assert await reasons(harness) == ["exchange_cancelled"] and len(channel.handed) == 2 and len(set(channel.handed)) == 1
