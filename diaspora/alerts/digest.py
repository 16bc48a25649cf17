"""The daily digest (`flask send-alerts`, and the worker's "send-alerts" job): for each confirmed subscription
whose last digest is a day old, what appeared in its area since it was confirmed and was not sent to it yet.
What is put in a digest is written down (AlertSent, unique per subscription and item) in the same transaction
as the queued mail: a second run, or two at once, cannot send an item twice."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, or_, select

from diaspora import mail, signals
from diaspora.assistance import offers as offer_service
from diaspora.content_i18n import I18nText
from diaspora.database import rows_matched, utcnow
from diaspora.extensions import db
from diaspora.geo.distance import haversine_km
from diaspora.i18n import country_name
from diaspora.models import AlertSent, AlertSubscription, Event, EventPublication, HelpOffer, Organization
from diaspora.urls import external_url

EVERY = timedelta(days=1)
UNCONFIRMED_KEPT = timedelta(days=7)  # an address nobody confirmed is not kept longer
MAX_ITEMS = 50  # per topic in one digest; what is left waits for the next one


def note_publication(event: Event, **_) -> None:
    """signals.event_published: remember when, for the digests (events keep no such date)."""
    if db.session.get(EventPublication, event.id) is None:
        db.session.add(EventPublication(event_id=event.id, published_at=utcnow()))


def _in_area(subscription: AlertSubscription, country: str | None, lat: float | None, lng: float | None,
             reach_km: float = 0) -> bool:
    if subscription.country is not None:
        return country == subscription.country
    if lat is None or lng is None or subscription.latitude is None or subscription.longitude is None:
        return False
    distance = haversine_km(subscription.latitude, subscription.longitude, lat, lng)
    return distance <= (subscription.radius_km or 0) + reach_km


def _speaks(subscription: AlertSubscription, languages: list[str]) -> bool:
    return not subscription.languages or bool(set(subscription.languages) & set(languages))


def _serves(subscription: AlertSubscription, slugs: list[str]) -> bool:
    return not subscription.categories or bool(set(subscription.categories) & set(slugs))


def _organizations(subscription: AlertSubscription, since: datetime) -> list[int]:
    rows = db.session.scalars(select(Organization).where(
        Organization.status == "published", Organization.published_at >= since,
        *([Organization.country == subscription.country] if subscription.country else []),
    ).order_by(Organization.published_at, Organization.id)).all()
    return [org.id for org in rows if _in_area(subscription, org.country, org.latitude, org.longitude)
            and _speaks(subscription, org.languages) and _serves(subscription, org.category_slugs)]


def _events(subscription: AlertSubscription, since: datetime) -> list[int]:
    # an event has no service category or language of its own: those filters are its association's
    rows = db.session.scalars(select(Event).join(EventPublication, EventPublication.event_id == Event.id).where(
        Event.status == "published", EventPublication.published_at >= since, Event.ends_at >= utcnow(),
        *([Event.country == subscription.country] if subscription.country else []),
    ).order_by(EventPublication.published_at, Event.id)).all()
    chosen = []
    for event in rows:
        org = event.organization
        if not _in_area(subscription, event.country, event.latitude, event.longitude):
            continue
        filtered = bool(subscription.categories or subscription.languages)
        if filtered and (org is None or not (_speaks(subscription, org.languages)
                                             and _serves(subscription, org.category_slugs))):
            continue
        chosen.append(event.id)
    return chosen


def _offers(subscription: AlertSubscription, since: datetime) -> list[int]:
    # what anyone may see (active, not expired, of a published association); a remote offer is in every country
    public = offer_service.public_filters(offer_service.OfferSearch(country=subscription.country))
    rows = db.session.scalars(select(HelpOffer).where(*public, HelpOffer.created_at >= since)
                              .order_by(HelpOffer.created_at, HelpOffer.id)).all()
    return [offer.id for offer in rows
            if ((offer.scope == "remote" and subscription.country is not None)
                or _in_area(subscription, offer.country, offer.latitude, offer.longitude, offer.radius_km or 0))
            and _speaks(subscription, offer.languages) and _serves(subscription, [offer.category.slug])]


FINDERS = {"organizations": _organizations, "events": _events, "offers": _offers}


def _news(subscription: AlertSubscription) -> dict[str, list[int]]:
    assert subscription.confirmed_at is not None
    sent = {(row.topic, row.item_id) for row in db.session.execute(
        select(AlertSent.topic, AlertSent.item_id).where(AlertSent.subscription_id == subscription.id))}
    news = {}
    for topic in subscription.topics:
        finder = FINDERS.get(topic)
        if finder is None:
            continue
        ids = [item for item in finder(subscription, subscription.confirmed_at) if (topic, item) not in sent]
        if ids:
            news[topic] = ids[:MAX_ITEMS]
    return news


def send_alerts(now: datetime | None = None) -> str:
    """Queue the digests that are due (flushing only; the caller commits). Returns a summary."""
    now = now or utcnow()
    forgotten = rows_matched(delete(AlertSubscription).where(
        AlertSubscription.confirmed_at.is_(None), AlertSubscription.created_at < now - UNCONFIRMED_KEPT))
    due = db.session.scalars(select(AlertSubscription).where(
        AlertSubscription.confirmed_at.is_not(None),
        or_(AlertSubscription.last_digest_at.is_(None), AlertSubscription.last_digest_at <= now - EVERY),
    ).order_by(AlertSubscription.id)).all()
    queued = 0
    for subscription in due:
        news = _news(subscription)
        if not news:
            continue
        for topic, ids in news.items():
            db.session.add_all(AlertSent(subscription_id=subscription.id, topic=topic, item_id=item, sent_at=now)
                               for item in ids)
        subscription.last_digest_at = now
        mail.queue_later("", "alerts/alert_digest", subscription.locale, subscription_id=subscription.id,
                         items=news)
        signals.alert_digest_queued.send(subscription, items=news)
        queued += 1
    db.session.flush()
    return f"{queued} digests; {forgotten} unconfirmed addresses forgotten"


def _unsubscribe_headers(link: str) -> dict[str, str]:
    # RFC 8058: a mail client's one-click unsubscribe POSTs "List-Unsubscribe=One-Click" to this URL
    return {"List-Unsubscribe": f"<{link}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def _title(value: I18nText, locale: str) -> str:
    return " ".join(value.get(locale).split())


def _local_day(event: Event) -> str:
    # the day where it happens: 02:00 in Bishkek is the day before in UTC
    return f"{event.starts_at.astimezone(ZoneInfo(event.timezone or 'UTC')):%Y-%m-%d}"


def digest_items(items: dict, locale: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """(topic, [(title, link)]) of what still is public when the digest is sent."""
    sections = []
    ids = {topic: [int(i) for i in items.get(topic, [])] for topic in FINDERS}
    orgs = db.session.scalars(select(Organization).where(
        Organization.id.in_(ids["organizations"]), Organization.status == "published")).all()
    if orgs:
        sections.append(("organizations", [(f"{' '.join(o.name.split())} ({o.city})",
                                            external_url("directory.show", org_id=o.id)) for o in orgs]))
    events = db.session.scalars(select(Event).where(Event.id.in_(ids["events"]), Event.status == "published")).all()
    if events:
        sections.append(("events", [(f"{_title(e.title, locale)} — {_local_day(e)}, {e.city}",
                                     external_url("events.show", slug=e.slug)) for e in events]))
    public = offer_service.public_filters(offer_service.OfferSearch())
    offers = db.session.scalars(select(HelpOffer).where(HelpOffer.id.in_(ids["offers"]), *public)).all()
    if offers:
        sections.append(("offers", [(f"{_title(o.title, locale)} ({o.city or o.country or ''})",
                                     external_url("assistance.offer", offer_id=o.id)) for o in offers]))
    return sections


def compose(template: str, params: dict, message) -> mail.Composed | str:
    subscription = db.session.get(AlertSubscription, params.get("subscription_id") or 0)
    if subscription is None:
        return "the subscriber unsubscribed"
    unsubscribe = external_url("alerts.unsubscribe", token=subscription.token)
    context = {"subscription": subscription, "unsubscribe": unsubscribe,
               "confirm": external_url("alerts.confirm", token=subscription.token),
               "country": country_name(subscription.country, message.locale) if subscription.country else ""}
    if template.endswith("alert_digest"):
        sections = digest_items(params.get("items") or {}, message.locale)
        if not sections:
            return "nothing in the digest is public any more"
        context["sections"] = sections
    elif subscription.confirmed_at is not None:
        return "confirmed already"
    return mail.Composed(context, to=subscription.email, headers=_unsubscribe_headers(unsubscribe))
