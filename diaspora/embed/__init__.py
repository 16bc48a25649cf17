"""The widget: light pages any site may put in an iframe (`/embed/map`, `/embed/events`), and the page that
builds their snippet (`/embed`)."""
from flask import request
from flask.sessions import SecureCookieSessionInterface


class SessionInterface(SecureCookieSessionInterface):
    """Flask's cookie session, never saved on the widget's pages: they sit on other sites and set no cookie
    (a logged-in visitor's session would otherwise be refreshed there)."""

    def save_session(self, app, session, response) -> None:
        if request.blueprint == "embed" and request.endpoint != "embed.builder":
            return
        super().save_session(app, session, response)


def init_app(app) -> None:
    app.session_interface = SessionInterface()
