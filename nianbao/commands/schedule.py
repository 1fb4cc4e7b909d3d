"""``nianbao schedule``: crawl the portals that are due, by the reporting season's cadence."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from nianbao.commands.archive import open_archive
from nianbao.commands.crawl import check_inputs, crawl_settings, run_crawl, setting_pairs, summary
from nianbao.commands.errors import BadInput

CADENCE_SETTINGS = {  # option -> the setting it sets (crawler.schedule.Cadence.from_settings)
    "season_days": "NIANBAO_SCHEDULE_SEASON_DAYS",
    "off_season_days": "NIANBAO_SCHEDULE_OFF_SEASON_DAYS",
    "season_months": "NIANBAO_SCHEDULE_SEASON_MONTHS",
    "retry_hours": "NIANBAO_SCHEDULE_RETRY_HOURS",
}


@click.command("schedule")
@click.option("--portals", "registry", type=click.Path(dir_okay=False, path_type=Path), help="Portal registry YAML.")
@click.option("--db", "db_url", help="Archive database URL.  [default: NIANBAO_DB_URL]")
@click.option("--archive-dir", type=click.Path(file_okay=False, path_type=Path), help="Raw bytes and WARC folder.")
@click.option("--now", "now_text", metavar="ISO", help="Decide as if it were this moment (UTC unless it says).")
@click.option("--frontier", metavar="redis://HOST:6379/N", help="Queue the due portals there for its workers.")
@click.option("--dry-run", is_flag=True, help="Only list the portals that are due, and why.")
@click.option(
    "--season-days",
    type=float,
    help="Days between two crawls of a portal in season.  [default: NIANBAO_SCHEDULE_SEASON_DAYS]",
)
@click.option(
    "--off-season-days",
    type=float,
    help="Days between two crawls off season.  [default: NIANBAO_SCHEDULE_OFF_SEASON_DAYS]",
)
@click.option(
    "--season-months",
    metavar="MONTHS",
    help="The season's months: 1-4, 1,2,3 or 12-4.  [default: NIANBAO_SCHEDULE_SEASON_MONTHS]",
)
@click.option(
    "--retry-hours",
    type=float,
    help="Hours before a portal whose last run failed is due.  [default: NIANBAO_SCHEDULE_RETRY_HOURS]",
)
@click.option("--local", is_flag=True, help="The portals are on this machine (nianbao fixtures serve).")
@click.option("--progress", type=float, default=0.0, show_default=True, help="Seconds between progress lines; 0: none.")
@click.option("--log-level", default="WARNING", show_default=True, help="Scrapy's log level on stderr.")
@click.option("-s", "--set", "overrides", multiple=True, metavar="NAME=VALUE", help="Any Scrapy or NIANBAO_ setting.")
def schedule_command(now_text: str | None, dry_run: bool, **options: Any) -> None:
    """Crawl the registry's portals that are due now; run it from cron or a systemd timer.

    Without --frontier the due portals are crawled here and now; with it, they are
    queued as a new round of the shared frontier for `nianbao crawl --frontier` workers.
    In the reporting season, January to April (departments publish by 31 January,
    governments by 31 March), a portal is due every 2 days, and right after each deadline;
    the rest of the year every 30 days. A portal whose last run read no page (blocked,
    unreachable) is due again after 6 hours. Months and deadlines are China's
    (Asia/Shanghai): 31 January ends at 16:00 UTC. --season-days, --off-season-days,
    --season-months and --retry-hours change the cadence. Each crawl is recorded as a
    run: see `nianbao runs`.

    \b
    Examples:
      nianbao schedule --db postgresql+psycopg://crawler@db/nianbao --dry-run
      nianbao schedule --portals demo/world-portals.yaml --local --now 2025-02-01T08:00
      nianbao schedule --portals demo/world-portals.yaml --dry-run --season-days 1 --season-months 12-4
      nianbao schedule --frontier redis://127.0.0.1:6379/3 --db postgresql+psycopg://crawler@db/nianbao
    """
    from crawler.schedule import Cadence, due_portals
    from storage.runs import last_runs

    cadence_options = {CADENCE_SETTINGS[name]: options.pop(name) for name in CADENCE_SETTINGS}
    chosen = {name: str(value) for name, value in cadence_options.items() if value is not None}
    settings = crawl_settings(**options | {"overrides": setting_pairs(options["overrides"]) | chosen})
    try:
        cadence = Cadence.from_settings(settings)
    except ValueError as error:
        raise BadInput(str(error)) from error
    portals = {portal.id: portal for portal in check_inputs(settings, local=options["local"])}
    archive = open_archive(settings["NIANBAO_DB_URL"], settings["NIANBAO_ARCHIVE_DIR"], write=True)
    with archive, archive.engine.connect() as connection:
        due = due_portals(list(portals), last_runs(connection), moment(now_text), cadence)
    for portal in due:
        click.echo(f"due {portal.portal_id}: {portal.reason}")
    if not due:
        click.echo(f"none of {len(portals)} portal(s) is due")
    if dry_run or not due:
        return
    if options["frontier"]:
        from crawler.frontier import seed_portals

        number, queued = seed_portals(settings, [portals[portal.portal_id] for portal in due])
        click.echo(f"round {number}: {queued} start request(s) of {len(due)} portal(s) queued at {options['frontier']}")
        return
    settings.set("NIANBAO_PORTAL_IDS", [portal.portal_id for portal in due], priority="cmdline")
    started = datetime.now(UTC)
    stats = run_crawl(settings)
    click.echo(summary(stats, (datetime.now(UTC) - started).total_seconds()))


def moment(text: str | None, option: str = "--now") -> datetime:
    """An option's ISO moment as an aware datetime (UTC when it names no zone); the clock's now without it."""
    if text is None:
        return datetime.now(UTC)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as error:
        raise BadInput(f"{option} wants an ISO date or moment such as 2025-02-01T08:00, not {text!r}") from error
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed
