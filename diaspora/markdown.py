"""Markdown written by people (guides, an event's travel information) as safe HTML: markdown-it-py renders
(raw HTML in the source passes through), then nh3 (Rust's ammonia) keeps only an allow-list of tags and
attributes, links to http, https, mailto and tel only, each marked rel="nofollow noopener". The sanitiser is
the guarantee, whatever the renderer lets through.

Rendering is cached by the source text itself: a guide's text per language only changes with a new version,
so the same (guide, version, language) hits the cache, and an edited text can never be served stale. It lives
outside the features (guides and events sit on one layer and do not import each other)."""
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

TAGS = {"h1", "h2", "h3", "h4", "h5", "h6", "p", "ul", "ol", "li", "strong", "em", "b", "i", "a", "blockquote",
        "code", "pre", "table", "thead", "tbody", "tr", "th", "td", "hr", "br"}
ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto", "tel"}

# raw HTML is passed on to nh3, which drops what is not allowed (a <script> with its content); tables on
_markdown = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False}).enable("table")


def _wrap_tables(html: str) -> str:
    """Each table inside a box that scrolls on its own, so a wide table never widens a 320 px page."""
    return html.replace("<table>", '<div class="table-scroll"><table>').replace("</table>", "</table></div>")


def _no_other_site(element: str, attribute: str, value: str) -> str | None:
    """A relative link stays on this site: "//host/..." (protocol-relative, or with backslashes, which
    browsers read as slashes) leads to another site without a scheme for the allow-list to refuse."""
    if attribute == "href" and value.replace("\\", "/").lstrip().startswith("//"):
        return None
    return value


@lru_cache(maxsize=512)
def render(source: str) -> Markup:
    """Sanitised HTML of a Markdown text."""
    if not source:
        return Markup("")
    clean = nh3.clean(_markdown.render(source), tags=TAGS, attributes=ATTRIBUTES, url_schemes=URL_SCHEMES,
                      link_rel="nofollow noopener", strip_comments=True, attribute_filter=_no_other_site)
    return Markup(_wrap_tables(clean))  # the wrapper is ours, added after cleaning
