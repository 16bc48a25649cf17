"""The outbox, for site admins: what was sent, what waits, and why it failed."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import func, select

from diaspora.extensions import db
from diaspora.mail import preview, shown_address
from diaspora.models import OutboxMessage

bp = Blueprint("mail", __name__, url_prefix="/admin/outbox")


@bp.before_request
@login_required
def admins_only():
    if not current_user.is_admin:
        abort(403)


@bp.get("/")
def index():
    status = request.args.get("status")
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), 10_000)
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc())
    if status in ("pending", "sending", "sent", "void"):
        query = query.where(OutboxMessage.status == status)
    messages = db.session.scalars(query.limit(50).offset((page - 1) * 50)).all()
    counts = dict(db.session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
    subjects = {message.id: preview(message)[0] for message in messages}
    return render_template("mail/outbox.html", messages=messages, counts=counts, status=status, page=page,
                           subjects=subjects, shown_address=shown_address)


@bp.get("/<id:message_id>")
def show(message_id: int):
    message = db.get_or_404(OutboxMessage, message_id)
    subject, body = preview(message)
    return render_template("mail/message.html", message=message, subject=subject, body=body,
                           to_address=shown_address(message))


@bp.post("/retry")
def retry():
    """Everything waiting becomes due now; the worker sends it (never this web worker)."""
    from diaspora.mail import smtp_configured
    from diaspora.mail.outbox import make_due

    if not smtp_configured():
        flash(_("No mail server is configured, so messages stay here."), "warning")
    else:
        waiting = make_due()
        # the worker may be waiting out an outage of the mail server (up to MAIL_OUTAGE_RETRY_MAX): no promise
        flash(ngettext("%(num)d waiting message will be sent by the worker as soon as the mail server answers.",
                       "%(num)d waiting messages will be sent by the worker as soon as the mail server answers.",
                       waiting), "success")
    return redirect(url_for("mail.index"))
