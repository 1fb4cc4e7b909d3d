"""``nianbao reparse``: rebuild the parsed data of every version from its raw bytes."""

from __future__ import annotations

from pathlib import Path

import click

from nianbao.commands.archive import archive_dir_option, db_option, open_archive


@click.command("reparse")
@db_option
@archive_dir_option
@click.option("--only-outdated", is_flag=True, help="Skip versions the current parser version already made.")
def reparse_command(db_url: str, archive_dir: Path, only_outdated: bool) -> None:
    """Parse every stored version again with the current parser and record its version.

    The raw documents are the archive; records, cells and checks are rebuilt from them,
    each parsed with the hints its crawl stored, in a child process under the crawl's
    memory and time limits.

    \b
    Examples:
      nianbao reparse --db sqlite:///demo/archive.db --archive-dir demo/archive
      nianbao reparse --only-outdated
    """
    from parsers.worker import Worker
    from storage.errors import ArchiveError
    from storage.reparse import reparse_all

    archive = open_archive(db_url, archive_dir, write=True)
    worker = Worker()
    try:
        with archive:
            stats = reparse_all(archive, parse=worker.parse, only_outdated=only_outdated)
    except ArchiveError as error:
        raise click.ClickException(f"reparse stopped: {error}") from error
    finally:
        worker.close()
    click.echo(f"{stats.reparsed} of {stats.versions} versions reparsed with parser {archive.parser_version}")
    for version_id, reason in stats.failed:
        click.echo(f"  version {version_id} kept its previous parse: {reason}")
    for version_id, now_reads in stats.key_changed:
        click.echo(f"  version {version_id} now reads as {now_reads} (kept under its stored agency and year)")
