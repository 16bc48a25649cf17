"""Home page, language switch, API documentation page, health check."""
from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from diaspora.auth.services import set_locale
from diaspora.extensions import db
from diaspora.i18n import LANGUAGE_COOKIE
from diaspora.urls import safe_next

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    from diaspora.directory.services import directory_counts

    return render_template("main/index.html", counts=directory_counts())


@bp.get("/lang/<code>")
def set_language(code: str):
    response = redirect(safe_next(request.args.get("next"), url_for("main.index")))
    if code in current_app.config["LANGUAGES"]:
        if current_user.is_authenticated:  # mail to this account goes out in this language too
            set_locale(current_user, code)
        response.set_cookie(
            LANGUAGE_COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax",
            secure=current_app.config["SESSION_COOKIE_SECURE"], httponly=True,
        )
    return response


@bp.get("/api")
def api_docs():
    return render_template("main/api.html")


@bp.get("/healthz")
def healthz():
    from sqlalchemy import text


    db.session.execute(text("SELECT 1"))
    # asked of this process and its database each time: never from a cache (diaspora/page_cache.py)
    return {"status": "ok"}, {"Cache-Control": "no-store"}
