"""Event pages for everyone: upcoming events, an event's page and calendar, registering, and each
participant's private page (reached by the secret link in their mail)."""
from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from diaspora.content_i18n import I18nText
from diaspora.errors import ServiceError
from diaspora.events import registrations as regs
from diaspora.events import services
from diaspora.events.choices import HOME_REGIONS, SECTORS, STATUSES
from diaspora.events.documents import event_ics, events_ics, ticket_pdf
from diaspora.events.notify import chosen_sessions
from diaspora.events.web import data_from, local, place_parts, registration_form, show_errors, zone_label
from diaspora.extensions import db, limiter
from diaspora.geo import maps
from diaspora.i18n import current_locale
from diaspora.models import Event, Organization, Registration
from diaspora.qr import qr_svg
from diaspora.unit_of_work import attempt
from diaspora.urls import external_url

bp = Blueprint("events", __name__)


def _public_post_limit() -> str:
    return current_app.config["PUBLIC_POST_RATE_LIMIT"]


def _visible_event(slug: str) -> Event:
    event = services.event_by_slug(slug)
    if event is None or (event.status == "draft" and services.role_of(current_user, event) is None):
        abort(404)
    return event


ORGANIZATIONS_IN_A_LIST = 300


def _organizations():
    """The directory as a list to choose from while it is short; past that, None: people type the name
    (a select of thousands is heavy on a phone, and slow to send)."""
    rows = db.session.scalars(select(Organization).where(Organization.status == "published")
                              .order_by(Organization.sort_key).limit(ORGANIZATIONS_IN_A_LIST + 1)).all()
    return rows if len(rows) <= ORGANIZATIONS_IN_A_LIST else None


def _private(token: str) -> Registration:
    registration = db.session.scalar(select(Registration).where(Registration.token == token)) \
        if token and len(token) <= 64 else None
    if registration is None:
        abort(404)
    return registration


def _no_store(response):
    # the private page carries personal data and a secret link: not for shared caches or history
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.app_context_processor
def event_helpers():
    return {"event_time": lambda event, moment, fmt="medium": local(event, moment, fmt, current_locale()),
            "event_place": place_parts,
            "HOME_REGIONS": HOME_REGIONS, "SECTORS": SECTORS, "REGISTRATION_STATUSES": STATUSES}


def _pin(position: tuple[float, float], label: I18nText, url: str | None = None) -> maps.Pin:
    """A marker labelled in the reader's language (or the fallback), saying which language that is."""
    shown = label.shown()
    return maps.Pin(*position, shown.text, url, shown.language)


@bp.get("/events")
def index():
    events = services.upcoming()
    pins = [_pin(position, e.title, url_for("events.show", slug=e.slug))
            for e in events if (position := e.position) is not None]
    fmap = None
    if pins:
        fmap = maps.pins_map(pins, tiles_url=current_app.config["TILES_URL"] or None,
                             attribution=current_app.config["TILES_ATTRIBUTION"])
    return render_template("events/index.html", events=events, fmap=fmap, locale=current_locale(),
                           can_create=services.can_create(current_user),
                           managed=services.managed_by(current_user))


@bp.get("/events/<slug>")
def show(slug: str):
    event = _visible_event(slug)
    locale = current_locale()
    fmap = None
    if (position := event.position) is not None:
        fmap = maps.pins_map([_pin(position, event.venue_name if event.venue_name else event.title)],
                             tiles_url=current_app.config["TILES_URL"] or None,
                             attribution=current_app.config["TILES_ATTRIBUTION"])
    session_taken = regs.session_places_taken([s.id for s in event.sessions if s.capacity is not None])
    return render_template(
        "events/show.html", event=event, locale=locale, fmap=fmap, state=regs.registration_state(event),
        places_left=regs.places_left(event), session_taken=session_taken, zone=zone_label(event, locale),
        participants=services.public_participants(event), manage_endpoint=services.landing(current_user, event),
        closed_message=regs.closed_message(regs.registration_state(event)),
    )


@bp.get("/events/<slug>/calendar.ics")
def calendar(slug: str):
    event = _visible_event(slug)
    body = event_ics(event, current_locale(), sessions=list(event.sessions),
                     url=external_url("events.show", slug=event.slug))
    response = make_response(body)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{event.slug}.ics"'
    return response


@bp.get("/organizations/<id:org_id>/events.ics")
def organization_calendar(org_id: int):
    """A calendar feed of an association's upcoming events: subscribed to, it follows their changes."""
    org = db.session.get(Organization, org_id)
    if org is None or not org.is_published:
        abort(404)
    body = events_ics(services.upcoming(100, organization_id=org.id), current_locale(), org.name,
                      lambda event: external_url("events.show", slug=event.slug))
    response = make_response(body)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'inline; filename="organization-{org.id}.ics"'
    return response


@bp.route("/events/<slug>/register", methods=["GET", "POST"])
@limiter.limit(_public_post_limit, methods=["POST"])
def register(slug: str):
    event = _visible_event(slug)
    locale = current_locale()
    state = regs.registration_state(event)
    form = registration_form(event, locale, _organizations())
    if request.method == "GET" and current_user.is_authenticated:
        form.email.data = form.email.data or current_user.email
        form.full_name.data = form.full_name.data or current_user.name
    if request.method == "POST" and state != "open":  # a form kept open while the event was cancelled or closed
        flash(regs.closed_message(state), "error")
    if state == "open" and form.validate_on_submit():
        try:
            with attempt():
                outcome = regs.register(event, data_from(form, event, locale), user=current_user)
        except regs.InvalidRegistration as error:
            show_errors(form, error.errors)
        except ServiceError as error:  # closed meanwhile
            flash(error.message, "error")
        else:
            if not outcome.created:
                # Said to whoever typed the address: the link itself goes only to the mailbox.
                flash(_("This email is already registered for the event. We have sent the link to your "
                        "registration to it again."), "warning")
                return redirect(url_for("events.show", slug=event.slug))
            return redirect(url_for("events.private", token=outcome.registration.token, new=1))
    return render_template("events/register.html", event=event, form=form, locale=locale, state=state,
                           closed_message=regs.closed_message(state), places_left=regs.places_left(event)), \
        409 if request.method == "POST" and state != "open" else 200


@bp.route("/r/<token>", methods=["GET", "POST"])
@limiter.limit(_public_post_limit, methods=["POST"])
def private(token: str):
    registration = _private(token)
    event = registration.event
    locale = current_locale()
    form = registration_form(event, locale, _organizations(), registration=registration,
                             formdata=request.form if request.method == "POST" else None)
    if request.method == "POST" and form.validate_on_submit():
        data = data_from(form, event, registration.language)
        try:
            with attempt():
                regs.update_registration(registration, data)
        except regs.InvalidRegistration as error:
            show_errors(form, error.errors)
        except ServiceError as error:
            flash(error.message, "error")
        else:
            flash(_("Your answers are saved."), "success")
            return redirect(url_for("events.private", token=token))
    response = make_response(render_template(
        "events/private.html", registration=registration, event=event, form=form, locale=locale,
        position=regs.waitlist_position(registration), sessions=chosen_sessions(registration),
        qr=qr_svg(registration.code, label=_("Check-in code %(code)s", code=registration.code))
        if registration.status == "confirmed" else None,
        new=request.args.get("new") == "1", zone=zone_label(event, locale)))
    return _no_store(response)


@bp.route("/r/<token>/cancel", methods=["GET", "POST"])
@limiter.limit(_public_post_limit, methods=["POST"])
def cancel(token: str):
    """A confirmation page saying what cancelling does; only its "yes" (confirm=yes) cancels."""
    registration = _private(token)
    if registration.status in ("cancelled", "rejected"):
        return redirect(url_for("events.private", token=token))
    if request.method == "POST" and request.form.get("confirm") == "yes":
        regs.cancel(registration)
        flash(_("Your registration is cancelled; we have sent you a mail confirming it. Thank you for letting "
                "us know: your place goes to the next person on the waitlist."), "success")
        return redirect(url_for("events.private", token=token))
    response = make_response(render_template(
        "events/cancel_registration.html", registration=registration, event=registration.event,
        position=regs.waitlist_position(registration)))
    return _no_store(response)


@bp.get("/r/<token>/ticket.pdf")
def ticket(token: str):
    registration = _private(token)
    if registration.status != "confirmed":
        abort(404)
    body = ticket_pdf(registration, registration.event, current_locale(), sessions=chosen_sessions(registration),
                      manage_url=external_url("events.private", token=token))
    response = make_response(body)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="ticket-{registration.event.slug}.pdf"'
    return _no_store(response)


@bp.get("/r/<token>/calendar.ics")
def private_calendar(token: str):
    registration = _private(token)
    body = event_ics(registration.event, current_locale(), sessions=chosen_sessions(registration),
                     url=external_url("events.private", token=token))
    response = make_response(body)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{registration.event.slug}.ics"'
    return _no_store(response)
