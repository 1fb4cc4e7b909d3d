"""``nianbao search``: full-text search over report text, with highlighted snippets."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from nianbao.commands.archive import archive_dir_option, db_option, open_archive
from nianbao.commands.errors import BadInput


@click.command("search")
@db_option
@archive_dir_option
@click.argument("query")
@click.option("--limit", type=click.IntRange(min=1, max=1000), default=20, show_default=True)
@click.option("--all-versions", is_flag=True, help="Search every version, not only the latest of each report.")
@click.option("--json", "as_json", is_flag=True, help="One JSON array of hits, for programs.")
@click.option("--color/--no-color", default=None, help="Highlight hits (default: when writing to a terminal).")
def search_command(
    db_url: str, archive_dir: Path, query: str, limit: int, all_versions: bool, as_json: bool, color: bool | None
) -> None:
    """Find reports whose text contains every word of QUERY (words separated by spaces).

    Chinese is matched as substrings: 3 or more characters use the trigram index, 1-2
    characters scan the text (slower on a large archive).

    \b
    Examples:
      nianbao search 行政复议
      nianbao search "政务新媒体 2023年" --json
    """
    from research.search import BadQuery, count_hits, highlight, search_versions

    try:
        with open_archive(db_url, archive_dir, write=False) as archive, archive.engine.connect() as connection:
            hits = search_versions(connection, query, limit=limit, all_versions=all_versions)
            total = len(hits) if len(hits) < limit else count_hits(connection, query, all_versions=all_versions)
    except BadQuery as bad:
        raise BadInput(str(bad)) from bad
    if as_json:
        plain = [row.to_json() | {"snippet": highlight(snippet, "", "")} for row, snippet in hits]
        click.echo(json.dumps(plain, ensure_ascii=False, indent=1))
        return
    use_color = sys.stdout.isatty() if color is None else color
    start, end = (click.style("", fg="red", bold=True, reset=False), "\x1b[0m") if use_color else ("【", "】")
    for row, snippet in hits:
        click.echo(f"{row.agency} {row.year} v{row.version}  (version id {row.version_id})")
        click.echo(f"    {highlight(snippet, start, end)}")
    cut = f" (showing the first {len(hits)}; --limit shows more)" if total > len(hits) else ""
    click.echo(f"{total} hit{'s' if total != 1 else ''}{cut}")
