import sys

import click
from flask.cli import with_appcontext

from diaspora.unit_of_work import unit_of_work


def _count_lines(path: str) -> int:
    with open(path, "rb") as fh:
        return max(sum(1 for _ in fh) - 1, 0)


@click.command("import-organizations")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--publish", is_flag=True, help="Publish the imported associations at once.")
@with_appcontext
def import_organizations(path: str, publish: bool):
    """Import associations from a CSV file (columns: name,country,city,address,latitude,longitude,
    categories,languages,email,phone,website, then description_<lang> for each content language, or an older
    file's description; lists separated by ';').

    Valid rows are imported; bad rows are listed with their line number. Importing the same file
    again updates the entries instead of duplicating them. Exit status 1 if any row was rejected."""
    from diaspora.directory.transfer import RowError, import_csv

    total = _count_lines(path)

    def progress(rows):
        with click.progressbar(rows, length=total, label="Importing", file=sys.stderr,
                               show_pos=True, update_min_steps=500) as bar:
            yield from bar

    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            report = import_csv(handle, publish=publish, source=path.rsplit("/", 1)[-1], progress=progress)
    except RowError as error:
        message = str(error)
        raise click.ClickException(message if message.startswith("line ") else f"line 1: {message}") from None
    except UnicodeDecodeError as error:
        raise click.ClickException(f"the file is not UTF-8 text ({error.reason} at byte {error.start})") from None
    for line, message in report.warnings:
        click.echo(f"line {line}: warning: {message}")
    for line, field, message in report.errors:
        click.echo(f"line {line}: {field}: {message}" if field else f"line {line}: {message}", err=True)
    click.echo(f"Created {report.created}, updated {report.updated}, unchanged {report.unchanged}, "
               f"rejected {len(report.errors)}.")
    if report.errors:
        sys.exit(1)


@click.command("export-organizations")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
@click.option("--status", type=click.Choice(["published", "pending", "rejected"]), help="Only this status.")
@with_appcontext
@unit_of_work()
def export_organizations(path: str, status: str | None):
    """Export associations to CSV, in the columns import-organizations reads."""
    from diaspora.csvsafe import write_csv
    from diaspora.directory.transfer import export_rows

    with open(path, "w", newline="", encoding="utf-8") as handle:
        count = write_csv(handle, export_rows(status)) - 1  # the header
    click.echo(f"Exported {count} associations to {path}")


@click.command("remind-owners")
@with_appcontext
@unit_of_work()
def remind_owners():
    """The yearly round: ask the people of each entry not confirmed for a year whether it is still correct
    (never twice in a year; the worker runs it daily too)."""
    from diaspora.directory.freshness import remind_owners as remind

    click.echo(f"Reminders queued: {remind()}")
