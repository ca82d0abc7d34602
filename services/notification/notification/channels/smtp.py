"""E-mail through an SMTP relay (standard library smtplib, in a worker thread so the event loop keeps going).

The Message-ID is the message's own id, so a copy sent twice (the process died between the relay's
acceptance and our commit) is recognisable as the same message downstream.
"""

import asyncio
import smtplib
from email.message import EmailMessage

from notification.domain.records import Message


class SmtpChannel:
    name = "smtp"

    def __init__(
        self, host: str, port: int, sender: str, recipient_template: str, *, username: str | None = None, password: str | None = None,
        starttls: bool = True, timeout: float = 15.0,
    ) -> None:  # fmt: skip
        self.host, self.port, self.sender, self.recipient_template = host, port, sender, recipient_template
        self.username, self.password, self.starttls, self.timeout = username, password, starttls, timeout

    def email_of(self, message: Message) -> EmailMessage:
        email = EmailMessage()
        email["From"] = self.sender
        email["To"] = self.recipient_template.format(account_id=message.account_id)
        email["Subject"] = message.title
        email["Message-ID"] = f"<{message.id}@notification.smartupgrade>"
        email.set_content(message.body)
        return email

    def _send(self, email: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.username and self.password:
                smtp.login(self.username, self.password)
            smtp.send_message(email)

    async def send(self, message: Message) -> None:
        await asyncio.to_thread(self._send, self.email_of(message))
