"""Template filters and globals of the whole site, registered on the app: any blueprint's templates may use them."""
from flask import g


def change_value(value) -> str:
    """A value in a table of changes (an association's history, its changes waiting for moderation): lists
    joined, nothing shown as a dash."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):  # a text in several languages: {"ky": "…", "ru": "…"}
        return " · ".join(f"{lang}: {text}" for lang, text in value.items()) or "—"
    return str(value)


def page_script(filename: str) -> str:
    """Ask for a script of static/ on this page (the chooser's, the print button's): a macro that draws the
    markup asks, and base.html, whose end is rendered after the content, loads each one once. A page without
    them does not download them."""
    wanted = g.setdefault("page_scripts", [])
    if filename not in wanted:
        wanted.append(filename)
    return ""


def page_scripts() -> list[str]:
    return list(g.get("page_scripts", []))


def init_app(app) -> None:
    app.add_template_filter(change_value, "change_value")
    app.add_template_global(page_script, "page_script")
    app.add_template_global(page_scripts, "page_scripts")
