"""``nianbao fixtures``: the fixture world of mock government portals on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from urllib.request import urlopen

import click

from nianbao.commands.errors import BadInput

DEFAULT_REGISTRY = Path("demo") / "world-portals.yaml"


@click.group("fixtures")
def fixtures_command() -> None:
    """The fixture world: five mock portals (TRS, VSB, Hanweb, 集约化 JSON, static) on 127.0.0.1.

    \b
    Examples:
      nianbao fixtures serve --scale 1
      nianbao fixtures truth --scale 1 > demo/truth.json
    """


@fixtures_command.command("serve")
@click.option("--port", type=int, default=0, show_default=True, help="Control port; portals take the next ones.")
@click.option("--scale", type=click.IntRange(min=1), default=1, show_default=True, help="Agencies multiplier.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--slow-delay", type=float, default=2.0, show_default=True, help="Seconds the slow page waits.")
@click.option("--documents", type=click.Path(file_okay=False, path_type=Path), help="Also serve these documents.")
@click.option(
    "--registry", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_REGISTRY, show_default=True
)
def serve_command(port: int, scale: int, seed: int, slow_delay: float, documents: Path | None, registry: Path) -> None:
    """Serve the fixture world until Ctrl-C; write its portal registry YAML.

    \b
    Example:
      nianbao fixtures serve --scale 40 --registry demo/world-portals.yaml
    """
    from fixtures.world.serve import arguments, start

    options = ["--port", str(port), "--scale", str(scale), "--seed", str(seed), "--slow-delay", str(slow_delay)]
    options += ["--registry", str(registry)] + (["--documents", str(documents)] if documents else [])
    try:
        server = start(arguments(options))
    except OSError as error:
        raise BadInput(f"cannot listen: {error}") from error
    click.echo(f"fixture world: {server.world.page_count()} pages, {len(server.world.reports)} reports")
    for portal_id, url in server.world.base_urls.items():
        portal = server.world.portals[portal_id]
        click.echo(f"  {portal_id:<18} {portal.family:<7} {url}{portal.start_path}")
    click.echo(f"control: {server.control_url}/__truth__  /__log__  /__registry__")
    click.echo(f"registry: {registry}")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        click.echo("stopping")
    finally:
        server.stop()


@fixtures_command.command("truth")
@click.option("--scale", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--control", help="Ask a running world (its control URL) instead, with its real URLs.")
@click.option("--no-expected", is_flag=True, help="Leave out each report's expected record.")
def truth_command(scale: int, seed: int, control: str | None, no_expected: bool) -> None:
    """Print the ground truth as JSON: reports, noise pages and faults.

    Without --control, URLs use placeholder hosts (http://<portal id>.invalid).

    \b
    Examples:
      nianbao fixtures truth --no-expected | jq '.reports | length'
      nianbao fixtures truth --control http://127.0.0.1:8700
    """
    if control:
        suffix = "?expected=0" if no_expected else ""
        try:
            with urlopen(control.rstrip("/") + "/__truth__" + suffix) as answer:
                click.echo(answer.read().decode("utf-8"))
        except OSError as error:
            raise BadInput(f"no fixture world at {control}: {error}") from error
        return
    from fixtures.world.truth import truth
    from fixtures.world.world import build_world

    click.echo(
        json.dumps(truth(build_world(seed=seed, scale=scale), with_expected=not no_expected), ensure_ascii=False)
    )
