"""Mail through an outbox: queued in the same transaction as the change it reports, sent after the
commit, retried with back-off until it goes out. Without MAIL_SERVER it stays for site admins to read.

Two ways to queue: `queue` renders the text now; `queue_later` stores a template and the ids it needs,
and a composer registered by the feature writes the text (and names the attachments) when the message is
sent. The second keeps busy requests short (a registration burst queues a thousand messages) and sends
what is true at sending time: a message that no longer is (a confirmation for a registration cancelled
since) is not sent at all, and is kept as "void" with the reason."""
import re
import smtplib
import ssl
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app, g, render_template
from flask_babel import force_locale
from sqlalchemy import and_, bindparam, insert, or_, select, update

from diaspora.database import utcnow
from diaspora.extensions import db
from diaspora.models import OutboxAttachment, OutboxMessage

CLAIM_TIMEOUT = timedelta(minutes=10)
# "ticket" -> fn(ref: str, locale: str) -> bytes | None; registered by the features that make the files
RENDERERS: dict = {}
# "events" -> fn(template: str, params: dict, message) -> Composed | str (the reason it is void)
COMPOSERS: dict = {}
# Once delivered, secrets in a message have no business in the outbox that site admins read.
_PRIVATE_LINK = re.compile(r"(/r/)[\w-]{20,}")
REDACT_AFTER_SENDING = {"password_reset": re.compile(r"(/auth/reset/)\S+"), **{
    kind: _PRIVATE_LINK for kind in ("registration_confirmed", "registration_pending", "registration_waitlisted",
                                     "registration_promoted", "registration_rejected", "registration_link",
                                     "registration_new", "event_reminder", "event_cancelled", "organizer_message")}}
# Mail to a person who asked for help: their address and private link are theirs alone. It is queued
# without them (the composer reads the encrypted request when sending), site admins reading the outbox
# see neither, and what was sent keeps neither.
PERSON_KINDS = frozenset(("request_received", "request_accepted", "request_resolved", "request_returned",
                          "message_for_person", "request_reminder", "request_closed"))
_HELP_LINK = re.compile(r"(/h/)[\w-]{20,}")
REDACT_AFTER_SENDING.update({kind: _HELP_LINK for kind in PERSON_KINDS})
MAX_BACKOFF = timedelta(hours=6)


def smtp_configured() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


def _one_line(text: str) -> str:
    return " ".join(text.split())


def queue(to: str, template: str, locale: str, attachments=(), **context) -> OutboxMessage:
    """Render templates/mail/<template>.txt (first line: the subject) in `locale` and queue it.

    Plain text only: nothing a user typed can become markup in a mail client. `attachments` are
    (filename, content_type, bytes) or (filename, content_type, "recipe:ref") to render when sent.
    """
    with force_locale(locale):
        rendered = render_template(f"mail/{template}.txt", **context)
    subject, _, body = rendered.strip().partition("\n")
    message = OutboxMessage(
        kind=template.rsplit("/", 1)[-1],
        locale=locale,
        to_address=to,
        subject=_one_line(subject)[:300],
        body_text=body.strip() + "\n",
        next_attempt_at=utcnow(),
    )
    for filename, content_type, content in attachments:
        if isinstance(content, str):
            message.attachments.append(OutboxAttachment(filename=filename, content_type=content_type, recipe=content))
        else:
            message.attachments.append(OutboxAttachment(filename=filename, content_type=content_type, data=content))
    db.session.add(message)
    g.mail_queued = True
    return message


class Composed:
    """What a composer returns: the template's context and (filename, content type, recipe) attachments."""

    def __init__(self, context: dict, attachments=(), template: str | None = None, to: str | None = None):
        self.context = context
        self.attachments = list(attachments)
        self.template = template  # when the composer chose the wording itself
        self.to = to  # an address kept encrypted elsewhere, given only at sending time


_QUEUE_LATER = insert(OutboxMessage.__table__).returning(OutboxMessage.__table__.c.id)
_RETARGET = update(OutboxMessage.__table__).where(OutboxMessage.__table__.c.id == bindparam("message_id"))


def queue_later(to: str, template: str, locale: str, **params) -> int:
    """Queue a message whose text is written when it is sent (see the module's docstring). One INSERT;
    returns the message's id."""
    now = utcnow()
    message_id = db.session.connection().execute(_QUEUE_LATER, {
        "kind": template.rsplit("/", 1)[-1], "locale": locale, "to_address": to, "subject": "", "body_text": "",
        "template": template, "params": params, "status": "pending", "attempts": 0,
        "created_at": now, "next_attempt_at": now,
    }).scalar_one()
    g.mail_queued = True
    return message_id


def retarget(message_id: int, template: str, **params) -> None:
    """Point a message queued with queue_later at another template (before it is sent)."""
    db.session.connection().execute(_RETARGET, {"message_id": message_id, "template": template,
                                                "kind": template.rsplit("/", 1)[-1], "params": params})


def compose(message: OutboxMessage) -> tuple[str, str, list, str | None] | str:
    """(subject, body, attachments, recipient or None) of a message queued with queue_later, or the reason
    it is void."""
    family = (message.template or "").split("/", 1)[0]
    composer = COMPOSERS.get(family)
    if composer is None:
        return f"nothing composes {message.template}"
    with force_locale(message.locale):
        composed = composer(message.template, message.params or {}, message)
        if isinstance(composed, str):
            return composed
        rendered = render_template(f"mail/{composed.template or message.template}.txt", **composed.context)
    subject, _, body = rendered.strip().partition("\n")
    return _one_line(subject)[:300], body.strip() + "\n", composed.attachments, composed.to


def shown_address(message: OutboxMessage) -> str:
    return "" if message.kind in PERSON_KINDS else message.to_address


def preview(message: OutboxMessage) -> tuple[str, str]:
    """Subject and text as the outbox shows them (composed for a look when not sent yet)."""
    if message.body_text or not message.template:
        subject, body = message.subject, message.body_text
    else:
        composed = compose(message)
        subject, body = (message.template, composed) if isinstance(composed, str) else composed[:2]
    if message.kind in PERSON_KINDS:
        body = _HELP_LINK.sub(r"\1…", body)
    return subject, body


def attachment_bytes(attachment: OutboxAttachment, locale: str) -> bytes | None:
    """The file's bytes; a recipe is rendered now (None when what it described is gone)."""
    if attachment.data is not None:
        return attachment.data
    kind, _, ref = (attachment.recipe or "").partition(":")
    renderer = RENDERERS.get(kind)
    if renderer is None:
        return None
    with force_locale(locale):
        return renderer(ref, locale)


def _backoff(attempts: int) -> timedelta:
    return min(timedelta(minutes=2 ** min(attempts, 12)), MAX_BACKOFF)


def _send_smtp(message: OutboxMessage, attachments: list, to: str | None = None) -> None:
    config = current_app.config
    email = EmailMessage()
    email["From"] = config["MAIL_DEFAULT_SENDER"]
    email["To"] = to or message.to_address
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = make_msgid(domain=config["MAIL_DEFAULT_SENDER"].rsplit("@", 1)[-1].strip(">"))
    email.set_content(message.body_text)
    for attachment in attachments:
        content = attachment_bytes(attachment, message.locale)
        if content is None:
            continue
        maintype, _, subtype = attachment.content_type.partition("/")
        if maintype == "text":  # a calendar file: UTF-8 text, so the charset travels with it
            email.add_attachment(content.decode("utf-8"), subtype=subtype, filename=attachment.filename)
        else:
            email.add_attachment(content, maintype=maintype, subtype=subtype, filename=attachment.filename)
    timeout = config["MAIL_TIMEOUT"]
    if config["MAIL_USE_SSL"]:
        smtp = smtplib.SMTP_SSL(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=timeout,
                                context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=timeout)
    with smtp:
        if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
            smtp.starttls(context=ssl.create_default_context())
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(email)


def _claim(message_id: int) -> bool:
    """Take one message for sending; a second worker trying the same row gets rowcount 0."""
    now = utcnow()
    result = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            or_(
                OutboxMessage.status == "pending",
                and_(OutboxMessage.status == "sending", OutboxMessage.claimed_at < now - CLAIM_TIMEOUT),
            ),
        )
        .values(status="sending", claimed_at=now)
    )
    db.session.commit()
    return result.rowcount == 1


def deliver_due(limit: int = 100, force: bool = False) -> tuple[int, int]:
    """Send what is due (everything waiting, with force). Returns (sent, failed); failures stay queued."""
    if not smtp_configured():
        return 0, 0
    now = utcnow()
    if force:
        db.session.execute(update(OutboxMessage).where(OutboxMessage.status == "pending").values(next_attempt_at=now))
        db.session.commit()
    due = db.session.scalars(
        select(OutboxMessage.id)
        .where(
            or_(
                and_(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now),
                and_(OutboxMessage.status == "sending", OutboxMessage.claimed_at < now - CLAIM_TIMEOUT),
            )
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    ).all()
    sent = failed = 0
    for message_id in due:
        if not _claim(message_id):
            continue
        message = db.session.get(OutboxMessage, message_id)
        attachments = list(message.attachments)
        recipient = None
        if message.template and not message.body_text:
            composed = compose(message)
            if isinstance(composed, str):  # no longer true: not sent, and kept with the reason
                message.status = "void"
                message.last_error = composed[:1000]
                db.session.commit()
                continue
            message.subject, message.body_text, recipes, recipient = composed
            attachments += [OutboxAttachment(filename=name, content_type=ctype, recipe=recipe)
                            for name, ctype, recipe in recipes]
        try:
            _send_smtp(message, attachments, recipient)
        except (OSError, smtplib.SMTPException) as error:
            message.status = "pending"
            message.attempts += 1
            # a refused recipient is named in the error: not for a person who asked for help
            detail = "" if message.kind in PERSON_KINDS else f": {error}"
            message.last_error = f"{type(error).__name__}{detail}"[:1000]
            message.next_attempt_at = utcnow() + _backoff(message.attempts)
            if message.template:  # composed afresh next time, attachments and all
                message.subject = message.body_text = ""
            failed += 1
            current_app.logger.warning("Mail %s to outbox retry: %s", message.id, message.last_error)
        else:
            message.status = "sent"
            if message.kind in REDACT_AFTER_SENDING:
                message.body_text = REDACT_AFTER_SENDING[message.kind].sub(r"\1…", message.body_text)
            if message.kind in PERSON_KINDS:
                message.to_address = ""
            message.attempts += 1
            message.sent_at = utcnow()
            message.attachments = []  # delivered: no need to keep tickets and calendars around
            message.last_error = None
            sent += 1
        db.session.commit()
        if failed and not sent:
            break  # the server is down: leave the rest for the next run instead of timing out on each
    return sent, failed


def init_app(app) -> None:
    @app.after_request
    def send_after_response(response):
        # Sent once the response is on its way, so a slow or dead SMTP server never delays the page.
        if g.get("mail_queued") and smtp_configured() and app.config.get("MAIL_SEND_AFTER_RESPONSE", True):
            def deliver():
                with app.app_context():
                    try:
                        deliver_due()
                    except Exception:  # the messages stay queued; `flask send-mail` retries
                        app.logger.exception("Mail delivery after response failed")

            response.call_on_close(deliver)
        return response
