"""GET /api/v1/offers (active public offers of help, as GeoJSON; no personal data) and
POST /api/v1/help-requests (partner intake: a hotline operator, a bot)."""
from typing import ClassVar

import marshmallow as ma
from flask import jsonify
from flask_babel import force_locale
from flask_smorest import Blueprint
from marshmallow import validate

from diaspora.api.intake import invalid_fields, json_fields, public_post_limit
from diaspora.api.organizations import search_params
from diaspora.api.schemas import (
    CITY,
    NOT_AN_OBJECT,
    PHONE,
    PHONE_LENGTH,
    PHONE_MESSAGE,
    RATE_LIMITED,
    REQUIRED,
    TELEGRAM_LINK,
    TELEGRAM_NAME,
    UNSUPPORTED,
    WHATSAPP_LINK,
    OrganizationQuerySchema,
    RequestBody,
    StrictBoolean,
    by_v1_language,
    choice,
    countries,
    error_responses,
    languages,
    text,
)
from diaspora.assistance import offers as offer_service
from diaspora.assistance import requests as help_requests
from diaspora.content_i18n import translations
from diaspora.extensions import limiter
from diaspora.unit_of_work import attempt
from diaspora.urls import external_url

offers_blp = Blueprint("offers_api", __name__, url_prefix="/api/v1/offers",
                       description="Active offers of help from published associations, as GeoJSON.")
requests_blp = Blueprint("help_requests_api", __name__, url_prefix="/api/v1/help-requests",
                         description="Requests for help from partners (never public).")


class OfferFeatureCollectionSchema(ma.Schema):
    type = ma.fields.String(metadata={"example": "FeatureCollection"})
    features = ma.fields.List(ma.fields.Dict(), metadata={
        "description": "Features with properties id, title {ky,ru,en}, description {ky,ru,en}, category, "
                       "organization {id,name,url}, scope (city|country|remote), country, city, radius_km, "
                       "languages, capacity, is_free, price, valid_until, job {employer,wage,written_contract}, "
                       "url, distance_km, translations {title, description: {language code: text}} (every "
                       "language; title and description keep ky, ru and en)"})
    total = ma.fields.Integer()
    limit = ma.fields.Integer()
    offset = ma.fields.Integer()


CONSENT = "We can only pass on your request with your consent."
CONTACT = "Give at least one way to reach you: a phone, Telegram, WhatsApp or an email."


class HelpRequestSchema(RequestBody):
    """The shape of the body; assistance.requests.clean (shared with the web form) checks it again, with the
    service categories that exist. Give at least one way to reach the person: phone, telegram, whatsapp or email."""

    UPPER = ("country",)
    LOWER = ("language",)
    CONTACTS = ("phone", "telegram", "whatsapp", "email")

    category = ma.fields.String(required=True, error_messages=REQUIRED, metadata={
        "description": "A service slug (the document lists those that exist)", "example": "legal-aid"})
    country = choice(countries(), required=True, description="ISO 3166-1 alpha-2 (case-insensitive)")
    city = text(120, required=True, forms=[(120, CITY)], message="Only the city, without a street or a house number.",
                description="The city only; what follows a comma is left out")
    language = choice(languages(), required=True, description="ISO 639-1, the person's language")
    urgency = choice(help_requests.URGENCIES, blank=False, default="any")
    description = text(5000, required=True, multiline=True)
    name = text(120)
    phone = text(40, forms=[(PHONE_LENGTH, PHONE)], message=PHONE_MESSAGE,
                 description="With the country code: +996 555 123 456")
    telegram = text(64, forms=[(64, f"{TELEGRAM_NAME}|{TELEGRAM_LINK}"), (PHONE_LENGTH, PHONE)],
                    message="Give your Telegram name (@name) or the phone number it uses.",
                    description="@name, a t.me link, or the phone number the account uses")
    whatsapp = text(40, forms=[(PHONE_LENGTH, PHONE), (40, WHATSAPP_LINK)], message=PHONE_MESSAGE,
                    description="The phone number, or a wa.me link")
    email = text(254, format="email")
    consent = StrictBoolean(required=True, error_messages={"required": CONSENT, "null": CONSENT},
                            validate=validate.Equal(True, error=CONSENT), metadata={"description": "Must be true"})

    @ma.validates_schema(skip_on_field_errors=False, pass_original=True)
    def _a_contact(self, data, original, **kwargs):
        # as the service: a contact given in a wrong form is named itself, not as a missing contact
        if not any(isinstance(original.get(name), str) and original[name].strip() for name in self.CONTACTS):
            raise ma.ValidationError(CONTACT, "contact")

    # The same rule for the document: one of the four, with something besides spaces.
    OPENAPI: ClassVar[dict] = {"anyOf": [
        {"required": [name], "properties": {name: {"type": "string", "pattern": r"\S"}}} for name in CONTACTS]}


class HelpRequestCreatedSchema(ma.Schema):
    reference = ma.fields.String()
    tracking_url = ma.fields.String(metadata={"description": "The person's private page (a long random secret)"})
    pin = ma.fields.String(metadata={"description": "With the reference, opens the private page at /help/find "
                                                    "(given only here: stored as a hash)"})


HELP_REQUEST_BODY = HelpRequestSchema()


def _offer_feature(offer, distance_km):
    return {
        "type": "Feature",
        "id": offer.id,
        "geometry": {"type": "Point", "coordinates": [offer.longitude, offer.latitude]} if offer.has_position else None,
        "properties": {
            "id": offer.id,
            "title": by_v1_language(offer.title),
            "description": by_v1_language(offer.description),
            "translations": translations(title=offer.title, description=offer.description),
            "category": offer.category.slug,
            "organization": {"id": offer.organization_id, "name": offer.organization.name,
                             "url": external_url("directory.show", org_id=offer.organization_id)},
            "scope": offer.scope, "country": offer.country, "city": offer.city or None, "radius_km": offer.radius_km,
            "languages": offer.languages, "capacity": offer.capacity, "is_free": offer.is_free, "price": offer.price,
            "valid_until": offer.valid_until.isoformat() if offer.valid_until else None,
            "job": {"employer": offer.employer, "wage": offer.wage, "written_contract": offer.written_contract}
            if offer.category.slug == "employment" else None,
            "url": external_url("assistance.offer", offer_id=offer.id),
            "distance_km": None if distance_km is None else round(distance_km, 3),
        },
    }


@offers_blp.route("")
@offers_blp.arguments(OrganizationQuerySchema, location="query", error_status_code=400)
@offers_blp.response(200, OfferFeatureCollectionSchema)
@error_responses(offers_blp, {400: "A parameter is invalid (`field` names it), or `near` names a place we do not "
                                   "know.", 429: RATE_LIMITED})
def list_offers(args):
    """Active offers: with a centre, those placed within the radius, nearest first; else newest first."""
    search = search_params(args, offer_service.OfferSearch)
    found, total = offer_service.find(search)
    return jsonify({"type": "FeatureCollection", "features": [_offer_feature(o, d) for o, d in found],
                    "total": total, "limit": search.limit, "offset": search.offset})


@requests_blp.route("", methods=["POST"])
@limiter.limit(public_post_limit)
@requests_blp.doc(requestBody={"required": True, "content": {"application/json": {"schema": HelpRequestSchema}}})
@requests_blp.response(201, HelpRequestCreatedSchema)
@error_responses(requests_blp, {
    400: NOT_AN_OBJECT,
    415: UNSUPPORTED,
    422: "Invalid fields: `fields` has a message for each (`contact` when there is no way to reach the person).",
    429: RATE_LIMITED})
def create_help_request():
    """A request for help, taken by a partner for a person who consented. Never public: it is routed to the
    associations that fit. Give the person the tracking URL, or the reference and the PIN: they are the only
    ways back to the request."""
    body, rejected = json_fields(HELP_REQUEST_BODY)
    if rejected:
        return rejected
    data = help_requests.RequestData(**body)
    try:
        with attempt(), force_locale("en"):
            created, pin = help_requests.create_with_pin(data)
    except help_requests.InvalidRequest as error:
        return invalid_fields(error)
    return jsonify({"reference": created.reference, "pin": pin,
                    "tracking_url": external_url("assistance.private", token=created.token)}), 201
