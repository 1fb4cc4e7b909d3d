"""``nianbao parse``: one report file -> its structured record."""

from __future__ import annotations

import json
from pathlib import Path

import click

from nianbao.commands.errors import BadInput
from parsers.worker import MEMORY_LIMIT_BYTES, TIMEOUT_SECONDS


@click.command("parse")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the whole record as JSON.")
@click.option("--text/--no-text", "with_text", default=False, help="With --json, include the full text.")
@click.option(
    "--timeout", type=click.FloatRange(min=0.1), default=TIMEOUT_SECONDS, show_default=True, help="CPU seconds allowed."
)
@click.option(
    "--memory-mb", type=click.IntRange(min=64), default=MEMORY_LIMIT_BYTES // 2**20, show_default=True,
    help="Memory the reader may use.",
)  # fmt: skip
def parse_command(path: Path, as_json: bool, with_text: bool, timeout: float, memory_mb: int) -> None:
    """Parse one annual report (any format) and print its structured record.

    The file is read in a child process under a memory and a CPU time limit, as in a
    crawl: a document over either is an error (memory, timeout), as is anything but a
    regular file.

    \b
    Examples:
      nianbao parse fixtures/documents/pdf/report-2019.pdf
      nianbao parse fixtures/reports/layouts/consistent-2021__tabs.txt --json > demo/report.json
      nianbao parse fixtures/documents/pdf/report-2021-scanned.pdf --timeout 300
    """
    from parsers.errors import ParseError, ReaderCrash
    from parsers.extract.limits import read_file
    from parsers.summary import summarize
    from parsers.worker import Limits, Worker

    worker = Worker(Limits(memory_mb * 2**20, timeout))
    try:
        report = worker.parse(read_file(path))
    except ParseError as error:
        raise BadInput(f"{path}: {error.message} ({error.reason})") from error
    except ReaderCrash as error:
        raise BadInput(f"{path}: the reader failed: {error} (a bug)") from error
    except OSError as error:
        raise BadInput(f"{path}: {error.strerror}") from error
    finally:
        worker.close()
    if as_json:
        click.echo(json.dumps(report.to_dict(with_text=with_text), ensure_ascii=False, indent=1))
    else:
        click.echo(summarize(report))
