"""Template filters of the whole site, registered on the app: any blueprint's templates may use them."""


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


def init_app(app) -> None:
    app.add_template_filter(change_value, "change_value")
