"""``nianbao portals``: the portal registry, listed with its sources, and checked against the network."""

from __future__ import annotations

import itertools
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import click

from nianbao.commands.crawl import chosen_portals, crawl_settings, setting_pairs

registry_option = click.option(
    "--portals",
    "registry",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Portal registry YAML.  [default: the bundled crawler/portals.yaml]",
)
format_option = click.option(
    "--format", "output", type=click.Choice(["text", "json"]), default="text", show_default=True
)


@click.group("portals")
def portals_command() -> None:
    """The portal registry: list its portals with their sources, check that they answer.

    \b
    Examples:
      nianbao portals list --format json
      nianbao portals check --portals demo/world-portals.yaml --local
    """


@portals_command.command("list")
@registry_option
@format_option
def list_command(registry: Path | None, output: str) -> None:
    """List the registry's portals: id, name, start URLs, and where each address was seen
    (its source) or why it is listed unverified.

    \b
    Example:
      nianbao portals list
    """
    portals = chosen_portals(crawl_settings(registry=registry))
    for portal in portals:
        if output == "json":
            click.echo(json.dumps(portal.model_dump(mode="json", exclude={"hints"}), ensure_ascii=False))
            continue
        seen = f"UNVERIFIED: {portal.unverified}" if portal.unverified else f"source: {portal.source or '-'}"
        click.echo(f"{portal.id:<20} {portal.name:<16} {' '.join(portal.start_urls)}  {seen}")


@portals_command.command("check")
@registry_option
@click.option("--only", "portal_ids", multiple=True, metavar="ID", help="Check only this portal id (repeatable).")
@format_option
@click.option(
    "--timeout", type=click.FloatRange(min=1), default=30.0, show_default=True, help="Seconds one request may take."
)
@click.option("--local", is_flag=True, help="The portals are on this machine (nianbao fixtures serve): no delays.")
@click.option("-s", "--set", "overrides", multiple=True, metavar="NAME=VALUE", help="Any Scrapy or NIANBAO_ setting.")
def check_command(
    registry: Path | None,
    portal_ids: tuple[str, ...],
    output: str,
    timeout: float,
    local: bool,
    overrides: tuple[str, ...],
) -> None:
    """Fetch each portal's start URL once, politely, and say what came of it.

    answers: a 2xx answer (status, and the final URL after redirects inside the portal).
    redirects: the redirects left the portal's allowed domains (where to). blocked: a
    block page. disallowed: robots.txt forbids it. fails: DNS, refused, timeout or an
    HTTP error (why). As a crawl does: robots.txt obeyed, the User-Agent names
    NIANBAO_CONTACT_URL, one request per host at a time with DOWNLOAD_DELAY between
    them; no retries, nothing stored. Each result goes to stderr as it comes, the table
    (or JSON lines) to stdout at the end. Exit status 0 when every start URL answered,
    1 when one did not, 2 for a bad registry or option.

    \b
    Examples:
      nianbao portals check --portals demo/world-portals.yaml --local --format json
      nianbao portals check --only zz-erqi --only ly-jianxi -s NIANBAO_CONTACT_URL=https://example.org/who-we-are
    """
    from crawler.check import check_portals

    settings = crawl_settings(registry=registry, portal_ids=portal_ids, local=local, overrides=setting_pairs(overrides))
    settings.set("DOWNLOAD_TIMEOUT", timeout, priority="cmdline")
    total = sum(len(portal.start_urls) for portal in chosen_portals(settings, local=local))
    done = itertools.count(1)

    def seen(result: Any) -> None:
        click.echo(f"checked {next(done)}/{total}: {result.line()}", err=True)

    results = check_portals(settings, seen)
    for result in results:
        click.echo(json.dumps(result.to_json(), ensure_ascii=False) if output == "json" else result.line())
    outcomes = Counter(result.outcome for result in results)
    summary = ", ".join(
        f"{outcomes[name]} {name}" for name in ("answers", "redirects", "blocked", "disallowed", "fails")
    )
    click.echo(f"{len(results)} start URL(s) of {total}: {summary}", err=True)
    if outcomes["answers"] != total:
        sys.exit(1)
