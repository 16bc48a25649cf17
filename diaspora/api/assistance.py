"""GET /api/v1/offers (active public offers of help, as GeoJSON; no personal data) and
POST /api/v1/help-requests (partner intake: a hotline operator, a bot)."""
import marshmallow as ma
from flask import jsonify
from flask_babel import force_locale
from flask_smorest import Blueprint

from diaspora.api.intake import invalid_fields, json_fields, public_post_limit
from diaspora.api.organizations import search_params
from diaspora.api.schemas import ApiErrorSchema, OrganizationQuerySchema
from diaspora.assistance import offers as offer_service
from diaspora.assistance import requests as help_requests
from diaspora.extensions import db, limiter
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
                       "url, distance_km"})
    total = ma.fields.Integer()
    limit = ma.fields.Integer()
    offset = ma.fields.Integer()


class HelpRequestSchema(ma.Schema):
    """Documents the body; the rules live in assistance.requests.clean (shared with the web form)."""

    category = ma.fields.String(required=True, metadata={"example": "legal-aid"})
    country = ma.fields.String(required=True, metadata={"description": "ISO 3166-1 alpha-2"})
    city = ma.fields.String(required=True)
    language = ma.fields.String(required=True, metadata={"description": "ISO 639-1"})
    urgency = ma.fields.String(required=True, metadata={"description": "today | week | any"})
    description = ma.fields.String(required=True)
    name = ma.fields.String()
    phone = ma.fields.String()
    telegram = ma.fields.String()
    whatsapp = ma.fields.String()
    email = ma.fields.String()
    consent = ma.fields.Boolean(required=True, metadata={"description": "must be true"})


class HelpRequestCreatedSchema(ma.Schema):
    reference = ma.fields.String()
    tracking_url = ma.fields.String(metadata={"description": "The person's private page (a long random secret)"})


REQUEST_FIELDS = frozenset(HelpRequestSchema().fields)


def _offer_feature(offer, distance_km):
    return {
        "type": "Feature",
        "id": offer.id,
        "geometry": {"type": "Point", "coordinates": [offer.longitude, offer.latitude]} if offer.has_position else None,
        "properties": {
            "id": offer.id,
            "title": {lang: getattr(offer, f"title_{lang}") or None for lang in ("ky", "ru", "en")},
            "description": {lang: getattr(offer, f"description_{lang}") or None for lang in ("ky", "ru", "en")},
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
@offers_blp.alt_response(400, schema=ApiErrorSchema, description="A parameter is invalid; `field` names it.")
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
@requests_blp.alt_response(422, schema=ApiErrorSchema, description="Invalid fields: `fields` has a message for each "
                                                                    "(an unknown category, no contact, no consent ...).")
def create_help_request():
    """A request for help, taken by a partner for a person who consented. Never public: it is routed to the
    associations that fit. Give the person the tracking URL: it is the only way back to the request."""
    body, rejected = json_fields(REQUEST_FIELDS)
    if rejected:
        return rejected
    data = help_requests.RequestData(**body)
    try:
        with force_locale("en"):
            created = help_requests.create(data)
    except help_requests.InvalidRequest as error:
        db.session.rollback()
        return invalid_fields(error)
    db.session.commit()
    return jsonify({"reference": created.reference,
                    "tracking_url": external_url("assistance.private", token=created.token)}), 201
