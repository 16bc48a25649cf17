"""The invitation letter for a visa, as a PDF in Russian or English (A4, one page as a rule).

A pure function like events.documents: it takes the event, the letter settings and the details typed for this
one letter and returns bytes. The text is laid out with reportlab's Paragraph, which parses a small XML-like
markup: every text that comes from people (the event's title, the organizer's letterhead, the name typed) is
escaped (& < >) after its glyphs are checked against the font, and our own labels carry no markup characters.
"""
from dataclasses import dataclass
from datetime import date, datetime
from io import BytesIO
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from flask_babel import gettext as _
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import registerFontFamily
from reportlab.platypus import HRFlowable, Paragraph, SimpleDocTemplate, Spacer

from diaspora.events import zones
from diaspora.events.documents import BOLD, REGULAR, in_locale, printable, register_fonts
from diaspora.i18n import country_name


@dataclass(frozen=True)
class VisaDetails:
    """What a visa letter names: typed for one letter, put into the PDF, kept nowhere."""

    name_latin: str  # as in the passport
    passport_number: str
    birth_date: date | None  # None only before events.letters.check_details
    citizenship: str  # a country code


def _text(value: str | None, font: str = REGULAR) -> str:
    """One line of people's text, safe inside Paragraph markup."""
    return escape(printable(value, font))


def _lines(value: str | None) -> list[str]:
    """A text of several lines (the extra paragraph) as paragraphs, each safe inside Paragraph markup."""
    return [_text(line) for line in (value or "").splitlines() if printable(line)]


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=REGULAR, fontSize=10.5, leading=15, alignment=TA_JUSTIFY,
                          spaceAfter=7)
    return {
        "head": ParagraphStyle("head", parent=base, fontName=BOLD, fontSize=14, leading=18, alignment=TA_CENTER,
                               spaceAfter=2),
        "head_small": ParagraphStyle("head_small", parent=base, fontSize=9, leading=12, alignment=TA_CENTER,
                                     spaceAfter=0),
        "right": ParagraphStyle("right", parent=base, alignment=TA_RIGHT, spaceAfter=0),
        "title": ParagraphStyle("title", parent=base, fontName=BOLD, fontSize=13, leading=18, alignment=TA_CENTER,
                                spaceBefore=10, spaceAfter=12),
        "body": base,
        "sign": ParagraphStyle("sign", parent=base, alignment=0, spaceAfter=0),
    }


def _moment(moment: datetime, zone: ZoneInfo, locale: str) -> str:
    here = moment.astimezone(zone)
    return f"{format_date(here.date(), 'long', locale=locale)}, {format_time(here, 'short', locale=locale)}"


def letter_pdf(event, letters, details: VisaDetails, *, code: str, language: str, today: date) -> bytes:
    """The letter in `language` ("ru" or "en"); texts missing in it fall back as content_i18n does."""
    register_fonts()
    registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD, italic=REGULAR, boldItalic=BOLD)  # what <b> means
    with in_locale(language):
        return _letter(event, letters, details, code, language, today)


def _letter(event, letters, details: VisaDetails, code: str, language: str, today: date) -> bytes:
    buffer = BytesIO()
    styles = _styles()
    organization = letters.organization_name.get(language)
    title = event.title.get(language)
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=22 * mm, rightMargin=22 * mm, topMargin=18 * mm,
                            bottomMargin=18 * mm, title=printable(_("Invitation letter")),
                            author=printable(organization))
    story: list = [Paragraph(_text(organization, BOLD), styles["head"])]
    for line in (letters.organization_address.get(language), letters.organization_contacts.get(language)):
        if line:
            story.append(Paragraph(_text(line), styles["head_small"]))
    story += [Spacer(1, 4), HRFlowable(width="100%", thickness=0.8, color="#444444", spaceAfter=8),
              Paragraph(escape(format_date(today, "long", locale=language)), styles["right"]),
              Paragraph(escape(_("Ref. %(code)s", code=printable(code))), styles["right"]),
              Paragraph(escape(_("Invitation letter")).upper(), styles["title"]),
              Paragraph(escape(_("To whom it may concern,")), styles["body"])]

    zone = ZoneInfo(event.timezone or "UTC")
    place = ", ".join(_text(part) for part in (event.venue_name.get(language), event.venue_address.get(language),
                                               event.city, country_name(event.country, language)) if part)
    name = f"<b>{_text(details.name_latin.upper(), BOLD)}</b>"
    # our own sentences, with people's texts escaped before they go in (the catalogs hold no markup)
    story.append(Paragraph(_(
        "%(organization)s invites %(name)s, born on %(birth_date)s, a citizen of %(citizenship)s, passport "
        "number %(passport)s, to take part in the event “%(title)s”.",
        organization=_text(organization), name=name,
        birth_date=escape(format_date(details.birth_date, "long", locale=language) if details.birth_date else ""),
        citizenship=_text(country_name(details.citizenship, language)),
        passport=f"<b>{_text(details.passport_number, BOLD)}</b>", title=f"<b>{_text(title, BOLD)}</b>"),
        styles["body"]))
    story.append(Paragraph(_(
        "The event takes place from %(start)s to %(end)s (local time: %(zone)s).",
        start=escape(_moment(event.starts_at, zone, language)), end=escape(_moment(event.ends_at, zone, language)),
        zone=_text(zones.label(event.timezone or "UTC", language, event.starts_at))), styles["body"]))
    if place:
        story.append(Paragraph(_("Venue: %(place)s.", place=place), styles["body"]))
    elif event.online_url:
        story.append(Paragraph(escape(_("The event takes place online.")), styles["body"]))
    story.append(Paragraph(_(
        "Purpose of the visit: participation in the event “%(title)s”. The participant's registration is "
        "confirmed under the reference %(code)s.", title=_text(title), code=_text(code)), styles["body"]))
    for line in _lines(letters.extra_paragraph.get(language)):
        story.append(Paragraph(line, styles["body"]))

    story += [Spacer(1, 14), Paragraph(escape(_("Sincerely,")), styles["sign"]), Spacer(1, 26)]
    for line, font in ((letters.signatory_name.get(language), BOLD), (letters.signatory_title.get(language), REGULAR),
                       (organization, REGULAR)):
        if line:
            story.append(Paragraph(f"<b>{_text(line, font)}</b>" if font == BOLD else _text(line), styles["sign"]))
    doc.build(story)
    return buffer.getvalue()
