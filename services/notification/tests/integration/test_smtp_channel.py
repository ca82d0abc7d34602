"""The SMTP adapter against a tiny local SMTP server (aiosmtpd) on a free port."""

from datetime import UTC, datetime

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Sink

from eventing.testing import free_port
from notification.channels.smtp import SmtpChannel
from notification.domain.records import Message


class Keep(Sink):
    def __init__(self) -> None:
        self.envelopes: list = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 OK"


async def test_a_message_is_mailed_to_the_accounts_address_with_its_id() -> None:
    handler = Keep()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        channel = SmtpChannel("127.0.0.1", controller.port, "Smart Upgrade <no-reply@example.test>", "{account_id}@accounts.example", starttls=False)
        now = datetime(2026, 3, 2, 4, 30, tzinfo=UTC)
        message = Message("ntf_1", "acc_owner", "coupon_credited", "coupon_credited:cpn_1", "cpn_1", "Your exchange coupon is ready", "₹12,000 is credited.",
                          now, "sending", 1, None, None, now)  # fmt: skip
        await channel.send(message)
    finally:
        controller.stop()
    [envelope] = handler.envelopes
    assert envelope.rcpt_tos == ["acc_owner@accounts.example"]
    text = envelope.content.decode()
    assert "Subject: Your exchange coupon is ready" in text and "<ntf_1@notification.smartupgrade>" in text
