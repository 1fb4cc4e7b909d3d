"""Crawling the fixture world from a test: each crawl in its own process, as in production.

A process runs one crawl because a Twisted reactor starts once per process; the archive it
fills is read back through storage's API.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.local import LOCAL_SETTINGS
from fixtures.world.server import WorldServer
from research.export import iter_versions
from storage.archive import Archive
from storage.models import CaptureRow, VersionSourceRow

PROJECT = Path(__file__).resolve().parents[1]
SCRAPY = ["-m", "scrapy", "crawl", "portal", "-s", "LOG_LEVEL=WARNING"]
NIANBAO = ["-c", "from nianbao.cli import main; main()", "crawl", "--progress", "0"]


@dataclass
class Crawl:
    db_url: str
    archive_dir: Path
    log: list[dict[str, Any]]
    output: str
    errors: str = ""  # the crawl's stderr: its log

    def archive(self) -> Archive:
        return Archive.open(self.db_url, self.archive_dir)

    def sources(self) -> set[str]:
        with self.archive() as archive, Session(archive.engine) as session:
            return set(session.scalars(select(VersionSourceRow.url)))

    def captures(self) -> list[CaptureRow]:
        with self.archive() as archive, Session(archive.engine) as session:
            return list(session.scalars(select(CaptureRow).order_by(CaptureRow.id)))

    def versions(self) -> list[Any]:
        with self.archive() as archive, archive.engine.connect() as connection:
            return [exported.info for exported in iter_versions(connection)]


def crawl_command(command: list[str], server: WorldServer, folder: Path, extra: dict[str, str] | None) -> list[str]:
    """The command line of a crawl of the world into ``folder``; ``extra`` settings override the local ones."""
    settings = {**LOCAL_SETTINGS, "NIANBAO_PORTALS": str(server.registry), "NIANBAO_DB_URL": db_url_of(folder)}
    settings |= (extra or {}) | {"NIANBAO_ARCHIVE_DIR": str(folder / "raw")}
    return [sys.executable, *command, *(part for name, value in settings.items() for part in ("-s", f"{name}={value}"))]


def db_url_of(folder: Path) -> str:
    return f"sqlite:///{folder / 'archive.sqlite'}"


def environment() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(PROJECT)}


# A bound on a hung crawl, not on speed: a world crawl takes ~15 s of CPU, but on a
# machine shared with other work it has taken over 200 s of wall time.
CRAWL_HANG_SECONDS = 900


def start_crawl(
    command: list[str], server: WorldServer, folder: Path, extra: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    """A crawl running in its own process (its output in ``folder``/crawl.out and crawl.err)."""
    out, err = (open(folder / name, "w", encoding="utf-8") for name in ("crawl.out", "crawl.err"))  # noqa: SIM115
    with out, err:
        return subprocess.Popen(
            crawl_command(command, server, folder, extra), cwd=PROJECT, env=environment(), stdout=out, stderr=err
        )


def run_crawl(command: list[str], server: WorldServer, folder: Path, extra: dict[str, str] | None = None) -> Crawl:
    """Crawl the server's world into ``folder``; ``extra`` settings override the local ones."""
    server.clear_log()
    done = subprocess.run(
        crawl_command(command, server, folder, extra),
        cwd=PROJECT,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=CRAWL_HANG_SECONDS,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    return Crawl(db_url_of(folder), folder / "raw", server.log(), done.stdout, done.stderr)
