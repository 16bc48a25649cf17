"""GET /api/v1/events, POST /api/v1/events/<slug>/registrations and GET /api/v1/events/<slug>/projects, for
partners such as a Telegram bot or a consulate's site. The same rules, capacity and rate limits as the web form."""
import marshmallow as ma
from flask import jsonify
from flask_babel import force_locale
from flask_smorest import Blueprint
from marshmallow import validate

from diaspora.api.intake import invalid_fields, json_fields, public_post_limit
from diaspora.api.schemas import (
    MAX_ID,
    NOT_AN_OBJECT,
    PHONE,
    PHONE_LENGTH,
    PHONE_MESSAGE,
    RATE_LIMITED,
    UNSUPPORTED,
    ContentLanguageQuerySchema,
    RequestBody,
    StrictBoolean,
    StrictInteger,
    by_v1_language,
    choice,
    countries,
    error_responses,
    text,
    translations_field,
)
from diaspora.content_i18n import translations
from diaspora.events import projects, services
from diaspora.events import registrations as regs
from diaspora.events.choices import HOME_REGIONS, PROJECT_STAGES, SECTORS
from diaspora.extensions import limiter
from diaspora.models.event import LANGS
from diaspora.unit_of_work import attempt
from diaspora.urls import external_url

blp = Blueprint("events_api", __name__, url_prefix="/api/v1/events",
                description="Upcoming events and registration for partners.")


class EventSchema(ma.Schema):
    slug = ma.fields.String()
    title = ma.fields.Dict(metadata={"description": "{ky, ru, en} (null when missing); `translations` has every "
                                                    "language"})
    starts_at = ma.fields.String(metadata={"description": "ISO 8601, UTC"})
    ends_at = ma.fields.String()
    timezone = ma.fields.String(metadata={"example": "Asia/Bishkek"})
    venue = ma.fields.Dict(metadata={"description": "{name, address, city, country, online_url}; name and address "
                                                    "in the language asked (`lang`, Accept-Language) or the fallback"})
    latitude = ma.fields.Float(allow_none=True)
    longitude = ma.fields.Float(allow_none=True)
    capacity = ma.fields.Integer(allow_none=True)
    places_left = ma.fields.Integer(allow_none=True)
    registration = ma.fields.String(metadata={"description": "open | not_yet | closed"})
    url = ma.fields.String()
    translations = translations_field()


class EventListSchema(ma.Schema):
    events = ma.fields.List(ma.fields.Nested(EventSchema))


CONSENT = "We can only register you with your consent to the processing of your data."


class RegistrationRequestSchema(RequestBody):
    """The shape of the body. What depends on the event (its sessions and questions), on the directory
    (organization_id) or on other fields (a project needs a title) is checked by events.answers.clean,
    shared with the web form: 422 with a message per field."""

    UPPER = ("country",)

    full_name = text(200, required=True)
    email = text(254, required=True, format="email")
    phone = text(40, forms=[(PHONE_LENGTH, PHONE)], message=PHONE_MESSAGE,
                 description="With the country code: +996 555 123 456")
    country = choice(countries(), required=True, description="ISO 3166-1 alpha-2 (case-insensitive)")
    city = text(120, required=True)
    home_region = choice(HOME_REGIONS, description="Region of Kyrgyzstan the person comes from")
    organization_id = StrictInteger(allow_none=True, validate=validate.Range(1, MAX_ID), metadata={
        "description": "A published association of the directory"})
    sector = choice(SECTORS)
    sessions = ma.fields.List(StrictInteger(validate=validate.Range(1, MAX_ID)), allow_none=True,
                              validate=validate.Length(max=100),
                              metadata={"description": "Ids of the event's sessions"})
    answers = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Raw(allow_none=True), allow_none=True,
                             metadata={"description": "{question id: text | option index | true/false}"})
    project_title = text(200, description="Required with project_text. Kept for older clients: a submitted "
                                          "project proposal of the new registration (see the event's projects)")
    project_text = text(3000, multiline=True, description="The project's summary")
    consent = StrictBoolean(required=True, error_messages={"required": CONSENT, "null": CONSENT},
                            validate=validate.Equal(True, error=CONSENT), metadata={"description": "Must be true"})
    public_listing = StrictBoolean(allow_none=True)
    language = choice(LANGS, description="The language of the mail (default ky)")


REGISTRATION_BODY = RegistrationRequestSchema()


class RegistrationResponseSchema(ma.Schema):
    id = ma.fields.Integer()
    status = ma.fields.String(metadata={"description": "confirmed | waitlisted | pending"})
    waitlist_position = ma.fields.Integer(allow_none=True)
    message = ma.fields.String(metadata={"description": "What to tell the person, in English: registered, on the "
                                                        "waitlist at position N, or waiting for approval"})
    manage_url = ma.fields.String()


# Never "you are registered" to someone waiting: the words a partner's bot can pass on as they are.
STATUS_MESSAGES = {
    "confirmed": "You are registered.",
    "pending": "Your registration waits for the organizers' approval; you will get a mail once they decide.",
    "waitlisted": "The event is full: you are number {position} on the waitlist; you will get a mail when a place "
                  "frees up.",
}


def _event_json(event) -> dict:
    return {
        "slug": event.slug,
        "title": by_v1_language(event.title),
        "starts_at": event.starts_at.isoformat(),
        "ends_at": event.ends_at.isoformat(),
        "timezone": event.timezone,
        "venue": {"name": event.venue_name.get() or None, "address": event.venue_address.get() or None,
                  "city": event.city or None, "country": event.country, "online_url": event.online_url},
        "latitude": event.latitude,
        "longitude": event.longitude,
        "capacity": event.capacity,
        "places_left": regs.places_left(event),
        "registration": regs.registration_state(event),
        "url": external_url("events.show", slug=event.slug),
        "translations": translations(title=event.title, description=event.description,
                                     venue_name=event.venue_name, venue_address=event.venue_address),
    }


@blp.route("")
@blp.arguments(ContentLanguageQuerySchema, location="query")
@blp.response(200, EventListSchema)
@error_responses(blp, {429: RATE_LIMITED})
def list_events(args):
    """Upcoming published events, soonest first."""
    return jsonify({"events": [_event_json(event) for event in services.upcoming()]})


@blp.route("/<slug>/registrations", methods=["POST"])
@limiter.limit(public_post_limit)
@blp.doc(requestBody={"required": True, "content": {"application/json": {"schema": RegistrationRequestSchema}}})
@blp.response(201, RegistrationResponseSchema)
@error_responses(blp, {
    400: NOT_AN_OBJECT,
    404: "Unknown event.",
    409: "This email is already registered (the private link is mailed again), or registration is closed.",
    415: UNSUPPORTED,
    422: "Invalid fields: `fields` has a message for each (`answers.<question id>` for an answer).",
    429: RATE_LIMITED})
def register(slug: str):
    """Register someone for an event: confirmed while places last (pending when each one needs approval),
    then the waitlist, with the position."""
    event = regs.event_rules(slug)
    if event is None or event.status == "draft":
        event = regs.event_rules(slug, fresh=True)  # this process's copy may be older than the change
    if event is None or event.status == "draft":
        return jsonify({"error": {"message": "Event not found.", "field": None}}), 404
    body, rejected = json_fields(REGISTRATION_BODY)
    if rejected:
        return rejected
    # The older project fields make a project proposal, no longer part of the registration itself.
    project_title, project_text = body.pop("project_title", None), body.pop("project_text", None)
    try:
        with attempt(), force_locale("en"):
            project_title, project_text = projects.clean_registration_fields(project_title, project_text)
    except projects.InvalidProject as error:
        return invalid_fields(error)
    data = regs.RegistrationData(**body)
    if data.sessions is None or not isinstance(data.sessions, list):
        data.sessions = [] if data.sessions is None else ["x"]
    try:
        with attempt(), force_locale("en"):  # the API answers in English; the mail goes out in `language`
            outcome = regs.register(event, data)
    except regs.InvalidRegistration as error:
        return invalid_fields(error)
    except regs.RegistrationClosed as error:  # its message was written in English, above
        return jsonify({"error": {"message": error.message, "field": None}}), 409
    if not outcome.created:
        return jsonify({"error": {"message": "This email is already registered for the event; the private link "
                                             "was sent to it again.", "field": "email"}}), 409
    registration = outcome.registration
    if project_title:
        with attempt():
            projects.from_registration_fields(registration.id, project_title, project_text)
    return jsonify({
        "id": registration.id,
        "status": registration.status,
        "waitlist_position": registration.waitlist_position,
        "message": STATUS_MESSAGES[registration.status].format(position=registration.waitlist_position),
        "manage_url": external_url("events.private", token=registration.token),
    }), 201


class ProjectSchema(ma.Schema):
    id = ma.fields.Integer()
    title = ma.fields.String(metadata={"description": "Plain text, in the author's language"})
    summary = ma.fields.String(metadata={"description": "Plain text, in the author's language"})
    home_region = ma.fields.String(allow_none=True, metadata={"enum": list(HOME_REGIONS)})
    district = ma.fields.String(allow_none=True)
    sector = ma.fields.String(allow_none=True, metadata={"enum": list(SECTORS)})
    stage = ma.fields.String(metadata={"enum": list(PROJECT_STAGES)})
    amount = ma.fields.Integer(allow_none=True, metadata={"description": "Sought, whole units of `currency`"})
    currency = ma.fields.String(metadata={"enum": ["USD", "KGS", "RUB", "EUR"]})
    session_id = ma.fields.Integer(allow_none=True, metadata={"description": "The session it is presented in"})


class ProjectListSchema(ma.Schema):
    projects = ma.fields.List(ma.fields.Nested(ProjectSchema))


@blp.route("/<slug>/projects")
@blp.response(200, ProjectListSchema)
@error_responses(blp, {404: "Unknown event.", 429: RATE_LIMITED})
def list_projects(slug: str):
    """Projects the organizers accepted and their authors agreed to list, by region: never the author's name
    or contacts (interested partners write to the organizers)."""
    event = services.event_by_slug(slug)
    if event is None or event.status == "draft":
        return jsonify({"error": {"message": "Event not found.", "field": None}}), 404
    return jsonify({"projects": [{
        "id": p.id, "title": p.title, "summary": p.summary, "home_region": p.home_region, "district": p.district,
        "sector": p.sector, "stage": p.stage, "amount": p.amount, "currency": p.currency,
        "session_id": p.session_id} for p in projects.public(event)]})
