"""Guides on rights and risks: who writes, reviews and publishes them; versions; sanitised Markdown; search in
Cyrillic and Kyrgyz letters; the API; the review reminder; links from offers and requests."""
import re
from datetime import date, timedelta

from sqlalchemy import func, select

from tests.assistance_helpers import make_offer, send_request  # noqa: F401
from tests.guide_helpers import make_guide  # noqa: F401

GUIDE = {"country": "RU", "topic": "contracts_wages", "title_ky": "Айлык төлөнбөсө", "title_ru": "Если не платят",
         "summary_ky": "Кыскача", "body_ky": "## Далилдер\n\nКелишимди сактаңыз.",
         "body_ru": "## Доказательства\n\nСохраните договор.", "note": ""}


def _page_text(response) -> str:
    return response.get_data(as_text=True)


def _slug_of(response) -> str:
    return response.headers["Location"].rsplit("/", 1)[1]


def test_writing_reviewing_and_publishing_per_role(app, client, make_user, make_org, login, db_query):
    from diaspora.models import Guide

    owner, admin, plain, moderator = (make_user(name="Айгүл"), make_user(name="Бакыт"), make_user(),
                                      make_user(is_admin=True, name="Модератор Нурлан"))
    make_org(owner=owner, admins=[admin])
    make_org(name="Күтүүдөгү", status="pending", owner=plain)  # an unpublished association gives no right

    # anonymous: sent to log in, nothing written
    assert client.get("/guides/new").status_code == 302
    assert client.post("/guides/new", data=GUIDE).status_code == 302
    # a person without a published association they administer
    login(plain)
    assert client.get("/guides/new").status_code == 403
    assert client.post("/guides/new", data=GUIDE).status_code == 403
    assert db_query(lambda db: db.session.scalar(select(func.count()).select_from(Guide))) == 0
    client.post("/auth/logout")

    # an association's admin drafts: not public yet
    login(admin)
    response = client.post("/guides/new", data=GUIDE)
    assert response.status_code == 302, _page_text(response)
    slug = _slug_of(response)
    assert re.fullmatch(r"[a-z0-9-]+", slug)
    page = _page_text(client.get(f"/guides/{slug}", headers={"Accept-Language": "en"}))
    assert "Айлык төлөнбөсө" in page and f'action="/guides/{slug}/submit"' in page
    assert client.post(f"/guides/{slug}/publish").status_code == 403  # only moderators publish
    assert client.post(f"/guides/{slug}/submit").status_code == 302
    assert db_query(lambda db: db.session.scalar(select(Guide.status).where(Guide.slug == slug))) == "in_review"
    client.post("/auth/logout")
    assert client.get(f"/guides/{slug}").status_code == 404
    assert client.get(f"/api/v1/guides/{slug}").status_code == 404
    login(plain)
    assert client.get(f"/guides/{slug}").status_code == 404
    assert client.post(f"/guides/{slug}/publish").status_code == 404
    client.post("/auth/logout")

    # the moderator's queue, reached from the moderation area, then publication
    login(moderator)
    assert "/guides/review" in _page_text(client.get("/moderation/"))
    assert slug in _page_text(client.get("/guides/review"))
    assert client.post(f"/guides/{slug}/publish").status_code == 302
    client.post("/auth/logout")
    page = _page_text(client.get(f"/guides/{slug}", headers={"Accept-Language": "en"}))
    assert "Айлык төлөнбөсө" in page and "Модератор Нурлан" in page
    assert date.today().isoformat() == db_query(lambda db: db.session.scalar(
        select(Guide.reviewed_on).where(Guide.slug == slug))).isoformat()

    # the owner edits the published guide: a version waits, readers keep the published text
    login(owner)
    response = client.post(f"/guides/{slug}/edit", data={**GUIDE, "country": "KZ"})
    assert response.status_code == 200 and 'class="error"' in _page_text(response)  # through a moderator only
    response = client.post(f"/guides/{slug}/edit", data={**GUIDE, "body_ky": "## Жаңы\n\nЖаңы текст.",
                                                         "note": "Жаңы бөлүм"})
    assert response.status_code == 302, _page_text(response)
    client.post("/auth/logout")
    page = _page_text(client.get(f"/guides/{slug}?lang=ky"))
    assert "Келишимди сактаңыз." in page and "Жаңы текст." not in page
    assert "Жаңы текст." not in client.get(f"/api/v1/guides/{slug}?lang=ky").get_json()["body_markdown"]
    assert client.get(f"/guides/{slug}/versions").status_code == 302  # to log in
    login(plain)
    assert client.get(f"/guides/{slug}/versions").status_code == 404
    client.post("/auth/logout")

    # who changed what
    login(moderator)
    assert slug in _page_text(client.get("/guides/review"))
    versions = _page_text(client.get(f"/guides/{slug}/versions", headers={"Accept-Language": "en"}))
    assert "Бакыт" in versions and "Айгүл" in versions and "Жаңы бөлүм" in versions
    assert re.search(r"Changed:.*Text \(Kyrgyz\)", versions)
    assert "Жаңы текст." in _page_text(client.get(f"/guides/{slug}/versions/2?lang=ky"))
    assert client.post(f"/guides/{slug}/publish").status_code == 302
    client.post("/auth/logout")
    assert "Жаңы текст." in _page_text(client.get(f"/guides/{slug}?lang=ky"))

    # a change sent back: the note reaches the writers, the published text stays
    login(admin)
    client.post(f"/guides/{slug}/edit", data={**GUIDE, "body_ky": "Туура эмес өзгөртүү"})
    client.post("/auth/logout")
    login(moderator)
    assert client.post(f"/guides/{slug}/send-back", data={"note": ""}).status_code == 200  # a note is required
    assert client.post(f"/guides/{slug}/send-back", data={"note": "Булакты көрсөтүңүз"}).status_code == 302
    client.post("/auth/logout")
    login(admin)
    page = _page_text(client.get(f"/guides/{slug}?lang=ky"))
    assert "Булакты көрсөтүңүз" in page and "Жаңы текст." in page and "Туура эмес" not in page
    versions = _page_text(client.get(f"/guides/{slug}/versions"))
    assert versions.count('href="/guides/' + slug + '/versions/') == 3
    assert client.post(f"/guides/{slug}/archive").status_code == 403
    client.post("/auth/logout")

    # archived by a moderator: gone for readers and the API, back once published again
    login(moderator)
    assert client.post(f"/guides/{slug}/archive").status_code == 302
    client.post("/auth/logout")
    assert client.get(f"/guides/{slug}").status_code == 404
    assert client.get(f"/api/v1/guides/{slug}").status_code == 404
    login(moderator)
    client.post(f"/guides/{slug}/publish")
    client.post("/auth/logout")
    assert client.get(f"/api/v1/guides/{slug}").status_code == 200


def test_a_rejected_form_keeps_what_was_typed(client, make_user, make_org, login):
    owner = make_user()
    make_org(owner=owner)
    login(owner)
    response = client.post("/guides/new", data={**GUIDE, "country": "XX", "body_ky": "", "body_ru": ""},
                           headers={"Accept-Language": "ru"})
    page = _page_text(response)
    assert response.status_code == 200 and "Айлык төлөнбөсө" in page
    assert 'class="error"' in page


def test_markdown_is_sanitised(client, make_guide):
    body = ("# Башкы\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n[x](javascript:alert(1)) "
            '<a href="javascript:alert(2)">y</a> <b onclick="alert(3)">z</b> <style>p{}</style> '
            '[elsewhere](//evil.example/x) <a href="\\\\evil.example">also</a>\n\n'
            "[Расмий сайт](https://example.org/path) [чалуу](tel:+70000000000)\n\n"
            "| a | b |\n|---|---|\n| 1 | 2 |\n")
    slug = make_guide(bodies={"ky": body})
    page = _page_text(client.get(f"/guides/{slug}"))
    page = page[page.index('<article class="guide">'):page.index("</article>")]  # the guide, not the site's own
    html = client.get(f"/api/v1/guides/{slug}").get_json()["body_html"]
    for shown in (page, html):
        assert "<script" not in shown and "<img" not in shown and "<style" not in shown
        assert "onerror" not in shown and "onclick" not in shown
        assert 'href="javascript' not in shown and "evil.example" not in shown  # nor another site without a scheme
        assert '<a href="https://example.org/path" rel="nofollow noopener">' in shown
        assert '<a href="tel:+70000000000" rel="nofollow noopener">' in shown
        assert '<div class="table-scroll"><table>' in shown


def test_search_in_cyrillic_and_kyrgyz(client, make_guide):
    make_guide(titles={"ky": "Өлкөгө келгенде каттоо"}, bodies={"ky": "Үй ээсинен сураңыз."}, topic="registration")
    make_guide(titles={"ru": "ПАТЕНТ и документы"}, bodies={"ru": "Ёлка не при чём."},
               topic="documents_work_permit")
    for q, expected in (("өлкөгө", "Өлкөгө"), ("ҮЙ ЭЭСИНЕН", "Өлкөгө"), ("патент", "ПАТЕНТ"), ("елка", "ПАТЕНТ")):
        page = _page_text(client.get("/guides", query_string={"q": q}))
        assert expected in page, q
        titles = [g["title"] for g in client.get("/api/v1/guides", query_string={"q": q}).get_json()["guides"]]
        assert len(titles) == 1 and expected in titles[0], q
    assert client.get("/api/v1/guides", query_string={"q": "жок сөз"}).get_json()["guides"] == []
    for url in ("/guides?q=a%00b", "/api/v1/guides?q=a%00b", "/guides/a%00b", "/api/v1/guides/a%00b"):
        assert client.get(url).status_code in (200, 400, 404), url  # never a 500 (PostgreSQL refuses NUL)


def test_api_filters_languages_and_errors(client, make_guide):
    from diaspora.models.guide import TOPICS

    ru = make_guide(titles={"ky": "Россия ky", "ru": "Россия ru"}, bodies={"ky": "ky текст", "ru": "ru текст"},
                    summaries={"ru": "кратко"})
    make_guide(country="KZ", topic="housing", titles={"ru": "Казахстан"}, bodies={"ru": "Жильё"})
    draft = make_guide(country="RU", titles={"ky": "Черновик"}, status="draft")

    listed = client.get("/api/v1/guides?country=ru&lang=ru").get_json()["guides"]
    assert [g["slug"] for g in listed] == [ru]
    assert listed[0]["title"] == "Россия ru" and listed[0]["summary"] == "кратко" and listed[0]["language"] == "ru"
    assert listed[0]["translations"]["title"] == {"ky": "Россия ky", "ru": "Россия ru"}
    assert listed[0]["url"].endswith(f"/guides/{ru}")
    assert [g["title"] for g in client.get("/api/v1/guides?country=KZ&lang=ky").get_json()["guides"]] == ["Казахстан"]
    assert client.get("/api/v1/guides?topic=housing").get_json()["guides"][0]["country"] == "KZ"
    one = client.get(f"/api/v1/guides/{ru}?lang=ky").get_json()
    assert one["body_markdown"] == "ky текст" and one["body_html"] == "<p>ky текст</p>\n"
    for query, field in (("country=XX", "country"), ("topic=visa", "topic"), ("lang=zz", "lang")):
        response = client.get(f"/api/v1/guides?{query}")
        assert response.status_code == 400 and response.get_json()["error"]["field"] == field
    assert client.get(f"/api/v1/guides/{ru}?lang=zz").status_code == 400
    assert client.get(f"/api/v1/guides/{draft}").status_code == 404
    assert client.get("/api/v1/guides/no-such-guide").status_code == 404
    assert draft not in str(client.get("/api/v1/guides").get_json())
    document = client.get("/api/v1/openapi.json").get_json()
    query = {p["name"]: p for p in document["paths"]["/api/v1/guides"]["get"]["parameters"]}
    assert query["topic"]["schema"]["enum"] == list(TOPICS) and "RU" in query["country"]["schema"]["enum"]
    assert {"400", "404"} <= set(document["paths"]["/api/v1/guides/{slug}"]["get"]["responses"])
    page = _page_text(client.get("/guides?country=KZ"))
    assert "Казахстан" in page and "Россия" not in page.split('id="results"')[1]


def test_review_reminder_is_queued_once(app, client, make_user, make_org, login, make_guide, db_query):
    from diaspora import mail
    from diaspora.database import utcnow
    from diaspora.extensions import db
    from diaspora.guides import services
    from diaspora.models import Guide, OutboxMessage

    owner, moderator = make_user(locale="ky"), make_user(is_admin=True)
    make_org(owner=owner)
    login(owner)
    slug = _slug_of(client.post("/guides/new", data=GUIDE))
    client.post("/auth/logout")
    fresh = make_guide(titles={"ky": "Жаңы каралган"})

    def age(db):
        guide = db.session.scalar(select(Guide).where(Guide.slug == slug))
        services.publish(moderator, guide)
        guide.reviewed_on = date.today() - timedelta(days=400)
        db.session.commit()
    db_query(age)

    def run(db):
        result = services.remind_reviews_job(utcnow())
        db.session.commit()
        return result
    assert db_query(run).startswith("1 reminders")
    assert db_query(run).startswith("0 reminders")
    messages = db_query(lambda db: [(m.to_address, m.template, m.locale) for m in
                                    db.session.scalars(select(OutboxMessage))])
    assert messages == [(owner.email, "guides/review_due", "ky")]
    with app.test_request_context():
        message = db.session.scalar(select(OutboxMessage))
        subject, body, _attachments, _to = mail.compose(message)
    assert "Айлык төлөнбөсө" in subject and f"/guides/{slug}" in body

    login(moderator)
    queue = _page_text(client.get("/guides/review"))
    due = queue.split('id="due"')[1]
    assert slug in due and fresh not in due
    assert 'id="review-due"' in _page_text(client.get(f"/guides/{slug}"))
    client.post(f"/guides/{slug}/confirm")
    assert 'id="review-due"' not in _page_text(client.get(f"/guides/{slug}"))


def test_offers_and_requests_link_the_guides_of_their_kind_and_country(client, make_user, make_org, make_offer,
                                                                        make_guide, send_request):
    owner = make_user()
    org_id = make_org(owner=owner, city="Екатеринбург", categories=("legal-aid",))
    offer_id = make_offer(org_id, owner.id)  # legal aid in Russia
    wages = make_guide(titles={"ky": "Айлык жана келишим"}, topic="contracts_wages")
    make_guide(titles={"ky": "Ден соолук"}, topic="health")
    make_guide(country="KZ", titles={"ky": "Казакстандагы айлык"}, topic="contracts_wages")
    make_guide(titles={"ky": "Даярдалууда"}, topic="contracts_wages", status="draft")

    _reference, token = send_request()  # legal aid in Russia too
    for url in (f"/help/offers/{offer_id}", f"/h/{token}"):
        page = _page_text(client.get(url))
        assert f"/guides/{wages}" in page, url
        assert "Ден соолук" not in page and "Казакстандагы" not in page and "Даярдалууда" not in page


def test_a_change_saved_while_the_moderator_reads_is_not_published_unread(client, make_user, make_org, login,
                                                                         db_query):
    from diaspora.models import Guide

    admin, moderator = make_user(), make_user(is_admin=True)
    make_org(owner=admin)
    login(admin)
    slug = _slug_of(client.post("/guides/new", data=GUIDE))
    client.post(f"/guides/{slug}/submit")
    client.post("/auth/logout")

    login(moderator)
    page = _page_text(client.get(f"/guides/{slug}"))
    read = re.search(rf'action="(/guides/{slug}/publish\?version=\d+)"', page).group(1)
    client.post("/auth/logout")
    login(admin)  # the writer saves again before the moderator clicks
    client.post(f"/guides/{slug}/edit", data={**GUIDE, "body_ky": "Окулбаган текст"})
    client.post("/auth/logout")

    login(moderator)
    refused = client.post(read, follow_redirects=True, headers={"Accept-Language": "en"})
    assert "was changed after you opened it" in _page_text(refused)
    assert db_query(lambda db: db.session.scalar(select(Guide.status).where(Guide.slug == slug))) == "in_review"
    page = _page_text(client.get(f"/guides/{slug}"))
    assert "Окулбаган текст" in page
    again = re.search(rf'action="(/guides/{slug}/publish\?version=\d+)"', page).group(1)
    assert again != read and client.post(again).status_code == 302
    assert db_query(lambda db: db.session.scalar(select(Guide.status).where(Guide.slug == slug))) == "published"
