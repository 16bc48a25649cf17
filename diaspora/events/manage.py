"""The organizer's side: creating an event, its programme and questions, the registrations
dashboard (filters, approval, charts, exports, mail to participants, badges) and check-in at the door."""
from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from babel.dates import format_date
from flask import abort, current_app, flash, jsonify, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from diaspora.content_forms import fill_form, form_text, translated_form
from diaspora.content_i18n import content_languages, first_field
from diaspora.errors import ServiceError
from diaspora.events import dashboard, services, zones
from diaspora.events import registrations as regs
from diaspora.events.choices import HOME_REGIONS, STATUSES
from diaspora.events.documents import badges_pdf
from diaspora.events.exports import registrations_csv, registrations_xlsx, waitlist_positions
from diaspora.events.forms import CheckinForm, EventForm, MessageForm, QuestionForm, ReasonForm, SessionForm
from diaspora.events.notify import chosen_sessions
from diaspora.events.routes import bp
from diaspora.events.web import local
from diaspora.extensions import db
from diaspora.forms import options
from diaspora.headers import CAMERA_PERMISSIONS, for_view
from diaspora.i18n import COMMON_COUNTRIES, country_choices, current_locale
from diaspora.models import Registration
from diaspora.unit_of_work import attempt

PAGE_SIZE = 50


def _tiles() -> dict:
    return {"tiles_url": current_app.config["TILES_URL"] or None,
            "attribution": current_app.config["TILES_ATTRIBUTION"]}


def _managed(slug: str, permission: str):
    """The event, if this person's role gives `permission` (events.permissions.PERMISSIONS), or 403."""
    event = services.event_by_slug(slug)
    if event is None:
        abort(404)
    services.require(current_user, event, permission)
    return event


def _aware(event_tz: str, moment: datetime) -> datetime:
    return moment.replace(tzinfo=ZoneInfo(event_tz))


def _aware_or_none(event_tz: str, moment: datetime | None) -> datetime | None:
    return _aware(event_tz, moment) if moment is not None else None


def _event_form_choices(form: EventForm, current_zone: str | None = None, event=None) -> None:
    locale = current_locale()
    orgs = list(services.organizations_for(current_user))
    if event is not None and event.organization is not None and event.organization not in orgs:
        orgs.insert(0, event.organization)  # a team organizer keeps the event with its association
    blank = [("", _("No association (site event)"))] if current_user.is_admin or (
        event is not None and event.organization_id is None) else []
    form.organization_id.choices = options(blank + [(org.id, org.name) for org in orgs])
    form.timezone.choices = options([*zones.choices(locale, zones.canonical(current_zone or form.timezone.data)),
                                     (zones.OTHER, _("Another time zone (type its name)"))])
    form.country.choices = (options([("", "—")])
                            + options(country_choices(locale)[:len(COMMON_COUNTRIES)], _("Frequent"))
                            + options(country_choices(locale)[len(COMMON_COUNTRIES):], _("All countries")))


def _chosen_zone(form: EventForm) -> str:
    return (form.timezone_other.data or "") if form.timezone.data == zones.OTHER else (form.timezone.data or "")


def _event_data(form: EventForm) -> services.EventData:
    typed = _chosen_zone(form)
    zone = zones.canonical(typed) or "UTC"  # an unknown zone is refused by the service, with the form
    return services.EventData(
        titles=form_text(form, "title"), descriptions=form_text(form, "description"),
        timezone=typed, starts_at=_aware(zone, form.starts_at.data),
        ends_at=_aware(zone, form.ends_at.data), organization_id=int(form.organization_id.data)
        if form.organization_id.data else None, venue_name=form_text(form, "venue_name"),
        venue_address=form_text(form, "venue_address"), city=form.city.data or "", country=form.country.data or None,
        online_url=form.online_url.data or None, reply_to=form.reply_to.data or None, capacity=form.capacity.data,
        registration_opens_at=_aware_or_none(zone, form.registration_opens_at.data),
        registration_closes_at=_aware_or_none(zone, form.registration_closes_at.data),
        requires_approval=bool(form.requires_approval.data), reminder_days_before=form.reminder_days_before.data,
        latitude=float(form.latitude.data) if form.latitude.data is not None else None,
        longitude=float(form.longitude.data) if form.longitude.data is not None else None,
    )


def _field_error(form, error: ServiceError, default: str) -> None:
    name = error.field or default
    if name == "timezone" and form.timezone.data == zones.OTHER:
        name = "timezone_other"
    field = getattr(form, name, None) or getattr(form, default)
    field.errors = [*field.errors, error.message]


@bp.route("/events/new", methods=["GET", "POST"])
@login_required
def new_event():
    if not services.can_create(current_user):
        abort(403)
    form = translated_form(EventForm)
    _event_form_choices(form)
    if form.validate_on_submit():
        try:
            with attempt():
                event = services.create_event(current_user, _event_data(form))
        except ServiceError as error:
            _field_error(form, error, first_field("title"))
        else:
            flash(_("The event is saved as a draft. Add its programme, then publish it."), "success")
            return redirect(url_for("events.manage", slug=event.slug))
    return render_template("events/manage/event_form.html", form=form, event=None, **_tiles())


@bp.route("/events/<slug>/manage/edit", methods=["GET", "POST"])
@login_required
def edit_event(slug: str):
    event = _managed(slug, "settings")
    form = translated_form(EventForm, obj=None)
    _event_form_choices(form, event.timezone, event)
    if request.method == "GET":
        zone = ZoneInfo(event.timezone)
        for name in EventForm.TRANSLATED:
            fill_form(form, name, getattr(event, name))
        for name in ("city", "online_url", "capacity", "requires_approval", "timezone", "latitude", "longitude",
                     "reminder_days_before", "reply_to"):
            getattr(form, name).data = getattr(event, name)
        form.country.data = event.country or ""
        form.organization_id.data = str(event.organization_id or "")
        for name in ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at"):
            moment = getattr(event, name)
            getattr(form, name).data = moment.astimezone(zone).replace(tzinfo=None) if moment else None
    if form.validate_on_submit():
        try:
            with attempt():
                promoted = services.update_event(current_user, event, _event_data(form))
        except ServiceError as error:
            _field_error(form, error, first_field("title"))
        else:
            flash(_("Saved."), "success")
            if promoted:
                flash(_("%(num)d people moved up from the waitlist.", num=len(promoted)), "success")
            return redirect(url_for("events.manage", slug=event.slug))
    return render_template("events/manage/event_form.html", form=form, event=event, **_tiles())


@bp.post("/events/<slug>/manage/publish")
@login_required
def publish(slug: str):
    event = _managed(slug, "settings")
    try:
        with attempt():
            services.publish(current_user, event)
    except ServiceError as error:
        flash(error.message, "error")
        return redirect(url_for("events.manage", slug=slug))
    flash(_("The event is published."), "success")
    return redirect(url_for("events.manage", slug=slug))


@bp.route("/events/<slug>/manage/cancel", methods=["GET", "POST"])
@login_required
def cancel_event(slug: str):
    event = _managed(slug, "settings")
    if request.method == "POST" and request.form.get("confirm") == "yes":
        told = services.cancel_event(current_user, event)
        flash(_("The event is cancelled. %(num)d people were told.", num=told), "success")
        return redirect(url_for("events.manage", slug=slug))
    return render_template("events/manage/cancel.html", event=event)


@bp.route("/events/<slug>/manage/programme", methods=["GET", "POST"])
@login_required
def programme(slug: str):
    event = _managed(slug, "settings")
    form = translated_form(SessionForm)
    if form.validate_on_submit():
        zone = event.timezone
        try:
            with attempt():
                services.add_session(current_user, event, services.SessionData(
                    titles=form_text(form, "title"), descriptions=form_text(form, "description"),
                    starts_at=_aware(zone, form.starts_at.data), ends_at=_aware(zone, form.ends_at.data),
                    room=form_text(form, "room"), capacity=form.capacity.data,
                    checkin_required=bool(form.checkin_required.data)))
        except ServiceError as error:
            _field_error(form, error, first_field("title"))
        else:
            flash(_("Session added."), "success")
            return redirect(url_for("events.programme", slug=slug))
    return programme_page(event, form=form)


def programme_page(event, form=None, speaker_form=None) -> str:
    """The programme's management page: sessions by day, the speakers, the forms to add either."""
    from diaspora.events import programme as programme_service
    from diaspora.events.forms import SpeakerForm

    taken = regs.session_places_taken([s.id for s in event.sessions])
    return render_template("events/manage/programme.html", event=event, form=form or translated_form(SessionForm),
                           speaker_form=speaker_form or translated_form(SpeakerForm), taken=taken,
                           speakers=programme_service.speakers(event), days=programme_service.by_day(event),
                           locale=current_locale())


@bp.post("/events/<slug>/manage/programme/<id:session_id>/delete")
@login_required
def delete_session(slug: str, session_id: int):
    event = _managed(slug, "settings")
    services.delete_session(current_user, event, session_id)
    flash(_("Session removed."), "success")
    return redirect(url_for("events.programme", slug=slug))


@bp.route("/events/<slug>/manage/questions", methods=["GET", "POST"])
@login_required
def questions(slug: str):
    event = _managed(slug, "settings")
    form = translated_form(QuestionForm)
    if form.validate_on_submit():
        languages = content_languages()
        lines = {lang: [line.strip() for line in (form[f"options_{lang}"].data or "").splitlines()
                        if line.strip()] for lang in languages}
        count = max(len(v) for v in lines.values())
        opts = [{lang: (lines[lang][i] if i < len(lines[lang]) else "") for lang in languages} for i in range(count)]
        try:
            with attempt():
                services.add_question(current_user, event, services.QuestionData(
                    kind=form.kind.data, labels=form_text(form, "label"),
                    options=opts, required=bool(form.required.data)))
        except ServiceError as error:
            _field_error(form, error, first_field("label"))
        else:
            flash(_("Question added."), "success")
            return redirect(url_for("events.questions", slug=slug))
    return render_template("events/manage/questions.html", event=event, form=form, locale=current_locale())


@bp.post("/events/<slug>/manage/questions/<id:question_id>/delete")
@login_required
def delete_question(slug: str, question_id: int):
    event = _managed(slug, "settings")
    services.delete_question(current_user, event, question_id)
    flash(_("Question removed."), "success")
    return redirect(url_for("events.questions", slug=slug))


def _filters() -> dashboard.Filters:
    args = request.args
    session_id = args.get("session", type=int)
    session_id = session_id if session_id and 0 < session_id < 2**31 else None
    checked = {"yes": True, "no": False}.get(args.get("checked_in", ""))
    status = args.get("status") if args.get("status") in STATUSES else None
    region = args.get("home_region") if args.get("home_region") in HOME_REGIONS else None
    country = (args.get("country") or "").upper()[:2] or None
    q = (args.get("q") or "").strip()[:100] or None
    delegation_id = args.get("delegation", type=int)
    return dashboard.Filters(status=status, country=country, home_region=region, session_id=session_id,
                             checked_in=checked, q=q, answer=dashboard.parse_answer(args.get("answer")),
                             delegation_id=delegation_id if delegation_id and 0 < delegation_id < 2**31 else None)


FILTER_KEYS = ("status", "country", "home_region", "session", "checked_in", "q", "answer", "delegation")


def _filter_query() -> str:
    return urlencode([(k, request.args[k]) for k in FILTER_KEYS if request.args.get(k)])


@bp.get("/events/<slug>/manage")
@login_required
def manage(slug: str):
    event = _managed(slug, "overview")
    counts = dashboard.counts(event)
    counts["day"] = [(format_date(day, "medium", locale=current_locale()), n) for day, n in counts["day"]]
    return render_template("events/manage/dashboard.html", event=event, counts=counts,
                           project_counts=dashboard.project_counts(event),
                           places_left=regs.places_left(event), locale=current_locale(),
                           state=regs.registration_state(event))


@bp.get("/events/<slug>/manage/registrations")
@login_required
def registrations(slug: str):
    event = _managed(slug, "registrations")
    filters = _filters()
    number = min(max(request.args.get("page", 1, type=int) or 1, 1), 10_000)
    rows, total = dashboard.page(event, filters, number, PAGE_SIZE)
    locale = current_locale()
    countries = sorted({c for c, _ in dashboard.counts(event)["country"] if c})
    return render_template("events/manage/registrations.html", event=event, rows=rows, total=total,
                           page=number, page_size=PAGE_SIZE, filters=filters, query=_filter_query(),
                           positions=waitlist_positions(event.id), locale=locale,
                           countries=[(c, n) for c, n in country_choices(locale, common_first=False) if c in countries])


@bp.get("/events/<slug>/manage/registrations/<id:registration_id>")
@login_required
def registration_detail(slug: str, registration_id: int):
    event = _managed(slug, "registrations")
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.event_id != event.id:
        abort(404)
    return render_template("events/manage/registration.html", event=event, registration=registration,
                           form=ReasonForm(), position=regs.waitlist_position(registration),
                           locale=current_locale())


def _registration_of(event, registration_id: int) -> Registration:
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.event_id != event.id:
        abort(404)
    return registration


@bp.post("/events/<slug>/manage/registrations/<id:registration_id>/approve")
@login_required
def approve(slug: str, registration_id: int):
    event = _managed(slug, "registrations")
    try:
        with attempt():
            regs.approve(current_user, _registration_of(event, registration_id))
    except ServiceError as error:
        flash(error.message, "error")
    else:
        flash(_("Approved. The person gets their ticket by mail."), "success")
    return redirect(request.referrer if _same_site(request.referrer) else url_for("events.registrations", slug=slug))


@bp.post("/events/<slug>/manage/registrations/<id:registration_id>/reject")
@login_required
def reject(slug: str, registration_id: int):
    event = _managed(slug, "registrations")
    registration = _registration_of(event, registration_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(" ".join(map(str, form.reason.errors)) or _("Say why, so the person understands."), "error")
        return redirect(url_for("events.registration_detail", slug=slug, registration_id=registration_id))
    try:
        with attempt():
            promoted = regs.reject(current_user, registration, form.reason.data)
    except ServiceError as error:
        flash(error.message, "error")
    else:
        flash(_("Not accepted; the person was told why."), "success")
        if promoted:
            flash(_("%(num)d people moved up from the waitlist.", num=len(promoted)), "success")
    return redirect(url_for("events.registrations", slug=slug))


def _same_site(url: str | None) -> bool:
    return url is not None and url.startswith(request.host_url)


def _export_rows(event):
    return dashboard.all_matching(event, _filters())


@bp.get("/events/<slug>/manage/export.csv")
@login_required
def export_csv(slug: str):
    event = _managed(slug, "export")
    body = "\ufeff" + registrations_csv(event, _export_rows(event), current_locale())  # BOM: Excel reads UTF-8
    response = make_response(body.encode("utf-8"))
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{event.slug}-registrations.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/events/<slug>/manage/export.xlsx")
@login_required
def export_xlsx(slug: str):
    event = _managed(slug, "export")
    response = make_response(registrations_xlsx(event, _export_rows(event), current_locale()))
    response.headers["Content-Type"] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response.headers["Content-Disposition"] = f'attachment; filename="{event.slug}-registrations.xlsx"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/events/<slug>/manage/badges.pdf")
@login_required
def badges(slug: str):
    event = _managed(slug, "export")
    filters = _filters()
    filters.status = filters.status or "confirmed"
    response = make_response(badges_pdf(dashboard.all_matching(event, filters), event, current_locale()))
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{event.slug}-badges.pdf"'
    return response


@bp.route("/events/<slug>/manage/message", methods=["GET", "POST"])
@login_required
def message(slug: str):
    event = _managed(slug, "registrations")
    filters = _filters()
    form = MessageForm()
    if form.validate_on_submit():
        sent = dashboard.message_participants(current_user, event, filters, form.subject.data or "",
                                              form.body.data or "")
        flash(_("Your message is on its way to %(num)d people.", num=sent), "success")
        return redirect(url_for("events.registrations", slug=slug) + ("?" + _filter_query() if _filter_query() else ""))
    return render_template("events/manage/message.html", event=event, form=form,
                           recipients=dashboard.recipients_count(event, filters),
                           query=_filter_query())


@bp.post("/events/<slug>/manage/reminders")
@login_required
def reminders(slug: str):
    event = _managed(slug, "settings")
    try:
        with attempt():
            sent = dashboard.remind(current_user, event)
    except ServiceError as error:
        flash(error.message, "error")
    else:
        flash(_("Reminders queued: %(num)d. The scheduled reminder still goes out by itself.", num=sent),
              "success")
    return redirect(url_for("events.manage", slug=slug))


@bp.route("/events/<slug>/manage/checkin", methods=["GET", "POST"])
@login_required
@for_view(permissions_policy=CAMERA_PERMISSIONS)  # the one page that may use the camera: tickets at the door
def checkin(slug: str):
    event = _managed(slug, "checkin")
    form = CheckinForm()
    form.where.choices = options(_checkin_places(event))
    if request.method == "GET" and request.args.get("where") in {str(k) for k, _ in _checkin_places(event)}:
        form.where.data = request.args["where"]
    result = None
    if form.validate_on_submit():
        result = _check_in(event, form.code.data, _session_id(event, form.where.data))
        form.code.data = ""
    return render_template("events/manage/checkin.html", event=event, form=form, result=result,
                           counts=dashboard.counts(event))


def _checkin_places(event) -> list[tuple[str, str]]:
    """Where the volunteer stands: the entrance, or a session that checks tickets at its door."""
    return [("entrance", _("Entrance")), *((str(s.id), s.title()) for s in event.sessions if s.checkin_required)]


def _session_id(event, where) -> int | None:
    """The session chosen at the check-in page (None: the entrance, or anything that is no such session)."""
    return next((s.id for s in event.sessions if s.checkin_required and str(s.id) == str(where)), None)


@bp.post("/events/<slug>/manage/checkin.json")
@login_required
def checkin_json(slug: str):
    """For the camera scanner: the same check-in, answered as JSON (CSRF token in the X-CSRFToken header)."""
    event = _managed(slug, "checkin")
    payload = request.get_json(silent=True)
    code = payload.get("code") if isinstance(payload, dict) else None
    where = payload.get("session") if isinstance(payload, dict) else None
    result = _check_in(event, code[:40] if isinstance(code, str) else "",
                       _session_id(event, where) if isinstance(where, (str, int)) else None)
    return jsonify(result)


def _check_in(event, code: str | None, session_id: int | None = None) -> dict:
    outcome, registration = regs.check_in(current_user, event, code, session_id)
    locale = current_locale()
    name = registration.full_name if registration else None
    session = next((s for s in event.sessions if s.id == session_id), None)
    title = session.title() if session is not None else ""
    if registration is None:  # "unknown"
        text = _("No registration with this code for this event.")
    elif outcome == "ok" and session is not None:
        text = _("Welcome to %(session)s, %(name)s! Checked in.", session=title, name=name)
    elif outcome == "ok":
        text = _("Welcome, %(name)s! Checked in.", name=name)
    elif outcome == "already" and session is not None:
        link = next(link for link in registration.session_links if link.session_id == session_id)
        text = _("%(name)s was already checked in to %(session)s at %(time)s.", name=name, session=title,
                 time=local(event, link.checked_in_at, "time", locale))
    elif outcome == "already":
        text = _("%(name)s was already checked in at %(time)s.", name=name,
                 time=local(event, registration.checked_in_at, "time", locale))
    elif outcome == "waiting":
        text = _("%(name)s has no seat in %(session)s: they are waiting for one.", name=name, session=title)
    elif outcome == "not_chosen":
        text = _("%(name)s did not choose %(session)s: no seat in it.", name=name, session=title)
    else:  # "not_confirmed"
        text = _("%(name)s is not confirmed (%(status)s).", name=name,
                 status=STATUSES[registration.status])
    # what the door needs and no more (a check-in volunteer sees no contacts): name, status, sessions
    return {"result": outcome, "message": text, "name": name,
            "status": str(STATUSES[registration.status]) if registration else None,
            "sessions": [_seat_label(s, registration) for s in chosen_sessions(registration)] if registration else []}


def _seat_label(session, registration) -> str:
    """A chosen session's title, marked when the person has no seat in it (yet)."""
    waiting = any(link.session_id == session.id and link.status == "waiting" for link in registration.session_links)
    return _("%(session)s (waiting for a seat)", session=session.title()) if waiting else session.title()
