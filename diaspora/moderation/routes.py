"""Site admins' work: the moderation queue, reports, the history of each association, services."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from diaspora.content_forms import form_text, translated_form
from diaspora.directory import edits, freshness, services
from diaspora.directory.forms import RejectForm, ResolveReportForm, field_labels
from diaspora.errors import DomainError, ServiceError
from diaspora.extensions import db
from diaspora.forms import add_error
from diaspora.i18n import current_locale
from diaspora.models import Organization, OrganizationEdit, OrganizationReport
from diaspora.moderation.forms import CategoryForm
from diaspora.unit_of_work import attempt

bp = Blueprint("moderation", __name__, url_prefix="/moderation")


@bp.before_request
@login_required
def site_admins_only():
    if not current_user.is_admin:
        abort(403)


@bp.get("/")
def index():
    pending = db.session.scalars(
        select(Organization).where(Organization.status == "pending").order_by(Organization.created_at)
    ).all()
    open_reports = db.session.scalar(
        select(func.count()).select_from(OrganizationReport).where(OrganizationReport.status == "open"))
    changes = [(edit, edits.change_rows(edit.organization, edit)) for edit in edits.waiting_edits()]
    return render_template("moderation/index.html", pending=pending, open_reports=open_reports, changes=changes,
                           field_labels=field_labels(), reject_form=RejectForm(), locale=current_locale())


@bp.post("/organizations/<id:org_id>/publish")
def publish(org_id: int):
    org = db.get_or_404(Organization, org_id)
    services.publish(current_user, org)
    flash(_("Published: %(name)s", name=org.name), "success")
    return redirect((request.form.get("back") == "show" and url_for("directory.show", org_id=org.id))
                    or url_for("moderation.index"))


@bp.route("/organizations/<id:org_id>/reject", methods=["GET", "POST"])
def reject(org_id: int):
    org = db.get_or_404(Organization, org_id)
    form = RejectForm()
    if form.validate_on_submit():
        try:
            with attempt():
                services.reject(current_user, org, form.reason.data)
        except ServiceError as error:
            add_error(form.reason, error.message)
        else:
            flash(_("Not published: %(name)s. The owner sees your note.", name=org.name), "success")
            return redirect(url_for("moderation.index"))
    return render_template("moderation/reject.html", org=org, form=form)


@bp.post("/edits/<id:edit_id>/approve")
def approve_edit(edit_id: int):
    """Publish the changes shown in the queue (that version: a newer one is refused, to be looked at)."""
    try:
        with attempt():
            edit = edits.approve(current_user, edit_id)
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(_("Changes published: %(name)s", name=edit.organization.name), "success")
    return redirect(url_for("moderation.index"))


@bp.route("/edits/<id:edit_id>/reject", methods=["GET", "POST"])
def reject_edit(edit_id: int):
    edit = db.get_or_404(OrganizationEdit, edit_id)
    form = RejectForm()
    if form.validate_on_submit():
        try:
            with attempt():
                edits.reject(current_user, edit.id, form.reason.data)
        except ServiceError as error:
            add_error(form.reason, error.message)
        else:
            flash(_("Changes not published: %(name)s. The owner sees your note.", name=edit.organization.name),
                  "success")
            return redirect(url_for("moderation.index"))
    return render_template("moderation/reject_edit.html", edit=edit, org=edit.organization, form=form,
                           rows=edits.change_rows(edit.organization, edit), field_labels=field_labels())


@bp.get("/organizations/<id:org_id>/history")
def history(org_id: int):
    org = db.get_or_404(Organization, org_id)
    labels = field_labels()
    labels.update(admins=_("Admins"), status=_("Status"), invitations=_("Invitations"))
    return render_template("moderation/history.html", org=org, revisions=services.history(org), field_labels=labels)


@bp.get("/reports")
def reports():
    status = request.args.get("status", "open")
    query = select(OrganizationReport).order_by(OrganizationReport.created_at.desc()).limit(200)
    if status in ("open", "resolved", "dismissed"):
        query = query.where(OrganizationReport.status == status)
    return render_template("moderation/reports.html", reports=db.session.scalars(query).all(), status=status,
                           form=ResolveReportForm())


@bp.get("/outdated")
def outdated():
    """Entries nobody confirmed for 18 months: check them, write to the association, or unpublish them."""
    return render_template("moderation/outdated.html", organizations=freshness.outdated())


@bp.post("/reports/<id:report_id>/<any(resolved, dismissed):status>")
def resolve_report(report_id: int, status: str):
    report = db.get_or_404(OrganizationReport, report_id)
    form = ResolveReportForm()
    if not form.validate():
        flash(" ".join(map(str, form.note.errors)) or _("Please correct the marked fields."), "error")
        return redirect(url_for("moderation.reports"))
    services.resolve_report(current_user, report, status, form.note.data)
    flash(_("Report closed."), "success")
    return redirect(url_for("moderation.reports"))


@bp.route("/categories", methods=["GET", "POST"])
def categories():
    form = translated_form(CategoryForm)
    if form.validate_on_submit():
        try:
            with attempt():
                services.add_category(current_user, form.slug.data, form_text(form, "name"))
        except ServiceError as error:
            add_error(form[error.field] if error.field and error.field in form else form.slug, error.message)
        else:
            flash(_("Service added."), "success")
            return redirect(url_for("moderation.categories"))
    return render_template("moderation/categories.html", form=form, categories=services.all_categories())
