"""Command-line tasks: `flask --app portal upgrade`, `flask --app portal demo-data`."""

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from portal import database, demo
from portal.models import db


@click.command("upgrade")
@with_appcontext
def upgrade_command() -> None:
    """Apply pending database migrations, keeping all data."""
    applied = database.upgrade(db.obj)
    for name in applied:
        click.echo(f"applied: {name}")
    click.echo("The database schema is up to date.")


@click.command("demo-data")
@with_appcontext
def demo_data_command() -> None:
    """Load the demo housing company into an empty database and print the demo sign-ins."""
    pending = database.pending_migrations(db.obj)
    if pending:
        raise click.ClickException(
            "Run `flask --app portal upgrade` first: migrations are pending."
        )
    with db.connection_context():
        if demo.load_if_empty(current_app.config["IDENTITY_KEY"]):
            click.echo("Loaded the demo housing company.")
        else:
            click.echo("The database already has data; demo data was not loaded.")
    click.echo(demo.sign_in_table())


def init_app(app: Flask) -> None:
    app.cli.add_command(upgrade_command)
    app.cli.add_command(demo_data_command)
