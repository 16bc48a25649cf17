"""Invitation letters and travel information: the organizers' page, the participant's letter, and the "Getting
there" section of the event's page and the private page."""
from dataclasses import dataclass

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_login import current_user, login_required
from markupsafe import Markup

from diaspora.content_forms import fill_form, form_text, translated_form
from diaspora.content_i18n import I18nText
from diaspora.events import letters, services
from diaspora.events.delegation_routes import _delegation, _member
from diaspora.events.letter_forms import LETTER_FIELDS, LetterRequestForm, LettersForm
from diaspora.events.routes import _no_store, _private, _public_post_limit, bp
from diaspora.extensions import limiter
from diaspora.forms import add_error, options
from diaspora.i18n import country_choices, current_locale
from diaspora.markdown import render as render_markdown
from diaspora.models import Event, Registration
from diaspora.models.event_letters import LETTER_LANGUAGES
from diaspora.unit_of_work import attempt
from diaspora.validation import ValidationError

TRAVEL_HEADINGS = (("travel_directions", _l("How to get to the venue")), ("travel_hotels", _l("Hotels")),
                   ("travel_transfer", _l("Airport transfer")))


@dataclass(frozen=True)
class TravelSection:
    heading: LazyString
    html: Markup
    language: str | None


@bp.app_template_global("event_travel")
def event_travel(event: Event) -> list[TravelSection]:
    """The travel information in the reader's language (or the fallback), as sanitised HTML."""
    info = letters.travel_of(event)
    if info is None:
        return []
    sections = []
    for name, heading in TRAVEL_HEADINGS:
        shown = getattr(info, name).shown()
        if shown.text:
            sections.append(TravelSection(heading, render_markdown(shown.text), shown.language))
    return sections


@bp.app_template_global("letter_offered")
def letter_offered(registration: Registration) -> bool:
    """Whether the private page offers this participant an invitation letter."""
    return letters.letter_refusal(registration) is None


def _settings_event(slug: str) -> Event:
    event = services.event_by_slug(slug)
    if event is None:
        abort(404)
    services.require(current_user, event, "settings")
    return event


def _letter_text(form, name: str) -> I18nText:
    return I18nText({lang: form[f"{name}_{lang}"].data or "" for lang in LETTER_LANGUAGES})


def _settings(form) -> letters.LetterSettings:
    return letters.LetterSettings(
        offered=bool(form.offered.data), **{name: _letter_text(form, name) for name in LETTER_FIELDS},
        **{name: form_text(form, name) for name in letters.TRAVEL_TEXTS})


def _fill(form, saved) -> None:
    form.offered.data = saved.offered
    for name in LETTER_FIELDS:
        for lang in LETTER_LANGUAGES:
            form[f"{name}_{lang}"].data = getattr(saved, name)[lang]
    for name in letters.TRAVEL_TEXTS:
        fill_form(form, name, getattr(saved, name))


def _show_errors(form, error: ValidationError) -> None:
    for name, messages in error.errors.items():
        for message in messages:
            add_error(form._fields.get(name, form.organization_name_ru), message)


@bp.route("/events/<slug>/manage/letters", methods=["GET", "POST"], endpoint="letters")
@login_required
def letters_page(slug: str):
    """Invitation letters (letterhead, signatory, offered or not) and the travel information."""
    event = _settings_event(slug)
    form = translated_form(LettersForm)
    saved = letters.settings_of(event)
    if request.method == "GET" and saved is not None:
        _fill(form, saved)
    if form.validate_on_submit():
        try:
            with attempt():
                letters.save(current_user, event, _settings(form))
        except ValidationError as error:
            _show_errors(form, error)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("events.letters", slug=slug))
    groups = [(lang, [form[f"{name}_{lang}"] for name in LETTER_FIELDS]) for lang in LETTER_LANGUAGES]
    return render_template("events/manage/letters.html", event=event, form=form, letter_groups=groups,
                           legends={"ru": _("The letter in Russian"), "en": _("The letter in English")})


def _request_form(locale: str, registration: Registration) -> LetterRequestForm:
    form = LetterRequestForm()
    form.citizenship.choices = options([("", "—")]) + options(country_choices(locale))
    if request.method == "GET":
        form.language.data = "ru" if locale in ("ky", "ru") else "en"
        if letters.is_latin_name(registration.full_name):  # a start; the passport decides
            form.name_latin.data = registration.full_name.upper()
    return form


@bp.route("/r/<token>/letter", methods=["GET", "POST"])
@limiter.limit(_public_post_limit, methods=["POST"])
def letter(token: str):
    """The participant's invitation letter: a form with what a visa letter needs, answered with the PDF."""
    registration = _private(token)
    return _letter(registration, url_for("events.private", token=registration.token), _("Your registration"))


@bp.route("/d/<token>/members/<id:registration_id>/letter", methods=["GET", "POST"],
          endpoint="delegation_letter")
@limiter.limit(_public_post_limit, methods=["POST"])
def delegation_letter(token: str, registration_id: int):
    """A delegation member's letter, from their head's page (a member without an email has no page of their
    own)."""
    delegation = _delegation(token)
    member = _member(delegation, registration_id)
    return _letter(member, url_for("events.delegation", token=delegation.token),
                   delegation.name or _("Your delegation"), for_member=True)  # as the other member pages


def _letter(registration: Registration, back_url: str, back_label: str, for_member: bool = False):
    refusal = letters.letter_refusal(registration)
    if refusal is not None:
        raise refusal
    locale = current_locale()
    form = _request_form(locale, registration)
    if form.validate_on_submit():
        details = letters.VisaDetails(name_latin=form.name_latin.data or "",
                                      passport_number=form.passport_number.data or "",
                                      birth_date=form.birth_date.data, citizenship=form.citizenship.data or "")
        try:
            with attempt():  # nothing is written: the details live in this request only
                body = letters.invitation_letter(registration, details, form.language.data)
        except ValidationError as error:
            for name, messages in error.errors.items():
                for message in messages:
                    add_error(form[name], message)
        else:
            response = make_response(body)
            response.headers["Content-Type"] = "application/pdf"
            response.headers["Content-Disposition"] = (
                f'attachment; filename="invitation-{registration.event.slug}-{form.language.data}.pdf"')
            return _no_store(response)
    return _no_store(make_response(render_template("events/letter.html", registration=registration,
                                                   event=registration.event, form=form, back_url=back_url,
                                                   back_label=back_label, for_member=for_member)))
