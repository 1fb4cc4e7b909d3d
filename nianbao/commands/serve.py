"""``nianbao serve``: the web view over the archive."""

from __future__ import annotations

from pathlib import Path

import click

from nianbao.commands.archive import archive_dir_option, db_option, open_archive
from nianbao.commands.errors import BadInput


@click.command("serve")
@db_option
@archive_dir_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(min=0, max=65535), default=8600, show_default=True)
def serve_command(db_url: str, archive_dir: Path, host: str, port: int) -> None:
    """Serve a read-only web view of the archive until Ctrl-C: the list of reports with
    filters, each report (tables, failed checks, versions, raw documents), diffs and search.

    \b
    Example:
      nianbao serve --db sqlite:///demo/archive.db --archive-dir demo/archive --port 8600
    """
    from nianbao.web.server import make_server

    archive = open_archive(db_url, archive_dir, write=False)
    try:
        server = make_server(archive.engine, archive.raw.root, host, port)
    except OSError as error:
        raise BadInput(f"cannot listen on {host}:{port}: {error}") from error
    click.echo(f"serving the archive at http://{host}:{server.server_port}/  (Ctrl-C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("stopping")
    finally:
        server.server_close()
