"""What the outbox hands to a sender, and what a sender may answer: plain data and errors, shared by the
outbox (diaspora.mail.outbox) and each sender (diaspora.mail.smtp) without either importing the other."""
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Letter:
    """A message ready to go, as plain data: sending it reads nothing from the database."""

    message_id: int
    kind: str
    locale: str
    to: str
    subject: str
    body: str
    attachments: tuple[tuple[str, str, bytes], ...] = ()  # (filename, content type, bytes)
    reply_to: str | None = None  # where replies go when not to us (an event's organizers)
    headers: tuple[tuple[str, str], ...] = ()  # extra headers, e.g. List-Unsubscribe (RFC 2369, RFC 8058)


class Unavailable(Exception):
    """The server could not be reached or stopped answering: nothing is wrong with the message."""


class Refused(Exception):
    """The server refused this message (a recipient, its content): it backs off on its own."""


class Gone(Refused):
    """The recipient is gone for good (a Telegram user blocked the bot): the message is void, not retried."""


class Interrupted(BaseException):
    """The worker was told to stop while it waited on the network (see diaspora.worker.Stopping)."""


class Sender(Protocol):
    name: str
    # which outbox messages it sends (OutboxMessage.channel); "mail" when a sender does not say
    channel: str

    def configured(self) -> bool: ...

    def session(self) -> AbstractContextManager[Callable[[Letter], None]]:
        """A context whose value sends one letter (raising Unavailable or Refused); a connection may be
        kept open for the whole batch."""

    # Optional: `gone(letter)`, flushing only: the recipient is gone for good (it raised Gone).
    # Optional: `abort() -> bool`, called from a signal handler while a letter is being sent: shut the
    # connection down so the wait fails (Unavailable), True if there was one (see diaspora.worker.Stopping).
