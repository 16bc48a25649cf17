"""Shared pieces of the mutual-help tests: a request as a partner sends it, and fixtures that make
offers and requests through the services."""
import pytest
from sqlalchemy import select

CITIES = {  # the gazetteer's centres, for associations placed in them
    "Екатеринбург": (56.8389, 60.6057),
    "Челябинск": (55.1644, 61.4368),
    "Пермь": (58.0105, 56.2502),
    "Москва": (55.7558, 37.6173),
    "Бишкек": (42.8746, 74.5698),
}

REQUEST = {
    "category": "legal-aid",
    "country": "RU",
    "city": "Екатеринбург",
    "language": "ky",
    "urgency": "week",
    "description": "Иш берүүчү үч ай бою айлык төлөгөн жок.",
    "phone": "+7 912 000 11 22",
    "consent": True,
}


@pytest.fixture
def make_offer(app):
    from diaspora.assistance.offers import OfferData, create
    from diaspora.extensions import db
    from diaspora.models import User

    def make(org_id, user_id, category="legal-aid", title="Юридикалык кеңеш", scope="city", country="RU",
             city="Екатеринбург", languages=("ky", "ru"), **fields):
        with app.app_context():
            user = db.session.get(User, user_id)
            data = OfferData(organization_id=org_id, category=category, titles={"ky": title}, scope=scope,
                             country=country, city=city, languages=list(languages), **fields)
            offer = create(user, data)
            db.session.commit()
            return offer.id

    return make


@pytest.fixture
def send_request(client):
    """POST /api/v1/help-requests; returns (reference, token)."""
    def send(**fields):
        response = client.post("/api/v1/help-requests", json={**REQUEST, **fields})
        assert response.status_code == 201, response.get_json()
        body = response.get_json()
        return body["reference"], body["tracking_url"].rsplit("/", 1)[1]

    return send


def request_id(db_query, reference: str) -> int:
    from diaspora.models import HelpRequest

    return db_query(lambda db: db.session.scalar(select(HelpRequest.id).where(HelpRequest.reference == reference)))


def routed_to(db_query, reference: str) -> list[int]:
    """The associations a request was sent to, in the order it was sent."""
    from diaspora.models import HelpRequest, HelpRoute

    def read(db):
        return list(db.session.scalars(select(HelpRoute.organization_id).join(
            HelpRequest, HelpRequest.id == HelpRoute.request_id).where(HelpRequest.reference == reference)
            .order_by(HelpRoute.rank)))
    return db_query(read)
