"""A customer's choice about reminders (transactional messages are always sent)."""

from datetime import datetime

from notification.db import messages
from servicekit.db import Database


async def set_reminders(db: Database, account_id: str, wanted: bool, now: datetime) -> bool:
    async with db.transaction() as session:
        await messages.set_reminders(session, account_id, wanted, now)
    return wanted
