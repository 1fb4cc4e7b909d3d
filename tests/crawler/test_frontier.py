"""The shared frontier: leases, rounds, global host slots, then real workers on the fixture world."""

from __future__ import annotations

import os
import signal
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler
from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.backoff import backoff_key
from crawler.extensions import CrawlProgress, HostPoliteness
from crawler.frontier import (
    LEASE,
    ROUND,
    FrontierKeys,
    LeasedQueue,
    RoundDupeFilter,
    frontier_settings,
    host_key,
    seed_portals,
)
from crawler.hostslots import SharedHostSlots
from crawler.portals import load_registry
from crawler.stopping import STOPPING, CrawlInterrupted
from fixtures.world.responder import most_in_flight
from fixtures.world.server import WorldServer
from storage.archive import Archive
from storage.models import CaptureRow, CrawlRunRow
from tests.conftest import wait_for
from tests.crawler.conftest import engine_for, run
from tests.crawling import Crawl
from tests.frontier_world import REDIS, Frontier, finish, postgres_db, redis_or_skip  # noqa: F401
from tests.frontier_world import frontier_key as frontier_key


def spider_on(key: str, **settings: Any) -> Spider:
    crawler = get_crawler(Spider, settings_dict=frontier_settings(REDIS, key) | settings)
    return Spider.from_crawler(crawler, name="portal")


def queue_of(spider: Spider) -> LeasedQueue:
    keys = FrontierKeys.of(spider.crawler.settings, spider.name)
    return LeasedQueue(redis_or_skip(), spider, keys.requests)


def test_a_taken_request_stays_leased_until_it_is_released(frontier_key: str) -> None:
    spider = spider_on(frontier_key)
    queue, keys = queue_of(spider), FrontierKeys.of(spider.crawler.settings, "portal")
    queue.push(Request("http://127.0.0.1/a"))
    queue.push(Request("http://127.0.0.1/b"))
    taken = queue.pop()
    assert taken.url == "http://127.0.0.1/a" and (len(queue), keys.size(queue.server)) == (1, 2)
    keys.release(queue.server, taken.meta[LEASE])
    assert keys.size(queue.server) == 1


def test_an_expired_lease_hands_the_request_out_again_first(frontier_key: str) -> None:
    queue = queue_of(spider_on(frontier_key, NIANBAO_FRONTIER_LEASE=0))  # every lease ends at once
    queue.push(Request("http://127.0.0.1/a"))
    queue.push(Request("http://127.0.0.1/b"))
    first = queue.pop()
    again = queue.pop()
    assert (first.url, again.url) == ("http://127.0.0.1/a", "http://127.0.0.1/a")


def test_a_retry_takes_the_place_of_its_leased_request(frontier_key: str) -> None:
    spider = spider_on(frontier_key)
    queue = queue_of(spider)
    queue.push(Request("http://127.0.0.1/a"))
    taken = queue.pop()
    queue.push(taken.replace(dont_filter=True))  # what the retry middleware schedules
    keys = FrontierKeys.of(spider.crawler.settings, "portal")
    assert queue.server.zcard(keys.leased) == 0 and len(queue) == 1


def test_a_new_round_sees_every_page_as_new(frontier_key: str) -> None:
    spider = spider_on(frontier_key)
    seen = RoundDupeFilter(redis_or_skip(), key=FrontierKeys.of(spider.crawler.settings, "portal").seen)
    page = Request("http://127.0.0.1/a", meta={ROUND: 1})
    assert [seen.request_seen(page), seen.request_seen(page)] == [False, True]
    assert seen.request_seen(page.replace(meta={ROUND: 2})) is False


def test_each_hash_route_of_a_report_shell_is_a_page_of_its_own(frontier_key: str) -> None:
    spider = spider_on(frontier_key)
    seen = RoundDupeFilter(redis_or_skip(), key=FrontierKeys.of(spider.crawler.settings, "portal").seen)
    report = {ROUND: 1, "nianbao_role": "report"}
    routes = [Request(f"http://127.0.0.1/detail.html#/detail/{n}", meta=report) for n in (1, 2, 1)]
    assert [seen.request_seen(request) for request in routes] == [False, False, True]
    anchors = [Request(f"http://127.0.0.1/list.html#{anchor}", meta={ROUND: 1}) for anchor in ("top", "end")]
    assert [seen.request_seen(request) for request in anchors] == [False, True]


def test_a_host_has_two_slots_for_all_workers_together(frontier_key: str) -> None:
    spider = spider_on(frontier_key)
    workers = [SharedHostSlots(spider.crawler), SharedHostSlots(spider.crawler)]
    keys = [f"{frontier_key}:host:h:held", f"{frontier_key}:host:h:next", f"{frontier_key}:host:h:backoff"]

    def ask(worker: SharedHostSlots, token: str, delay: float = 0.0) -> tuple[bytes, float]:
        what, seconds = worker._acquire(keys=keys, args=[2, delay, 60, token])
        return what, float(seconds)

    assert [ask(workers[0], "a"), ask(workers[1], "b"), ask(workers[0], "c")] == [
        (b"granted", 0),
        (b"granted", 0),
        (b"full", -1),
    ]
    workers[1].release(Request("http://h/", meta={"nianbao_hostslot": (keys[0], "b")}))
    assert ask(workers[0], "c", delay=30) == (b"granted", 0)
    workers[0].release(Request("http://h/", meta={"nianbao_hostslot": (keys[0], "a")}))
    what, wait = ask(workers[1], "d")
    assert what == b"delay" and 0 < wait <= 30  # the host's delay holds the next start back


BACKOFF = {
    "EXTENSIONS": {HostPoliteness: 100, CrawlProgress: 500},
    "NIANBAO_BLOCK_BACKOFF": 10.0,
    "NIANBAO_BLOCK_BACKOFF_MAX": 25.0,
    "NIANBAO_PROGRESS_INTERVAL": 5.0,
}
HOST = "127.0.0.1:8001"


def worker_on(key: str) -> Crawler:
    """A worker's crawler with its engine, as a crawl has it before its first request."""
    return engine_for(get_crawler(settings_dict=frontier_settings(REDIS, key) | BACKOFF))


@pytest.mark.usefixtures("asyncio_reactor")
def test_a_block_one_worker_meets_backs_the_host_off_for_every_worker(frontier_key: str, capsys) -> None:
    a, b = worker_on(frontier_key), worker_on(frontier_key)
    politeness = [a.get_extension(HostPoliteness), b.get_extension(HostPoliteness)]
    assert [politeness[0].back_off(HOST), politeness[1].back_off(HOST)] == [10.0, 20.0]  # blocks in a row, anywhere
    politeness[1].answered(HOST)
    assert politeness[0].back_off(HOST) == 10.0  # an answer starts afresh; the back-off in force stays
    keys = [host_key(b.settings, HOST, part) for part in ("held", "next")] + [backoff_key(b.settings, HOST)]
    what, left = SharedHostSlots(b)._acquire(keys=keys, args=[2, 0, 60, "t"])
    assert what == b"backoff" and 10 < float(left) <= 20
    b.get_extension(CrawlProgress).report()
    assert f"waiting {HOST}: block page back-off 10 s, until " in capsys.readouterr().err


@pytest.mark.usefixtures("asyncio_reactor")
def test_a_request_waiting_for_a_back_off_ends_when_the_crawl_is_asked_to_stop(frontier_key: str) -> None:
    worker = worker_on(frontier_key)
    worker.get_extension(HostPoliteness).back_off(HOST)
    worker.stats.set_value(STOPPING, "SIGTERM")
    with pytest.raises(CrawlInterrupted):
        run(SharedHostSlots(worker).process_request(Request(f"http://{HOST}/a", meta={"download_slot": HOST})))
    assert worker.stats.get_value("nianbao/backoff/waited_seconds") == pytest.approx(10.0, abs=0.1)


@pytest.mark.usefixtures("asyncio_reactor")  # its loop, not asyncio.run's, which unsets the loop after
def test_a_callback_that_raises_gives_its_lease_back(frontier_key: str) -> None:
    from scrapy.http import TextResponse

    from crawler.frontier import LeaseKeeper

    spider = spider_on(frontier_key)
    queue, keys = queue_of(spider), FrontierKeys.of(spider.crawler.settings, "portal")
    queue.push(Request("http://127.0.0.1/a"))
    taken = queue.pop()
    keeper = LeaseKeeper(spider.crawler)
    keeper.spider_opened(spider)

    async def broken_callback():
        yield Request("http://127.0.0.1/b")
        raise ValueError("a page the callback cannot read")

    async def read_to_the_end() -> None:
        response = TextResponse(taken.url, body=b"", request=taken)
        with pytest.raises(ValueError):
            async for _ in keeper.process_spider_output(response, broken_callback()):
                pass

    run(read_to_the_end())
    assert keys.size(queue.server) == 0


def test_a_request_a_stopping_worker_gives_up_goes_back_to_the_frontier_first_in_line(frontier_key: str) -> None:
    from twisted.python.failure import Failure

    from crawler.frontier import LeaseKeeper
    from crawler.items import Fault
    from crawler.stopping import CrawlInterrupted

    spider = spider_on(frontier_key)
    queue, keys = queue_of(spider), FrontierKeys.of(spider.crawler.settings, "portal")
    for path in ("a", "b", "c"):
        queue.push(Request(f"http://127.0.0.1/{path}"))
    interrupted, done = queue.pop(), queue.pop()
    keeper = LeaseKeeper(spider.crawler)
    keeper.spider_opened(spider)
    for request, reason in ((interrupted, CrawlInterrupted.reason), (done, "http_404")):
        failure = Failure(CrawlInterrupted("asked to stop"))
        failure.request = request  # as Scrapy hands an errback's items to the signals
        keeper.item_done(Fault(portal_id="p", url=request.url, referer=None, reason=reason), failure)
    assert keys.size(queue.server) == 2  # c, and a given back; b is done
    assert queue.pop().url == "http://127.0.0.1/a"


# -- real workers -----------------------------------------------------------------------


@pytest.fixture
def frontier(fresh_world: WorldServer, frontier_key: str, postgres_db: str, tmp_path: Path) -> Frontier:  # noqa: F811
    return Frontier(fresh_world, frontier_key, postgres_db, tmp_path)


def archived(frontier: Frontier) -> Crawl:
    return Crawl(frontier.db_url, frontier.folder / "raw", frontier.world.log(), "")


@pytest.mark.slow
def test_a_block_page_one_worker_meets_holds_every_worker_off_its_host(frontier: Frontier) -> None:
    # One request at a time per worker: neither leases the whole portal alone, and when the
    # block is recorded at most one request (the other worker's) holds a slot of the host.
    erqi = ["-sNIANBAO_PORTAL_IDS=trs-erqi", "-sNIANBAO_BLOCK_BACKOFF=3", "-sCONCURRENT_REQUESTS=1"]
    frontier.schedule(*erqi)
    workers = [frontier.worker("--idle-exit", "1", *erqi) for _ in range(2)]
    host = urlsplit(frontier.world.portals["trs-erqi"]).netloc
    server, key = redis_or_skip(), f"{frontier.key}:host:{host}:backoff"
    wait_for(lambda: server.hexists(key, "until"), "a worker meets the block page", timeout=300)
    since, until = map(float, server.hmget(key, "since", "until"))
    erqi_portal = [portal for portal in load_registry(frontier.world.registry) if portal.id == "trs-erqi"]
    seed_portals(Settings(frontier_settings(REDIS, frontier.key)), erqi_portal)  # a new round: work held back
    finish(workers)
    log = [entry for entry in frontier.world.log() if entry["portal"] == "trs-erqi"]
    # Redis and the world read one clock. From the moment the block was recorded to the
    # back-off's end, no worker sent the host a request but the one that may have held its
    # slot already; after the end, the new round went on.
    assert len([entry for entry in log if since < entry["started"] < until]) <= 1
    assert [entry for entry in log if entry["started"] >= until]
    stats = worker_stats(frontier)
    assert sum(run.get("nianbao/backoff/waited_seconds", 0) for run in stats) > 0


def worker_stats(frontier: Frontier) -> list[dict[str, Any]]:
    """Each worker's final stats, as its run keeps them in the archive."""
    with Archive.open(frontier.db_url, frontier.folder / "raw") as archive, Session(archive.engine) as session:
        return [row.stats or {} for row in session.scalars(select(CrawlRunRow))]


@pytest.mark.deep
def test_three_workers_crawl_the_world_once_politely_and_a_new_round_crawls_it_again(
    frontier: Frontier, world_truth: dict[str, Any]
) -> None:
    assert "round 1:" in frontier.schedule()
    finish([frontier.worker("--idle-exit", "1") for _ in range(3)])
    crawl = archived(frontier)
    parsed = [r for r in world_truth["reports"] if r["parsed"]]
    assert {(i.agency, i.year) for i in crawl.versions()} == {(r["agency_canonical"], r["year"]) for r in parsed}
    excluded = {f["url"].split("/", 3)[3] for f in world_truth["faults"] if f["fault"] == "robots_disallowed"}
    requested = [entry["path"] for entry in crawl.log]
    assert excluded and not excluded & {path.lstrip("/") for path in requested}
    assert max(most_in_flight(crawl.log).values()) <= 2
    pages = Counter((entry["portal"], entry["path"]) for entry in crawl.log if entry["path"] != "/robots.txt")
    assert pages.most_common(1)[0][1] <= 2  # once, or a planted fail-once page and its retry

    frontier.world.clear_log()
    assert "round 2:" in frontier.schedule("--now", "2099-01-01")
    finish([frontier.worker("--idle-exit", "1")])
    assert set(pages) <= {(entry["portal"], entry["path"]) for entry in frontier.world.log()}
    assert len(archived(frontier).versions()) == len(crawl.versions())


@pytest.mark.deep
@pytest.mark.parametrize("kill_after", [5, 60])
def test_a_worker_killed_mid_crawl_loses_nothing(
    frontier: Frontier, world_truth: dict[str, Any], kill_after: int
) -> None:
    frontier.schedule()
    lease = ("-s", "NIANBAO_FRONTIER_LEASE=3")
    doomed = frontier.worker(*lease)

    def served() -> bool:
        assert doomed.poll() is None, doomed.communicate()[1][-3000:]
        return len(frontier.world.log()) >= kill_after

    wait_for(served, f"{kill_after} requests by the first worker", timeout=900)
    os.kill(doomed.pid, signal.SIGKILL)
    doomed.communicate(timeout=60)
    finish([frontier.worker("--idle-exit", "1", *lease)])
    crawl = archived(frontier)
    parsed = [r for r in world_truth["reports"] if r["parsed"]]
    assert {(i.agency, i.year) for i in crawl.versions()} == {(r["agency_canonical"], r["year"]) for r in parsed}
    versions = Counter((i.agency, i.year, i.sha256) for i in crawl.versions())
    assert versions.most_common(1)[0][1] == 1
    with Archive.open(frontier.db_url, frontier.folder / "raw") as archive, Session(archive.engine) as session:
        stored = list(session.scalars(select(CaptureRow.sha256).where(CaptureRow.sha256.is_not(None))))
        assert stored and all(archive.raw_path(sha256).exists() for sha256 in stored)
