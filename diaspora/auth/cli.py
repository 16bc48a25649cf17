import click
from flask.cli import with_appcontext

from diaspora.unit_of_work import unit_of_work


@click.command("create-admin")
@click.argument("email")
@click.option("--password", help="Asked for when missing (not echoed).")
@with_appcontext
@unit_of_work()
def create_admin(email: str, password: str | None):
    """Create a site admin, or make an existing account one."""
    from diaspora.auth.forms import PASSWORD_MIN
    from diaspora.auth.services import create_user, find_user_by_email

    def checked(password: str) -> str:
        if len(password) < PASSWORD_MIN:
            raise click.BadParameter(f"at least {PASSWORD_MIN} characters", param_hint="--password")
        return password

    if "@" not in email:
        raise click.BadParameter("not an email address", param_hint="EMAIL")
    user = find_user_by_email(email)
    if user is None:
        if password is None:
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        user = create_user(email, checked(password), is_admin=True)
        action = "created"
    else:
        user.is_admin = True
        if password is not None:
            user.set_password(checked(password))
        action = "updated"
    click.echo(f"Site admin {action}: {user.email}")
