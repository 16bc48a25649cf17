"""Diaspora: a directory, events and mutual help for communities abroad."""
from pathlib import Path

from flask import Flask

from diaspora.config import load_config
from diaspora.content_i18n import parse_content_languages


def load_checkout_flaskenv() -> None:
    """`flask --app diaspora --help` builds the app to list its commands before flask reads .flaskenv (click
    handles --help first), and from another folder flask never finds it: read the checkout's .flaskenv here,
    for the flask command only (gunicorn does not set FLASK_RUN_FROM_CLI), without overriding the environment."""
    import os

    flaskenv = Path(__file__).resolve().parent.parent / ".flaskenv"
    if os.environ.get("FLASK_RUN_FROM_CLI") == "true" and flaskenv.is_file():
        from dotenv import load_dotenv

        load_dotenv(flaskenv, override=False)


def create_app(config: dict | None = None) -> Flask:
    from diaspora.unit_of_work import App

    load_checkout_flaskenv()

    app = App(
        __name__,
        instance_relative_config=True,
        template_folder="../templates",
        static_folder="../static",
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(load_config(app.instance_path, testing=bool(config and config.get("TESTING"))))
    if config:
        app.config.update(config)
    if isinstance(app.config["CONTENT_LANGUAGES"], str):  # given as in the environment
        app.config["CONTENT_LANGUAGES"] = parse_content_languages(app.config["CONTENT_LANGUAGES"])
    register_response_bytes(app)
    register_extensions(app)
    register_template_filters(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    register_page_cache(app)
    register_proxy_fix(app)  # outermost: the page cache keys on the client's scheme and host
    return app


def register_proxy_fix(app: Flask) -> None:
    count = app.config.get("PROXY_COUNT", 0)
    if count:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Flask's documented way to wrap the WSGI app, which mypy sees as replacing a method
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)  # type: ignore[method-assign]


def register_page_cache(app: Flask) -> None:
    from diaspora import page_cache

    page_cache.init_app(app)


def register_response_bytes(app: Flask) -> None:
    from diaspora import responses, static_files

    responses.init_app(app)  # first: its hook runs after every other one
    static_files.init_app(app)  # before the maps, which name Leaflet's files


def register_extensions(app: Flask) -> None:
    from diaspora import content_forms, content_i18n, crypto, database, i18n
    from diaspora.api import api
    from diaspora.auth.services import init_login
    from diaspora.extensions import babel, csrf, db, limiter, migrate
    from diaspora.geo import init_geo

    db.init_app(app)
    database.init_app(app)
    crypto.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.init_app(app)
    content_i18n.init_app(app)
    content_forms.init_app(app)
    limiter.init_app(app)
    init_login(app)
    api.init_app(app)
    init_geo(app)
    from diaspora import alerts, assistance, contacts, directory, embed, events, guides

    directory.init_app(app)
    events.init_app(app)
    assistance.init_app(app)
    contacts.init_app(app)
    guides.init_app(app)
    alerts.init_app(app)
    embed.init_app(app)


def register_template_filters(app: Flask) -> None:
    from diaspora import templating

    templating.init_app(app)


def register_blueprints(app: Flask) -> None:
    from diaspora import urls
    from diaspora.alerts.routes import bp as alerts_bp
    from diaspora.api import register_api
    from diaspora.assistance import coordination  # noqa: F401  (coordinators' routes on the same blueprint)
    from diaspora.assistance.routes import bp as assistance_bp
    from diaspora.auth.routes import bp as auth_bp
    from diaspora.contacts.routes import bp as contacts_bp
    from diaspora.directory import member_routes  # noqa: F401  (members' routes on the directory blueprint)
    from diaspora.directory.routes import bp as directory_bp
    from diaspora.embed.routes import bp as embed_bp
    from diaspora.events import (  # noqa: F401  (more routes on the events blueprint)
        delegation_routes,
        letter_routes,
        manage,
        programme_routes,
        project_routes,
        team_routes,
    )
    from diaspora.events.routes import bp as events_bp
    from diaspora.guides.routes import bp as guides_bp
    from diaspora.mail.routes import bp as mail_bp
    from diaspora.main.routes import bp as main_bp
    from diaspora.moderation.routes import bp as moderation_bp
    from diaspora.offline.routes import bp as offline_bp

    urls.init_app(app)  # the <id:...> converter, before any route uses it
    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(directory_bp)
    app.register_blueprint(events_bp)
    app.register_blueprint(assistance_bp)
    app.register_blueprint(contacts_bp)
    app.register_blueprint(guides_bp)
    app.register_blueprint(moderation_bp)
    app.register_blueprint(mail_bp)
    app.register_blueprint(offline_bp)
    app.register_blueprint(alerts_bp)
    app.register_blueprint(embed_bp)
    register_api(app)
    from diaspora import telegram

    telegram.init_app(app)  # its blueprint, the outbox's Telegram sender, what it hears from the others


def register_errorhandlers(app: Flask) -> None:
    from diaspora import headers
    from diaspora.errors import init_app

    init_app(app)
    headers.init_app(app)


def register_commands(app: Flask) -> None:
    from diaspora.cli import register

    register(app)
