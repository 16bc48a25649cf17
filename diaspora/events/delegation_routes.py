"""Delegations on the web: the head's registration form (/events/<slug>/delegation) and the delegation's
private page (/d/<token>, the link in the head's mail): each member's status, waitlist place and ticket,
editing, adding and cancelling members."""
from flask import abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from diaspora.errors import ServiceError
from diaspora.events import delegation_web as web
from diaspora.events import delegations
from diaspora.events import registrations as regs
from diaspora.events.documents import ticket_pdf
from diaspora.events.notify import chosen_sessions
from diaspora.events.routes import _no_store, _public_post_limit, _visible_event, bp
from diaspora.events.web import data_from, registration_form
from diaspora.events.web import show_errors as show_registration_errors
from diaspora.extensions import limiter
from diaspora.i18n import current_locale
from diaspora.unit_of_work import attempt
from diaspora.urls import MAX_ID, external_url


def _members_cost() -> int:
    """A delegation counts as many people as it has members, against the delegations' own limit."""
    return max(1, min(web.members_sent(request.form), delegations.MAX_MEMBERS))


@bp.route("/events/<slug>/delegation", methods=["GET", "POST"], endpoint="register_delegation")
@limiter.limit(_public_post_limit, methods=["POST"])
@limiter.shared_limit(lambda: current_app.config["DELEGATION_MEMBERS_RATE_LIMIT"], scope="delegation-members",
                      methods=["POST"], cost=_members_cost,
                      exempt_when=lambda: "add_member" in request.form)  # a row added: nobody registered yet
def register_delegation(slug: str):
    """Without JavaScript "add a member" sends the form and gets it back with one more row, nothing typed
    lost; delegation.js adds the row in the page instead."""
    event = _visible_event(slug)
    locale = current_locale()
    state = regs.registration_state(event)
    form = web.delegation_form(event, locale)
    status = 200
    if request.method == "POST" and state != "open":
        flash(regs.closed_message(state), "error")
        status = 409
    elif request.method == "POST" and "add_member" in request.form:
        if web.can_add_row(form):
            web.add_row(form, locale)
        else:
            flash(delegations.too_many_message(), "error")
            status = 422
    elif request.method == "POST" and web.too_many(form):
        flash(delegations.too_many_message(), "error")
        status = 422
    elif request.method == "POST" and form.validate_on_submit():
        rows = web.filled_rows(form)
        try:
            with attempt():
                created = delegations.create(event.slug, web.head_data(form, locale),
                                             [web.member_data(form.members[i].form, event) for i in rows])
        except regs.InvalidRegistration as error:
            for message in web.show_errors(form, error.errors, rows):
                flash(message, "error")
            status = 422
        except ServiceError as error:  # closed meanwhile
            flash(error.message, "error")
            status = 409
        else:
            return redirect(url_for("events.delegation", token=created.token, new=1))
    return render_template("events/delegation_register.html", event=event, form=form, state=state,
                           max_members=delegations.MAX_MEMBERS,
                           closed_message=regs.closed_message(state), places_left=regs.places_left(event)), status


def _delegation(token: str):
    delegation = delegations.by_token(token)
    if delegation is None:
        abort(404)
    return delegation


def _member(delegation, registration_id: int):
    registration = delegations.member_of(delegation, registration_id)
    if registration is None:
        abort(404)
    return registration


def _page(delegation, add_form, status: int = 200):
    event = delegation.event
    members = [(m, regs.waitlist_position(m)) for m in delegation.members]
    response = make_response(render_template(
        "events/delegation.html", delegation=delegation, event=event, members=members, add_form=add_form,
        active=delegations.active_members(delegation), state=regs.registration_state(event),
        new=request.args.get("new") == "1"), status)
    return _no_store(response)


@bp.get("/d/<token>", endpoint="delegation")
def delegation_page(token: str):
    delegation = _delegation(token)
    return _page(delegation, web.member_form(delegation.event, delegation.language))


@bp.post("/d/<token>/add", endpoint="delegation_add")
@limiter.limit(_public_post_limit)
def add_member(token: str):
    delegation = _delegation(token)
    event = delegation.event
    form = web.member_form(event, delegation.language)
    if form.validate_on_submit():
        try:
            with attempt():
                registration = delegations.add_member(delegation, web.member_data(form.member.form, event))
        except regs.InvalidRegistration as error:
            for message in web.show_errors(form, error.errors, [], members_field="member"):
                flash(message, "error")
        except ServiceError as error:
            flash(error.message, "error")
        else:
            flash(_("%(name)s is added to the delegation.", name=registration.full_name), "success")
            return redirect(url_for("events.delegation", token=token))
        delegation = _delegation(token)  # read again: the attempt was rolled back
    return _page(delegation, form, 422)


@bp.route("/d/<token>/members/<id:registration_id>", methods=["GET", "POST"], endpoint="delegation_member")
@limiter.limit(_public_post_limit, methods=["POST"])
def edit_member(token: str, registration_id: int):
    delegation = _delegation(token)
    member = _member(delegation, registration_id)
    event = delegation.event
    form = registration_form(event, delegation.language, None, registration=member,
                             formdata=request.form if request.method == "POST" else None)
    del form.public_listing  # publishing a name is the member's own choice, made on their own page
    # the head reads this page about someone else: the labels do not say "your"
    form.organization_id.label.text = _("Association (optional)")
    if event.sessions:
        form.sessions.label.text = _("Sessions")
    if request.method == "POST" and form.validate_on_submit():
        try:
            with attempt():
                delegations.update_member(delegation, member, data_from(form, event, member.language))
        except regs.InvalidRegistration as error:
            show_registration_errors(form, error.errors)
        except ServiceError as error:
            flash(error.message, "error")
        else:
            flash(_("The changes are saved."), "success")
            return redirect(url_for("events.delegation", token=token))
    response = make_response(render_template("events/delegation_member.html", delegation=delegation, event=event,
                                             registration=member, form=form))
    return _no_store(response)


@bp.route("/d/<token>/cancel", methods=["GET", "POST"], endpoint="delegation_cancel")
@limiter.limit(_public_post_limit, methods=["POST"])
def cancel(token: str):
    """A confirmation page for one member (?member=<id>) or everyone; only its "yes" cancels."""
    delegation = _delegation(token)
    member_id = None
    if "member" in request.values:  # one member: a valid id of this delegation, never "everyone" by mistake
        value = request.values["member"]
        valid = value.isascii() and value.isdigit() and len(value) <= 10 and 0 < int(value) <= MAX_ID
        member_id = int(value) if valid else None
        if member_id is None:
            abort(404)
    chosen = [_member(delegation, member_id)] if member_id else delegations.active_members(delegation)
    chosen = [m for m in chosen if m.status not in ("cancelled", "rejected")]
    if not chosen:
        return redirect(url_for("events.delegation", token=token))
    if request.method == "POST" and request.form.get("confirm") == "yes":
        cancelled = delegations.cancel_members(delegation, chosen)
        flash(_("Cancelled: %(names)s. The places go to the next people on the waitlist.",
                names=", ".join(m.full_name for m in cancelled)), "success")
        return redirect(url_for("events.delegation", token=token))
    response = make_response(render_template("events/delegation_cancel.html", delegation=delegation,
                                             event=delegation.event, chosen=chosen, member_id=member_id))
    return _no_store(response)


@bp.get("/d/<token>/members/<id:registration_id>/ticket.pdf", endpoint="delegation_ticket")
def ticket(token: str, registration_id: int):
    delegation = _delegation(token)
    member = _member(delegation, registration_id)
    if member.status != "confirmed":
        abort(404)
    body = ticket_pdf(member, member.event, current_locale(), sessions=chosen_sessions(member),
                      manage_url=external_url("events.private", token=member.token))
    response = make_response(body)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="ticket-{member.event.slug}-{member.id}.pdf"'
    return _no_store(response)
