"""``nianbao repair``: finish what a stopped crawl left unfinished, from the bytes already archived."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from nianbao.commands.archive import archive_dir_option, db_option, open_archive


@click.command("repair")
@db_option
@archive_dir_option
def repair_command(db_url: str, archive_dir: Path) -> None:
    """Parse and store every capture whose report a stopped crawl never stored.

    A crawl killed between storing a document and storing its report leaves the capture
    unfinished; this parses it from the raw bytes the archive already has, as the crawl
    would have, and closes the WARC files the crawl left open. No request is made. The
    next crawl does the same by fetching such documents again.

    \b
    Examples:
      nianbao repair --db sqlite:///demo/archive.db --archive-dir demo/archive
    """
    from storage.errors import ArchiveError
    from storage.repair import repair

    def progress(done: int, total: int) -> None:
        sys.stderr.write(f"\rrepaired {done} of {total}")
        sys.stderr.write("\n" if done == total else "")

    archive = open_archive(db_url, archive_dir, write=True)
    try:
        with archive:
            stats = repair(archive, progress=progress)
    except ArchiveError as error:
        raise click.ClickException(f"repair stopped: {error}") from error
    outcomes = ", ".join(f"{count} {what}" for what, count in sorted(stats.outcomes.items())) or "nothing to do"
    click.echo(f"{stats.unfinished} unfinished capture(s): {outcomes}")
    for name in stats.warc_closed:
        click.echo(f"  closed {name}, left open by a stopped crawl")
    for url in stats.missing_bytes:
        click.echo(f"  {url}: its raw bytes are not in the archive; the next crawl fetches it again")
