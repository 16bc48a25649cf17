"""Subscribing (double opt-in), confirming and unsubscribing. The web form and the API call the same
functions; they only flush."""
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from diaspora import crypto, mail
from diaspora.database import utcnow
from diaspora.extensions import db
from diaspora.geo.geocoder import geocode_place
from diaspora.i18n import country_codes, language_codes
from diaspora.models import AlertSubscription, Category, OutboxMessage
from diaspora.models.alert import TOPICS
from diaspora.validation import Errors, ValidationError

LOCALES = ("ky", "ru", "en")
RADII = (5, 10, 25, 50, 100, 250, 500, 1000)
DEFAULT_RADIUS_KM = 50


@dataclass
class SubscriptionData:
    email: str | None = None
    near: str | None = None  # a city, found by the site's geocoder
    country: str | None = None  # or a whole country (ISO code); with `near`, where to look for the city first
    radius_km: int | None = None
    topics: list[str] = field(default_factory=lambda: list(TOPICS))
    categories: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    language: str | None = None  # the digest's language


def _email(errors: Errors, value) -> str | None:
    text = errors.text("email", value, 254, required=True)
    if text is None:
        return None
    try:
        return validate_email(text, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        errors.add("email", _("Enter a valid email address."))
        return None


def _area(errors: Errors, data: SubscriptionData, subscription: AlertSubscription) -> None:
    country = (data.country or "").strip().upper() or None
    if country is not None and country not in country_codes():
        errors.add("country", _("Choose a country from the list."))
        return
    near = errors.text("near", data.near, 120)
    if not near:
        if country is None:
            errors.add("near", _("Give a city, or choose a country."))
        subscription.country, subscription.place = country, ""
        subscription.area_key = f"country:{country}"
        return
    radius = data.radius_km if data.radius_km is not None else DEFAULT_RADIUS_KM
    if isinstance(radius, bool) or not isinstance(radius, int) or not 1 <= radius <= max(RADII):
        errors.add("radius_km", _("Choose a distance from %(low)s to %(high)s km.", low=1, high=max(RADII)))
        return
    location = geocode_place(near, country)
    if location is None:
        errors.add("near", _("We could not find this city. Check the spelling, or choose a country instead."))
        return
    subscription.country = None
    subscription.latitude, subscription.longitude = round(location.latitude, 4), round(location.longitude, 4)
    subscription.radius_km = radius
    subscription.place = near  # as they wrote it, in their language
    subscription.area_key = f"near:{subscription.latitude},{subscription.longitude},{radius}"


def _choices(errors: Errors, name: str, values, allowed, message: str) -> list[str]:
    if values is None:
        return []
    if not isinstance(values, (list, tuple)) or not all(isinstance(v, str) for v in values):
        errors.add(name, message)
        return []
    chosen = sorted({v.strip() for v in values if v.strip()})
    if any(v not in allowed for v in chosen):
        errors.add(name, message)
    return chosen


def clean(data: SubscriptionData) -> tuple[str, AlertSubscription]:
    """The address and a subscription not yet added, or ValidationError naming every field at fault."""
    errors = Errors()
    email = _email(errors, data.email)
    subscription = AlertSubscription()
    _area(errors, data, subscription)
    subscription.topics = _choices(errors, "topics", data.topics, TOPICS, _("Choose what to be told about."))
    if not subscription.topics and "topics" not in errors:
        errors.add("topics", _("Choose what to be told about."))
    slugs = set(db.session.scalars(select(Category.slug)))
    subscription.categories = _choices(errors, "categories", data.categories, slugs, _("Choose from the list."))
    subscription.languages = _choices(errors, "languages", data.languages, language_codes(), _("Choose from the list."))
    locale = (data.language or "ru").strip().lower()
    if locale not in LOCALES:
        errors.add("language", _("Choose from the list."))
    subscription.locale = locale
    errors.raise_if_any()
    assert email is not None
    return email, subscription


def subscribe(data: SubscriptionData) -> AlertSubscription | None:
    """A new or updated subscription, and a confirmation mail unless it is confirmed already. The same address
    and area again replace the filters of an unconfirmed subscription; a confirmed one is left as it is (whoever
    subscribes knows no token, so they may be a stranger). None when the address has too many unconfirmed
    subscriptions already. The caller answers the same in every case: nothing tells whether an address is known."""
    email, new = clean(data)
    hashes = crypto.keyed_hashes(email)
    same = select(AlertSubscription).where(AlertSubscription.email_hash.in_(hashes),
                                           AlertSubscription.area_key == new.area_key)
    subscription = db.session.scalar(same)
    if subscription is None:
        if _unconfirmed(hashes) >= MAX_UNCONFIRMED:
            return None
        new.email, new.email_hash, new.token = email, hashes[0], secrets.token_urlsafe(32)
        try:
            with db.session.begin_nested():  # the same request twice at once: the second finds the first's row
                db.session.add(new)
        except IntegrityError:
            subscription = db.session.scalar(same)
            if subscription is None:
                raise
        else:
            subscription = new
    if subscription.confirmed_at is not None:
        return subscription
    if subscription is not new:
        for name in ("topics", "categories", "languages", "locale", "place"):
            setattr(subscription, name, getattr(new, name))
        subscription.email_hash = hashes[0]
    db.session.flush()
    if subscription is new or not _confirmation_recent(subscription):
        mail.queue_later("", "alerts/alert_confirm", subscription.locale, subscription_id=subscription.id)
    return subscription


MAX_UNCONFIRMED = 5  # per address: a stranger cannot fill someone's mailbox with confirmation requests
CONFIRM_RESEND_AFTER = timedelta(hours=1)


def _unconfirmed(hashes: list[str]) -> int:
    return db.session.scalar(select(func.count()).select_from(AlertSubscription).where(
        AlertSubscription.email_hash.in_(hashes), AlertSubscription.confirmed_at.is_(None))) or 0


def _confirmation_recent(subscription: AlertSubscription) -> bool:
    """Whether a confirmation mail for it was queued within the last hour: repeats then send nothing more."""
    return db.session.scalar(select(OutboxMessage.id).where(
        OutboxMessage.kind == "alert_confirm", OutboxMessage.created_at > utcnow() - CONFIRM_RESEND_AFTER,
        OutboxMessage.params["subscription_id"].as_integer() == subscription.id).limit(1)) is not None


def by_token(token: str) -> AlertSubscription | None:
    if not token or len(token) > 64:
        return None
    return db.session.scalar(select(AlertSubscription).where(AlertSubscription.token == token))


def confirm(token: str) -> AlertSubscription | None:
    """Confirmed from now on: only what appears after this is sent."""
    subscription = by_token(token)
    if subscription is not None and subscription.confirmed_at is None:
        subscription.confirmed_at = utcnow()
    return subscription


def unsubscribe(token: str) -> bool:
    """The subscription and what was sent to it are deleted: nothing of the address is kept."""
    subscription = by_token(token)
    if subscription is None:
        return False
    db.session.delete(subscription)
    db.session.flush()
    return True


__all__ = ["SubscriptionData", "ValidationError", "clean", "confirm", "subscribe", "unsubscribe"]
