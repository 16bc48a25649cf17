"""Static files under content-hashed names (Flask-Static-Digest), so that browsers keep them a year.

`flask digest compile` (run by `make setup`, and by the tests before they start) copies every file of static/
to a name carrying its MD5 (css/site-<md5>.css) and writes static/cache_manifest.json. Every
`url_for('static', filename=...)` is given the hashed name by a url_defaults hook, so templates keep calling
url_for as before. A hashed name never changes content: it is sent as `public, max-age=31536000, immutable`
and a repeat visit asks for nothing but the page. The plain names keep working with a short cache: pages
saved before a deploy, the service worker's /sw.js and stylesheets' relative links (Leaflet's images).

Without a manifest (a checkout that never ran the build) the plain names are used: slower, never wrong.
A manifest older than the files it names would point at old copies: the build runs again whenever a file
of static/ changes (the Makefile's rule, and the tests' own build)."""
import contextlib
import io
import json
from pathlib import Path

from flask import Flask, request, session
from flask_static_digest import FlaskStaticDigest, digester
from flask_static_digest import cli as digest_cli

YEAR = 31_536_000
# Plain names may change at the next deploy: browsers ask again after ten minutes.
PLAIN_MAX_AGE = 600
# Fonts in static/vendor/fonts are read by the server (PDF tickets), never sent to browsers.
NOT_DIGESTED = [".ttf"]
MANIFEST = "cache_manifest.json"


def init_app(app: Flask) -> None:
    app.config.setdefault("FLASK_STATIC_DIGEST_BLACKLIST_FILTER", NOT_DIGESTED)
    # compressed copies would need a web server to choose them: Flask-Compress compresses (diaspora.responses)
    app.config.setdefault("FLASK_STATIC_DIGEST_COMPRESSION", [])
    digest = FlaskStaticDigest(app)
    manifest: dict[str, str] = digest.manifests.get("static", {})
    hashed = frozenset(manifest.values())
    app.extensions["static_names"] = manifest  # plain name -> hashed name, for folium's Leaflet (geo/maps.py)
    app.cli.add_command(digest_cli.digest)

    @app.url_defaults
    def hashed_static_name(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "filename" in values:
            values["filename"] = manifest.get(values["filename"], values["filename"])

    @app.after_request
    def static_cache_lifetime(response):
        if request.endpoint != "static" or response.status_code not in (200, 206, 304):
            return response
        # The same file whatever the cookies: no `Vary: Cookie` (the unit of work reads the session on every
        # request), or a browser would fetch it again once the session cookie changed.
        session.accessed = False
        immutable = (request.view_args or {}).get("filename") in hashed
        response.cache_control.no_cache = None  # Flask's default for static files: ask every time
        response.cache_control.public = True
        response.cache_control.max_age = YEAR if immutable else PLAIN_MAX_AGE
        response.cache_control.immutable = immutable or None
        return response


def is_stale(static_folder: str) -> bool:
    """True when the manifest is missing, older than a file of static/, or names a copy that is gone."""
    folder = Path(static_folder)
    manifest = folder / MANIFEST
    if not manifest.is_file():
        return True
    built = manifest.stat().st_mtime
    names = json.loads(manifest.read_text())
    sources = digester._filter_files(str(folder), NOT_DIGESTED)  # the files the library would digest
    return (any(Path(source).stat().st_mtime > built for source in sources)
            or any(not (folder / name).is_file() for name in names.values())
            or len(names) != len(sources))


def build(static_folder: str) -> None:
    """Remove the previous hashed copies, then make them and the manifest again (what `flask digest clean`
    and `flask digest compile` do, with this app's settings)."""
    with contextlib.redirect_stdout(io.StringIO()):  # the library prints where the files went
        digester.clean(static_folder, NOT_DIGESTED, False, False)
        digester.compile(static_folder, static_folder, NOT_DIGESTED, False, False)
