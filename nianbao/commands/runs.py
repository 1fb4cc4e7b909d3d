"""``nianbao runs``: the crawl runs recorded in the archive, one line per run and portal."""

from __future__ import annotations

import json
from pathlib import Path

import click

from nianbao.commands.archive import archive_dir_option, db_option, open_archive

COLUMNS = ("pages", "list_entries", "reports", "attachments", "faults", "blocked")


@click.command("runs")
@db_option
@archive_dir_option
@click.option("--portal", "portal_id", help="Only this portal's runs.")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True, help="The latest this many.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line instead of the table.")
def runs_command(db_url: str, archive_dir: Path, portal_id: str | None, limit: int, as_json: bool) -> None:
    """List the latest crawl runs, newest last, each with its portal's counts and outcome.

    The outcome is ok, blocked or unreachable (the run read no page of the portal), or
    unfinished (still running, or its process died). `nianbao schedule` reads the same.
    Under a run, each list that stated more entries than the run reached (a coverage
    finding) with both numbers; `nianbao alerts` tells when a list falls short anew.

    \b
    Examples:
      nianbao runs --db sqlite:///demo/archive.db
      nianbao runs --portal zz-erqi --limit 5 --json
    """
    from storage.runs import portal_runs

    with open_archive(db_url, archive_dir, write=False) as archive, archive.engine.connect() as connection:
        runs = portal_runs(connection, portal_id)[-limit:]
    if as_json:
        for run in runs:
            click.echo(json.dumps(run.to_json(), ensure_ascii=False))
        return
    click.echo(
        f"{'run':>5} {'started (UTC)':<17} {'portal':<20} {'outcome':<11} "
        + " ".join(f"{c:>12}" for c in (*COLUMNS, "short_lists"))
    )
    for run in runs:
        counts = " ".join(f"{getattr(run, c):>12}" for c in COLUMNS)
        started = run.started_at.strftime("%Y-%m-%d %H:%M")
        click.echo(
            f"{run.run_id:>5} {started:<17} {run.portal_id:<20} {run.outcome:<11} {counts} {len(run.short_lists):>12}"
        )
        for short in run.short_lists:
            click.echo(f"{'':>5} short list: states {short.stated}, reached {short.reached}: {short.list_url}")
    if not runs:
        click.echo("no crawl runs recorded")
