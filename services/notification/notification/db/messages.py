"""Customer messages and preferences: scheduled once per reason, claimed with a lease, listed once sent."""

import uuid
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Row, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from notification.db.dialect import ignoring_duplicates, insert_ignoring_duplicates, is_postgres
from notification.db.tables import messages, preferences
from notification.domain.messages import Draft
from notification.domain.records import SCHEDULED, SENDING, SENT, Message
from servicekit.ids import new_id


def _message(row: Row[Any]) -> Message:
    return Message(**{f: getattr(row, f) for f in Message.__dataclass_fields__})


# The insert the event handlers schedule with, built once: building a statement costs more than SQLite takes to run it (docs/performance.md).
_SCHEDULE = ignoring_duplicates(messages, ["dedupe_key"])


async def schedule(session: AsyncSession, account_id: str, draft: Draft, due_at: datetime, now: datetime) -> bool:
    """Schedule the draft unless a message for the same reason exists (sent, waiting or skipped); True if new."""
    values = {
        "id": new_id("ntf"), "account_id": account_id, "reason": draft.reason, "dedupe_key": draft.dedupe_key, "about": draft.about,
        "title": draft.title, "body": draft.body, "due_at": due_at, "status": SCHEDULED, "attempts": 0, "created_at": now,
    }  # fmt: skip
    result = await session.execute(_SCHEDULE.of(session), values)
    return cast(CursorResult[Any], result).rowcount == 1


async def claim_due(session: AsyncSession, now: datetime, lease: timedelta, limit: int) -> list[tuple[Message, str]]:
    """Due messages (and ones whose sender died mid-send), leased to this worker; see deliveries.claim_due."""
    due = or_(
        and_(messages.c.status == SCHEDULED, messages.c.due_at <= now),
        and_(messages.c.status == SENDING, messages.c.lease_until <= now),
    )
    query = select(messages).where(due).order_by(messages.c.due_at).limit(limit)
    if is_postgres(session):
        query = query.with_for_update(skip_locked=True)
    rows = (await session.execute(query)).all()
    if not rows:
        return []
    token = uuid.uuid4().hex  # one per claim: a finish must match both the row and this claim
    await session.execute(
        update(messages).where(messages.c.id.in_([row.id for row in rows]))
        .values(status=SENDING, lease_token=token, lease_until=now + lease, attempts=messages.c.attempts + 1)
    )  # fmt: skip
    return [(_message(row), token) for row in rows]


async def settle(session: AsyncSession, message_id: str, token: str, **values: Any) -> bool:
    """Leave `sending` (sent, skipped, rescheduled, failed), if this worker still holds the lease."""
    result = await session.execute(
        update(messages).where(messages.c.id == message_id, messages.c.lease_token == token).values(lease_token=None, lease_until=None, **values)
    )
    return cast(CursorResult[Any], result).rowcount == 1


async def sent_page(session: AsyncSession, account_id: str, after: tuple[datetime, str] | None, limit: int) -> list[Message]:
    query = select(messages).where(messages.c.account_id == account_id, messages.c.status == SENT)
    if after is not None:
        at, last_id = after
        query = query.where(or_(messages.c.sent_at < at, and_(messages.c.sent_at == at, messages.c.id < last_id)))
    rows = (await session.execute(query.order_by(messages.c.sent_at.desc(), messages.c.id.desc()).limit(limit))).all()
    return [_message(r) for r in rows]


async def reminders_wanted(session: AsyncSession, account_id: str) -> bool:
    """Reminders are on unless the account turned them off."""
    found = await session.scalar(select(preferences.c.reminders).where(preferences.c.account_id == account_id))
    return True if found is None else bool(found)


async def set_reminders(session: AsyncSession, account_id: str, wanted: bool, now: datetime) -> None:
    await session.execute(insert_ignoring_duplicates(session, preferences, ["account_id"], account_id=account_id, reminders=wanted, updated_at=now))
    await session.execute(update(preferences).where(preferences.c.account_id == account_id).values(reminders=wanted, updated_at=now))
