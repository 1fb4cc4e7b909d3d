"""``nianbao crawl``: run the ``portal`` spider in this process and summarise what it found."""

from __future__ import annotations

import signal
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click

from nianbao.commands.archive import open_archive
from nianbao.commands.errors import BadInput

COUNTS = ("pages", "reports", "attachments", "faults")


@click.command("crawl")
@click.option("--portals", "registry", type=click.Path(dir_okay=False, path_type=Path), help="Portal registry YAML.")
@click.option("--db", "db_url", help="Archive database URL.  [default: NIANBAO_DB_URL]")
@click.option("--archive-dir", type=click.Path(file_okay=False, path_type=Path), help="Raw bytes and WARC folder.")
@click.option("--portal", "portal_ids", multiple=True, help="Crawl only this portal id (repeatable).")
@click.option("--jobdir", type=click.Path(file_okay=False, path_type=Path), help="Pause/resume state (Scrapy JOBDIR).")
@click.option(
    "--local",
    is_flag=True,
    help="The portals are on this machine (nianbao fixtures serve): no politeness delays, short back-offs.",
)
@click.option(
    "--frontier",
    metavar="redis://HOST:6379/N",
    help="Be one worker of the shared frontier at this Redis; every worker stores into the same --db.",
)
@click.option(
    "--idle-exit", type=float, metavar="SECONDS", help="With --frontier: end once the frontier is empty this long."
)
@click.option("--progress", type=float, default=5.0, show_default=True, help="Seconds between progress lines; 0: none.")
@click.option("--log-level", default="WARNING", show_default=True, help="Scrapy's log level on stderr.")
@click.option("-s", "--set", "overrides", multiple=True, metavar="NAME=VALUE", help="Any Scrapy or NIANBAO_ setting.")
def crawl_command(**options: Any) -> None:
    """Crawl the registry's portals into the archive; faults are recorded, not fatal.

    Progress goes to stderr every few seconds, one line per portal and one per wait in
    force (a host backed off after a block page, a robots.txt Crawl-delay, a retry), with
    its host and end; the summary to stdout. A bad registry or database URL stops it
    before any request (exit status 2); an archive folder or database that fills up or
    turns read-only stops it with one line (exit status 1). Ctrl-C or SIGTERM once lets
    the requests and documents in progress finish and closes the WARC files; twice stops
    at once; either way what was stored is kept and the exit status is 130 or 143.

    \b
    Examples:
      nianbao crawl --portal zz-erqi -s NIANBAO_CONTACT_URL=https://example.org/who-we-are
      nianbao crawl --portals demo/world-portals.yaml --local      # the world of nianbao fixtures serve
      nianbao crawl --portals crawler/portals.yaml --db sqlite:///demo/archive.db --jobdir demo/jobs/erqi
      nianbao crawl --frontier redis://127.0.0.1:6379/3 --idle-exit 30 --db postgresql+psycopg://crawler@db/nianbao

    With --frontier, start as many workers as you like, on any machines, against one
    Redis and one PostgreSQL archive: each takes requests from the frontier, and together
    they keep every host to two requests in flight and its Crawl-delay. A worker that
    dies leaves its requests to the others once their lease ends. `nianbao schedule
    --frontier` queues the portals that are due.
    """
    settings = crawl_settings(**options | {"overrides": setting_pairs(options["overrides"])})
    check_inputs(settings, local=options["local"])
    started = time.monotonic()
    stats = run_crawl(settings)
    click.echo(summary(stats, time.monotonic() - started))
    stop_status(stats)


def stop_status(stats: Mapping[str, Any]) -> None:
    """A crawl that did not run to its end says why, in one line, with a non-zero exit status:
    1 for an archive that could take no more, 128 + the signal's number when asked to stop."""
    from crawler.extensions import ARCHIVE_UNWRITABLE
    from crawler.stopping import INTERRUPTED

    if stats.get(ARCHIVE_UNWRITABLE):
        raise click.ClickException(
            f"the crawl stopped: {stats[ARCHIVE_UNWRITABLE]}. What was stored is kept; make room and crawl again"
        )
    if stats.get(INTERRUPTED):
        name = stats[INTERRUPTED]
        click.echo(f"interrupted by {name}: what was stored is kept; crawl again to go on", err=True)
        sys.exit(128 + signal.Signals[name].value)


def crawl_settings(
    *,
    registry: Path | None = None,
    db_url: str | None = None,
    archive_dir: Path | None = None,
    portal_ids: tuple[str, ...] = (),
    jobdir: Path | None = None,
    local: bool = False,
    frontier: str | None = None,
    idle_exit: float | None = None,
    progress: float = 0.0,
    log_level: str = "WARNING",
    overrides: Mapping[str, Any] | None = None,
) -> Any:
    """Scrapy settings of a crawl: crawler/settings.py, crawler/local.py's when ``local``, then
    the command's options (None: not given)."""
    from scrapy.settings import Settings

    from crawler.local import LOCAL_SETTINGS

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    chosen = {
        "NIANBAO_PORTALS": str(registry) if registry else None,
        "NIANBAO_DB_URL": db_url,
        "NIANBAO_ARCHIVE_DIR": str(archive_dir) if archive_dir else None,
        "NIANBAO_PORTAL_IDS": list(portal_ids) or None,
        "NIANBAO_PROGRESS_INTERVAL": progress,
        "NIANBAO_IDLE_EXIT": idle_exit,
        "JOBDIR": str(jobdir) if jobdir else None,
        "LOG_LEVEL": log_level.upper(),
    }
    settings.setdict(LOCAL_SETTINGS if local else {}, priority="cmdline")
    settings.setdict({name: value for name, value in chosen.items() if value is not None}, priority="cmdline")
    settings.setdict(dict(overrides or {}), priority="cmdline")
    if frontier:
        from crawler import config
        from crawler.frontier import frontier_settings

        settings.setdict(frontier_settings(frontier, config.get(settings, "NIANBAO_FRONTIER_KEY")), priority="cmdline")
    return settings


def setting_pairs(overrides: tuple[str, ...]) -> dict[str, str]:
    """``-s NAME=VALUE`` options as settings, or one line and exit status 2."""
    pairs = {}
    for override in overrides:
        name, sep, value = override.partition("=")
        if not sep or not name:
            raise BadInput(f"--set wants NAME=VALUE, not {override!r}")
        pairs[name.strip()] = value
    return pairs


def chosen_portals(settings: Any, *, local: bool = False) -> list[Any]:
    """The portals the settings name (with ``local``, every one on this machine), or one
    line and exit status 2."""
    from crawler import config
    from crawler.local import require_local
    from crawler.portals import BUNDLED_REGISTRY, RegistryError, load_registry, select

    try:
        registry = load_registry(config.get(settings, "NIANBAO_PORTALS") or BUNDLED_REGISTRY)
        chosen = select(registry, config.get_list(settings, "NIANBAO_PORTAL_IDS"))
        if local:
            require_local(chosen)
    except RegistryError as error:
        raise BadInput(str(error)) from error
    return list(chosen)


def check_inputs(settings: Any, *, local: bool = False) -> list[Any]:
    """The portals to crawl, once the registry, the frontier (if any) and the archive open
    (and with ``local``, every portal is on this machine), or one line and exit status 2."""
    from crawler import config
    from crawler.frontier import FrontierError, check_frontier

    chosen = chosen_portals(settings, local=local)
    try:
        if frontier := config.get(settings, "NIANBAO_FRONTIER"):
            check_frontier(frontier)
    except FrontierError as error:
        raise BadInput(str(error)) from error
    open_archive(
        config.get(settings, "NIANBAO_DB_URL"), config.get(settings, "NIANBAO_ARCHIVE_DIR"), write=True
    ).close()
    return chosen


def run_crawl(settings: Any) -> dict[str, Any]:
    """One crawl of the ``portal`` spider in this process; its final stats."""
    from scrapy.crawler import CrawlerProcess

    from crawler.spiders.portal import PortalSpider

    process = CrawlerProcess(settings)  # LOG_INSTALL_ROOT_HANDLER (default on): Scrapy logs to stderr
    crawler = process.create_crawler(PortalSpider)
    process.crawl(crawler)
    process.start()
    return crawler.stats.get_stats()


NOT_REQUESTED = ("offsite", "robots", "redirect_loop", "url_too_long", "too_large", "interrupted")


def not_requested(stats: Mapping[str, Any]) -> str:
    """The requests the crawl decided not to make (or not to finish), by reason; each is a fault row."""
    counts = {reason: stats.get(f"nianbao/fault/{reason}", 0) for reason in NOT_REQUESTED}
    return f"not requested: {sum(counts.values())} (" + ", ".join(f"{n} {why}" for why, n in counts.items()) + ")"


def summary(stats: dict[str, Any], seconds: float) -> str:
    portals = sorted({key.split("/")[2] for key in stats if key.startswith("nianbao/portal/")})
    lines = [f"{'portal':<20} " + " ".join(f"{what:>11}" for what in COUNTS)]
    for portal_id in portals:
        counts = [stats.get(f"nianbao/portal/{portal_id}/{what}", 0) for what in COUNTS]
        lines.append(f"{portal_id:<20} " + " ".join(f"{count:>11}" for count in counts))
    versions = {outcome: stats.get(f"nianbao/version/{outcome}", 0) for outcome in ("new", "seen", "refused")}
    parsed = {outcome: stats.get(f"nianbao/parse/{outcome}", 0) for outcome in ("parsed", "noise", "fault", "error")}
    errors = parsed["error"] + stats.get("nianbao/item_error", 0)
    blocked = sum(value for key, value in stats.items() if key.startswith("nianbao/blocked/") and "/kind/" not in key)
    lines += [
        not_requested(stats),
        f"versions: {versions['new']} new, {versions['seen']} already archived, {versions['refused']} refused",
        f"documents: {parsed['parsed']} parsed, {parsed['noise']} not reports, {parsed['fault']} unreadable, "
        f"{errors} failed unexpectedly (recorded as faults; processed again next crawl)",
        f"unchanged (304): {stats.get('nianbao/capture/not_modified', 0)}; blocked: {blocked}; "
        f"findings: {stats.get('nianbao/findings/no_reports', 0)} portal(s) without reports, "
        f"{stats.get('nianbao/findings/coverage', 0)} list(s) stating more entries than reached",
        f"finished: {stats.get('finish_reason', 'unknown')} in {seconds:.1f} s",
    ]
    return "\n".join(lines)
