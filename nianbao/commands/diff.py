"""``nianbao diff``: one agency's report against another year's, or two versions of it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from nianbao.commands.archive import archive_dir_option, db_option, open_archive
from nianbao.commands.errors import BadInput


@click.command("diff")
@db_option
@archive_dir_option
@click.option("--agency", required=True, help="Canonical name or a unique part of it.")
@click.option("--year", required=True, help="The report year.")
@click.option("--against", help="The year to compare with (default: the nearest earlier year archived).")
@click.option("--version", "versions", nargs=2, type=int, help="Compare two versions of the same report: OLD NEW.")
@click.option("--format", "output", type=click.Choice(["text", "json", "html"]), default="text", show_default=True)
@click.option("--all-sentences", is_flag=True, help="With text, also print the sentences that did not change.")
@click.option("--color/--no-color", default=None, help="Colour text output (default: when writing to a terminal).")
def diff_command(
    db_url: str,
    archive_dir: Path,
    agency: str,
    year: str,
    against: str | None,
    versions: tuple[int, int] | None,
    output: str,
    all_sentences: bool,
    color: bool | None,
) -> None:
    """Diff a report against the nearest earlier year's: every cell with its absolute and relative change,
    every section sentence by sentence, and how much of each section was carried over verbatim.

    \b
    Examples:
      nianbao diff --agency 二七区统计局 --year 2023
      nianbao diff --agency 二七区统计局 --year 2023 --against 2020 --format html > demo/diff.html
      nianbao diff --agency 番禺区人民政府办公室 --year 2023 --version 1 2 --format json
    """
    from research.compare import diff_versions, diff_years
    from research.diff_html import render_html
    from research.diff_render import render_text, to_json
    from research.filters import BadFilter, parse_year

    try:
        with open_archive(db_url, archive_dir, write=False) as archive, archive.engine.connect() as connection:
            if versions:
                result = diff_versions(connection, agency, parse_year(year), *versions)
            else:
                result = diff_years(connection, agency, parse_year(year), parse_year(against) if against else None)
    except BadFilter as bad:
        raise BadInput(str(bad)) from bad
    if output == "json":
        click.echo(json.dumps(to_json(result), ensure_ascii=False, indent=1))
    elif output == "html":
        click.echo(render_html(result))
    else:
        use_color = sys.stdout.isatty() if color is None else color
        click.echo(render_text(result, color=use_color, show_equal=all_sentences), nl=False)
