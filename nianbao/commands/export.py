"""``nianbao export``: every version of every report, in a format researchers load."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import BinaryIO

import click

from nianbao.commands.archive import archive_dir_option, db_option, open_archive
from nianbao.commands.errors import BadInput

# Kept in step with research.export.FORMATS by a test; listed here so --help needs no import.
FORMAT_NAMES = ("jsonl", "csv", "parquet")
WEB_ARCHIVE = "wacz"  # not rows of the database: the WARC files, packed for web archives


@click.command("export")
@db_option
@archive_dir_option
@click.option(
    "--format", "format_name", type=click.Choice((*FORMAT_NAMES, WEB_ARCHIVE)), default="jsonl", show_default=True
)
@click.option("--long", "long_form", is_flag=True, help="One row per table cell (agency, region, year, version, ...).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="File to write; default stdout.")
def export_command(db_url: str, archive_dir: Path, format_name: str, long_form: bool, output: Path | None) -> None:
    """Write every version of every report, streaming, so memory stays flat.

    jsonl: the parsed record plus version, source_url, published_at, fetched_at and
    sha256, one JSON object a line. csv and parquet: one row per version, a column per
    table cell, and the measures of `nianbao metrics`. --long: the tidy form, one row per
    cell (agency, region, year, version, is_latest, format_version, table, row, column,
    value, value_exact, unit), in any of the three formats. csv and parquet written with
    -o also write datapackage.json beside the file (a Frictionless Data Package: each
    field's type, unit, Chinese title and English description; other exports described
    there are kept). wacz: the archive's WARC files as one WACZ for web archives (CDXJ
    index, the reports as its pages, datapackage digests); needs -o.

    \b
    Examples:
      nianbao export --format jsonl > demo/reports.jsonl
      nianbao export --format parquet --long -o demo/cells.parquet
      nianbao export --db sqlite:///demo/archive.db --format csv -o demo/reports.csv
      nianbao export --format wacz -o demo/archive.wacz
    """
    from research.export import exporter, iter_versions
    from storage.errors import ArchiveError

    if format_name == WEB_ARCHIVE:
        _export_wacz(db_url, archive_dir, long_form, output)
        return
    write = exporter(format_name, long=long_form)
    archive = open_archive(db_url, archive_dir, write=False)
    try:
        with archive, archive.engine.connect() as connection, _output(output) as out:
            count = write(iter_versions(connection), out)
    except (ArchiveError, OSError) as error:
        raise click.ClickException(f"export failed: {error}") from error
    click.echo(f"{count} {'cells' if long_form else 'versions'} exported", err=True)
    if output is not None and format_name in {"csv", "parquet"}:
        from research.datapackage import resource, write_datapackage

        described = write_datapackage(output.parent, resource(output.name, format_name, long=long_form))
        click.echo(f"described in {described}", err=True)


def _export_wacz(db_url: str, archive_dir: Path, long_form: bool, output: Path | None) -> None:
    from research.web_archive import WaczFailed, write_wacz

    if output is None or long_form:
        raise BadInput("--format wacz writes a file of the WARC captures: give -o FILE.wacz, without --long")
    with open_archive(db_url, archive_dir, write=False) as archive, archive.engine.connect() as connection:
        try:
            summary = write_wacz(connection, archive.warc_dir, output)
        except (WaczFailed, OSError) as error:
            raise click.ClickException(f"export failed: {error}") from error
    click.echo(f"{summary.warc_files} WARC files and {summary.pages} report pages packed in {summary.path}", err=True)


def _output(path: Path | None) -> contextlib.AbstractContextManager[BinaryIO]:
    return contextlib.nullcontext(sys.stdout.buffer) if path is None else path.open("wb")
