"""Template filters of the whole site, registered on the app: any blueprint's templates may use them."""


def change_value(value) -> str:
    """A value in a table of changes (an association's history, its changes waiting for moderation): lists
    joined, nothing shown as a dash."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def init_app(app) -> None:
    app.add_template_filter(change_value, "change_value")
