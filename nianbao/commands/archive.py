"""The options every archive command shares, and the one way a command opens the archive.

``open_archive(db_url, archive_dir, write=True)`` is the crawler's and reparse's archive:
created when missing and migrated, as ``Archive.open`` does. With ``write=False`` (query,
diff, search, export, serve, the demo's overview) nothing is created and no migration
runs: reading an archive never changes it, and one at an older schema says which command
brings it up to date. Either way, a bad URL, folder or schema is one line on stderr and
exit status 2.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from nianbao.commands.errors import BadInput
from storage.defaults import DEFAULT_ARCHIVE_DIR, DEFAULT_DB_URL

if TYPE_CHECKING:
    from storage.archive import Archive

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

# The filters of the commands that select reports (query, metrics), worded once.
agency_option: Callable[[Any], Any] = click.option(
    "--agency", help="Canonical name or any part of it (二七区 matches every body of 二七区)."
)
region_option: Callable[[Any], Any] = click.option("--region", help="Any part of the region: 河南省, 郑州市, 二七区.")
years_option: Callable[[Any], Any] = click.option(
    "--year", "years", multiple=True, help="A year or a range (2021-2023); repeatable."
)


def open_archive(db_url: str, archive_dir: Path | str, *, write: bool) -> Archive:
    """The archive, to write or only to read; one line on stderr and exit status 2 otherwise."""
    from storage.archive import Archive
    from storage.errors import ArchiveError

    try:
        return Archive.open(db_url, archive_dir) if write else Archive.open_existing(db_url, archive_dir)
    except ArchiveError as error:
        raise BadInput(str(error)) from error
