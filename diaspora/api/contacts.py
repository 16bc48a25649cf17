"""GET /api/v1/contacts: published emergency and official contacts of a country, or near a place."""
import marshmallow as ma
from flask import jsonify
from flask_smorest import Blueprint
from marshmallow import validate

from diaspora.api.schemas import RATE_LIMITED, countries, error_responses, translations_field
from diaspora.contacts import services
from diaspora.content_i18n import translations
from diaspora.errors import ServiceError
from diaspora.geo.distance import MAX_RADIUS_KM
from diaspora.geo.geocoder import geocode_place
from diaspora.models import Contact
from diaspora.models.contact import CONTACT_KINDS
from diaspora.urls import external_url

blp = Blueprint("contacts_api", __name__, url_prefix="/api/v1/contacts",
                description="Emergency numbers, embassies, consulates, migration offices, hotlines, legal clinics "
                            "and shelters, each with the date it was last verified.")


class ContactQuerySchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    lang = ma.fields.String(validate=validate.Length(max=20), metadata={
        "description": "The language of `name`, e.g. ky; else Accept-Language, then the site's fallback order. "
                       "`translations` has every language."})
    country = ma.fields.String(validate=validate.OneOf(
        countries(), error="Unknown country: use an ISO 3166-1 alpha-2 code such as RU or KG."), metadata={
        "description": "ISO 3166-1 alpha-2 code, e.g. RU (case-insensitive).", "example": "RU"})
    kind = ma.fields.String(validate=validate.OneOf(
        CONTACT_KINDS, error=f"Unknown kind: use one of {', '.join(CONTACT_KINDS)}."), metadata={
        "description": "Only contacts of this kind."})
    q = ma.fields.String(validate=validate.Length(max=200), metadata={
        "description": "Text in the name (any language), city or address; Unicode case-insensitive."})
    lat = ma.fields.Float(validate=validate.Range(-90, 90), metadata={"description": "Centre latitude."})
    lng = ma.fields.Float(validate=validate.Range(-180, 180), metadata={"description": "Centre longitude."})
    radius_km = ma.fields.Float(load_default=50.0, validate=validate.Range(0, MAX_RADIUS_KM), metadata={
        "description": "With a centre: city contacts within this radius, 0 to 20000 km (the country's national "
                       "numbers are always included)."})
    near = ma.fields.String(validate=validate.Length(min=1, max=200), metadata={
        "description": "A place name (Екатеринбург, Istanbul, Сеул) used as the centre instead of lat/lng."})

    @ma.pre_load
    def normalise(self, data, **kwargs):
        data = dict(data) if not hasattr(data, "getlist") else {key: data.get(key) for key in data}
        if isinstance(data.get("country"), str):
            data["country"] = data["country"].strip().upper()
        if isinstance(data.get("kind"), str):
            data["kind"] = data["kind"].strip().lower()
        return data

    @ma.validates_schema
    def _centre(self, data, **kwargs):
        if ("lat" in data) != ("lng" in data):
            raise ma.ValidationError("Give both lat and lng.", "lng" if "lat" in data else "lat")
        if "near" in data and "lat" in data:
            raise ma.ValidationError("Give either near or lat/lng, not both.", "near")


class ContactSchema(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.String(metadata={"enum": list(CONTACT_KINDS)})
    name = ma.fields.String(metadata={
        "description": "In the language asked (`lang`, Accept-Language), else the site's fallback order"})
    phone = ma.fields.String(allow_none=True, metadata={"description": "As written, e.g. 112 or +7 495 123-45-67"})
    whatsapp = ma.fields.String(allow_none=True, metadata={"description": "+ and digits"})
    telegram = ma.fields.String(allow_none=True, metadata={"description": "The account's name, without @"})
    country = ma.fields.String(metadata={"description": "ISO 3166-1 alpha-2"})
    city = ma.fields.String(allow_none=True, metadata={"description": "null for a national number"})
    address = ma.fields.String(allow_none=True)
    hours = ma.fields.String(allow_none=True, metadata={"description": "Opening hours, as written"})
    languages = ma.fields.List(ma.fields.String(), metadata={"description": "ISO 639-1 codes of languages spoken"})
    lat = ma.fields.Float(allow_none=True)
    lng = ma.fields.Float(allow_none=True)
    distance_km = ma.fields.Float(allow_none=True, metadata={"description": "Set for city contacts near a centre"})
    verified_on = ma.fields.String(allow_none=True, metadata={"description": "ISO 8601 date it was last verified, "
                                                                             "or null"})
    verified_by = ma.fields.String(allow_none=True, metadata={"description": "Who verified it (a name, or seed)"})
    url = ma.fields.String(metadata={"description": "The contact's page"})
    demo = ma.fields.Boolean(metadata={"description": "A made-up entry from the demo data"})
    translations = translations_field()


class ContactListSchema(ma.Schema):
    contacts = ma.fields.List(ma.fields.Nested(ContactSchema))


def as_json(contact: Contact, distance_km: float | None = None) -> dict:
    return {
        "id": contact.id, "kind": contact.kind, "name": contact.name.get(), "phone": contact.phone,
        "whatsapp": contact.whatsapp, "telegram": contact.telegram, "country": contact.country,
        "city": contact.city, "address": contact.address, "hours": contact.hours,
        "languages": list(contact.languages or []), "lat": contact.latitude, "lng": contact.longitude,
        "distance_km": None if distance_km is None else round(distance_km, 3),
        "verified_on": contact.verified_on.isoformat() if contact.verified_on else None,
        "verified_by": contact.verified_by_name if contact.verified_on else None,
        "url": external_url("contacts.show", contact_id=contact.id), "demo": contact.is_demo,
        "translations": translations(name=contact.name),
    }


@blp.route("")
@blp.arguments(ContactQuerySchema, location="query", error_status_code=400)
@blp.response(200, ContactListSchema)
@error_responses(blp, {400: "A parameter is invalid (`field` names it), or `near` names a place we do not know.",
                       429: RATE_LIMITED})
def list_contacts(args):
    """Published contacts: a country's national numbers first, then its cities'; with a centre (near, or lat and
    lng), the national numbers and the city contacts within radius_km, nearest first."""
    country = args.get("country")
    centre = (args["lat"], args["lng"]) if "lat" in args else None
    if args.get("near"):
        location = geocode_place(args["near"], country)
        if location is None:
            raise ServiceError(f"Place not found: {args['near']}", "near")
        centre = (location.latitude, location.longitude)
    found = services.near(country, args.get("kind"), args.get("q"), centre, args["radius_km"])
    return jsonify({"contacts": [as_json(contact, distance) for contact, distance in found]})
