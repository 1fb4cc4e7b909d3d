"""``nianbao db``: the archive's database schema."""

from __future__ import annotations

import click

from nianbao.commands.archive import db_option
from nianbao.commands.errors import BadInput


@click.group("db")
def db_command() -> None:
    """The archive's database: create it, or bring its schema up to date.

    \b
    Example:
      nianbao db upgrade --db sqlite:///demo/archive.db
    """


@db_command.command("upgrade")
@db_option
def upgrade_command(db_url: str) -> None:
    """Create the archive's tables, or run the migrations an older archive lacks.

    SQLite archives are upgraded when opened; PostgreSQL ones only by this command.

    \b
    Examples:
      nianbao db upgrade
      nianbao db upgrade --db postgresql+psycopg://postgres@127.0.0.1:5432/nianbao
    """
    from alembic.util.exc import CommandError
    from sqlalchemy.exc import SQLAlchemyError

    from storage.engine import open_engine
    from storage.errors import ArchiveError
    from storage.migrate import current_revision, upgrade
    from storage.retry import one_line

    try:
        engine = open_engine(db_url, create_folder=True)
        before = current_revision(engine)
        upgrade(engine)
        after = current_revision(engine)
    except ArchiveError as error:
        raise BadInput(str(error)) from error
    except (SQLAlchemyError, CommandError) as error:
        raise BadInput(f"cannot upgrade {db_url}: {one_line(error)}") from error
    click.echo(f"database at revision {after}" + ("" if before == after else f" (was {before or 'empty'})"))
