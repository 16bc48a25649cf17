"""The programme's pages: editing a session, the speakers (with their photos), and the photo itself."""
from zoneinfo import ZoneInfo

from babel.dates import format_date
from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from diaspora.content_forms import fill_form, form_text, translated_form
from diaspora.content_i18n import first_field
from diaspora.errors import ServiceError
from diaspora.events import programme, services, session_seats
from diaspora.events.forms import SessionEditForm, SpeakerForm
from diaspora.events.manage import _aware, _field_error, _managed
from diaspora.events.routes import bp
from diaspora.i18n import current_locale
from diaspora.unit_of_work import attempt

PHOTO_MAX_AGE = 60 * 60 * 24  # a new photo is a new URL (its version), but a removed one must leave shared caches


@bp.app_template_global("session_parallel")
def session_parallel(event) -> dict[int, list[int]]:
    """For the registration form's script: which sessions run at the same time as each."""
    return programme.parallel(event)


@bp.app_template_global("seat_states")
def seat_states(registration) -> dict[int, str]:
    """{session id: "Seat" or "Waiting, position 3"} for the private and the organizer's pages."""
    positions = session_seats.positions(registration.session_links)
    states = {}
    for link in registration.session_links:
        if link.status == "seated":
            states[link.session_id] = _("seat") if registration.holds_place else _("waiting for a place in the event")
        elif link.session_id in positions:
            states[link.session_id] = _("waiting, position %(num)d", num=positions[link.session_id])
        else:
            states[link.session_id] = _("waiting for a place in the event")
    return states


@bp.app_template_global("event_day")
def event_day(day) -> str:
    """A programme day's heading, in the reader's language: "четверг, 15 октября 2026 г."."""
    return format_date(day, "full", locale=current_locale())


@bp.app_template_global("programme_by_day")
def programme_by_day(event) -> list:
    return programme.by_day(event)


def _session_or_404(event, session_id: int):
    session = programme.find_session(event, session_id)
    if session is None:
        abort(404)
    return session


def _speaker_or_404(event, speaker_id: int):
    speaker = programme.find_speaker(event, speaker_id)
    if speaker is None:
        abort(404)
    return speaker


@bp.route("/events/<slug>/manage/programme/<id:session_id>/edit", methods=["GET", "POST"])
@login_required
def edit_session(slug: str, session_id: int):
    event = _managed(slug, "settings")
    session = _session_or_404(event, session_id)
    form = translated_form(SessionEditForm)
    speakers = programme.speakers(event)
    linked = [s.id for s in session.speakers]
    # each speaker's place in the session (1, 2 …; empty: not speaking), as saved or as typed
    order = {s.id: str(linked.index(s.id) + 1) if s.id in linked else "" for s in speakers}
    if request.method == "POST":
        order = {s.id: (request.form.get(f"speaker_{s.id}") or "").strip()[:3] for s in speakers}
    speaker_ids, order_error = _speaker_order(order, speakers)
    if request.method == "GET":
        zone = ZoneInfo(event.timezone)
        for name in SessionEditForm.TRANSLATED:
            fill_form(form, name, getattr(session, name))
        form.starts_at.data = session.starts_at.astimezone(zone).replace(tzinfo=None)
        form.ends_at.data = session.ends_at.astimezone(zone).replace(tzinfo=None)
        form.capacity.data = session.capacity
        form.checkin_required.data = session.checkin_required
    if form.validate_on_submit() and order_error is None:
        zone_name = event.timezone
        try:
            with attempt():
                seated = programme.update_session(current_user, event, session, programme.SessionChanges(
                    titles=form_text(form, "title"), room=form_text(form, "room"),
                    descriptions=form_text(form, "description"),
                    starts_at=_aware(zone_name, form.starts_at.data), ends_at=_aware(zone_name, form.ends_at.data),
                    capacity=form.capacity.data, checkin_required=bool(form.checkin_required.data),
                    speaker_ids=speaker_ids))
        except ServiceError as error:
            _field_error(form, error, first_field("title"))
        else:
            flash(_("Saved."), "success")
            if seated:
                flash(_("%(num)d people waiting for this session got a seat.", num=len(seated)), "success")
            return redirect(url_for("events.programme", slug=slug))
    return render_template("events/manage/session_form.html", event=event, session=session, form=form,
                           speakers=speakers, order=order,
                           order_error=order_error if request.method == "POST" else None)


def _speaker_order(order: dict[int, str], speakers) -> tuple[list[int], str | None]:
    """The speakers given a number, in its order (then by name): ([speaker id, ...], or an error)."""
    chosen = []
    for speaker in speakers:
        typed = order.get(speaker.id, "")
        if not typed:
            continue
        if not typed.isdigit() or not 1 <= int(typed) <= 99:
            return [], _("Enter a number from %(min)s to %(max)s.", min=1, max=99)
        chosen.append((int(typed), speaker.name, speaker.id))
    return [speaker_id for *_, speaker_id in sorted(chosen)], None


def _speaker_data(form) -> programme.SpeakerData:
    upload = request.files.get(form.photo.name)
    photo = None
    if upload is not None:
        try:
            photo = upload.read(programme.MAX_UPLOAD + 1) if upload.filename else None
        finally:  # a large upload is a temporary file: closed now, not whenever it is collected
            upload.close()
    return programme.SpeakerData(
        name=form.name.data or "", roles=form_text(form, "role"), organisations=form_text(form, "organisation"),
        photo=photo, remove_photo=bool(form.remove_photo.data))


PHOTO_UPLOADS = {"events.add_speaker", "events.edit_speaker"}


def _allow_photo_upload() -> None:
    """The site's limit (1 MB) is for forms; a phone's photo is larger, and is checked and resized. Run
    before every other before_request handler: the first to read the form (the NUL check) applies the limit."""
    if request.endpoint in PHOTO_UPLOADS:
        request.max_content_length = programme.MAX_UPLOAD + 64 * 1024


bp.record_once(lambda state: state.app.before_request_funcs.setdefault(None, []).insert(0, _allow_photo_upload))


@bp.post("/events/<slug>/manage/programme/speakers")
@login_required
def add_speaker(slug: str):
    event = _managed(slug, "settings")
    form = translated_form(SpeakerForm)
    if form.validate_on_submit():
        try:
            with attempt():
                programme.add_speaker(current_user, event, _speaker_data(form))
        except ServiceError as error:
            _field_error(form, error, "name")
        else:
            flash(_("Speaker added."), "success")
            return redirect(url_for("events.programme", slug=slug) + "#speakers")
    from diaspora.events.manage import programme_page

    return programme_page(event, speaker_form=form), 422


@bp.route("/events/<slug>/manage/programme/speakers/<id:speaker_id>/edit", methods=["GET", "POST"])
@login_required
def edit_speaker(slug: str, speaker_id: int):
    event = _managed(slug, "settings")
    speaker = _speaker_or_404(event, speaker_id)
    form = translated_form(SpeakerForm)
    if request.method == "GET":
        form.name.data = speaker.name
        fill_form(form, "role", speaker.role)
        fill_form(form, "organisation", speaker.organisation)
    if form.validate_on_submit():
        try:
            with attempt():
                programme.update_speaker(current_user, event, speaker, _speaker_data(form))
        except ServiceError as error:
            _field_error(form, error, "name")
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("events.programme", slug=slug) + "#speakers")
    return render_template("events/manage/speaker_form.html", event=event, speaker=speaker, form=form)


@bp.post("/events/<slug>/manage/programme/speakers/<id:speaker_id>/delete")
@login_required
def delete_speaker(slug: str, speaker_id: int):
    event = _managed(slug, "settings")
    speaker = _speaker_or_404(event, speaker_id)
    programme.delete_speaker(current_user, event, speaker)
    flash(_("Speaker removed."), "success")
    return redirect(url_for("events.programme", slug=slug) + "#speakers")


@bp.get("/events/<slug>/speakers/<id:speaker_id>/photo")
def speaker_photo(slug: str, speaker_id: int):
    """The photo, as public as the event's page: cached for long, since its URL changes with it (?v=)."""
    event = services.event_by_slug(slug)
    if event is None or (event.status == "draft" and services.role_of(current_user, event) is None):
        abort(404)
    speaker = _speaker_or_404(event, speaker_id)
    if not speaker.photo_type or speaker.photo is None:
        abort(404)
    etag = f"speaker-{speaker.id}-{speaker.photo_version}"
    if request.if_none_match.contains(etag):
        response = make_response("", 304)
    else:
        response = make_response(speaker.photo)
        response.headers["Content-Type"] = speaker.photo_type
    response.set_etag(etag)
    public = event.status != "draft"
    response.headers["Cache-Control"] = (f"public, max-age={PHOTO_MAX_AGE}" if public
                                         else "private, no-cache")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = "inline"
    return response
