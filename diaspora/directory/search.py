"""Finding published associations: filters, text search, and the radius search that uses the index.

The radius search never scans the table: a bounding box on the indexed (status, latitude, longitude)
picks candidates, then the exact great-circle distance decides and sorts. The same Python code computes
distances on SQLite and PostgreSQL, so both return the same results in the same order.
"""
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import cast

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from diaspora.database import binary_order
from diaspora.extensions import db
from diaspora.geo.distance import bounding_boxes, haversine_km
from diaspora.models import Category, Organization, OrganizationLanguage, organization_categories
from diaspora.text import like_pattern


@dataclass
class SearchParams:
    q: str | None = None
    country: str | None = None
    categories: list[str] = field(default_factory=list)
    language: str | None = None
    lat: float | None = None
    lng: float | None = None
    radius_km: float = 50.0
    limit: int = 100
    offset: int = 0

    @property
    def has_centre(self) -> bool:
        return self.centre is not None

    @property
    def centre(self) -> tuple[float, float] | None:
        return None if self.lat is None or self.lng is None else (self.lat, self.lng)


@dataclass
class SearchResult:
    items: list[tuple[Organization, float | None]]
    total: int


def _filters(params: SearchParams) -> list:
    conditions = [Organization.status == "published"]
    if params.country:
        conditions.append(Organization.country == params.country)
    if params.language:
        conditions.append(exists().where(
            OrganizationLanguage.organization_id == Organization.id, OrganizationLanguage.code == params.language))
    for slug in params.categories:
        # every chosen service must be offered (repeat the parameter to narrow down)
        conditions.append(exists().where(
            organization_categories.c.organization_id == Organization.id,
            organization_categories.c.category_id == Category.id,
            Category.slug == slug,
        ))
    if params.q and params.q.strip():
        conditions.append(Organization.search_text.like(like_pattern(params.q), escape="\\"))
    return conditions


def _box_condition(lat: float, lng: float, radius_km: float):
    boxes = bounding_boxes(lat, lng, radius_km)
    parts = [
        and_(Organization.latitude.between(lat_min, lat_max), Organization.longitude.between(lng_min, lng_max))
        for lat_min, lat_max, lng_min, lng_max in boxes
    ]
    return parts[0] if len(parts) == 1 else or_(*parts)


def _centre(params: SearchParams) -> tuple[float, float]:
    if params.centre is None:
        raise ValueError("a radius search needs a centre (lat and lng)")
    return params.centre


def _rank(query, params: SearchParams) -> list[tuple[int, float, float, float]]:
    centre = _centre(params)
    hits = []
    for org_id, lat, lng, key in db.session.execute(query):
        distance = haversine_km(*centre, lat, lng)
        if distance <= params.radius_km:
            hits.append((distance, key, org_id, lat, lng))
    hits.sort()
    return [(org_id, distance, lat, lng) for distance, _, org_id, lat, lng in hits]


def nearest(params: SearchParams) -> list[tuple[int, float, float, float]]:
    """(id, distance_km, lat, lng) of every match within the radius, nearest first (ties by name, then id)."""
    query = select(Organization.id, Organization.latitude, Organization.longitude, Organization.sort_key).where(
        *_filters(params), _box_condition(*_centre(params), params.radius_km))
    return _rank(query, params)


def full_scan_nearest(params: SearchParams) -> list[tuple[int, float, float, float]]:
    """The baseline the benchmark compares against: every published row, a distance computed for each."""
    query = select(Organization.id, Organization.latitude, Organization.longitude, Organization.sort_key).where(
        *_filters(params), Organization.latitude.is_not(None))
    return _rank(query, params)


def _load(ids: list[int]) -> dict[int, Organization]:
    """One page of associations with their languages and services. PostgreSQL joins it all in one round
    trip; SQLite would scan the whole association table to join through it, so it takes one more query."""
    if not ids:
        return {}
    services = joinedload if db.engine.dialect.name == "postgresql" else selectinload
    # Pad the list to a round size: one SQL text per page size lets the driver reuse a prepared plan
    # (planning this join costs PostgreSQL more than running it). No row has id 0.
    padded = ids + [0] * (-len(ids) % 20)
    query = (select(Organization).where(Organization.id.in_(padded))
             .options(joinedload(Organization.language_rows), services(Organization.categories)))
    return {org.id: org for org in db.session.scalars(query).unique()}


def search(params: SearchParams) -> SearchResult:
    if params.has_centre:
        ranked = nearest(params)
        page = ranked[params.offset: params.offset + params.limit]
        orgs = _load([row[0] for row in page])
        return SearchResult([(orgs[row[0]], row[1]) for row in page], len(ranked))
    conditions = _filters(params)
    total = db.session.execute(select(func.count()).select_from(Organization).where(*conditions)).scalar_one()
    found = db.session.scalars(
        select(Organization).where(*conditions)
        .order_by(binary_order(Organization.sort_key), Organization.id)
        .limit(params.limit).offset(params.offset)
    ).all()
    return SearchResult([(org, None) for org in found], total)


def map_points(params: SearchParams) -> Sequence[tuple[float, float, int]]:
    """(lat, lng, id) of every match that has a position: the map's whole payload."""
    if params.has_centre:
        return [(lat, lng, org_id) for org_id, _, lat, lng in nearest(params)]
    query = select(Organization.latitude, Organization.longitude, Organization.id).where(
        *_filters(params), Organization.latitude.is_not(None), Organization.longitude.is_not(None))
    # Core, not the ORM: 10,000 plain rows without the ORM's per-row bookkeeping. Rows are tuples; the
    # columns are nullable, but the query took only rows where neither is null.
    return cast(Sequence[tuple[float, float, int]], db.session.connection().execute(query).all())



def facets() -> tuple[set[str], set[str]]:
    """Countries and languages that published associations have: what the map's filters offer."""
    countries = set(db.session.scalars(
        select(Organization.country).where(Organization.status == "published").distinct()))
    languages = set(db.session.scalars(
        select(OrganizationLanguage.code).join(Organization, Organization.id == OrganizationLanguage.organization_id)
        .where(Organization.status == "published").distinct()))
    return countries, languages
