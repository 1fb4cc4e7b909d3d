"""``nianbao codebook``: every cell key with its printed label, unit and era; rules; measures."""

from __future__ import annotations

import click


@click.command("codebook")
@click.option("--format", "output", type=click.Choice(["markdown", "json"]), default="markdown", show_default=True)
def codebook_command(output: str) -> None:
    """Print the codebook: every table, row and column key of the record with the Chinese
    label the official format prints, its unit (件, 万元) and the format era that has it;
    the meanings of cells that are not numbers, the consistency rules R1-R5, and the
    definitions of the measures of `nianbao metrics`. The same text is docs/CODEBOOK.md.

    \b
    Examples:
      nianbao codebook | head -40
      nianbao codebook --format json > demo/codebook.json
    """
    from research.codebook_doc import as_json, markdown

    click.echo(markdown() if output == "markdown" else as_json(), nl=False)
