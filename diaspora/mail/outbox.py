"""Sending what the outbox holds, from the worker (`flask worker`) or `flask send-mail`, never from a web
request. One message at a time:

1. claim it with a conditional UPDATE and commit (a second worker gets nothing);
2. compose it completely into plain data (a Letter: subject, text, attachments' bytes, recipient) and
   end that transaction: nothing is written or lazily loaded after this point;
3. hand the letter to the sender with no transaction open (on SQLite, no write lock held);
4. record the result in a short transaction of its own.

A server that cannot be reached (refused connection, timeout, hung, disconnected) stops the batch and
costs the messages nothing: they stay due, with the error shown in the outbox, and the caller waits
before trying the server again. A message the server refuses backs off on its own, up to MAX_BACKOFF.

Senders: mail through SMTP, and those other features register (Telegram, mail.register_sender); each
drains the messages of its own `channel`."""
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import and_, or_, select, update

from diaspora.database import rows_matched, utcnow
from diaspora.extensions import db
from diaspora.mail import PERSON_KINDS, RENDERERS, SENDERS, compose_letter, redacted
from diaspora.mail.letter import Gone, Interrupted, Letter, Refused, Sender, Unavailable
from diaspora.models import OutboxMessage
from diaspora.unit_of_work import transaction

MIN_CLAIM_TIMEOUT = timedelta(minutes=10)
# What one send may take at most, counted in MAIL_TIMEOUTs (each socket operation may take one: connect,
# greeting, EHLO, STARTTLS, login, MAIL, RCPT, DATA, the text, the answer), with room to spare.
SEND_TIMEOUTS = 20
MAX_BACKOFF = timedelta(hours=6)
BATCH = 100


class _NeverInterrupted:
    requested = False

    @contextmanager
    def interruptible(self, abort=None):
        yield


@dataclass
class Outcome:
    sent: int = 0
    failed: int = 0
    void: int = 0
    more: bool = False  # a full batch was due: call again
    unavailable: str | None = None  # why the server could not be reached

    def add(self, other: "Outcome") -> None:
        self.sent += other.sent
        self.failed += other.failed
        self.void += other.void
        self.more, self.unavailable = other.more, other.unavailable


def default_senders() -> list[Sender]:
    from diaspora.mail.smtp import SmtpSender

    return [SmtpSender(), *(factory() for factory in SENDERS)]


def _channel(sender) -> str:
    return getattr(sender, "channel", "mail")


def make_due() -> int:
    """Everything waiting becomes due now, whatever its back-off (the outbox's "send now", `--now`).
    Flushes only."""
    return rows_matched(update(OutboxMessage).where(OutboxMessage.status == "pending")
                        .values(next_attempt_at=utcnow()))


def _backoff(attempts: int) -> timedelta:
    return min(timedelta(minutes=2 ** min(attempts, 12)), MAX_BACKOFF)


def claim_timeout() -> timedelta:
    """A message claimed longer ago than this is taken again (its worker died): longer than one send can take,
    so a slow send is never taken by another worker while it still goes on."""
    return max(MIN_CLAIM_TIMEOUT, SEND_TIMEOUTS * timedelta(seconds=float(current_app.config["MAIL_TIMEOUT"])))


def _due_ids(limit: int, channel: str = "mail") -> Sequence[int]:
    now = utcnow()
    with transaction():
        return db.session.scalars(
            select(OutboxMessage.id)
            .where(OutboxMessage.channel == channel, or_(
                and_(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now),
                and_(OutboxMessage.status == "sending", OutboxMessage.claimed_at < now - claim_timeout()),
            ))
            .order_by(OutboxMessage.id)
            .limit(limit)
        ).all()


def claim(message_id: int) -> bool:
    """Take one message for sending, committed; a second worker trying the same row gets rowcount 0."""
    now = utcnow()
    with transaction():
        return rows_matched(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, or_(
                OutboxMessage.status == "pending",
                and_(OutboxMessage.status == "sending", OutboxMessage.claimed_at < now - claim_timeout()),
            ))
            .values(status="sending", claimed_at=now)
        ) == 1


def _file(data: bytes | None, recipe: str | None, locale: str) -> bytes | None:
    """An attachment's bytes; a recipe ("ticket:42") is rendered now (None when what it described is gone)."""
    if data is not None:
        return bytes(data)
    kind, _, ref = (recipe or "").partition(":")
    renderer = RENDERERS.get(kind)
    if renderer is None:
        return None
    with force_locale(locale):
        return renderer(ref, locale)


def _compose_letter(message_id: int) -> Letter | str:
    """The claimed message as a Letter, or the reason it is void (then recorded so). One transaction,
    ended before returning."""
    with transaction():
        message = db.session.get_one(OutboxMessage, message_id)
        subject, body, to = message.subject, message.body_text, message.to_address
        files = [(a.filename, a.content_type, a.data, a.recipe) for a in message.attachments]
        reply_to = None
        headers: dict[str, str] = {}
        if message.template and not message.body_text:
            composed = compose_letter(message)
            if isinstance(composed, str):  # no longer true: not sent, and kept with the reason
                message.status = "void"
                message.last_error = composed[:1000]
                return composed
            subject, body, recipes, recipient, reply_to, headers = composed
            to = recipient or to
            files += [(name, content_type, None, recipe) for name, content_type, recipe in recipes]
        attachments = []
        for filename, content_type, data, recipe in files:
            content = _file(data, recipe, message.locale)
            if content is not None:
                attachments.append((filename, content_type, content))
        return Letter(message_id=message.id, kind=message.kind, locale=message.locale, to=to, subject=subject,
                      body=body, attachments=tuple(attachments), reply_to=reply_to,
                      headers=tuple(headers.items()))


def _error_text(kind: str, error: BaseException) -> str:
    # a refused recipient is named in the error: not for a person who asked for help
    detail = "" if kind in PERSON_KINDS else f": {error}"
    return f"{type(error).__name__}{detail}"[:1000]


def _record_sent(letter: Letter) -> None:
    with transaction():
        message = db.session.get_one(OutboxMessage, letter.message_id)
        message.status = "sent"
        message.subject = letter.subject
        message.body_text = redacted(message.kind, letter.body)
        if message.kind in PERSON_KINDS:
            message.to_address = ""
        message.attempts += 1
        message.sent_at = utcnow()
        message.attachments = []  # delivered: no need to keep tickets and calendars around
        message.last_error = None


def _record_failed(message_id: int, error: BaseException) -> None:
    """Refused by the server, or could not be composed: this message waits longer each time."""
    with transaction():
        message = db.session.get_one(OutboxMessage, message_id)
        message.status = "pending"
        message.attempts += 1
        message.last_error = _error_text(message.kind, error)
        message.next_attempt_at = utcnow() + _backoff(message.attempts)
        current_app.logger.warning("Mail %s to outbox retry: %s", message_id, message.last_error)


def _record_void(message_id: int, error: BaseException, gone=None, letter: Letter | None = None) -> None:
    """The recipient is gone for good: kept, with the reason, and never tried again; the sender's
    `gone(letter)` (flushing only) records it in the same transaction (a Telegram chat unlinked)."""
    with transaction():
        if gone is not None:
            gone(letter)
        message = db.session.get_one(OutboxMessage, message_id)
        message.status = "void"
        message.attempts += 1
        message.last_error = _error_text(message.kind, error)
        if message.kind in PERSON_KINDS:
            message.to_address = ""


def _release(message_id: int, error: BaseException | None = None, kind: str = "") -> None:
    """Back to waiting, still due and with no attempt counted (the server was unreachable, or the worker
    stopped)."""
    values = {"status": "pending", "claimed_at": None}
    if error is not None:
        values["last_error"] = "Mail server unreachable: " + _error_text(kind, error)
    with transaction():
        db.session.execute(update(OutboxMessage)
                           .where(OutboxMessage.id == message_id, OutboxMessage.status == "sending")
                           .values(**values))


def deliver_due(sender: Sender | None = None, limit: int = BATCH, force: bool = False,
                stopping=None) -> Outcome:
    """Send up to `limit` due messages (every waiting one now, with force) through `sender` (SMTP by
    default). Stops at the first sign that the server is unreachable, or when `stopping` says so."""
    sender = sender or default_senders()[0]
    stopping = stopping or _NeverInterrupted()
    outcome = Outcome()
    if not sender.configured():
        return outcome
    if force:
        with transaction():
            make_due()
    due = _due_ids(limit, _channel(sender))
    outcome.more = len(due) == limit
    abort = getattr(sender, "abort", None)
    with sender.session() as send:
        for message_id in due:
            if stopping.requested:
                outcome.more = False
                break
            if not claim(message_id):
                continue
            try:
                letter = _compose_letter(message_id)
            except Exception as error:  # a composer's or a renderer's fault: this message only
                current_app.logger.exception("Mail %s could not be composed", message_id)
                _record_failed(message_id, error)
                outcome.failed += 1
                continue
            if isinstance(letter, str):
                outcome.void += 1
                continue
            # No transaction is open from here until the result is recorded.
            try:
                with stopping.interruptible(abort):
                    send(letter)
            except Interrupted:
                _release(letter.message_id)
                outcome.more = False
                break
            except Unavailable as error:
                if stopping.requested:  # the worker stopping shut the connection: the server is not to blame
                    _release(letter.message_id)
                    outcome.more = False
                    break
                cause = error.__cause__ or error
                _release(letter.message_id, cause, letter.kind)
                outcome.unavailable = _error_text(letter.kind, cause)
                outcome.more = False
                break
            except Gone as error:
                _record_void(letter.message_id, error, getattr(sender, "gone", None), letter)
                outcome.void += 1
            except Refused as error:
                _record_failed(letter.message_id, error.__cause__ or error)
                outcome.failed += 1
            except Exception as error:  # the letter could not even be written out (a header, say)
                current_app.logger.exception("Mail %s could not be sent", letter.message_id)
                _record_failed(letter.message_id, error)
                outcome.failed += 1
            else:
                _record_sent(letter)
                outcome.sent += 1
    return outcome


def deliver_all(sender: Sender | None = None, force: bool = False, stopping=None) -> Outcome:
    """deliver_due until nothing due is left, the server is unreachable, or the worker stops."""
    total = Outcome()
    while True:
        outcome = deliver_due(sender, force=force, stopping=stopping)
        force = False
        total.add(outcome)
        if not outcome.more:
            return total
