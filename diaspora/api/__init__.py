"""The public JSON API, v1: a stable contract for partner sites. OpenAPI at /api/v1/openapi.json."""
from flask import current_app

from diaspora.extensions import api, csrf, limiter


def register_api(app) -> None:
    from diaspora.api.organizations import blp as organizations

    limiter.limit(lambda: current_app.config["API_RATE_LIMIT"])(organizations)
    csrf.exempt(organizations)
    api.register_blueprint(organizations)

    @app.after_request
    def allow_embedding(response):
        # Read-only public data: any site may fetch it from the browser (no cookies are honoured).
        from flask import request

        if request.path.startswith("/api/v1/") and request.method in ("GET", "HEAD", "OPTIONS"):
            response.headers["Access-Control-Allow-Origin"] = "*"
        return response
