"""``nianbao db``: the archive's database schema, and the options every archive command shares."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from nianbao.commands.errors import BadInput
from storage.defaults import DEFAULT_ARCHIVE_DIR, DEFAULT_DB_URL

db_option: Callable[[Any], Any] = click.option(
    "--db",
    "db_url",
    envvar="NIANBAO_DB_URL",
    default=DEFAULT_DB_URL,
    show_default=True,
    help="The archive's database URL (or NIANBAO_DB_URL), e.g. postgresql+psycopg://user@host/nianbao.",
)
archive_dir_option: Callable[[Any], Any] = click.option(
    "--archive-dir",
    envvar="NIANBAO_ARCHIVE_DIR",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path(DEFAULT_ARCHIVE_DIR),
    show_default=True,
    help="Folder of the raw documents (sha256 names) and WARC files (or NIANBAO_ARCHIVE_DIR).",
)


def open_archive(db_url: str, archive_dir: Path, *, upgrade: bool | None = None):
    """The archive, or one line on stderr and exit status 2."""
    from storage.archive import Archive
    from storage.errors import ArchiveError

    try:
        return Archive.open(db_url, archive_dir, upgrade=upgrade)
    except ArchiveError as error:
        raise BadInput(str(error)) from error


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
