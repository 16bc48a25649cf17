"""Offline reading on a phone: a service worker keeps the pages a person saved ("Save for offline": a
country's contacts and guides) and shows them when there is no connection; the site can be installed as an
app (a web app manifest).

What is saved is only what a feature lists for a country (`register_pack_source`): public pages, never a
private one (a help request's page holds its secret link); the worker caches nothing else. Features register
their sources in their own init_app, so this module knows none of them."""
from collections.abc import Callable
from typing import NamedTuple


class Page(NamedTuple):
    url: str  # site-relative, as url_for gives it
    title: str  # in the reader's language: the list of saved pages shows it


# A source gives the public pages worth reading offline for a country (ISO code).
PackSource = Callable[[str], list[Page]]
_SOURCES: list[PackSource] = []


def register_pack_source(source: PackSource) -> None:
    if source not in _SOURCES:
        _SOURCES.append(source)


def pack_pages(country: str) -> list[Page]:
    """Every page of the country's offline pack, each once, in the sources' order."""
    pages: list[Page] = []
    seen: set[str] = set()
    for source in _SOURCES:
        for page in source(country):
            if page.url not in seen:
                seen.add(page.url)
                pages.append(page)
    return pages
