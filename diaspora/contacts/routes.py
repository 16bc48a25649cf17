"""Contacts' pages: a country's emergency and official contacts (/contacts), one contact, proposing and
changing them, reporting a wrong number, and the moderators' page."""
from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from diaspora.contacts import services
from diaspora.contacts.forms import ContactForm, ReportForm, field_labels, kind_labels, problem_labels
from diaspora.content_forms import fill_form, form_text, translated_form
from diaspora.errors import Forbidden
from diaspora.extensions import db, limiter
from diaspora.forms import add_error, options
from diaspora.i18n import (
    COMMON_LANGUAGES,
    country_choices,
    country_codes,
    country_name,
    current_locale,
    language_name,
)
from diaspora.models import Contact, ContactReport
from diaspora.offline import Page
from diaspora.unit_of_work import attempt
from diaspora.validation import ValidationError

bp = Blueprint("contacts", __name__)
COUNTRY_COOKIE = "contacts_country"


def public_post_limit() -> str:
    return current_app.config["PUBLIC_POST_RATE_LIMIT"]


def _country_arg() -> str | None:
    country = (request.args.get("country") or "").strip().upper()
    return country if country in country_codes() else None


def _centre_arg() -> tuple[float, float] | None:
    try:
        lat, lng = float(request.args.get("lat", "")), float(request.args.get("lng", ""))
    except ValueError:
        return None
    return (lat, lng) if -90 <= lat <= 90 and -180 <= lng <= 180 else None


def chosen_place() -> tuple[str | None, str | None, tuple[float, float] | None]:
    """(country, city, centre) a page was asked for: ?country=, else "near me" (?lat=&lng=), else the country
    chosen last time (a cookie)."""
    country = _country_arg()
    centre = _centre_arg()
    city = None
    if country is None and centre is not None:
        found = services.nearest_place(*centre)
        if found:
            country, city = found
    if country is None:
        remembered = (request.cookies.get(COUNTRY_COOKIE) or "").upper()
        country = remembered if remembered in country_codes() else None
    return country, city, centre


def country_options(chosen: str | None) -> list[tuple[str, str]]:
    """Countries that have contacts (and the one asked for), by name in the reader's language."""
    have = set(services.countries_with_contacts()) | ({chosen} if chosen else set())
    return [(code, name) for code, name in country_choices(current_locale(), common_first=False) if code in have]


def remember_country(response, country: str | None):
    if country:
        response.set_cookie(COUNTRY_COOKIE, country, max_age=365 * 24 * 3600, samesite="Lax", httponly=True,
                            secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


@bp.get("/contacts")
def index():
    country, city, centre = chosen_place()
    q = (request.args.get("q") or "").strip()[:200]
    found = services.listing(country, q=q or None, centre=centre) if country else None
    response = make_response(render_template(
        "contacts/index.html", country=country, near_city=city, centre=centre, q=q, listing=found,
        countries=country_options(country), kinds=kind_labels(), near_me_failed=centre is not None and not city,
        can_propose=services.can_propose(current_user)))
    return remember_country(response, country if request.args.get("country") or centre else None)


def visible_contact(contact_id: int) -> Contact:
    contact = db.session.get(Contact, contact_id)
    if not services.visible(current_user, contact):
        abort(404)
    assert contact is not None
    return contact


@bp.get("/contacts/<id:contact_id>")
def show(contact_id: int):
    contact = visible_contact(contact_id)
    return render_template("contacts/show.html", contact=contact, kinds=kind_labels(),
                           is_moderator=services.is_moderator(current_user))


def contact_form(formdata=None):
    form = translated_form(ContactForm, formdata=formdata) if formdata is not None else translated_form(ContactForm)
    locale = current_locale()
    form.kind.choices = options([("", _("Choose")), *list(kind_labels().items())])
    form.country.choices = options([("", _("Choose a country")), *country_choices(locale)])
    form.languages.choices = options((code, language_name(code, locale)) for code in COMMON_LANGUAGES)
    orgs = services.proposing_organizations(current_user)
    form.organization.choices = options([(str(org.id), org.name) for org in orgs])
    return form, orgs


def _data(form) -> services.ContactData:
    return services.ContactData(
        kind=form.kind.data or "", name=form_text(form, "name"), country=form.country.data or "",
        city=form.city.data, phone=form.phone.data, whatsapp=form.whatsapp.data, telegram=form.telegram.data,
        address=form.address.data, hours=form.hours.data, languages=list(form.languages.data or []),
        latitude=None if form.latitude.data is None else float(form.latitude.data),
        longitude=None if form.longitude.data is None else float(form.longitude.data))


def _show_errors(form, error: ValidationError) -> None:
    for name, messages in error.errors.items():
        target = form[name] if name in form else form.phone  # noqa: SIM401  (a form has no .get)
        for message in messages:
            add_error(target, message)


def _organization_id(form) -> int | None:
    value = form.organization.data
    return int(value) if value and str(value).isdigit() else None


@bp.route("/contacts/new", methods=["GET", "POST"])
@login_required
def new():
    if not services.can_propose(current_user):
        raise Forbidden(_("Only site moderators and the admins of a published association can propose contacts."))
    form, orgs = contact_form()
    if not form.is_submitted():
        form.country.data = _country_arg() or ""
    if form.validate_on_submit():
        try:
            with attempt():
                contact = services.create(current_user, _data(form), organization_id=_organization_id(form))
        except ValidationError as error:
            _show_errors(form, error)
        else:
            if contact.status == "published":
                flash(_("The contact is published."), "success")
            else:
                flash(_("Thank you. A moderator will check the contact before it is published."), "success")
            return redirect(url_for("contacts.show", contact_id=contact.id))
    return render_template("contacts/form.html", form=form, orgs=orgs, contact=None,
                           is_moderator=services.is_moderator(current_user))


@bp.route("/contacts/<id:contact_id>/edit", methods=["GET", "POST"])
@login_required
def edit(contact_id: int):
    contact = visible_contact(contact_id)
    if not services.can_propose(current_user):
        raise Forbidden(_("Only site moderators and the admins of a published association can propose contacts."))
    form, orgs = contact_form()
    if not form.is_submitted():
        form.process(data={name: getattr(contact, name) for name in services.FIELDS if name != "name"})
        fill_form(form, "name", contact.name)
        form.organization.data = str(contact.organization_id or "")
    if form.validate_on_submit():
        try:
            with attempt():
                saved = services.update(current_user, contact, _data(form), organization_id=_organization_id(form))
        except ValidationError as error:
            _show_errors(form, error)
        else:
            if saved.id == contact.id:
                flash(_("Saved."), "success")
            else:
                flash(_("Thank you. A moderator will check the change before it is published."), "success")
            return redirect(url_for("contacts.show", contact_id=saved.id))
    return render_template("contacts/form.html", form=form, orgs=orgs, contact=contact,
                           is_moderator=services.is_moderator(current_user))


@bp.route("/contacts/<id:contact_id>/report", methods=["GET", "POST"])
@limiter.limit(public_post_limit, methods=["POST"])
def report(contact_id: int):
    contact = db.session.get(Contact, contact_id)
    if contact is None or contact.status != "published":
        abort(404)
    form = ReportForm()
    form.problem.choices = options([("", _("Choose")), *list(problem_labels().items())])
    if form.validate_on_submit():
        try:
            with attempt():
                services.report(contact, form.problem.data, form.message.data)
        except ValidationError as error:
            _show_errors(form, error)
        else:
            flash(_("Thank you. The moderators are told at once and will check this contact."), "success")
            return redirect(url_for("contacts.index", country=contact.country) + f"#contact-{contact.id}")
    return render_template("contacts/report.html", contact=contact, form=form)


def _moderator_action(contact_id: int, action, message: str):
    contact = db.session.get(Contact, contact_id)
    if contact is None:
        abort(404)
    result = action(current_user, contact)
    flash(message, "success")
    target = result if isinstance(result, Contact) else contact
    back = request.form.get("back")
    if back == "moderation":
        return redirect(url_for("contacts.moderation"))
    if target.status == "published":
        return redirect(url_for("contacts.index", country=target.country) + f"#contact-{target.id}")
    return redirect(url_for("contacts.moderation"))


@bp.post("/contacts/<id:contact_id>/publish")
@login_required
def publish(contact_id: int):
    return _moderator_action(contact_id, services.publish, _("Published."))


@bp.post("/contacts/<id:contact_id>/hide")
@login_required
def hide(contact_id: int):
    return _moderator_action(contact_id, services.hide, _("Hidden: it is no longer shown."))


@bp.post("/contacts/<id:contact_id>/verify")
@login_required
def verify(contact_id: int):
    return _moderator_action(contact_id, services.mark_verified, _("Marked as verified today."))


@bp.get("/moderation/contacts")
@login_required
def moderation():
    services.require_moderator(current_user)
    return render_template("contacts/moderation.html", pending=services.pending(), reports=services.open_reports(),
                           hidden=services.hidden(), changes=services.changes, kinds=kind_labels(),
                           field_labels=field_labels(),
                           problems=problem_labels())


@bp.post("/moderation/contacts/reports/<id:report_id>/<any(resolved, dismissed):status>")
@login_required
def resolve_report(report_id: int, status: str):
    row = db.get_or_404(ContactReport, report_id)
    services.resolve_report(current_user, row, status)
    flash(_("Report closed."), "success")
    return redirect(url_for("contacts.moderation"))


def offline_pages(country: str) -> list[Page]:
    """The country's contacts for "Save for offline": its page and each contact's own."""
    pages = [Page(url_for("contacts.index", country=country),
                  _("Emergency and official contacts") + ": " + country_name(country))]
    for contact in db.session.scalars(services.published(country)).all():
        pages.append(Page(url_for("contacts.show", contact_id=contact.id), contact.name()))
    return pages
