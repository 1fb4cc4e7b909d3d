"""``nianbao query``: report versions that match filters, as a table or JSON."""

from __future__ import annotations

import json
from pathlib import Path

import click

from nianbao.commands.archive import (
    agency_option,
    archive_dir_option,
    db_option,
    open_archive,
    region_option,
    years_option,
)
from nianbao.commands.errors import BadInput


@click.command("query")
@db_option
@archive_dir_option
@agency_option
@region_option
@years_option
@click.option("--format-version", "format_versions", multiple=True, help="2021, 2019, pre2019 or unknown; repeatable.")
@click.option(
    "--failed", "failed", multiple=True, help="Only reports that fail this rule (R1-R5; R6 across years); repeatable."
)
@click.option("--all-versions", is_flag=True, help="Every version, not only the latest of each report.")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many rows.")
@click.option("--json", "as_json", is_flag=True, help="One JSON array, for programs.")
def query_command(
    db_url: str,
    archive_dir: Path,
    agency: str | None,
    region: str | None,
    years: tuple[str, ...],
    format_versions: tuple[str, ...],
    failed: tuple[str, ...],
    all_versions: bool,
    limit: int | None,
    as_json: bool,
) -> None:
    """List the archived reports that match every filter given.

    An agency that matches nothing gets the closest names; a malformed filter is a
    one-line error with exit status 2.

    \b
    Examples:
      nianbao query --region 郑州市 --year 2023 --failed R1
      nianbao query --agency 统计局 --year 2021-2023 --json | jq length
    """
    from research.filters import BadFilter, parse_filters
    from research.queries import count_versions, find_versions_or_suggest
    from research.table_render import versions_table

    try:
        filters = parse_filters(
            agency=agency, region=region, years=years, format_versions=format_versions, failed=failed
        )
        with open_archive(db_url, archive_dir, write=False) as archive, archive.engine.connect() as connection:
            rows = find_versions_or_suggest(connection, filters, all_versions=all_versions, limit=limit)
            cut = limit is not None and len(rows) == limit
            total = count_versions(connection, filters, all_versions=all_versions) if cut else len(rows)
    except BadFilter as bad:
        raise BadInput(str(bad)) from bad
    if as_json:
        click.echo(json.dumps([row.to_json() for row in rows], ensure_ascii=False, indent=1))
    else:
        click.echo(versions_table(rows, total), nl=False)
