"""Telegram's webhook, and the private pages' (a request's, a registration's, an alert subscription's)
"Unlink Telegram" button."""
import hmac

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from diaspora.alerts import subscriptions
from diaspora.assistance import requests as help_requests
from diaspora.extensions import csrf, db, limiter
from diaspora.models import AlertSubscription, HelpRequest, Registration
from diaspora.telegram import links, updates
from diaspora.telegram.links import Target

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


def _registration(token: str) -> Registration | None:
    if not token or len(token) > 64:
        return None
    return db.session.scalar(select(Registration).where(Registration.token == token))


# a private page's kind (the unlink form's `kind`) -> its model, how its token finds it, the page's endpoint
PAGES = {"request": (HelpRequest, help_requests.by_token, "assistance.private"),
         "registration": (Registration, _registration, "events.private"),
         "alert": (AlertSubscription, subscriptions.by_token, "alerts.confirm")}


def _kind(target: Target) -> str:
    return next(kind for kind, (model, _find, _endpoint) in PAGES.items() if isinstance(target, model))


def _target(kind: str, token: str) -> Target | None:
    return PAGES[kind][1](token) if kind in PAGES else None


def private_page(target: Target) -> str:
    return url_for(PAGES[_kind(target)][2], token=target.token)


@bp.post("/unlink")
@limiter.limit(lambda: current_app.config["PUBLIC_POST_RATE_LIMIT"])
def unlink():
    """Every chat linked to the request, registration or alert subscription whose private token is given stops
    getting news."""
    target = _target(request.form.get("kind", ""), request.form.get("token", ""))
    if target is None:
        abort(404)
    links.stop_target(target)
    flash(_("Telegram is unlinked: no more news goes to the chat."), "success")
    return redirect(private_page(target))


def _finished(target: Target) -> bool:
    """No news to come: nothing to link a chat for."""
    if isinstance(target, AlertSubscription):
        return target.confirmed_at is None
    return target.status in ("withdrawn", "closed", "cancelled", "rejected")


def panel(target: Target | None) -> dict | None:
    """What templates/telegram/_link.html shows for a private page (a template global): nothing when the
    bot is not set up; the chats linked, or a fresh deep link (a new one-time code each time it is shown)."""
    if target is None or not links.configured() or getattr(target, "anonymised_at", None) is not None:
        return None
    linked = bool(links.active_links(target))
    if not linked and _finished(target):
        return None
    return {"kind": _kind(target), "token": target.token, "linked": linked,
            "url": None if linked else links.deep_link(links.new_code(target))}
