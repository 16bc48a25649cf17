"""Contacts as typed by people ("@kyrgyz_club", "t.me/kyrgyz_club", "instagram.com/x/") normalised to
handles we store, and links we build ourselves, so a stored value can never become a javascript: URL.
Web addresses are checked by diaspora.weburl, like every other URL people give us."""
import re
from urllib.parse import parse_qs, quote

from flask_babel import lazy_gettext as _l

from diaspora.weburl import InvalidURL, shown_url, split_url

_HANDLE = {
    "telegram": (re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,31}$"), ("t.me", "telegram.me"), "https://t.me/{}"),
    "instagram": (re.compile(r"^[A-Za-z0-9._]{1,30}$"), ("instagram.com",), "https://www.instagram.com/{}"),
    "facebook": (re.compile(r"^[A-Za-z0-9.\-]{1,100}$"), ("facebook.com", "fb.com"), "https://www.facebook.com/{}"),
    "vk": (re.compile(r"^[A-Za-z0-9_.]{2,64}$"), ("vk.com", "vk.ru"), "https://vk.com/{}"),
}
_PHONE_CHARS = re.compile(r"^\+?[0-9 ()\-.]{5,30}$")


class ContactError(ValueError):
    pass


def normalize_handle(kind: str, value: str | None) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    pattern, hosts, _ = _HANDLE[kind]
    if "/" in value or ("." in value and any(h in value.lower() for h in hosts)):
        url = value if "://" in value else "https://" + value
        elsewhere = ContactError(_l("Give the name of the account, or a link to it on %(site)s.", site=hosts[0]))
        try:
            parts = split_url(url)
        except InvalidURL:
            raise elsewhere from None
        host = (parts.hostname or "").lower().removeprefix("www.").removeprefix("m.")
        if host not in hosts:
            raise elsewhere
        value = parts.path.strip("/").split("/")[0]
        if kind == "facebook" and value == "profile.php":
            profile = parse_qs(parts.query).get("id", [""])[0]
            if profile.isdigit():
                return f"profile.php?id={profile}"
    value = value.lstrip("@")
    if not pattern.match(value):
        raise ContactError(_l("This does not look like an account name."))
    return value


def handle_url(kind: str, handle: str) -> str:
    return _HANDLE[kind][2].format(handle)


def phone_digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def normalize_phone(value: str | None) -> str | None:
    value = " ".join((value or "").split())
    if not value:
        return None
    digits = phone_digits(value)
    if not _PHONE_CHARS.match(value) or not 5 <= len(digits) <= 15:
        raise ContactError(_l("Give a phone number with the country code, e.g. +996 555 123 456."))
    return value


def normalize_whatsapp(value: str | None) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    if "wa.me/" in value:
        value = value.split("wa.me/", 1)[1].split("?")[0]
    normalize_phone(value)
    return "+" + phone_digits(value)


def contact_links(org) -> list[dict]:
    """What the public page shows: label key, text and a link we built (never a stored href)."""
    links = []
    if org.website:
        links.append({"kind": "website", "text": shown_url(org.website), "href": org.website})
    if org.email:
        # quoted: "a?cc=x@evil.org&body=...@example.org" is a valid address but must not add headers
        local, _, domain = org.email.rpartition("@")
        links.append({"kind": "email", "text": org.email, "href": f"mailto:{quote(local, safe='')}@{domain}"})
    if org.phone:
        plus = "+" if org.phone.startswith("+") else ""
        links.append({"kind": "phone", "text": org.phone, "href": "tel:" + plus + phone_digits(org.phone)})
    if org.whatsapp:
        links.append({"kind": "whatsapp", "text": org.whatsapp, "href": "https://wa.me/" + phone_digits(org.whatsapp)})
    for kind in ("telegram", "instagram", "facebook", "vk"):
        handle = getattr(org, kind)
        if handle:
            links.append({"kind": kind, "text": ("@" + handle) if kind in ("telegram", "instagram") else handle,
                          "href": handle_url(kind, handle)})
    return links
