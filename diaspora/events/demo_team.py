"""The demo forum's team (one demo account per role that is not "organizer") and its invitation letters and
travel information in Kyrgyz, Russian and English, for `flask seed-demo`.

The team's accounts are at example.org (no mail reaches them) and get random passwords, printed once by the
command: a known password would open a real site's demo forum registrations to anyone who read the README."""
import secrets

import click
from sqlalchemy import select

from diaspora.auth.services import create_user, find_user_by_email
from diaspora.content_i18n import I18nText
from diaspora.events import letters
from diaspora.extensions import db
from diaspora.models import Event, EventTeamMember

DEMO_TEAM = (
    ("registrations", "demo-registrations@example.org", "Айпери Сыдыкова (демо)"),
    ("checkin", "demo-checkin@example.org", "Бакыт Осмонов (демо)"),
    ("reviewer", "demo-reviewer@example.org", "Гүлнара Үсөнова (демо)"),
)


class _Site:
    id = None
    is_admin = True
    is_authenticated = True


def seed_team(forum: Event) -> list[tuple[str, str, str | None]]:
    """Add the demo team to the forum: [(email, role, password or None when the account existed)], printed."""
    added = []
    for role, email, name in DEMO_TEAM:
        user = find_user_by_email(email)
        password = None
        if user is None:
            password = secrets.token_urlsafe(12)
            user = create_user(email, password, name, locale="ky")
            db.session.flush()
        if db.session.scalar(select(EventTeamMember.id).where(EventTeamMember.event_id == forum.id,
                                                              EventTeamMember.user_id == user.id)) is None:
            # no mail about registrations: nobody reads example.org
            db.session.add(EventTeamMember(event_id=forum.id, user_id=user.id, email=email, role=role, notify="off"))
        added.append((email, role, password))
    db.session.flush()
    for email, role, password in added:
        click.echo(f"Demo forum team, {role}: {email} password {password or '(the account existed: unchanged)'}")
    return added


def _texts(ky: str, ru: str, en: str) -> I18nText:
    return I18nText({"ky": ky, "ru": ru, "en": en})


def seed_letters(forum: Event) -> None:
    """Invitation letters offered, with a made-up letterhead and signatory, and travel information."""
    letters.save(_Site(), forum, letters.LetterSettings(
        offered=True,
        organization_name=I18nText({"ru": "Оргкомитет форума «Мекендештер» (демо)",
                                    "en": "Organizing committee of the Mekendeshter Forum (demo)"}),
        organization_address=I18nText({"ru": "Демо: Кыргызская Республика, Бишкек, ул. Примерная, 1",
                                       "en": "Demo: 1 Example St, Bishkek, Kyrgyz Republic"}),
        organization_contacts=I18nText({"ru": "+996 000 000 000 · forum@example.org · https://example.org",
                                        "en": "+996 000 000 000 · forum@example.org · https://example.org"}),
        signatory_name=I18nText({"ru": "Асан Үсөнов (демо)", "en": "Asan Usonov (demo)"}),
        signatory_title=I18nText({"ru": "Председатель оргкомитета", "en": "Chair of the organizing committee"}),
        extra_paragraph=I18nText({"ru": "Демонстрационное письмо: оно не действительно для визы.",
                                  "en": "A demo letter: it is not valid for a visa."}),
        travel_directions=_texts(
            "Демо. Манас аэропортунан шаарга **380-маршрут** менен (болжол менен 40 мүнөт). Конференц-зал "
            "шаардын борборунда, Ала-Тоо аянтынын жанында.",
            "Демо. Из аэропорта «Манас» в город — **маршрутка 380** (около 40 минут). Конференц-зал в центре "
            "города, рядом с площадью Ала-Тоо.",
            "Demo. From Manas airport to the city: **minibus 380** (about 40 minutes). The conference hall is in "
            "the city centre, near Ala-Too Square."),
        travel_hotels=_texts(
            "- Демо-мейманкана «Ала-Тоо» — катышуучуларга арзандатуу\n- Демо-хостел «Ош» — бюджеттик вариант",
            "- Демо-гостиница «Ала-Тоо» — скидка участникам\n- Демо-хостел «Ош» — недорого",
            "- Demo hotel “Ala-Too”: a discount for participants\n- Demo hostel “Osh”: on a budget"),
        travel_transfer=_texts(
            "Форумдун алдында уюштуруучулар аэропорттон акысыз автобус уюштурушат. Алдын ала жазыңыз: "
            "[forum@example.org](mailto:forum@example.org).",
            "Накануне форума организаторы возят участников из аэропорта бесплатным автобусом. Напишите заранее: "
            "[forum@example.org](mailto:forum@example.org).",
            "The day before the forum the organizers run a free bus from the airport. Write in advance: "
            "[forum@example.org](mailto:forum@example.org).")))
