"""Guides made through the services, for the guide tests (HTTP and browser)."""
import pytest


class _Site:
    id = None
    name = ""
    email = ""
    is_admin = True
    is_authenticated = True


@pytest.fixture
def make_guide(app):
    """A guide through the services, published unless told otherwise; returns its slug."""
    from diaspora.extensions import db
    from diaspora.guides import services

    def make(country="RU", topic="contracts_wages", titles=None, bodies=None, status="published", **fields):
        with app.app_context():
            guide = services.create(_Site(), services.GuideData(
                country=country, topic=topic, titles=titles or {"ky": "Колдонмо"},
                bodies=bodies or {"ky": "Текст"}, **fields))
            if status == "published":
                services.publish(_Site(), guide)
            db.session.commit()
            return guide.slug

    return make
