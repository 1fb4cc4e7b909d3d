"""kill -9 at chosen points of a crawl, then a recrawl: nothing a clean crawl archives is lost.

Each point is the moment the Nth capture row is committed (polled in the archive), so
the kill lands in the same stretch of the crawl every run: between storing documents
and storing their reports, as a power cut or an OOM killer would. The recrawl must end
with exactly the versions of a clean crawl (none lost, none twice), every capture
finished and no WARC file left open. A few points run in ``make test`` on two portals;
``make test-deep`` runs many over the whole world.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from fixtures.world.server import WorldServer
from tests.crawling import NIANBAO, Crawl, run_crawl, start_crawl

pytestmark = pytest.mark.slow
PORTALS = "trs-erqi,vsb-fugu"  # attachments, HTML reports, a block page and a 500-then-200 page
POINTS = (0.2, 0.5, 0.8)  # of the clean crawl's captures
DEEP_POINTS = tuple(n / 20 for n in range(1, 20))
VERSIONS = (
    "SELECT a.name, r.year, v.content_sha256 FROM version v"
    " JOIN report r ON r.id = v.report_id JOIN agency a ON a.id = r.agency_id"
)


def query(folder: Path, sql: str) -> list[tuple]:
    database = folder / "archive.sqlite"
    if not database.exists():
        return []
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5) as connection:
        try:
            return connection.execute(sql).fetchall()
        except sqlite3.OperationalError:  # the crawl has not created its tables yet
            return []


def answered_304(server: WorldServer) -> int:
    return sum(entry["status"] == 304 for entry in server.log())


def captures(folder: Path) -> int:
    return (query(folder, "SELECT count(*) FROM capture") or [(0,)])[0][0]


def wait_until(condition: Callable[[], bool], what: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up after {seconds} s waiting until {what}")
        time.sleep(0.02)


@pytest.fixture(scope="module")
def clean(world_server: WorldServer, tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    world_server.reset()
    return run_crawl(NIANBAO, world_server, tmp_path_factory.mktemp("clean"), {"NIANBAO_PORTAL_IDS": PORTALS})


@pytest.fixture(scope="module")
def clean_world(world_server: WorldServer, tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    """A clean crawl of every portal of the world."""
    world_server.reset()
    return run_crawl(NIANBAO, world_server, tmp_path_factory.mktemp("clean-world"), {})


def killed_then_recrawled(
    point: float, clean: Crawl, server: WorldServer, folder: Path, settings: dict[str, str] | None = None
) -> None:
    settings = {"NIANBAO_PORTAL_IDS": PORTALS} if settings is None else settings
    nth = max(1, int(captures(clean.archive_dir.parent) * point))
    server.reset()
    crawl = start_crawl(NIANBAO, server, folder, settings)
    try:
        wait_until(lambda: captures(folder) >= nth or crawl.poll() is not None, f"capture {nth} is stored")
    finally:
        crawl.kill()
        crawl.wait()
    assert crawl.returncode == -9, f"the crawl ended by itself before capture {nth}: {crawl.returncode}"
    run_crawl(NIANBAO, server, folder, settings)
    expected, got = query(clean.archive_dir.parent, VERSIONS), query(folder, VERSIONS)
    assert sorted(set(expected) - set(got)) == [], f"reports lost after a kill at capture {nth}"
    assert len(got) == len(set(got)) == len(expected), f"duplicate versions after a kill at capture {nth}"
    assert query(folder, "SELECT url FROM capture WHERE unfinished IS NOT NULL") == []
    assert list((folder / "raw" / "warc").glob("*.open")) == []


@pytest.mark.parametrize("point", POINTS)
def test_a_kill_loses_no_report(point: float, clean: Crawl, world_server: WorldServer, tmp_path: Path) -> None:
    killed_then_recrawled(point, clean, world_server, tmp_path)


@pytest.mark.deep
@pytest.mark.parametrize("point", DEEP_POINTS)
def test_a_kill_anywhere_in_a_crawl_of_the_whole_world_loses_no_report(
    point: float, clean_world: Crawl, world_server: WorldServer, tmp_path: Path
) -> None:
    killed_then_recrawled(point, clean_world, world_server, tmp_path, {})


def test_a_kill_while_304s_wait_for_their_batch_loses_no_report(
    clean: Crawl, world_server: WorldServer, world_truth: dict[str, Any], tmp_path: Path
) -> None:
    """The capture rows of a recrawl's 304s wait for a batch that never fills in time here,
    while a revised report brings new bytes; kill -9, then a recrawl: the revision is one new
    version, no other is lost or stored twice, and the killed run's 304s are answered again."""
    settings = {"NIANBAO_PORTAL_IDS": PORTALS}
    waiting = settings | {"NIANBAO_CONFIRMATIONS_BATCH": "1000000", "NIANBAO_CONFIRMATIONS_SECONDS": "3600"}
    portals = PORTALS.split(",")
    target = next(
        r for r in world_truth["reports"] if r["portal"] in portals and r["parsed"] and r["doc_format"] == "pdf"
    )
    world_server.reset()
    run_crawl(NIANBAO, world_server, tmp_path, settings)
    try:
        world_server.revise(target["id"])
        world_server.clear_log()
        crawl = start_crawl(NIANBAO, world_server, tmp_path, waiting)
        try:
            wait_until(lambda: answered_304(world_server) >= 20 or crawl.poll() is not None, "20 answers are 304")
        finally:
            crawl.kill()
            crawl.wait()
        assert crawl.returncode == -9, f"the recrawl ended by itself: {crawl.returncode}"
        assert query(tmp_path, "SELECT count(*) FROM capture WHERE status = 304") == [(0,)]  # killed mid-batch
        run_crawl(NIANBAO, world_server, tmp_path, settings)
    finally:
        world_server.reset()
    expected, got = query(clean.archive_dir.parent, VERSIONS), query(tmp_path, VERSIONS)
    assert sorted(set(expected) - set(got)) == [], "reports lost after a kill with 304s waiting"
    assert len(got) == len(set(got)) == len(expected) + 1, "a version lost or stored twice"
    assert query(tmp_path, "SELECT url FROM capture WHERE unfinished IS NOT NULL") == []
    assert query(tmp_path, "SELECT count(*) FROM capture WHERE status = 304")[0][0] >= 20
    assert list((tmp_path / "raw" / "warc").glob("*.open")) == []
