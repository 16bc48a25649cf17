"""The Team page of an event's management, and the invitation link's page."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from diaspora.errors import DomainError, Forbidden, ServiceError
from diaspora.events import permissions, services, team
from diaspora.events.forms import TEAM_ROLE_CHOICES, AcceptTeamForm, NotifyForm, TeamMemberForm, TeamRoleForm
from diaspora.events.routes import bp
from diaspora.extensions import limiter
from diaspora.forms import add_error
from diaspora.i18n import current_locale
from diaspora.unit_of_work import attempt


@bp.app_template_global("event_can")
def event_can(event, permission: str) -> bool:
    """For the management pages' menu: whether the person viewing may open a page."""
    return services.can(current_user, event, permission)


def _event(slug: str):
    event = services.event_by_slug(slug)
    if event is None:
        abort(404)
    return event


@bp.route("/events/<slug>/manage/team", methods=["GET", "POST"], endpoint="team")
@login_required
@limiter.limit("60 per hour", methods=["POST"])  # each addition is a mail we send
def team_page(slug: str):
    """Organizers see and change the team; every member sees it and chooses their own notifications."""
    event = _event(slug)
    role = services.role_of(current_user, event)
    if role is None:
        abort(403)
    organizer = services.can(current_user, event, "team")
    if request.method == "POST" and not organizer:
        abort(403)
    form = TeamMemberForm()
    if organizer and form.validate_on_submit():
        try:
            with attempt():
                member = team.add(current_user, event, form.email.data, form.role.data, current_locale())
        except ServiceError as error:
            add_error(getattr(form, error.field or "email"), error.message)
        else:
            flash(_("%(email)s is in the team now.", email=member.email) if member.user_id else
                  _("We have sent an invitation to %(email)s. It works once, for %(days)d days.",
                    email=member.email, days=team.VALID_FOR.days), "success")
            return redirect(url_for("events.team", slug=slug))
    mine = team.membership(current_user, event)
    notify_form = NotifyForm(notify=mine.notify) if mine else None
    return render_template("events/manage/team.html", event=event, form=form, organizer=organizer,
                           members=team.members(event) if organizer else [], role_choices=TEAM_ROLE_CHOICES,
                           mine=mine, notify_form=notify_form, valid_days=team.VALID_FOR.days,
                           creator_listing=permissions.creator_listing)


@bp.post("/events/<slug>/manage/team/<id:member_id>/role")
@login_required
def team_role(slug: str, member_id: int):
    event = _event(slug)
    form = TeamRoleForm()
    try:
        with attempt():
            team.change_role(current_user, event, member_id, form.role.data if form.validate_on_submit() else None)
    except ServiceError as error:
        flash(error.message, "error")
    else:
        flash(_("Saved."), "success")
    return redirect(url_for("events.team", slug=slug))


@bp.post("/events/<slug>/manage/team/<id:member_id>/remove")
@login_required
def team_remove(slug: str, member_id: int):
    event = _event(slug)
    team.remove(current_user, event, member_id)
    flash(_("Removed."), "success")
    return redirect(url_for("events.team", slug=slug))


@bp.post("/events/<slug>/manage/team/notify")
@login_required
def team_notify(slug: str):
    event = _event(slug)
    form = NotifyForm()
    try:
        with attempt():
            team.set_notify(current_user, event, form.notify.data if form.validate_on_submit() else None)
    except ServiceError as error:
        flash(error.message, "error")
    else:
        flash(_("Saved."), "success")
    return redirect(url_for("events.team", slug=slug))


@bp.route("/event-team/<token>", methods=["GET", "POST"])
def team_invitation(token: str):
    """The link from the invitation mail: log in (or sign up) and come back here, then accept."""
    found = team.find(token)
    if found is None:
        return render_template("events/team_invitation.html", invitation=None, form=None), 404
    form = AcceptTeamForm()
    for_this_account = current_user.is_authenticated and team.is_for(current_user, found)
    status = 200
    if current_user.is_authenticated and form.validate_on_submit():
        try:
            with attempt():
                accepted = team.accept(current_user, token)
        except DomainError as error:
            if not isinstance(error, Forbidden):
                flash(error.message, "error")
                return render_template("events/team_invitation.html", invitation=None, form=None), error.status
            status = error.status
        else:
            flash(_("You are in the team of %(title)s now.", title=accepted.event.title()), "success")
            return redirect(url_for("events.team", slug=accepted.event.slug))
    back = url_for("events.team_invitation", token=token)
    return render_template("events/team_invitation.html", invitation=found, form=form,
                           for_this_account=for_this_account, login_url=url_for("auth.login", next=back),
                           signup_url=url_for("auth.signup", next=back),
                           logout_url=url_for("auth.logout", next=back)), status
