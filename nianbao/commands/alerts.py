"""``nianbao alerts``: late reports, reports edited after publication, portals that yield less or stay blocked."""

from __future__ import annotations

from pathlib import Path

import click

from nianbao.commands.archive import archive_dir_option, db_option, open_archive
from nianbao.commands.schedule import moment


@click.command("alerts")
@db_option
@archive_dir_option
@click.option("--format", "output", type=click.Choice(["text", "json", "atom"]), default="text", show_default=True)
@click.option("--since", metavar="DATE", help="Only alerts that began on or after this date or moment.")
@click.option("--now", "now_text", metavar="ISO", help="Judge as if it were this moment (UTC unless it says).")
def alerts_command(db_url: str, archive_dir: Path, output: str, since: str | None, now_text: str | None) -> None:
    """List what changed that a researcher should know, each alert with its evidence.

    missing: a body that published year N-1 has no year N 30 days after N's deadline
    (31 January of N+1; 31 March for a people's government). edited: a report got a new
    version after publication (the cells and sentences that changed). fewer: a portal's
    run read fewer reports or list entries than the run before. blocked: a portal read no
    page in two runs in a row. short: a portal's list states more entries than its run
    reached, and more are missing than in the run before (see `nianbao runs`). `nianbao
    serve` shows the same at /alerts and /alerts.atom.

    \b
    Examples:
      nianbao alerts --db sqlite:///demo/archive.db --since 2025-01-01
      nianbao alerts --format atom > demo/alerts.xml
    """
    from research.alerts import alerts
    from research.alerts_render import as_atom, as_json_lines, as_text

    now = moment(now_text)
    start = moment(since, "--since") if since else None
    with open_archive(db_url, archive_dir, write=False) as archive, archive.engine.connect() as connection:
        found = alerts(connection, now=now, since=start)
    if output == "atom":
        click.echo(as_atom(found, now=now), nl=False)
    elif output == "json":
        click.echo(as_json_lines(found))
    else:
        click.echo(as_text(found))
