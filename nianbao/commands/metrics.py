"""``nianbao metrics``: disclosure, correction and backlog rates, one row per agency and year."""

from __future__ import annotations

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


@click.command("metrics")
@db_option
@archive_dir_option
@agency_option
@region_option
@years_option
@click.option("--format", "output", type=click.Choice(["text", "csv", "json"]), default="text", show_default=True)
def metrics_command(
    db_url: str, archive_dir: Path, agency: str | None, region: str | None, years: tuple[str, ...], output: str
) -> None:
    """Compute the measures of every report that matches the filters (its latest version):
    new and handled applications, disclosure rate, natural persons' share, backlog rate,
    review and litigation correction rates, days after the legal deadline and the share of
    text carried over from the year before. A measure is blank when a cell it needs is
    blank or its denominator is 0; `nianbao codebook` prints every definition.

    \b
    Examples:
      nianbao metrics --region 郑州市 --year 2023
      nianbao metrics --agency 二七区统计局 --format csv > demo/metrics.csv
      nianbao metrics --db sqlite:///demo/archive.db --format json
    """
    from research.filters import BadFilter, parse_filters
    from research.metric_render import render_metrics
    from research.metrics import metric_rows

    try:
        filters = parse_filters(agency=agency, region=region, years=years)
        with open_archive(db_url, archive_dir, write=False) as archive, archive.engine.connect() as connection:
            rows = list(metric_rows(connection, filters))
    except BadFilter as bad:
        raise BadInput(str(bad)) from bad
    click.echo(render_metrics(rows, output), nl=False)
