"""GET /api/v1/organizations and /api/v1/organizations/<id>: the directory as GeoJSON."""
from flask import jsonify
from flask_smorest import Blueprint

from diaspora.api.schemas import (
    RATE_LIMITED,
    ContentLanguageQuerySchema,
    FeatureCollectionSchema,
    FeatureSchema,
    OrganizationQuerySchema,
    error_responses,
)
from diaspora.content_i18n import translations
from diaspora.directory import search as finder
from diaspora.directory.services import all_categories
from diaspora.errors import NotFound, ServiceError
from diaspora.extensions import db
from diaspora.geo.geocoder import geocode_place
from diaspora.models import Organization
from diaspora.models.organization import CONTACT_FIELDS
from diaspora.urls import external_url

blp = Blueprint("organizations", __name__, url_prefix="/api/v1/organizations",
                description="Published diaspora associations, as GeoJSON.")


def search_params(args: dict, kind=finder.SearchParams):
    """The directory's query parameters (OrganizationQuerySchema) as a `kind` (finder.SearchParams or
    offers.OfferSearch), checked against the services that exist and with `near` geocoded."""
    slugs = args.get("category") or []
    known = {c.slug for c in all_categories()}
    unknown = [slug for slug in slugs if slug not in known]
    if unknown:
        raise ServiceError(f"Unknown category: {unknown[0]}. Known: {', '.join(sorted(known))}.", "category")
    params = kind(
        q=args.get("q"), country=args.get("country"), categories=slugs, language=args.get("language"),
        lat=args.get("lat"), lng=args.get("lng"), radius_km=args["radius_km"],
        limit=args["limit"], offset=args["offset"],
    )
    if args.get("near"):
        location = geocode_place(args["near"], params.country)
        if location is None:
            raise ServiceError(f"Place not found: {args['near']}", "near")
        params.lat, params.lng = location.latitude, location.longitude
    return params


def feature(org: Organization, distance_km: float | None = None) -> dict:
    return {
        "type": "Feature",
        "id": org.id,
        "geometry": {"type": "Point", "coordinates": [org.longitude, org.latitude]} if org.has_position else None,
        "properties": {
            "id": org.id,
            "name": org.name,
            "description": org.description.get(),  # in the language asked (lang, Accept-Language) or the fallback
            "city": org.city,
            "country": org.country,
            "address": org.address,
            "categories": org.category_slugs,
            "languages": org.languages,
            "contacts": {name: getattr(org, name) for name in CONTACT_FIELDS},
            "year_founded": org.year_founded,
            "url": external_url("directory.show", org_id=org.id),
            "distance_km": None if distance_km is None else round(distance_km, 3),
            "demo": org.is_demo,
            "confirmed_on": org.confirmed_at.date().isoformat() if org.confirmed_at else None,
            "possibly_outdated": org.possibly_outdated,
            "translations": translations(description=org.description),
        },
    }


@blp.route("")
@blp.arguments(OrganizationQuerySchema, location="query", error_status_code=400)
@blp.response(200, FeatureCollectionSchema)
@error_responses(blp, {400: "A parameter is invalid (`field` names it), or `near` names a place we do not know.",
                       429: RATE_LIMITED})
def list_organizations(args):
    """Published associations; nearest first with a centre, otherwise by name."""
    params = search_params(args)
    result = finder.search(params)
    return jsonify({
        "type": "FeatureCollection",
        "features": [feature(org, distance) for org, distance in result.items],
        "total": result.total,
        "limit": params.limit,
        "offset": params.offset,
    })


@blp.route("/<id:org_id>")
@blp.arguments(ContentLanguageQuerySchema, location="query")
@blp.response(200, FeatureSchema)
@error_responses(blp, {404: "Unknown or not published.", 429: RATE_LIMITED})
def get_organization(args, org_id: int):
    """One published association."""
    org = db.session.get(Organization, org_id)
    if org is None or not org.is_published:
        raise NotFound("Organization not found.")
    return jsonify(feature(org))
