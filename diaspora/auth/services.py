"""Accounts: sign-up, authentication, password reset. Services flush; the caller commits.

Sign-up never says whether an address has an account: the form answers the same for every address and
the rest happens by mail. A new address gets a link to choose a password, and the account exists only
once that link is used (nothing is stored before: nobody can hold an address they cannot read); the owner
of an existing account is told someone tried, with links to log in and to reset the password."""

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import generate_password_hash

from diaspora import mail
from diaspora.database import utcnow
from diaspora.errors import ServiceError
from diaspora.extensions import db, login_manager
from diaspora.models import User
from diaspora.urls import external_url
from diaspora.validation import refuse_control_characters

RESET_MAX_AGE = 2 * 3600
SIGNUP_MAX_AGE = 24 * 3600
_DUMMY_HASHES: dict[str, str] = {}  # hash method -> a hash of nothing anybody types


def normalize_email(email: str | None) -> str:
    return (email or "").strip().lower()


def find_user_by_email(email: str | None) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


def create_user(email: str, password: str, name: str = "", locale: str | None = None, is_admin: bool = False) -> User:
    email = normalize_email(email)
    refuse_control_characters({"email": email, "name": name})
    if find_user_by_email(email):
        raise ServiceError(_("An account with this email already exists. Log in, or reset the password."), "email")
    user = User(email=email, name=(name or "").strip(), locale=locale, is_admin=is_admin)
    user.set_password(password)
    try:
        with db.session.begin_nested():  # two sign-ups with one address at the same moment: one wins
            db.session.add(user)
    except IntegrityError:
        raise ServiceError(_("An account with this email already exists. Log in, or reset the password."),
                           "email") from None
    return user


def authenticate(email: str | None, password: str) -> User | None:
    user = find_user_by_email(email)
    if user is None:
        # Spend the same time as a real check, so response times do not reveal which emails have accounts.
        method = current_app.config["PASSWORD_HASH_METHOD"]
        if method not in _DUMMY_HASHES:
            _DUMMY_HASHES[method] = generate_password_hash("not a password", method=method)
        User(password_hash=_DUMMY_HASHES[method]).check_password(password)
        return None
    if not user.check_password(password):
        return None
    user.last_login_at = utcnow()
    return user


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def make_reset_token(user: User) -> str:
    # Tied to the current password: once it is changed, every older link stops working.
    return _serializer().dumps({"uid": user.id, "h": user.password_fingerprint})


def user_for_reset_token(token: str) -> User | None:
    try:
        data = _serializer().loads(token, max_age=RESET_MAX_AGE)
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict):
        return None
    user = db.session.get(User, data.get("uid"))
    if user is None or data.get("h") != user.password_fingerprint:
        return None
    return user


def request_password_reset(email: str, locale: str) -> None:
    """Mail a reset link if the account exists. The caller says the same thing either way."""
    user = find_user_by_email(email)
    if user is None:
        return
    link = external_url("auth.reset_password", token=make_reset_token(user))
    mail.queue(user.email, "password_reset", user.locale or locale, user=user, link=link, hours=RESET_MAX_AGE // 3600)


def _signup_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="signup")


def request_signup(email: str | None, name: str | None, locale: str, next_path: str | None = None) -> None:
    """The first step of a sign-up, alike for every address: only mail differs, and only its owner reads it."""
    email = normalize_email(email)
    name = (name or "").strip()
    refuse_control_characters({"email": email, "name": name})
    user = find_user_by_email(email)
    if user is not None:
        mail.queue(user.email, "signup_existing", user.locale or locale, user=user,
                   login_link=external_url("auth.login", next=next_path),
                   reset_link=external_url("auth.request_reset"))
        return
    token = _signup_serializer().dumps({"email": email, "name": name, "locale": locale, "next": next_path})
    mail.queue(email, "signup_confirm", locale, link=external_url("auth.finish_signup", token=token),
               hours=SIGNUP_MAX_AGE // 3600)


def signup_for_token(token: str) -> dict | None:
    """What a sign-up link carries ({email, name, locale, next}), or None when it is forged or expired."""
    try:
        data = _signup_serializer().loads(token, max_age=SIGNUP_MAX_AGE)
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict) or not all(isinstance(data.get(k), str) for k in ("email", "name", "locale")):
        return None
    return data


def finish_signup(signup: dict, password: str) -> User:
    """The account, created when its address proved to be the person's; ServiceError if it exists already."""
    return create_user(signup["email"], password, signup["name"], locale=signup["locale"])


def reset_password(user: User, password: str) -> None:
    user.set_password(password)


def set_locale(user: User, locale: str) -> None:
    user.locale = locale


def count_users() -> int:
    return db.session.execute(select(func.count()).select_from(User)).scalar_one()


def init_login(app) -> None:
    # Once sent, a sign-up or reset link has no business in the outbox that site admins read; nor has where
    # the login link of the mail to an existing account leads (?next= may be an invitation's secret link).
    mail.register_kinds("password_reset", redact=r"(/auth/reset/)\S+")
    mail.register_kinds("signup_confirm", redact=r"(/auth/signup/)\S+")
    mail.register_kinds("signup_existing", redact=r"(/auth/login\?next=)\S+")
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    # "basic", not "strong": phones change IP address all the time, and "strong" would log people out.
    login_manager.session_protection = "basic"

    from flask_babel import lazy_gettext

    login_manager.login_message = lazy_gettext("Please log in to open this page.")
    login_manager.login_message_category = "warning"

    @login_manager.user_loader
    def load_user(session_id: str) -> User | None:
        user_id, _, fingerprint = session_id.partition(":")
        if not user_id.isdigit() or int(user_id) > 2**31 - 1:
            return None
        user = db.session.get(User, int(user_id))
        return user if user is not None and user.password_fingerprint == fingerprint else None
