"""GET /api/v1/events and POST /api/v1/events/<slug>/registrations, for partners such as a Telegram bot
or a consulate's site. The same rules, capacity and rate limits as the web form."""
import marshmallow as ma
from flask import jsonify
from flask_babel import force_locale
from flask_smorest import Blueprint

from diaspora.api.intake import invalid_fields, json_fields, public_post_limit
from diaspora.api.schemas import ApiErrorSchema
from diaspora.events import registrations as regs
from diaspora.events import services
from diaspora.extensions import db, limiter
from diaspora.urls import external_url

blp = Blueprint("events_api", __name__, url_prefix="/api/v1/events",
                description="Upcoming events and registration for partners.")


class EventSchema(ma.Schema):
    slug = ma.fields.String()
    title = ma.fields.Dict(metadata={"description": "{ky, ru, en}; at least one is set"})
    starts_at = ma.fields.String(metadata={"description": "ISO 8601, UTC"})
    ends_at = ma.fields.String()
    timezone = ma.fields.String(metadata={"example": "Asia/Bishkek"})
    venue = ma.fields.Dict(metadata={"description": "{name, address, city, country, online_url}"})
    latitude = ma.fields.Float(allow_none=True)
    longitude = ma.fields.Float(allow_none=True)
    capacity = ma.fields.Integer(allow_none=True)
    places_left = ma.fields.Integer(allow_none=True)
    registration = ma.fields.String(metadata={"description": "open | not_yet | closed"})
    url = ma.fields.String()


class EventListSchema(ma.Schema):
    events = ma.fields.List(ma.fields.Nested(EventSchema))


class RegistrationRequestSchema(ma.Schema):
    """Documents the body; the rules themselves live in events.registrations.clean (shared with the form)."""

    full_name = ma.fields.String(required=True)
    email = ma.fields.String(required=True)
    phone = ma.fields.String()
    country = ma.fields.String(required=True, metadata={"description": "ISO 3166-1 alpha-2"})
    city = ma.fields.String(required=True)
    home_region = ma.fields.String(metadata={"description": "bishkek, osh-city, batken, chuy, issyk-kul, "
                                                            "jalal-abad, naryn, osh, talas"})
    organization_id = ma.fields.Integer(metadata={"description": "a published association of the directory"})
    sector = ma.fields.String()
    sessions = ma.fields.List(ma.fields.Integer())
    answers = ma.fields.Dict(metadata={"description": "{question id: text | option index | true/false}"})
    project_title = ma.fields.String()
    project_text = ma.fields.String()
    consent = ma.fields.Boolean(required=True, metadata={"description": "must be true"})
    public_listing = ma.fields.Boolean()
    language = ma.fields.String(metadata={"description": "ky | ru | en: the language of the mail"})


REQUEST_FIELDS = frozenset(RegistrationRequestSchema().fields)


class RegistrationResponseSchema(ma.Schema):
    id = ma.fields.Integer()
    status = ma.fields.String(metadata={"description": "confirmed | waitlisted | pending"})
    waitlist_position = ma.fields.Integer(allow_none=True)
    manage_url = ma.fields.String()


def _event_json(event) -> dict:
    return {
        "slug": event.slug,
        "title": {lang: getattr(event, f"title_{lang}") or None for lang in ("ky", "ru", "en")},
        "starts_at": event.starts_at.isoformat(),
        "ends_at": event.ends_at.isoformat(),
        "timezone": event.timezone,
        "venue": {"name": event.venue_name or None, "address": event.venue_address or None,
                  "city": event.city or None, "country": event.country, "online_url": event.online_url},
        "latitude": event.latitude,
        "longitude": event.longitude,
        "capacity": event.capacity,
        "places_left": regs.places_left(event),
        "registration": regs.registration_state(event),
        "url": external_url("events.show", slug=event.slug),
    }


@blp.route("")
@blp.response(200, EventListSchema)
def list_events():
    """Upcoming published events, soonest first."""
    return jsonify({"events": [_event_json(event) for event in services.upcoming()]})


@blp.route("/<slug>/registrations", methods=["POST"])
@limiter.limit(public_post_limit)
@blp.doc(requestBody={"required": True, "content": {"application/json": {"schema": RegistrationRequestSchema}}})
@blp.response(201, RegistrationResponseSchema)
@blp.alt_response(404, schema=ApiErrorSchema, description="Unknown event.")
@blp.alt_response(409, schema=ApiErrorSchema, description="This email is already registered, or registration is "
                                                          "closed. The private link is mailed again on a duplicate.")
@blp.alt_response(422, schema=ApiErrorSchema, description="Invalid fields: `fields` has a message for each.")
def register(slug: str):
    """Register someone for an event: confirmed while places last (pending when each one needs approval),
    then the waitlist, with the position."""
    event = regs.event_rules(slug)
    if event is None or event.status == "draft":
        event = regs.event_rules(slug, fresh=True)  # this process's copy may be older than the change
    if event is None or event.status == "draft":
        return jsonify({"error": {"message": "Event not found.", "field": None}}), 404
    body, rejected = json_fields(REQUEST_FIELDS)
    if rejected:
        return rejected
    data = regs.RegistrationData(**body)
    if data.sessions is None or not isinstance(data.sessions, list):
        data.sessions = [] if data.sessions is None else ["x"]
    try:
        with force_locale("en"):  # the API answers in English; the mail goes out in `language`
            outcome = regs.register(event, data)
    except regs.InvalidRegistration as error:
        db.session.rollback()
        return invalid_fields(error)
    except regs.RegistrationClosed as error:  # its message was written in English, above
        db.session.rollback()
        return jsonify({"error": {"message": error.message, "field": None}}), 409
    db.session.commit()
    if not outcome.created:
        return jsonify({"error": {"message": "This email is already registered for the event; the private link "
                                             "was sent to it again.", "field": "email"}}), 409
    registration = outcome.registration
    return jsonify({
        "id": registration.id,
        "status": registration.status,
        "waitlist_position": registration.waitlist_position,
        "manage_url": external_url("events.private", token=registration.token),
    }), 201
