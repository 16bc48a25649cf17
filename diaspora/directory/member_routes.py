"""An association's members: joining, the members' page (news and one's own choices), and its admins' page of
members (requests, roles, invitations, the export). The rules are in diaspora.directory.members."""
import io

from flask import flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from diaspora.csvsafe import write_csv
from diaspora.directory import invitations, members, services
from diaspora.directory.forms import JoinForm, MemberChoicesForm, MemberInviteForm, MemberRoleForm, NewsForm
from diaspora.directory.routes import _get_visible, _public_post_limit, bp
from diaspora.errors import DomainError, NotFound, ServiceError
from diaspora.extensions import limiter
from diaspora.forms import add_error
from diaspora.i18n import current_locale
from diaspora.unit_of_work import attempt


def _published(org_id: int):
    org = _get_visible(org_id)
    if not org.is_published:  # an entry waiting for moderation has no members yet
        raise NotFound(_("Not found."))
    return org


@bp.route("/organizations/<id:org_id>/join", methods=["GET", "POST"])
@login_required
@limiter.limit(_public_post_limit, methods=["POST"])  # each request is a mail to the admins
def join(org_id: int):
    org = _published(org_id)
    if members.role_of(current_user, org) is not None:
        return redirect(url_for("directory.news", org_id=org.id))
    form = JoinForm()
    if form.validate_on_submit():
        try:
            with attempt():
                members.request_to_join(current_user, org, form.message.data, form.share_contact.data,
                                        form.news_by_mail.data)
        except ServiceError as error:
            add_error(getattr(form, error.field or "message"), error.message)
        else:
            flash(_("Your request was sent. The association's admins will answer by email."), "success")
            return redirect(url_for("directory.show", org_id=org.id))
    return render_template("directory/join.html", org=org, form=form,
                           waiting=members.pending_request(current_user, org)), 422 if form.errors else 200


@bp.route("/organizations/<id:org_id>/news", methods=["GET", "POST"])
@login_required
def news(org_id: int):
    """The members' page: the news, one's own choices; the admins post here."""
    org = _published(org_id)
    posts = members.news(current_user, org)  # refuses anyone who is not a member
    manager = members.can_manage(current_user, org)
    if request.method == "POST":
        members.require_manager(current_user, org)  # members read; the admins post
    form = NewsForm() if manager else None
    if form is not None and form.validate_on_submit():
        try:
            with attempt():
                members.post_news(current_user, org, form.title.data, form.body.data)
        except ServiceError as error:
            add_error(getattr(form, error.field or "title"), error.message)
        else:
            flash(_("Published for the members."), "success")
            return redirect(url_for("directory.news", org_id=org.id))
    row = members.my_row(current_user, org)
    choices = MemberChoicesForm(data={"share_contact": bool(row and row.share_contact),
                                      "news_by_mail": bool(row and row.news_by_mail)})
    role = members.role_of(current_user, org)
    return render_template("directory/news.html", org=org, posts=posts, form=form, choices=choices, role=role,
                           manager=manager), 422 if form is not None and form.errors else 200


@bp.post("/organizations/<id:org_id>/membership")
@login_required
def membership(org_id: int):
    org = _published(org_id)
    form = MemberChoicesForm()
    if form.validate_on_submit():
        members.update_choices(current_user, org, form.share_contact.data, form.news_by_mail.data)
        flash(_("Saved."), "success")
    return redirect(url_for("directory.news", org_id=org.id))


@bp.post("/organizations/<id:org_id>/leave")
@login_required
def leave(org_id: int):
    org = _published(org_id)
    try:
        with attempt():
            members.leave(current_user, org)
    except ServiceError as error:
        flash(error.message, "error")
        return redirect(url_for("directory.news", org_id=org.id))
    flash(_("You left the association."), "success")
    return redirect(url_for("directory.show", org_id=org.id))


def _members_page(org, invite_form: MemberInviteForm | None = None, status: int = 200):
    people = members.people(current_user, org)  # refuses anyone but the association's admins
    return render_template(
        "directory/members.html", org=org, people=people, requests=members.requests(current_user, org),
        invite_form=invite_form or MemberInviteForm(), role_form=MemberRoleForm(),
        invitations=invitations.open_invitations(org), valid_days=invitations.VALID_FOR.days,
        owner=services.can_manage_admins(current_user, org)), status


@bp.get("/organizations/<id:org_id>/members", endpoint="members")
@login_required
def members_page(org_id: int):
    return _members_page(_published(org_id))


@bp.post("/organizations/<id:org_id>/members/invite")
@login_required
@limiter.limit(_public_post_limit)  # each invitation is a mail we send
def invite_member(org_id: int):
    org = _published(org_id)
    members.require_manager(current_user, org)
    form = MemberInviteForm()
    if form.validate_on_submit():
        try:
            with attempt():
                invitations.invite(current_user, org, form.email.data, form.role.data, current_locale())
        except ServiceError as error:
            add_error(getattr(form, error.field or "email"), error.message)
        else:
            # the same words whether or not the address has an account
            flash(_("We have sent an invitation to %(email)s. It works once, for %(days)d days.",
                    email=(form.email.data or "").strip().lower(), days=invitations.VALID_FOR.days), "success")
            return redirect(url_for("directory.members", org_id=org.id))
    return _members_page(org, invite_form=form, status=422)


def _act(org_id: int, action, done: str):
    org = _published(org_id)
    try:
        with attempt():
            action(org)
    except DomainError as error:
        if not isinstance(error, ServiceError | NotFound):
            raise
        flash(error.message, "error")
    else:
        flash(done, "success")
    return redirect(url_for("directory.members", org_id=org.id))


@bp.post("/organizations/<id:org_id>/members/<id:user_id>/accept")
@login_required
def accept_member(org_id: int, user_id: int):
    return _act(org_id, lambda org: members.decide(current_user, org, user_id, accept=True),
                _("Accepted: we have told them by email."))


@bp.post("/organizations/<id:org_id>/members/<id:user_id>/decline")
@login_required
def decline_member(org_id: int, user_id: int):
    return _act(org_id, lambda org: members.decide(current_user, org, user_id, accept=False),
                _("Declined: we have told them by email."))


@bp.post("/organizations/<id:org_id>/members/<id:user_id>/role")
@login_required
def member_role(org_id: int, user_id: int):
    form = MemberRoleForm()
    role = form.role.data if form.validate_on_submit() else ""
    return _act(org_id, lambda org: members.set_role(current_user, org, user_id, role), _("Saved."))


@bp.post("/organizations/<id:org_id>/members/<id:user_id>/remove")
@login_required
def remove_member(org_id: int, user_id: int):
    return _act(org_id, lambda org: members.remove(current_user, org, user_id), _("Removed."))


@bp.get("/organizations/<id:org_id>/members.csv")
@login_required
def export_members(org_id: int):
    org = _published(org_id)
    out = io.StringIO()
    write_csv(out, members.export_rows(current_user, org))
    response = make_response(("\ufeff" + out.getvalue()).encode("utf-8"))  # BOM: Excel reads UTF-8
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="members-{org.id}.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response
