"""Telegram's webhook, and the private pages' "Unlink Telegram" button."""
import hmac

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from diaspora.assistance import requests as help_requests
from diaspora.extensions import csrf, db, limiter
from diaspora.models import HelpRequest, Registration
from diaspora.telegram import links, updates

bp = Blueprint("telegram", __name__, url_prefix="/telegram")
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def _secret_ok() -> bool:
    expected = current_app.config.get("TELEGRAM_WEBHOOK_SECRET") or ""
    given = request.headers.get(SECRET_HEADER, "")
    # an unset secret accepts nothing; compared in constant time
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


@bp.post("/webhook")
@csrf.exempt
def webhook():
    """One update from Telegram. Answered at once with 200 (Telegram would send it again otherwise);
    messages to the chat go through the outbox, or in this response for a chat we keep nothing about."""
    if not _secret_ok() or not links.configured():
        abort(403)
    answer = updates.handle(request.get_json(silent=True))
    return jsonify(answer or {})


def _target(kind: str, token: str) -> HelpRequest | Registration | None:
    if kind == "request":
        return help_requests.by_token(token)
    if kind == "registration" and token and len(token) <= 64:
        return db.session.scalar(select(Registration).where(Registration.token == token))
    return None


def private_page(target: HelpRequest | Registration) -> str:
    if isinstance(target, HelpRequest):
        return url_for("assistance.private", token=target.token)
    return url_for("events.private", token=target.token)


@bp.post("/unlink")
@limiter.limit(lambda: current_app.config["PUBLIC_POST_RATE_LIMIT"])
def unlink():
    """Every chat linked to the request or registration whose private token is given stops getting news."""
    target = _target(request.form.get("kind", ""), request.form.get("token", ""))
    if target is None:
        abort(404)
    links.stop_target(target)
    flash(_("Telegram is unlinked: no more news goes to the chat."), "success")
    return redirect(private_page(target))


def panel(target: HelpRequest | Registration | None) -> dict | None:
    """What templates/telegram/_link.html shows for a private page (a template global): nothing when the
    bot is not set up; the chats linked, or a fresh deep link (a new one-time code each time it is shown)."""
    if target is None or not links.configured() or getattr(target, "anonymised_at", None) is not None:
        return None
    kind = "request" if isinstance(target, HelpRequest) else "registration"
    linked = bool(links.active_links(target))
    if not linked and target.status in ("withdrawn", "closed", "cancelled", "rejected"):
        return None  # no news to come
    return {"kind": kind, "token": target.token, "linked": linked,
            "url": None if linked else links.deep_link(links.new_code(target))}
