"""The embedded default's channel: the message is kept in the database (GET /api/v1/me/notifications) and logged."""

import logging

from notification.domain.records import Message

log = logging.getLogger("notification.sink")


class LocalSink:
    name = "local"

    async def send(self, message: Message) -> None:
        log.info("customer message", extra={"message_id": message.id, "account_id": message.account_id, "reason": message.reason, "title": message.title})
