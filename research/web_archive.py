"""The archive's WARC files as one WACZ, the package web archives and libraries take in.

A WACZ (the ``wacz`` package, Webrecorder's format) is a ZIP of the WARC files, a CDXJ
index of every capture, a pages list and a ``datapackage.json`` with each file's digest,
itself digested in ``datapackage-digest.json``. Its pages here are the archived reports:
the latest version of each agency's year at the URL it was fetched from, titled
``机关 年度 年报``, so a replay tool opens on the reports rather than on list pages.

Only closed WARC files are packed: a ``.warc.gz.open`` is a crawl still writing (or one
that died; the next crawl closes it).

Example::

    with engine.connect() as connection:
        summary = write_wacz(connection, archive.warc_dir, Path("demo/archive.wacz"))
"""

from __future__ import annotations

import contextlib
import json
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, select

from research.views import REPORTS, view


class WaczFailed(RuntimeError):
    """The WACZ could not be written; the message says why."""


@dataclass(frozen=True, slots=True)
class WaczSummary:
    path: Path
    warc_files: int
    pages: int


def report_pages(connection: Connection) -> list[dict[str, str]]:
    """One page per archived report (its latest version), in the pages.jsonl form."""
    reports = view(connection, REPORTS)
    statement = (
        select(reports.c.agency, reports.c.year, reports.c.source_url)
        .where(reports.c.is_latest == 1)
        .order_by(reports.c.agency, reports.c.year)
    )
    # No "ts": wacz would then match a page only to a capture of that very second, and
    # the archive's first_seen is the item's time, not the WARC record's.
    return [{"url": url, "title": f"{agency} {year}年 年报"} for agency, year, url in connection.execute(statement)]


def write_wacz(connection: Connection, warc_dir: Path, out: Path) -> WaczSummary:
    warcs = sorted(warc_dir.glob("*.warc.gz"))
    if not warcs:
        raise WaczFailed(f"no closed WARC file in {warc_dir}: crawl with NIANBAO_WARC on (the default) first")
    pages = report_pages(connection)
    from wacz.main import main as wacz_main  # the wacz package only when a WACZ is asked for

    with tempfile.TemporaryDirectory(prefix="nianbao-wacz-") as scratch:
        listed = Path(scratch) / "pages.jsonl"
        header = {"format": "json-pages-1.0", "id": "pages", "title": "年报 reports"}
        lines = [json.dumps(line, ensure_ascii=False) for line in (header, *pages)]
        listed.write_text("\n".join(lines) + "\n", encoding="utf-8")
        arguments = ["create", "-o", str(out), "-p", str(listed), "--title", "nianbao 年报 archive"]
        arguments += ["--desc", "Government information-disclosure annual reports crawled by nianbao"]
        # wacz reports its progress on stdout, which may be the caller's data: send it to stderr.
        with contextlib.redirect_stdout(sys.stderr):
            status = wacz_main([*arguments, *(str(warc) for warc in warcs)])
    if status != 0 or not out.exists():
        raise WaczFailed(f"the wacz package could not write {out} (status {status}); its reasons are above")
    return WaczSummary(out, len(warcs), len(pages))
