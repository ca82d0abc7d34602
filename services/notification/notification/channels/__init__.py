"""How a customer message leaves: the local sink (embedded default) or SMTP (production)."""

from typing import Protocol

from notification.domain.records import Message


class Channel(Protocol):
    name: str

    async def send(self, message: Message) -> None:
        """Hand the message over; raise if it was not accepted (the sweep retries)."""
