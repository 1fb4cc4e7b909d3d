"""A crawl stops when asked, in a real process: SIGTERM once finishes, twice stops at once.

The crawl runs with a block-page back-off of an hour: before the fix, a first SIGTERM
waited on the backed-off host's queued requests for that hour, and a second one hung
for good on idle worker threads. The bound each wait gets is far below the back-off.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.extensions import ThreadLane
from fixtures.world.server import WorldServer
from tests.crawler.test_kill import query, wait_until
from tests.crawling import NIANBAO, PROJECT, db_url_of, environment, start_crawl

pytestmark = pytest.mark.slow
# trs-erqi: a portal with a block page, whose other pages then wait behind the back-off
AN_HOUR = {"NIANBAO_BLOCK_BACKOFF": "3600", "NIANBAO_BLOCK_BACKOFF_MAX": "3600", "NIANBAO_PORTAL_IDS": "trs-erqi"}
BOUND = 600  # seconds: far below the back-off; a stop that waited on it fails here, not hangs


def blocked_and_running(folder: Path, crawl: subprocess.Popen[str]) -> subprocess.Popen[str]:
    """The crawl once a host is backed off for an hour (a block page's fault row is stored)."""
    blocked = "SELECT count(*) FROM capture WHERE fault LIKE 'blocked_%'"
    wait_until(lambda: (query(folder, blocked) or [(0,)])[0][0] > 0 or crawl.poll() is not None, "a host is blocked")
    assert crawl.poll() is None, "the crawl ended before any host was backed off"
    return crawl


def test_a_first_sigterm_finishes_what_is_in_flight_and_exits_143(fresh_world: WorldServer, tmp_path: Path) -> None:
    crawl = blocked_and_running(tmp_path, start_crawl(NIANBAO, fresh_world, tmp_path, AN_HOUR))
    crawl.send_signal(signal.SIGTERM)
    assert crawl.wait(timeout=BOUND) == 128 + signal.SIGTERM
    told = (tmp_path / "crawl.err").read_text()
    assert "SIGTERM: finishing what is in progress" in told and "interrupted by SIGTERM" in told
    assert "finished: shutdown" in (tmp_path / "crawl.out").read_text()
    assert list((tmp_path / "raw" / "warc").glob("*.open")) == []
    assert query(tmp_path, "SELECT count(*) FROM capture WHERE unfinished IS NOT NULL") == [(0,)]
    assert query(tmp_path, "SELECT count(*) FROM crawl_run WHERE finished_at IS NULL") == [(0,)]
    held = query(tmp_path, "SELECT count(*) FROM capture WHERE fault = 'interrupted'")[0][0]
    assert held > 0, "the requests held behind the back-off were not let go as faults"


def test_a_second_signal_stops_at_once_and_the_next_run_closes_its_warc(
    fresh_world: WorldServer, tmp_path: Path
) -> None:
    everywhere = {name: value for name, value in AN_HOUR.items() if name != "NIANBAO_PORTAL_IDS"}
    crawl = blocked_and_running(tmp_path, start_crawl(NIANBAO, fresh_world, tmp_path, everywhere))
    # Both signals reach the crawl together, so the first stop cannot have finished when the
    # second comes (on an idle machine it can finish between two signals sent one by one).
    # They are different signals because a second pending SIGTERM would merge with the first;
    # which of the two the process meets first depends on the thread the kernel hands it to.
    crawl.send_signal(signal.SIGSTOP)
    crawl.send_signal(signal.SIGINT)
    crawl.send_signal(signal.SIGTERM)
    crawl.send_signal(signal.SIGCONT)
    second = signal.Signals(crawl.wait(timeout=BOUND) - 128)
    (first,) = {signal.SIGINT, signal.SIGTERM} - {second}
    told = (tmp_path / "crawl.err").read_text()
    assert f"{first.name}: finishing what is in progress" in told
    assert f"stopped at once by a second {second.name}" in told
    repair = [sys.executable, "-c", "from nianbao.cli import main; main()", "repair", "--db", db_url_of(tmp_path)]
    repair += ["--archive-dir", str(tmp_path / "raw")]
    done = subprocess.run(repair, cwd=PROJECT, env=environment(), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert list((tmp_path / "raw" / "warc").glob("*.open")) == []
    files = {name for (name,) in query(tmp_path, "SELECT DISTINCT warc_file FROM capture WHERE warc_file IS NOT NULL")}
    assert files and all((tmp_path / "raw" / "warc" / name).is_file() for name in files)
    assert query(tmp_path, "SELECT count(*) FROM capture WHERE unfinished IS NOT NULL") == [(0,)]


def test_worker_threads_never_hold_the_process_at_exit() -> None:
    lane = ThreadLane("test", 2)
    lane.start()
    try:
        lane.pool.startAWorker()
        assert lane.pool.threads and all(thread.daemon for thread in lane.pool.threads)
    finally:
        lane.stop()


def test_a_second_signal_pending_while_the_first_is_handled_stops_at_once(monkeypatch, asyncio_reactor) -> None:
    """signal.signal() runs pending handlers before it swaps them: a second signal that is
    already pending meets the first handler again, not at_once, and must still stop at once."""
    from scrapy.utils.test import get_crawler

    from crawler import stopping

    exits: list[int] = []
    monkeypatch.setattr(stopping.os, "_exit", lambda status: exits.append(status))
    monkeypatch.setattr(stopping.signal, "signal", lambda number, handler: None)  # keep the test's own
    stop = stopping.StopWhenAsked(get_crawler())

    def scrapy_handler(number: int, frame: object) -> None:
        if number == signal.SIGINT:  # where signal.signal() would run the pending SIGTERM
            stop.asked(scrapy_handler, signal.SIGTERM, None)

    stop.asked(scrapy_handler, signal.SIGINT, None)
    assert exits == [128 + signal.SIGTERM]
