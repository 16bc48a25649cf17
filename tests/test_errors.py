"""Error pages say what is true: after a fault the request's writes were rolled back."""
import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from diaspora.models import OutboxMessage


@pytest.mark.parametrize("lang, expected", [
    ("en", "Your last action may not have been saved"),
    ("ru", "Ваше последнее действие могло не сохраниться"),
    ("ky", "Акыркы аракетиңиз сакталбай калышы мүмкүн"),
])
def test_a_database_fault_does_not_claim_nothing_was_lost(app, client, make_user, monkeypatch, db_query, lang,
                                                          expected):
    from diaspora.auth import services

    make_user(email="user@example.org")
    real = services.request_password_reset

    def fails_after_writing(email, locale):
        real(email, locale)  # the reset mail is queued, then the database fails before the commit
        raise OperationalError("UPDATE ...", {}, Exception("server closed the connection unexpectedly"))

    monkeypatch.setattr(services, "request_password_reset", fails_after_writing)
    response = client.post("/auth/reset", data={"email": "user@example.org"}, headers={"Accept-Language": lang})
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert expected in page
    assert "lost" not in page and "жоголгон" not in page and "потеря" not in page
    assert db_query(lambda db: db.session.scalars(select(OutboxMessage)).all()) == []  # indeed not saved
