"""Mail through an outbox: queued in the same transaction as the change it reports, sent by the worker
(`flask worker`, see diaspora.mail.outbox) once that transaction committed, retried with back-off until it
goes out. Without MAIL_SERVER it stays for site admins to read.

Two ways to queue: `queue` renders the text now; `queue_later` stores a template and the ids it needs,
and a composer registered by the feature writes the text (and names the attachments) when the message is
sent. The second keeps busy requests short (a registration burst queues a thousand messages) and sends
what is true at sending time: a message that no longer is (a confirmation for a registration cancelled
since) is not sent at all, and is kept as "void" with the reason."""
import re
import secrets
from functools import lru_cache

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import CTE, Insert, bindparam, insert, select

from diaspora.database import utcnow
from diaspora.extensions import db
from diaspora.models import OutboxAttachment, OutboxMessage

# What each feature registers from its init_app (the mail layer names no feature's messages):
# "ticket" -> fn(ref: str, locale: str) -> bytes | None: attachments rendered when sent (register_renderer)
RENDERERS: dict = {}
# "events" -> fn(template: str, params: dict, message) -> Composed | str (the reason it is void)
COMPOSERS: dict = {}
# kind -> pattern: once delivered, secrets in a message (group 1 is kept, the rest of the match replaced by
# "…") have no business in the outbox that site admins read
REDACT_AFTER_SENDING: dict[str, re.Pattern] = {}
# Mail to a person who is not an account (a request for help): their address and private link are theirs
# alone. It is queued without them (the composer reads them when sending), site admins reading the outbox
# see neither, and what was sent keeps neither.
PERSON_KINDS: set[str] = set()
# Senders of other channels than mail (Telegram), registered by their feature: factories the worker calls.
SENDERS: list = []


def register_kinds(*kinds: str, redact: "re.Pattern | str | None" = None, personal: bool = False) -> None:
    """Message kinds of a feature (a template's name): `redact`, what to blank once sent; `personal`, the
    recipient's address and the redacted part are never shown (see PERSON_KINDS)."""
    pattern = re.compile(redact) if isinstance(redact, str) else redact
    for kind in kinds:
        if pattern is not None:
            REDACT_AFTER_SENDING[kind] = pattern
        if personal:
            PERSON_KINDS.add(kind)


def register_composer(family: str, composer) -> None:
    """Who writes the messages queued with queue_later("…", "<family>/<template>", …)."""
    COMPOSERS[family] = composer


def register_sender(factory) -> None:
    """Another channel's sender (diaspora.mail.letter.Sender with a `channel`), drained by the worker too."""
    if factory not in SENDERS:  # every app the process creates registers it
        SENDERS.append(factory)


def register_renderer(recipe: str, renderer) -> None:
    """Who renders an attachment queued as "<recipe>:<ref>"."""
    RENDERERS[recipe] = renderer


def redacted(kind: str, text: str) -> str:
    """The text as kept once sent (see register_kinds)."""
    pattern = REDACT_AFTER_SENDING.get(kind)
    return pattern.sub(r"\1…", text) if pattern is not None else text


def smtp_configured() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


def _one_line(text: str) -> str:
    return " ".join(text.split())


# A mail template's first line is the subject. A value in it may hold a line break (a name typed through a
# service, an older row), so the subject cannot be told from the body by the first "\n" of the output: the
# end of the template's first line is marked in its source with a string nobody can type or guess, and
# everything before the mark is the subject, collapsed to one line.
_SUBJECT_END = f"<end of subject {secrets.token_hex(16)}>"


@lru_cache(maxsize=128)
def _compiled(env, name: str, source: str):
    """The template, its first line marked; compiled under its own name, as a loader would (so a .txt is
    not autoescaped)."""
    first, newline, rest = source.partition("\n")
    code = env.compile(first + _SUBJECT_END + newline + rest, name=name)
    return env.template_class.from_code(env, code, env.make_globals(None))


def render(template: str, **context) -> tuple[str, str]:
    """(subject, body) of templates/mail/<template>.txt in the current locale."""
    env = current_app.jinja_env
    name = f"mail/{template}.txt"
    assert env.loader is not None  # Flask's environment always has one
    source, _, _ = env.loader.get_source(env, name)
    current_app.update_template_context(context)
    rendered = _compiled(env, name, source).render(context)
    subject, _, body = rendered.partition(_SUBJECT_END)
    return _one_line(subject)[:300], body.strip() + "\n"


def queue(to: str, template: str, locale: str, attachments=(), **context) -> OutboxMessage:
    """Render templates/mail/<template>.txt (first line: the subject) in `locale` and queue it.

    Plain text only: nothing a user typed can become markup in a mail client. `attachments` are
    (filename, content_type, bytes) or (filename, content_type, "recipe:ref") to render when sent.
    """
    with force_locale(locale):
        subject, body = render(template, **context)
    message = OutboxMessage(
        kind=template.rsplit("/", 1)[-1],
        locale=locale,
        to_address=to,
        subject=subject,
        body_text=body,
        next_attempt_at=utcnow(),
    )
    for filename, content_type, content in attachments:
        if isinstance(content, str):
            message.attachments.append(OutboxAttachment(filename=filename, content_type=content_type, recipe=content))
        else:
            message.attachments.append(OutboxAttachment(filename=filename, content_type=content_type, data=content))
    db.session.add(message)
    return message


class Composed:
    """What a composer returns: the template's context and (filename, content type, recipe) attachments."""

    def __init__(self, context: dict, attachments=(), template: str | None = None, to: str | None = None,
                 reply_to: str | None = None, headers: dict[str, str] | None = None):
        self.context = context
        self.headers = dict(headers or {})  # extra headers (List-Unsubscribe): plain values the composer built
        self.reply_to = reply_to  # a validated address (an event's organizers), for the Reply-To header
        self.attachments = list(attachments)
        self.template = template  # when the composer chose the wording itself
        self.to = to  # an address kept encrypted elsewhere, given only at sending time


_outbox = OutboxMessage.__table__
_QUEUE_LATER = insert(_outbox).returning(_outbox.c.id)
_LATER_COLUMNS = ("channel", "kind", "locale", "to_address", "subject", "body_text", "template", "params", "status",
                  "attempts", "created_at", "next_attempt_at")


def _later_row(to: str, template: str, locale: str, params: dict, channel: str = "mail") -> dict:
    now = utcnow()
    return {"channel": channel, "kind": template.rsplit("/", 1)[-1], "locale": locale, "to_address": to, "subject": "",
            "body_text": "", "template": template, "params": params, "status": "pending", "attempts": 0,
            "created_at": now, "next_attempt_at": now}


def queue_later(to: str, template: str, locale: str, **params) -> int:
    """Queue a message whose text is written when it is sent (see the module's docstring). One INSERT;
    returns the message's id."""
    return db.session.connection().execute(_QUEUE_LATER, _later_row(to, template, locale, params)).scalar_one()


def queue_later_on(channel: str, to: str, template: str, locale: str, **params) -> int:
    """queue_later for another channel than mail (its sender drains it): `to` may be "" when the composer
    gives the recipient at sending time."""
    row = _later_row(to, template, locale, params, channel)
    return db.session.connection().execute(_QUEUE_LATER, row).scalar_one()


def queue_later_for_each(source: CTE) -> Insert:
    """An INSERT that queues one message (as queue_later does) for each row of `source`, a CTE of the same
    statement, so that a hot path writes its row and the mail reporting it in one round trip (PostgreSQL's
    data-modifying WITH). Execute it with later_params(); the message's parameters do not depend on the row."""
    values = select(*(bindparam(f"mail_{name}", type_=_outbox.c[name].type).label(name)
                      for name in _LATER_COLUMNS)).select_from(source)
    return insert(_outbox).from_select(list(_LATER_COLUMNS), values)


def later_params(to: str, template: str, locale: str, **params) -> dict:
    """The bound values of queue_later_for_each's INSERT."""
    return {f"mail_{name}": value for name, value in _later_row(to, template, locale, params).items()}


def compose(message: OutboxMessage) -> tuple[str, str, list, str | None] | str:
    """(subject, body, attachments, recipient or None) of a message queued with queue_later, or the reason
    it is void."""
    composed = compose_letter(message)
    return composed if isinstance(composed, str) else composed[:4]


def compose_letter(message: OutboxMessage) -> tuple[str, str, list, str | None, str | None, dict[str, str]] | str:
    """compose(), the Reply-To address the composer gave (or None) and its extra headers."""
    family = (message.template or "").split("/", 1)[0]
    composer = COMPOSERS.get(family)
    if composer is None:
        return f"nothing composes {message.template}"
    with force_locale(message.locale):
        composed = composer(message.template, message.params or {}, message)
        if isinstance(composed, str):
            return composed
        subject, body = render(composed.template or message.template or "", **composed.context)
    return subject, body, composed.attachments, composed.to, composed.reply_to, composed.headers


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
        body = redacted(message.kind, body)
    return subject, body

