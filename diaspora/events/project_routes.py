"""Project proposals on the events blueprint: the author's pages under the private link (/r/<token>/projects),
the reviewers' and organizers' pages under /events/<slug>/manage/projects, and the public list."""
from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from diaspora.errors import ServiceError
from diaspora.events import projects, services
from diaspora.events.choices import HOME_REGIONS, PROJECT_STAGES, PROJECT_STATUSES, SECTORS
from diaspora.events.exports import projects_csv, projects_xlsx
from diaspora.events.forms import DecisionForm, ProjectForm, ProjectSessionForm, ReviewForm
from diaspora.events.routes import _no_store, _private, _public_post_limit, _visible_event, bp
from diaspora.events.web import session_label, show_errors
from diaspora.extensions import limiter
from diaspora.forms import add_error, options
from diaspora.i18n import current_locale
from diaspora.unit_of_work import attempt


@bp.app_context_processor
def project_helpers():
    return {"PROJECT_STAGES": PROJECT_STAGES, "PROJECT_STATUSES": PROJECT_STATUSES,
            "author_projects": projects.of_author, "public_projects": projects.public,
            "projects_by_region": projects.by_region, "projects_by_session": projects.by_session}


def _amount(project) -> str:
    return f"{project.amount:,}".replace(",", "\u00a0") + f" {project.currency}" if project.amount is not None else ""


@bp.app_template_filter("project_amount")
def project_amount(project) -> str:
    """"250 000 USD" (thin groups, no locale's decimal marks: a whole number), or "" when not given."""
    return _amount(project)


# --- the author -----------------------------------------------------------------------------------------

def _project_form(project=None) -> ProjectForm:
    form = ProjectForm(obj=project if request.method == "GET" else None)
    form.home_region.choices = options([("", "—"), *HOME_REGIONS.items()])
    form.sector.choices = options([("", "—"), *SECTORS.items()])
    return form


def _project_data(form: ProjectForm) -> projects.ProjectData:
    return projects.ProjectData(
        title=form.title.data, home_region=form.home_region.data or None, district=form.district.data,
        sector=form.sector.data or None, amount=form.amount.data, currency=form.currency.data or "USD",
        stage=form.stage.data or None, summary=form.summary.data, contact_consent=bool(form.contact_consent.data),
        public_consent=bool(form.public_consent.data))


def _author_form_page(registration, form, project=None, status=200):
    return _no_store(make_response(render_template(
        "events/project_form.html", registration=registration, event=registration.event, form=form,
        project=project), status))


@bp.route("/r/<token>/projects/new", methods=["GET", "POST"])
@limiter.limit(_public_post_limit, methods=["POST"])
def propose_project(token: str):
    registration = _private(token)
    if not projects.can_propose(registration):
        return redirect(url_for("events.private", token=token))
    form = _project_form()
    if form.validate_on_submit():
        try:
            with attempt():
                projects.submit(registration, _project_data(form))
        except projects.InvalidProject as error:
            show_errors(form, error.errors)
        except ServiceError as error:
            flash(error.message, "error")
        else:
            flash(_("Your project is submitted. The organizers' reviewers will read it; we write to you once "
                    "the organizers have decided."), "success")
            return redirect(url_for("events.private", token=token) + "#projects")
    return _author_form_page(registration, form, status=422 if form.errors else 200)


@bp.route("/r/<token>/projects/<id:project_id>/edit", methods=["GET", "POST"])
@limiter.limit(_public_post_limit, methods=["POST"])
def edit_project(token: str, project_id: int):
    registration = _private(token)
    project = projects.authors_project(registration, project_id)  # NotFound: 404
    if not projects.can_propose(registration):  # cancelled or rejected: nothing left to change
        return redirect(url_for("events.private", token=token) + "#projects")
    if project.status != "submitted":
        flash(_("Only a proposal waiting for the decision can be changed."), "warning")
        return redirect(url_for("events.private", token=token) + "#projects")
    form = _project_form(project)
    if form.validate_on_submit():
        try:
            with attempt():
                projects.edit(registration, project_id, _project_data(form))
        except projects.InvalidProject as error:
            show_errors(form, error.errors)
        except ServiceError as error:
            flash(error.message, "error")
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("events.private", token=token) + "#projects")
    return _author_form_page(registration, form, project, status=422 if form.errors else 200)


@bp.route("/r/<token>/projects/<id:project_id>/withdraw", methods=["GET", "POST"])
@limiter.limit(_public_post_limit, methods=["POST"])
def withdraw_project(token: str, project_id: int):
    """A page asking "withdraw?" (an accepted project leaves the public list); only its "yes" withdraws."""
    registration = _private(token)
    project = projects.authors_project(registration, project_id)  # NotFound: 404
    if request.method == "GET" or request.form.get("confirm") != "yes":
        if project.status not in ("submitted", "accepted"):
            return redirect(url_for("events.private", token=token) + "#projects")
        return _no_store(make_response(render_template(
            "events/withdraw_project.html", registration=registration, event=registration.event, project=project)))
    try:
        with attempt():
            projects.withdraw(registration, project_id)
    except ServiceError as error:
        flash(error.message, "error")
    else:
        flash(_("Your project is withdrawn."), "success")
    return redirect(url_for("events.private", token=token) + "#projects")


# --- reviewers and organizers ---------------------------------------------------------------------------

def _event(slug: str):
    event = services.event_by_slug(slug)
    if event is None:
        abort(404)
    return event


def _filters() -> projects.Filters:
    def pick(name, allowed):
        value = request.args.get(name, "")
        return value if value in allowed else None
    return projects.Filters(home_region=pick("home_region", HOME_REGIONS), sector=pick("sector", SECTORS),
                            status=pick("status", PROJECT_STATUSES))


@bp.get("/events/<slug>/manage/projects", endpoint="projects")
@login_required
def projects_list(slug: str):
    event = _event(slug)
    filters = _filters()
    rows = projects.listing(current_user, event, filters)
    return render_template("events/manage/projects.html", event=event, rows=rows, filters=filters)


def _detail(event, project_id: int, review_form=None, decision_form=None, session_form=None, status=200):
    project = projects.for_review(current_user, event, project_id)
    mine = projects.own_review(current_user, project)
    if review_form is None:
        review_form = ReviewForm(formdata=None, score=str(mine.score) if mine else "",
                                 comment=mine.comment if mine else "")
    deciding = services.can(current_user, event, "decide_projects")
    if deciding and decision_form is None:
        decision_form = DecisionForm(formdata=None)
    if deciding and session_form is None:
        session_form = ProjectSessionForm(formdata=None, session_id=str(project.session_id or ""))
    if session_form is not None:
        session_form.session_id.choices = options(
            [("", "—"), *((s.id, session_label(event, s, current_locale())) for s in event.sessions)])
    return render_template(
        "events/manage/project.html", event=event, project=project, mine=mine,
        others=[r for r in project.reviews if r.reviewer_id != current_user.id], review_form=review_form,
        decision_form=decision_form, session_form=session_form,
        # reviewers judge the proposal, not the person: the author's name and contacts are the organizers'
        show_author=services.can(current_user, event, "registrations")), status


@bp.get("/events/<slug>/manage/projects/<id:project_id>")
@login_required
def project_detail(slug: str, project_id: int):
    return _detail(_event(slug), project_id)


@bp.post("/events/<slug>/manage/projects/<id:project_id>/review")
@login_required
def review_project(slug: str, project_id: int):
    event = _event(slug)
    form = ReviewForm()
    if form.validate_on_submit():
        try:
            with attempt():
                projects.review(current_user, event, project_id, form.score.data, form.comment.data)
        except projects.InvalidProject as error:
            show_errors(form, error.errors)
        else:
            flash(_("Your review is saved."), "success")
            return redirect(url_for("events.project_detail", slug=slug, project_id=project_id) + "#my-review")
    return _detail(event, project_id, review_form=form, status=422)


@bp.post("/events/<slug>/manage/projects/<id:project_id>/decide")
@login_required
def decide_project(slug: str, project_id: int):
    event = _event(slug)
    services.require(current_user, event, "decide_projects")
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            with attempt():
                project = projects.decide(current_user, event, project_id, form.decision.data, form.reason.data)
        except projects.InvalidProject as error:
            show_errors(form, error.errors)
        except ServiceError as error:
            add_error(form.decision, error.message)
        else:
            flash(_("Accepted; the author was told.") if project.status == "accepted" else
                  _("Not accepted; the author was told why."), "success")
            return redirect(url_for("events.project_detail", slug=slug, project_id=project_id))
    return _detail(event, project_id, decision_form=form, status=422)


@bp.post("/events/<slug>/manage/projects/<id:project_id>/session")
@login_required
def project_session(slug: str, project_id: int):
    event = _event(slug)
    services.require(current_user, event, "decide_projects")
    form = ProjectSessionForm()
    form.session_id.choices = options([("", "—"), *((s.id, "") for s in event.sessions)])
    if form.validate_on_submit():
        try:
            with attempt():
                projects.attach_session(current_user, event, project_id,
                                        int(form.session_id.data) if form.session_id.data else None)
        except ServiceError as error:
            add_error(form.session_id, error.message)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("events.project_detail", slug=slug, project_id=project_id))
    return _detail(event, project_id, session_form=form, status=422)


def _export(slug: str, kind: str):
    event = _event(slug)
    services.require(current_user, event, "export")
    rows = projects.listing(current_user, event, _filters())
    if kind == "csv":
        body = ("\ufeff" + projects_csv(event, rows, current_locale())).encode("utf-8")  # BOM: Excel reads UTF-8
        content_type = "text/csv; charset=utf-8"
    else:
        body = projects_xlsx(event, rows, current_locale())
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = make_response(body)
    response.headers["Content-Type"] = content_type
    response.headers["Content-Disposition"] = f'attachment; filename="{event.slug}-projects.{kind}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/events/<slug>/manage/projects.csv")
@login_required
def export_projects_csv(slug: str):
    return _export(slug, "csv")


@bp.get("/events/<slug>/manage/projects.xlsx")
@login_required
def export_projects_xlsx(slug: str):
    return _export(slug, "xlsx")


# --- everyone -------------------------------------------------------------------------------------------

@bp.get("/events/<slug>/projects", endpoint="public_projects")
def public_projects_page(slug: str):
    event = _visible_event(slug)
    filters = _filters()
    filters.status = None
    return render_template("events/projects.html", event=event, filters=filters,
                           groups=projects.by_region(projects.public(event, filters)))
