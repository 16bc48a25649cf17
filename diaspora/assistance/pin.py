"""Getting back to a request without the link: its reference and a PIN shown once when it was sent.

The PIN is kept as a password hash. Wrong PINs are counted on the request itself, in the database, so the
lock (HELP_PIN_MAX_FAILURES wrong ones lock the reference for HELP_PIN_LOCK_MINUTES, even for the right
PIN) holds across workers whatever the rate limiter's store; the limiter adds limits per client address
and per reference typed. The answer is the same for a reference that does not exist, has no PIN (sent
before PINs existed) or was deleted, and it costs the same time. Services flush; the caller commits."""
import re
import secrets
from datetime import datetime, timedelta
from functools import lru_cache

from flask import current_app
from sqlalchemy import select, update
from werkzeug.security import check_password_hash, generate_password_hash

from diaspora.codes import ALPHABET
from diaspora.database import rows_matched, utcnow
from diaspora.extensions import db
from diaspora.models import HelpRequest

PIN_DIGITS = 6
_REFERENCE = re.compile(f"[{ALPHABET}]{{8}}")


def new_pin() -> str:
    return f"{secrets.randbelow(10 ** PIN_DIGITS):0{PIN_DIGITS}d}"


def hash_pin(pin: str) -> str:
    return generate_password_hash(pin, method=current_app.config["PASSWORD_HASH_METHOD"])


def normalize_reference(text: str | None) -> str | None:
    """`abcd ef23`, `ABCD-EF23` … -> `ABCD-EF23`; None when it cannot be a reference."""
    if not isinstance(text, str):
        return None
    compact = re.sub(r"[\s\-–—]", "", text[:40]).upper()
    return f"{compact[:4]}-{compact[4:]}" if _REFERENCE.fullmatch(compact) else None


def normalize_pin(text: str | None) -> str:
    return re.sub(r"\s", "", text[:40]) if isinstance(text, str) else ""


@lru_cache(maxsize=4)
def _decoy_hash(method: str) -> str:
    """A hash to check against when there is no request: a wrong reference takes as long as a wrong PIN."""
    return generate_password_hash(secrets.token_hex(8), method=method)


def open_with_pin(reference: str | None, pin: str | None, now: datetime | None = None
                  ) -> tuple[str, HelpRequest | None]:
    """("ok", request), ("wrong", None) or ("locked", None)."""
    now = now or utcnow()
    reference, pin = normalize_reference(reference), normalize_pin(pin)
    request = db.session.scalar(select(HelpRequest).where(
        HelpRequest.reference == reference, HelpRequest.anonymised_at.is_(None))) if reference else None
    if request is None or request.pin_hash is None:
        check_password_hash(_decoy_hash(current_app.config["PASSWORD_HASH_METHOD"]), pin or "-")
        return "wrong", None
    if request.pin_locked_until is not None and request.pin_locked_until > now:
        return "locked", None
    if pin and check_password_hash(request.pin_hash, pin):
        if request.pin_failures:
            request.pin_failures = 0
        return "ok", request
    # counted in one UPDATE each, so attempts at the same moment in several workers all count
    rows_matched(update(HelpRequest).where(HelpRequest.id == request.id).values(
        pin_failures=HelpRequest.pin_failures + 1).execution_options(synchronize_session=False))
    rows_matched(update(HelpRequest).where(
        HelpRequest.id == request.id, HelpRequest.pin_failures >= current_app.config["HELP_PIN_MAX_FAILURES"])
        .values(pin_failures=0, pin_locked_until=now + timedelta(minutes=current_app.config["HELP_PIN_LOCK_MINUTES"]))
        .execution_options(synchronize_session=False))
    db.session.refresh(request)
    return "wrong", None
