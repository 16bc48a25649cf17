"""The registration form on a phone: choosing a session disables the one that runs at the same time (an
external script: the page's CSP allows no inline one), and un-choosing it gives it back."""
from datetime import timedelta

import pytest

from tests.browser.conftest import assert_accessible

pytestmark = pytest.mark.browser


def test_choosing_a_session_disables_the_parallel_one_on_a_phone(new_page, make_event, db_query):
    from diaspora.events import programme, services

    slug = make_event(title="Мекендештер", sessions=[{"title": "Бизнес"}, {"title": "Миграция"},
                                                      {"title": "Маданият"}])

    def make_parallel(db):  # the organizer's session form does this (tests/test_event_programme.py)
        event = services.event_by_slug(slug)
        business, migration, _ = event.sessions
        site = type("Site", (), {"id": None, "is_admin": True, "is_authenticated": True})()
        starts = business.starts_at + timedelta(minutes=30)
        programme.update_session(site, event, migration, programme.SessionChanges(
            titles=migration.title, starts_at=starts, ends_at=starts + timedelta(hours=1)))
        db.session.commit()
        return [s.id for s in services.event_by_slug(slug).sessions]
    business, migration, culture = db_query(make_parallel)

    page = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page.goto(f"/lang/en?next=/events/{slug}/register")
    box = {session_id: page.locator(f'#session-choice input[value="{session_id}"]')
           for session_id in (business, migration, culture)}
    assert not any(b.is_disabled() for b in box.values())
    box[business].tap()
    assert box[business].is_checked()
    assert box[migration].is_disabled() and box[culture].is_enabled()
    box[culture].tap()
    assert box[migration].is_disabled()
    box[business].tap()  # un-chosen: the parallel one can be chosen again
    assert box[migration].is_enabled()
    box[migration].tap()
    assert box[business].is_disabled() and box[migration].is_checked()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(page)
