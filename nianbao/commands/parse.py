"""``nianbao parse``: one report file -> its structured record."""

from __future__ import annotations

import json
from pathlib import Path

import click

from nianbao.commands.errors import BadInput


@click.command("parse")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the whole record as JSON.")
@click.option("--text/--no-text", "with_text", default=False, help="With --json, include the full text.")
def parse_command(path: Path, as_json: bool, with_text: bool) -> None:
    """Parse one annual report (any format) and print its structured record.

    \b
    Examples:
      nianbao parse report.pdf
      nianbao parse report.txt --json > report.json
    """
    from parsers.errors import ParseError
    from parsers.parse_file import parse_bytes
    from parsers.summary import summarize

    try:
        report = parse_bytes(path.read_bytes())
    except ParseError as error:
        raise BadInput(f"{path}: {error.message} ({error.reason})") from error
    if as_json:
        click.echo(json.dumps(report.to_dict(with_text=with_text), ensure_ascii=False, indent=1))
    else:
        click.echo(summarize(report))
