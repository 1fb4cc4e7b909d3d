"""``nianbao demo``: the main job on the embedded default, end to end.

Serve the fixture world on 127.0.0.1, crawl it into the default archive (SQLite), then
read the archive back as a researcher would: the reports found per agency and year, the
checks that failed, and one year-over-year diff.
"""

from __future__ import annotations

import sys
import time
from collections import defaultdict
from pathlib import Path

import click

from nianbao.commands.archive import archive_dir_option, db_option, open_archive
from nianbao.commands.errors import BadInput

DEMO_PORT = 8760  # a fixed port keeps the world's URLs, so a second demo finds nothing new


@click.command("demo")
@db_option
@archive_dir_option
@click.option("--scale", type=click.IntRange(min=1), default=1, show_default=True, help="Size of the fixture world.")
@click.option(
    "--port", type=click.IntRange(min=0), default=DEMO_PORT, show_default=True, help="Fixture world's first port."
)
@click.option("--color/--no-color", default=None, help="Colour the diff (default: when writing to a terminal).")
def demo_command(db_url: str, archive_dir: Path, scale: int, port: int, color: bool | None) -> None:
    """Serve the fixture world, crawl it into the archive and show what was found.

    Five mock portals (TRS, VSB, Hanweb, 集约化 JSON, static) run on 127.0.0.1; the
    crawl archives every report and its attachments, parses them, and records faults.
    Then it prints the reports per agency and year, the consistency checks that failed,
    and one agency's report diffed against the year before. Running it again recrawls
    the same world: conditional requests, and no new version.

    \b
    Example:
      nianbao demo
      nianbao diff --agency 二七区统计局 --year 2023      # then explore the archive it filled
    """
    registry = archive_dir.parent / "world-portals.yaml"
    registry.parent.mkdir(parents=True, exist_ok=True)
    world = start_world(scale, port, registry)
    try:
        truth = world.truth(with_expected=False)
        click.echo(f"fixture world: {len(world.portals)} portals on 127.0.0.1, {len(truth['reports'])} reports")
        for portal_id, url in sorted(world.portals.items()):
            click.echo(f"  {portal_id:<18} {url}")
        click.echo(crawl(registry, db_url, archive_dir))
    finally:
        world.stop()
    click.echo(archive_overview(db_url, archive_dir, color=sys.stdout.isatty() if color is None else color))


def start_world(scale: int, port: int, registry: Path):
    """The fixture world on ``port``, or on free ports when that one is taken."""
    from fixtures.world.server import WorldServer, WorldServerError

    try:
        world = WorldServer(scale=scale, port=port, registry=registry)
        world.start()
    except (WorldServerError, OSError) as error:
        if port == 0:
            raise BadInput(f"cannot start the fixture world: {error}") from error
        click.echo(f"port {port} is taken; serving the fixture world on free ports instead", err=True)
        return start_world(scale, 0, registry)
    return world


def crawl(registry: Path, db_url: str, archive_dir: Path) -> str:
    """One crawl of the registry into the archive, in this process; its summary."""
    from nianbao.commands.crawl import check_inputs, crawl_settings, run_crawl, summary

    settings = crawl_settings(
        registry=registry,
        db_url=db_url,
        archive_dir=archive_dir,
        progress=2.0,
        log_level="ERROR",
        local=True,
    )
    check_inputs(settings, local=True)
    started = time.monotonic()
    stats = run_crawl(settings)
    return "\ncrawl\n" + summary(stats, time.monotonic() - started)


def archive_overview(db_url: str, archive_dir: Path, *, color: bool) -> str:
    """Reports per agency and year, failed checks, and one agency's latest year against the one before."""
    from research.compare import diff_years
    from research.diff_render import render_text
    from research.filters import parse_filters
    from research.queries import find_versions, load_record

    with open_archive(db_url, archive_dir, write=False) as archive, archive.engine.connect() as connection:
        every = find_versions(connection, parse_filters(), all_versions=True)
        latest = [row for row in every if row.is_latest]
        failures = [
            (row, check)
            for row in latest
            if row.failed_rules
            for check in load_record(connection, row.version_id).failed_checks()
        ]
        pair = diff_candidate(latest)
        diff = diff_years(connection, pair[0], pair[1]) if pair else None
    lines = ["", f"reports per agency and year (versions archived; {len(latest)} reports, {len(every)} versions)"]
    lines += year_matrix(every)
    lines += ["", f"checks that failed ({len(failures)})"]
    lines += [f"  {row.agency} {row.year} {check.rule}: {check.detail}" for row, check in failures] or ["  none"]
    if diff is not None:
        lines += ["", f"diff: {pair[0]} {pair[1]} against {pair[1] - 1}", render_text(diff, color=color, max_cells=12)]
        lines += [f"(every cell: nianbao diff --agency {pair[0]} --year {pair[1]})"]
    return "\n".join(lines)


def year_matrix(rows: list) -> list[str]:
    versions: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        versions[row.agency][row.year] += 1
    years = sorted({row.year for row in rows})
    width = max((len(name) for name in versions), default=6) * 2  # CJK characters are two columns wide
    lines = ["  " + " " * width + "".join(f"{year:>6}" for year in years)]
    for agency in sorted(versions):
        cells = "".join(f"{versions[agency].get(year, '·'):>6}" for year in years)
        lines.append("  " + agency + " " * (width - 2 * len(agency)) + cells)
    return lines


def diff_candidate(latest: list) -> tuple[str, int] | None:
    """The agency with the most recent year whose previous year is archived too."""
    years: dict[str, set[int]] = defaultdict(set)
    for row in latest:
        years[row.agency].add(row.year)
    pairs = [
        (max(y for y in held if y - 1 in held), agency)
        for agency, held in years.items()
        if any(y - 1 in held for y in held)
    ]
    if not pairs:
        return None
    year, agency = max(pairs)
    return agency, year
