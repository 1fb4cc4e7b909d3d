"""What the researchers' commands share: opening the archive for reading.

Unlike ``Archive.open``, this creates no folder and runs no migration: reading an
archive must not change it. The ``--db`` option is the one every archive command uses.
"""

from __future__ import annotations

from sqlalchemy import Engine

from nianbao.commands.db import archive_dir_option, db_option
from nianbao.commands.errors import BadInput

__all__ = ["archive_dir_option", "db_option", "open_archive_engine"]


def open_archive_engine(url: str) -> Engine:
    """An engine on an archive at the newest schema; one line and exit 2 otherwise."""
    from storage.engine import open_engine
    from storage.errors import ArchiveError
    from storage.migrate import check

    try:
        engine = open_engine(url)
        check(engine)
    except ArchiveError as error:
        raise BadInput(str(error)) from error
    return engine
