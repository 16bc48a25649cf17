"""Getting back to a request without the link: the reference and the PIN shown once open the private page;
wrong PINs lock the reference for a while (in the database, and in the rate limiter per reference and per
address); no answer tells whether a reference exists. The private page is never stored by a cache."""
import re

import pytest
from sqlalchemy import select, update

from tests.assistance_helpers import REQUEST

WRONG = "This reference and PIN do not match a request."
LOCKED = "Too many wrong attempts for this reference or from your connection."


@pytest.fixture
def three_tries(app_config):
    app_config.update(HELP_PIN_MAX_FAILURES=3, HELP_PIN_LOCK_MINUTES=20)


def ask(client) -> tuple[str, str, str]:
    """Send a request with the form: (reference, PIN, private path) as the confirmation page shows them."""
    client.get("/lang/en")
    response = client.post("/help/ask", data={**REQUEST, "consent": "y"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    html = page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    shown_pin = re.search(r'id="pin">(\d{6})<', html)
    shown_reference = re.search(r'id="reference">([A-Z2-9]{4}-[A-Z2-9]{4})<', html)
    assert shown_pin and shown_reference, html
    pin, reference = shown_pin.group(1), shown_reference.group(1)
    private = response.headers["Location"].split("?")[0]
    # the link, a copy button and a QR code of the link
    site = client.application.config["SITE_URL"].rstrip("/")  # the site's own address, whatever host was asked
    assert f'id="private-link">{site}{private}</code>' in html
    assert 'data-copy="#private-link"' in html and "<svg" in html and 'role="img"' in html
    # shown once: not again on the next visit, and nowhere in the database but as a hash
    assert 'id="pin"' not in client.get(response.headers["Location"]).get_data(as_text=True)
    return reference, pin, private


def find(client, reference, pin):
    return client.post("/help/find", data={"reference": reference, "pin": pin})


def test_the_reference_and_the_pin_open_the_private_page(client, db_query):
    reference, pin, private = ask(client)
    from diaspora.models import HelpRequest

    stored = db_query(lambda db: db.session.scalar(select(HelpRequest.pin_hash)))
    assert stored and pin not in stored
    client.get("/lang/en")
    page = client.get("/help/find")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    # typed as a person would: lower case, spaces, no dash
    opened = find(client, f" {reference.lower().replace('-', ' ')} ", f"{pin[:3]} {pin[3:]}")
    assert opened.status_code == 302 and opened.headers["Location"].endswith(private)
    assert client.get(opened.headers["Location"]).status_code == 200


def test_wrong_pins_lock_the_reference_and_nothing_tells_whether_it_exists(three_tries, client, db_query):
    reference, pin, private = ask(client)
    wrong = "000000" if pin != "000000" else "111111"
    for _ in range(3):
        response = find(client, reference, wrong)
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and WRONG in html
        assert reference in html and wrong not in html  # the reference kept, the PIN not sent back
    # the fourth, even with the right PIN, is refused until the lock expires, and says so
    locked = find(client, reference, pin)
    assert locked.status_code == 429 and LOCKED in locked.get_data(as_text=True)
    assert "20 minutes" in locked.get_data(as_text=True)

    # a reference that does not exist, and one sent before PINs (no PIN): the same answer as a wrong PIN
    from diaspora.models import HelpRequest

    other_reference, _other_pin, _ = ask(client)
    db_query(lambda db: (db.session.execute(update(HelpRequest).where(HelpRequest.reference == other_reference)
                                            .values(pin_hash=None)), db.session.commit()))
    for unknown in ("ZZZZ-ZZZZ", other_reference, "not a reference"):
        response = find(client, unknown, pin)
        assert response.status_code == 200 and WRONG in response.get_data(as_text=True)
    empty = find(client, "", "")
    assert empty.status_code == 200 and "This field is required." in empty.get_data(as_text=True)

    # the lock over, the right PIN opens it (and the count starts again)
    from datetime import timedelta

    from diaspora.database import utcnow

    db_query(lambda db: (db.session.execute(update(HelpRequest).where(HelpRequest.reference == reference)
                                            .values(pin_locked_until=utcnow() - timedelta(seconds=1))),
                         db.session.commit()))
    opened = find(client, reference, pin)
    assert opened.status_code == 302 and opened.headers["Location"].endswith(private)
    assert db_query(lambda db: db.session.scalar(select(HelpRequest.pin_failures).where(
        HelpRequest.reference == reference))) == 0
    # a deleted request no longer opens, and says nothing more
    client.post(f"{private}/delete")
    assert WRONG in find(client, reference, pin).get_data(as_text=True)


@pytest.fixture
def limited(app_config):
    app_config.update(RATELIMIT_ENABLED=True, HELP_PIN_MAX_FAILURES=3, HELP_PIN_RATE_LIMIT="7 per minute",
                      PUBLIC_POST_RATE_LIMIT="100 per minute")


def test_the_rate_limiter_holds_per_reference_and_per_address_alike_for_unknown_references(limited, client):
    reference, pin, _ = ask(client)
    # per reference: an existing and an unknown one are refused alike after three wrong PINs
    for typed in (reference, "ZZZZ-ZZZZ"):
        codes = [find(client, typed, "000001").status_code for _ in range(3)]
        assert codes == [200, 200, 200]
        refused = find(client, typed, pin)
        assert refused.status_code == 429 and LOCKED in refused.get_data(as_text=True)
    # per address: seven wrong in a minute, whatever the reference (six so far; refusals do not count)
    codes = [find(client, f"AAAA-AAA{c}", "000001").status_code for c in "BCD"]
    assert codes == [200, 429, 429]
