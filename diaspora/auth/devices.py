"""Device cookies (OWASP, "Slow Down Online Guessing Attacks with Device Cookies").

The failed-login limit per account stops a guesser spread over many addresses, but it also lets anybody lock
the owner out by failing ten times. So a successful login leaves a signed cookie in the browser naming the
account (a keyed hash of its address, never the address): a later attempt from that browser for that account
is not held by the per-account limit. The per-address limit still counts it, and a guesser has no such cookie
for somebody else's account: it is only given after the right password."""
import hashlib
import hmac

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from diaspora.auth.services import normalize_email

COOKIE = "device"
MAX_AGE = 365 * 24 * 3600
MAX_ACCOUNTS = 5  # a browser a family shares: each of them stays known


def account_digest(email: str) -> str:
    """The account a login form is about, as a keyed hash of its normalised address (no address is stored
    in a cookie or in the limiter's storage)."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, normalize_email(email).encode(), hashlib.sha256).hexdigest()[:32]


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="login-device")


def _known() -> list[str]:
    value = request.cookies.get(COOKIE)
    if not value:
        return []
    try:
        accounts = _serializer().loads(value, max_age=MAX_AGE)
    except BadSignature:  # forged, from another SECRET_KEY, or expired
        return []
    return [a for a in accounts if isinstance(a, str)] if isinstance(accounts, list) else []


def is_known(email: str) -> bool:
    """Whether this browser has logged in to the account `email` before."""
    return bool(email) and account_digest(email) in _known()


def remember(response, email: str) -> None:
    """After a successful login: this browser is the account's (most recent first)."""
    digest = account_digest(email)
    accounts = [digest] + [a for a in _known() if a != digest]
    response.set_cookie(COOKIE, _serializer().dumps(accounts[:MAX_ACCOUNTS]), max_age=MAX_AGE, httponly=True,
                        secure=current_app.config["SESSION_COOKIE_SECURE"], samesite="Lax")
