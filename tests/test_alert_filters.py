"""Alerts filtered by the services' category and language (issue 11: "filtered by service category and
language"), end to end against the test's SMTP server: only what matches both reaches the subscriber."""
from tests.test_alerts import EKB, confirm, inbox, mail_on, send_alerts, subscribe, text_of  # noqa: F401
from tests.test_event_mail import work


def test_only_associations_of_the_chosen_category_and_language_are_alerted(mail_on, inbox, client, runner,
                                                                            make_org):
    assert subscribe(client, email="filtered@example.org", topics=["organizations"], categories=["legal-aid"],
                     languages=["ky"]).status_code == 202
    assert subscribe(client, email="any@example.org", topics=["organizations"]).status_code == 202
    work(runner)
    for message in list(inbox.messages):
        confirm(client, message)
    inbox.messages.clear()
    make_org(name="Кыргызча юристтер", city="Екатеринбург", lat=EKB[0], lng=EKB[1], categories=("legal-aid",),
             languages=("ky",))
    make_org(name="Русские юристы", city="Екатеринбург", lat=EKB[0], lng=EKB[1], categories=("legal-aid",),
             languages=("ru",))
    make_org(name="Кыргыз маданияты", city="Екатеринбург", lat=EKB[0], lng=EKB[1], categories=("adaptation",),
             languages=("ky",))
    send_alerts(runner)
    by_address = {m["To"]: text_of(m) for m in inbox.messages}
    assert set(by_address) == {"filtered@example.org", "any@example.org"}
    filtered = by_address["filtered@example.org"]
    assert "Кыргызча юристтер" in filtered
    assert "Русские юристы" not in filtered and "Кыргыз маданияты" not in filtered
    assert all(name in by_address["any@example.org"]
               for name in ("Кыргызча юристтер", "Русские юристы", "Кыргыз маданияты"))
