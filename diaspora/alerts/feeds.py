"""Atom feeds of upcoming events and active offers of help, per country (feedgen writes and escapes the XML)."""
from feedgen.feed import FeedGenerator
from sqlalchemy import select

from diaspora.assistance import offers as offer_service
from diaspora.content_i18n import I18nText
from diaspora.database import utcnow
from diaspora.extensions import db
from diaspora.models import Event, HelpOffer
from diaspora.urls import external_url

LIMIT = 100


def _feed(feed_id: str, title: str, self_url: str, site_url: str, locale: str) -> FeedGenerator:
    feed = FeedGenerator()
    feed.id(feed_id)
    feed.title(title)
    feed.link(href=self_url, rel="self")
    feed.link(href=site_url, rel="alternate")
    feed.language(locale)
    feed.updated(utcnow())
    return feed


def _text(value: I18nText, locale: str) -> str:
    return " ".join(value.get(locale).split())


def events_feed(title: str, country: str | None, locale: str) -> bytes:
    query = select(Event).where(Event.status == "published", Event.ends_at >= utcnow())
    if country:
        query = query.where(Event.country == country)
    events = db.session.scalars(query.order_by(Event.starts_at, Event.id).limit(LIMIT)).all()
    feed = _feed(external_url("alerts.events_feed", country=country), title,
                 external_url("alerts.events_feed", country=country), external_url("events.index"), locale)
    for event in events:
        entry = feed.add_entry(order="append")
        link = external_url("events.show", slug=event.slug)
        entry.id(link)
        entry.title(_text(event.title, locale))
        entry.link(href=link)
        entry.updated(event.updated_at)
        entry.published(event.created_at)
        entry.summary(f"{event.starts_at:%Y-%m-%d %H:%M} UTC, {event.city}")
    return feed.atom_str(pretty=True)


def offers_feed(title: str, country: str | None, locale: str) -> bytes:
    search = offer_service.OfferSearch(country=country)
    offers = db.session.scalars(select(HelpOffer).where(*offer_service.public_filters(search))
                                .order_by(HelpOffer.created_at.desc(), HelpOffer.id.desc()).limit(LIMIT)).all()
    feed = _feed(external_url("alerts.offers_feed", country=country), title,
                 external_url("alerts.offers_feed", country=country), external_url("assistance.index"), locale)
    for offer in offers:
        entry = feed.add_entry(order="append")
        link = external_url("assistance.offer", offer_id=offer.id)
        entry.id(link)
        entry.title(_text(offer.title, locale))
        entry.link(href=link)
        entry.updated(offer.updated_at)
        entry.published(offer.created_at)
        entry.summary(_text(offer.description, locale)[:500] or offer.category.label(locale))
    return feed.atom_str(pretty=True)
