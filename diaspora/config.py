"""Settings, read from the environment.

DIASPORA_ENV picks the profile: ``production`` (the default, e.g. under gunicorn) requires SECRET_KEY;
``development`` (set by .flaskenv for local ``flask`` commands) generates one into instance/.
"""
import functools
import json
import os
import secrets
from pathlib import Path

from diaspora.content_i18n import parse_content_languages

json_dumps = functools.partial(json.dumps, ensure_ascii=False)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def database_url(instance_path: str) -> str:
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{Path(instance_path) / 'diaspora.sqlite'}"
    # Hosting platforms hand out postgres:// URLs; SQLAlchemy wants a driver name, and we ship psycopg 3.
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://"):]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def instance_secret(instance_path: str, name: str, make=lambda: secrets.token_hex(32)) -> str:
    """A per-checkout secret kept in instance/<name> (created once, readable by the owner only), so
    development sessions and encrypted data survive restarts of `make run`."""
    path = Path(instance_path) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        key = make()
        fh.write(key)
    return key


SHARED_STORAGE_HINT = ("set RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379/0 (a store all worker processes share); "
                       "memory:// counts in each process, so it suits only a single worker")


def rate_limit_storage(production: bool) -> str:
    """Where Flask-Limiter counts. `memory://` is per process: with several workers every limit (and
    Nominatim's 1 request/s) is multiplied by their number, so production must name its store."""
    uri = os.environ.get("RATELIMIT_STORAGE_URI", "").strip()
    if not uri and production and env_bool("RATELIMIT_ENABLED", True):
        raise RuntimeError(f"RATELIMIT_STORAGE_URI must be set in production: {SHARED_STORAGE_HINT}.")
    return uri or "memory://"


def several_workers_problem(workers: int) -> str | None:
    """Why a server with `workers` processes must not start (gunicorn.conf.py asks), or None."""
    uri = os.environ.get("RATELIMIT_STORAGE_URI", "").strip() or "memory://"
    if workers > 1 and uri.startswith("memory://") and env_bool("RATELIMIT_ENABLED", True):
        return (f"{workers} worker processes with RATELIMIT_STORAGE_URI={uri}: each would count rate limits on "
                f"its own; {SHARED_STORAGE_HINT}.")
    return None


def load_config(instance_path: str, testing: bool = False) -> dict:
    env = "testing" if testing else os.environ.get("DIASPORA_ENV", "production")
    secret = os.environ.get("SECRET_KEY")
    if testing:
        secret = secrets.token_hex(32)
    elif not secret:
        if env == "production":
            raise RuntimeError("SECRET_KEY must be set in production (or set DIASPORA_ENV=development).")
        secret = instance_secret(instance_path, "secret_key")
    production = env == "production"
    site_url = os.environ.get("SITE_URL")
    if production and not site_url:
        raise RuntimeError("SITE_URL must be set in production (e.g. https://diaspora.example): links in mail use it.")
    trusted_hosts = [h.strip() for h in os.environ.get("TRUSTED_HOSTS", "").split(",") if h.strip()]
    return {
        "ENV_NAME": env,
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": database_url(instance_path),
        # JSON columns (texts in any language among them) keep Cyrillic as it is, not as \u escapes: a third
        # of the size, and readable in the database
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "json_serializer": json_dumps},
        "SESSION_COOKIE_SECURE": env_bool("SESSION_COOKIE_SECURE", production),
        "SESSION_COOKIE_HTTPONLY": True,
        # Werkzeug's scrypt (~0.4 s a hash, on purpose). Tests only: one round of PBKDF2, since the suite
        # makes hundreds of accounts and the cost proves nothing there.
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1" if testing else "scrypt",
        # No form or API body here needs more; larger requests get a 413 before anything reads them.
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": env_bool("SESSION_COOKIE_SECURE", production),
        "REMEMBER_COOKIE_HTTPONLY": True,
        # The remember-me cookie logs a person in as surely as the session cookie: the same protections.
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # Tokens live as long as the session: a form left open on a phone for an hour still submits.
        "WTF_CSRF_TIME_LIMIT": None,
        "PREFERRED_URL_SCHEME": os.environ.get("PREFERRED_URL_SCHEME", "https" if production else "http"),
        # The public address: absolute links in mail and the API are built from it, never from the Host header.
        "SITE_URL": site_url or "http://127.0.0.1:5000",
        # Optional: requests naming any other host are refused (Flask's TRUSTED_HOSTS).
        "TRUSTED_HOSTS": trusted_hosts or None,
        "PROXY_COUNT": env_int("PROXY_COUNT", 0),
        # Languages: Kyrgyz first, then Russian, then English.
        "LANGUAGES": ["ky", "ru", "en"],
        "BABEL_DEFAULT_LOCALE": os.environ.get("DEFAULT_LOCALE", "ky"),
        # Languages of content (events, offers, services...): any codes, e.g. ky,ru,en,kk,tr; forms show one
        # group of fields per language, and readers get theirs, then these in this order (content_i18n.py).
        "CONTENT_LANGUAGES": parse_content_languages(os.environ.get("CONTENT_LANGUAGES")),
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).resolve().parent.parent / "translations"),
        # Whole public pages kept in each process until the data changes (diaspora/page_cache.py).
        "PAGE_CACHE": env_bool("PAGE_CACHE", True),
        "PAGE_CACHE_SECONDS": env_int("PAGE_CACHE_SECONDS", 60),
        # Geocoding: the offline gazetteer always answers; Nominatim is opt-in.
        "GEOCODER": os.environ.get("GEOCODER", "offline"),  # offline | nominatim
        "NOMINATIM_DOMAIN": os.environ.get("NOMINATIM_DOMAIN", "nominatim.openstreetmap.org"),
        "NOMINATIM_USER_AGENT": os.environ.get(
            "NOMINATIM_USER_AGENT", "diaspora-directory/1.0 (+https://github.com/; set NOMINATIM_USER_AGENT)"
        ),
        "GEOCODER_TIMEOUT": float(os.environ.get("GEOCODER_TIMEOUT", "3")),
        "GAZETTEER_PATH": os.environ.get("GAZETTEER_PATH") or str(Path(instance_path) / "gazetteer.sqlite"),
        # Map tiles: any XYZ tile server; the attribution is shown on every map.
        "TILES_URL": os.environ.get("TILES_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png"),
        "TILES_ATTRIBUTION": os.environ.get(
            "TILES_ATTRIBUTION",
            '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
        ),
        # Mail: with no MAIL_SERVER every message stays in the outbox that site admins read.
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", ""),
        "MAIL_PORT": env_int("MAIL_PORT", 587),
        "MAIL_USE_TLS": env_bool("MAIL_USE_TLS", True),
        "MAIL_USE_SSL": env_bool("MAIL_USE_SSL", False),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD", ""),
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER", "Diaspora <no-reply@localhost>"),
        "MAIL_TIMEOUT": float(os.environ.get("MAIL_TIMEOUT", "10")),
        # The worker (`flask worker`) sends the outbox and runs the periodic jobs; web workers never wait on
        # a mail server. It looks for work every WORKER_INTERVAL seconds; after a mail server did not answer
        # it waits the interval, doubling up to MAIL_OUTAGE_RETRY_MAX, before trying the server again.
        "WORKER_INTERVAL": float(os.environ.get("WORKER_INTERVAL", "5")),
        "MAIL_OUTAGE_RETRY_MAX": float(os.environ.get("MAIL_OUTAGE_RETRY_MAX", "300")),
        # Rate limits (Flask-Limiter): required in production, see rate_limit_storage().
        "RATELIMIT_STORAGE_URI": rate_limit_storage(production),
        # Put before every key, for sites (or test runs) that share one Redis.
        "RATELIMIT_KEY_PREFIX": os.environ.get("RATELIMIT_KEY_PREFIX", ""),
        "RATELIMIT_ENABLED": env_bool("RATELIMIT_ENABLED", True),
        "RATELIMIT_HEADERS_ENABLED": True,
        # Failed logins, per client address and per account (see auth/routes.py).
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "10 per minute;50 per hour"),
        "LOGIN_ACCOUNT_RATE_LIMIT": os.environ.get("LOGIN_ACCOUNT_RATE_LIMIT", "10 per minute;50 per hour"),
        # Reset and sign-up mail to one address.
        "ACCOUNT_MAIL_RATE_LIMIT": os.environ.get("ACCOUNT_MAIL_RATE_LIMIT", "5 per hour"),
        "PUBLIC_POST_RATE_LIMIT": os.environ.get("PUBLIC_POST_RATE_LIMIT", "10 per minute;60 per hour"),
        # people registered through delegations, per client: a delegation is one request of the limit above
        # and as many people of this one as it has members
        "DELEGATION_MEMBERS_RATE_LIMIT": os.environ.get("DELEGATION_MEMBERS_RATE_LIMIT", "100 per hour;300 per day"),
        "API_RATE_LIMIT": os.environ.get("API_RATE_LIMIT", "300 per minute"),
        # Encryption at rest of requests for help (diaspora/crypto.py); several keys: the first encrypts.
        "DATA_KEY": os.environ.get("DATA_KEY", ""),
        # Mutual help: routing and retention
        "HELP_ROUTE_LIMIT": env_int("HELP_ROUTE_LIMIT", 5),
        "HELP_ROUTE_KM": env_int("HELP_ROUTE_KM", 500),
        "HELP_STALE_DAYS": env_int("HELP_STALE_DAYS", 14),
        "HELP_CLOSE_AFTER_REMINDER_DAYS": env_int("HELP_CLOSE_AFTER_REMINDER_DAYS", 7),
        "HELP_RETENTION_DAYS": env_int("HELP_RETENTION_DAYS", 180),
        # Telegram (diaspora/telegram): news of a request or a registration in the person's chat. Off (no
        # link shown, nothing sent) without a token from @BotFather; the webhook checks the secret.
        "TELEGRAM_BOT_TOKEN": os.environ.get("TELEGRAM_BOT_TOKEN", ""),
        "TELEGRAM_BOT_USERNAME": os.environ.get("TELEGRAM_BOT_USERNAME", "").lstrip("@"),
        "TELEGRAM_WEBHOOK_SECRET": os.environ.get("TELEGRAM_WEBHOOK_SECRET", ""),
        "TELEGRAM_API_URL": os.environ.get("TELEGRAM_API_URL", "https://api.telegram.org").rstrip("/"),
        "TELEGRAM_TIMEOUT": float(os.environ.get("TELEGRAM_TIMEOUT", "10")),
        # A request nobody accepted within this many hours goes to the coordinators' "needs a person" queue.
        "HELP_ESCALATE_HOURS": env_int("HELP_ESCALATE_HOURS", 24),
        # Getting back to a request with its reference and PIN: wrong PINs per client address, and per
        # reference (after HELP_PIN_MAX_FAILURES wrong ones the reference is locked HELP_PIN_LOCK_MINUTES).
        "HELP_PIN_RATE_LIMIT": os.environ.get("HELP_PIN_RATE_LIMIT", "10 per minute;30 per hour"),
        "HELP_PIN_MAX_FAILURES": env_int("HELP_PIN_MAX_FAILURES", 5),
        "HELP_PIN_LOCK_MINUTES": env_int("HELP_PIN_LOCK_MINUTES", 30),
        # API / OpenAPI (flask-smorest)
        "API_TITLE": "Diaspora directory API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
    }
