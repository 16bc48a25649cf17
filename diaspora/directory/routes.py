"""Directory pages: the map and list, an association's page, registering and editing, reports."""
from urllib.parse import urlencode

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required

from diaspora import signals
from diaspora.content_forms import form_data, form_text, translated_form
from diaspora.directory import edits, freshness, invitations, map_filters, members, services
from diaspora.directory import search as finder
from diaspora.directory.contacts import contact_links
from diaspora.directory.forms import (
    AcceptInvitationForm,
    InviteForm,
    OrganizationForm,
    ReportForm,
    field_labels,
)
from diaspora.errors import DomainError, Forbidden, ServiceError
from diaspora.extensions import db, limiter
from diaspora.forms import add_error, options
from diaspora.geo import maps
from diaspora.i18n import (
    COMMON_COUNTRIES,
    COMMON_LANGUAGES,
    country_choices,
    country_name,
    current_locale,
    language_choices,
)
from diaspora.models import Organization
from diaspora.unit_of_work import attempt

bp = Blueprint("directory", __name__)
PAGE_SIZE = 20
MAX_PAGE = 10_000
FILTER_KEYS = map_filters.FILTER_KEYS


def _public_post_limit() -> str:
    return current_app.config["PUBLIC_POST_RATE_LIMIT"]


def _fill_choices(form: OrganizationForm) -> None:
    locale = current_locale()
    form.categories.choices = options((c.slug, c.label()) for c in services.all_categories())
    form.languages.choices = (
        options(language_choices(locale)[:len(COMMON_LANGUAGES)], _("Frequent")) +
        options(language_choices(locale)[len(COMMON_LANGUAGES):], _("All languages")))
    form.country.choices = (
        options([("", _("Choose a country"))]) +
        options(country_choices(locale)[:len(COMMON_COUNTRIES)], _("Frequent")) +
        options(country_choices(locale)[len(COMMON_COUNTRIES):], _("All countries")))


def _data_from(form: OrganizationForm) -> services.OrganizationData:
    return services.OrganizationData(
        name=(form.name.data or "").strip(), description=form_text(form, "description"),
        country=form.country.data, city=(form.city.data or "").strip(), address=form.address.data,
        latitude=float(form.latitude.data) if form.latitude.data is not None else None,
        longitude=float(form.longitude.data) if form.longitude.data is not None else None,
        categories=form.categories.data or [], languages=form.languages.data or [],
        email=(form.email.data or "").strip().lower() or None, phone=form.phone.data, website=form.website.data,
        telegram=form.telegram.data, whatsapp=form.whatsapp.data, instagram=form.instagram.data,
        facebook=form.facebook.data, vk=form.vk.data, year_founded=form.year_founded.data,
    )


def _get_visible(org_id: int) -> Organization:
    org = db.session.get(Organization, org_id)
    if org is None or not services.visible_to(current_user, org):
        abort(404)
    return org


def _tiles() -> dict:
    return map_filters.tiles()


@bp.get("/map")
def map_view():
    found = map_filters.read(request.args, PAGE_SIZE)
    form, params = found.form, found.params
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), MAX_PAGE)
    params.offset = (page - 1) * PAGE_SIZE
    result = finder.search(params)
    fmap = map_filters.draw(found)
    filters = urlencode([(key, value) for key in FILTER_KEYS for value in request.args.getlist(key)])

    def page_url(number: int) -> str:
        return url_for("directory.map_view") + "?" + "&".join(filter(None, [filters, f"page={number}"])) + "#results"

    return render_template(
        "directory/map.html", form=form, result=result, params=params, fmap=fmap, page=page,
        page_size=PAGE_SIZE, page_url=page_url, count_label=ngettext(
            "%(num)d association found", "%(num)d associations found", result.total),
        has_more=params.offset + PAGE_SIZE < result.total,
        embed_url=url_for("embed.builder") + ("?" + filters if filters else ""),
        chips=map_filters.chips(found, request.args),
    )


@bp.get("/map/popup/<id:org_id>")
def popup(org_id: int):
    """What a marker's popup shows, as JSON; map.js puts it on the page with textContent. `lang`: the widget's
    language, when its snippet chose one."""
    org = db.session.get(Organization, org_id)
    asked = request.args.get("lang", "")
    with force_locale(asked if asked in current_app.config["LANGUAGES"] else current_locale()):
        if org is None or not org.is_published:
            return {"error": {"message": _("Not found."), "field": None}}, 404
        return {
            "name": org.name,
            "place": ", ".join(filter(None, [org.city, country_name(org.country, current_locale())])),
            "services": [c.label() for c in org.categories],
            "url": url_for("directory.show", org_id=org.id),
            "link_label": _("Open the page"),
            "demo": _("Demo entry") if org.is_demo else None,
        }


@bp.get("/organizations/<id:org_id>")
def show(org_id: int):
    org = _get_visible(org_id)
    fmap = None
    if (position := org.position) is not None:
        fmap = maps.pins_map([maps.Pin(*position, org.name)], **_tiles())
    can_edit = services.can_edit(current_user, org)
    waiting = rejected_edit = None
    if can_edit:  # the association's people (and moderators) see what waits; everyone else, the published page
        waiting = edits.pending_edit(org)
        rejected_edit = None if waiting else edits.last_rejected_edit(org)
    return render_template(
        "directory/show.html", org=org, fmap=fmap, links=contact_links(org),
        member_count=members.member_count(org), member_role=members.role_of(current_user, org),
        join_waiting=members.pending_request(current_user, org),
        can_edit=can_edit, locale=current_locale(), waiting=waiting, rejected_edit=rejected_edit,
        change_rows=edits.change_rows(org, waiting) if waiting else [], field_labels=field_labels(),
        sections=signals.page_sections(signals.organization_page, org),
    )


@bp.route("/organizations/new", methods=["GET", "POST"])
@login_required
def new():
    form = translated_form(OrganizationForm)
    _fill_choices(form)
    if form.validate_on_submit():
        try:
            with attempt():
                org, notice = services.register_organization(current_user, _data_from(form))
        except ServiceError as error:
            add_error(getattr(form, error.field or "name"), error.message)
        else:
            flash(_("Thank you! The association will appear in the directory once a moderator has checked it."),
                  "success")
            if notice:
                flash(notice, "warning")
            return redirect(url_for("directory.show", org_id=org.id))
    return render_template("directory/form.html", form=form, org=None, **_tiles())


@bp.route("/organizations/<id:org_id>/edit", methods=["GET", "POST"])
@login_required
def edit(org_id: int):
    org = _get_visible(org_id)
    services.require_editor(current_user, org)
    # GET: the entry as published, or with the changes that wait for moderation when they are the reader's
    form = translated_form(OrganizationForm, data=form_data(edits.form_values(current_user, org), OrganizationForm)
                           if request.method == "GET" else None)
    _fill_choices(form)
    if form.validate_on_submit():
        was_rejected = org.status == "rejected"
        try:
            with attempt():
                saved = edits.save(current_user, org, _data_from(form))
        except ServiceError as error:
            add_error(getattr(form, error.field or "name"), error.message)
        else:
            if saved.waiting:
                flash(_("Thank you. Your changes will appear once a moderator has checked them; "
                        "until then everyone sees the page as it was."), "success")
            else:
                flash(_("Sent for review again.") if was_rejected else _("Saved."), "success")
            if saved.notice:
                flash(saved.notice, "warning")
            return redirect(url_for("directory.show", org_id=org.id))
    return render_template("directory/form.html", form=form, org=org, waiting=edits.pending_edit(org),
                           rejected_edit=edits.last_rejected_edit(org),
                           moderated=edits.needs_moderation(current_user, org), **_tiles())


@bp.route("/organizations/<id:org_id>/admins", methods=["GET", "POST"])
@login_required
@limiter.limit(_public_post_limit, methods=["POST"])  # each invitation is a mail we send
def admins(org_id: int):
    org = _get_visible(org_id)
    services.require_editor(current_user, org)
    form = InviteForm()
    if form.validate_on_submit():
        try:
            with attempt():
                invitations.invite(current_user, org, form.email.data, form.role.data or "admin", current_locale())
        except ServiceError as error:
            add_error(getattr(form, error.field or "email"), error.message)
        else:
            # the same words whether or not the address has an account
            flash(_("We have sent an invitation to %(email)s. It works once, for %(days)d days.",
                    email=(form.email.data or "").strip().lower(), days=invitations.VALID_FOR.days), "success")
            return redirect(url_for("directory.admins", org_id=org.id))
    can_manage = services.can_manage_admins(current_user, org)
    return render_template("directory/admins.html", org=org, form=form, memberships=services.admins_of(org),
                           invitations=invitations.open_invitations(org) if can_manage else [],
                           can_manage=can_manage, valid_days=invitations.VALID_FOR.days)


@bp.post("/organizations/<id:org_id>/invitations/<id:invitation_id>/revoke")
@login_required
def revoke_invitation(org_id: int, invitation_id: int):
    org = _get_visible(org_id)
    role = invitations.revoke(current_user, org, invitation_id)
    flash(_("The invitation was withdrawn: its link no longer works."), "success")
    # back to the page it was listed on: members' invitations are on the members' page
    return redirect(url_for("directory.members" if role == "member" else "directory.admins", org_id=org.id))


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def invitation(token: str):
    """The link from the invitation mail: log in (or sign up) and come back here, then accept."""
    found = invitations.find(token)
    if found is None:
        return render_template("directory/invitation.html", invitation=None, form=None), 404
    form = AcceptInvitationForm()
    # another account than the invited address: told which address, and the invitation stays open for it
    for_this_account = current_user.is_authenticated and invitations.is_for(current_user, found)
    status = 200
    if current_user.is_authenticated and form.validate_on_submit():
        try:
            with attempt():
                accepted = invitations.accept(current_user, token)
        except DomainError as error:
            if not isinstance(error, Forbidden):
                flash(error.message, "error")
                return render_template("directory/invitation.html", invitation=None, form=None), error.status
            status = error.status  # the page below says why
        else:
            name = accepted.organization.name
            flash({"admin": _("You are now an admin of %(name)s.", name=name),
                   "member": _("You are now a member of %(name)s.", name=name)}.get(
                accepted.role, _("You are now a volunteer of %(name)s.", name=name)), "success")
            return redirect(url_for("directory.show", org_id=accepted.organization_id))
    back = url_for("directory.invitation", token=token)
    return render_template("directory/invitation.html", invitation=found, form=form, for_this_account=for_this_account,
                           login_url=url_for("auth.login", next=back), signup_url=url_for("auth.signup", next=back),
                           logout_url=url_for("auth.logout", next=back)), status


@bp.post("/organizations/<id:org_id>/admins/<id:user_id>/remove")
@login_required
def remove_admin(org_id: int, user_id: int):
    org = _get_visible(org_id)
    try:
        with attempt():
            services.remove_coadmin(current_user, org, user_id)
    except ServiceError as error:
        flash(error.message, "error")
    else:
        flash(_("Removed."), "success")
    return redirect(url_for("directory.admins", org_id=org.id))


@bp.route("/organizations/<id:org_id>/confirm/<token>", methods=["GET", "POST"])
@limiter.limit(_public_post_limit, methods=["POST"])
def confirm(org_id: int, token: str):
    """The yearly reminder's link: no login needed (the signed link is the key); the GET only shows a button,
    so a mail scanner that follows links confirms nothing."""
    org = freshness.organization_for_token(token)
    if org is None or org.id != org_id:
        return render_template("directory/confirm.html", org=None, form=None), 404
    form = AcceptInvitationForm()
    if form.validate_on_submit():
        freshness.confirm(org, current_user)
        flash(_("Thank you! The entry is confirmed as correct."), "success")
        return redirect(url_for("directory.show", org_id=org.id))
    return render_template("directory/confirm.html", org=org, form=form)


@bp.route("/organizations/<id:org_id>/report", methods=["GET", "POST"])
@limiter.limit(_public_post_limit, methods=["POST"])
def report(org_id: int):
    org = db.session.get(Organization, org_id)
    if org is None or not org.is_published:
        abort(404)
    form = ReportForm()
    if form.validate_on_submit():
        services.report_organization(org, form.reason.data, form.message.data, form.email.data, current_user)
        flash(_("Thank you. A moderator will check the entry."), "success")
        return redirect(url_for("directory.show", org_id=org.id))
    return render_template("directory/report.html", org=org, form=form)
