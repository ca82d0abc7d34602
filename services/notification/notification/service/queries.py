"""Reads: endpoints and their deliveries (partner's own, or every one for ops), a customer's messages."""

from datetime import datetime

from notification.db import deliveries, endpoints, messages
from notification.domain.records import Delivery, Endpoint, Message
from notification.service.access import endpoint_for
from servicekit.db import Database
from servicekit.principal import Principal


async def endpoints_of(db: Database, principal: Principal, after: tuple[datetime, str] | None, fetch: int) -> list[Endpoint]:
    async with db.reading() as session:
        return await endpoints.page(session, None if principal.is_ops else principal.subject or "", after, fetch)


async def endpoint(db: Database, principal: Principal, endpoint_id: str) -> Endpoint:
    async with db.reading() as session:
        return await endpoint_for(session, endpoint_id, principal)


async def deliveries_of(db: Database, principal: Principal, endpoint_id: str, after: tuple[datetime, str] | None, fetch: int) -> list[Delivery]:
    async with db.reading() as session:
        await endpoint_for(session, endpoint_id, principal)
        return await deliveries.page(session, endpoint_id, after, fetch)


async def messages_of(db: Database, account_id: str, after: tuple[datetime, str] | None, fetch: int) -> list[Message]:
    async with db.reading() as session:
        return await messages.sent_page(session, account_id, after, fetch)


async def reminders_wanted(db: Database, account_id: str) -> bool:
    async with db.reading() as session:
        return await messages.reminders_wanted(session, account_id)
