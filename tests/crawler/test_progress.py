"""Every wait of a crawl is said in its progress line: host, why, how long, until when."""

from __future__ import annotations

import asyncio

import pytest
from scrapy import Request
from scrapy.core.downloader import Slot
from scrapy.http import Response
from scrapy.robotstxt import ProtegoRobotParser
from scrapy.utils.misc import build_from_crawler

from crawler.extensions import CrawlProgress, HostPoliteness
from crawler.middlewares import BackoffRetryMiddleware
from crawler.waits import Wait, describe
from tests.crawler.conftest import crawler_with, engine_for, run

pytestmark = pytest.mark.usefixtures("asyncio_reactor")

HOST = "www.zz27q.gov.cn"
URL = f"http://{HOST}/zwgk/a.html"
SETTINGS = {
    "EXTENSIONS": {HostPoliteness: 100, CrawlProgress: 500},
    "NIANBAO_PROGRESS_INTERVAL": 5.0,
    "NIANBAO_BLOCK_BACKOFF": 300.0,
    "NIANBAO_RETRY_BACKOFF": 0.01,
}


def test_waits_are_told_per_host_and_reason_and_forgotten_when_over() -> None:
    now = 1_700_000_000.0
    waits = [
        Wait("a.gov.cn", "retry", 4.0, now + 4),
        Wait("a.gov.cn", "retry", 8.0, now + 8),
        Wait("b.gov.cn", "block page back-off", 300.0, now + 290),
        Wait("c.gov.cn", "retry", 2.0, now - 1),  # over
    ]
    lines = describe(waits, now)
    assert len(lines) == 2
    assert lines[0].startswith("a.gov.cn: 2 × retry 8 s, until ") and lines[0].endswith("(8 s left)")
    assert lines[1].startswith("b.gov.cn: block page back-off 300 s, until ") and lines[1].endswith("(290 s left)")


def test_the_progress_line_shows_back_offs_crawl_delays_and_retry_waits(capsys) -> None:
    crawler = engine_for(crawler_with({**SETTINGS, "ROBOTSTXT_USER_AGENT": "nianbao"}))
    slot = crawler.engine.downloader.slots[HOST] = Slot(2, 1.0, 0.0)
    politeness = crawler.get_extension(HostPoliteness)
    politeness.back_off(HOST)
    robots = ProtegoRobotParser.from_crawler(crawler, b"User-agent: *\nCrawl-delay: 7\n")
    politeness.robots_parsed(robots, Request(URL, meta={"download_slot": HOST}))
    slot.queue.append((Request(URL), None))  # a request the Crawl-delay holds back
    retry = build_from_crawler(BackoffRetryMiddleware, crawler)
    run(retry.process_response(Request(URL), retry_answer()))

    crawler.get_extension(CrawlProgress).report()

    waiting = [line for line in capsys.readouterr().err.splitlines() if line.startswith("waiting ")]
    assert any(f"waiting {HOST}: block page back-off 300 s, until " in line for line in waiting), waiting
    assert any(f"waiting {HOST}: robots.txt Crawl-delay 7 s, until " in line for line in waiting), waiting
    assert len(waiting) == 2  # the retry waited 0.01 s and is over


def retry_answer() -> Response:
    return Response(URL, status=503, request=Request(URL))


def test_a_retry_wait_in_force_is_shown(capsys) -> None:
    crawler = engine_for(crawler_with({**SETTINGS, "NIANBAO_RETRY_BACKOFF": 60.0}))
    progress = crawler.get_extension(CrawlProgress)
    retry = build_from_crawler(BackoffRetryMiddleware, crawler)

    async def report_while_the_retry_waits() -> None:
        waiting = asyncio.ensure_future(retry.process_response(Request(URL), retry_answer()))
        await asyncio.sleep(0.05)
        progress.report()
        waiting.cancel()

    run(report_while_the_retry_waits())
    assert [(wait.host, wait.reason, wait.seconds) for wait in progress.retries] == [(HOST, "retry", 60.0)]
    assert f"waiting {HOST}: retry 60 s, until " in capsys.readouterr().err


def test_the_progress_shows_lists_short_of_their_stated_size(capsys) -> None:
    from crawler.spiders.portal import PortalSpider

    crawler = engine_for(crawler_with(SETTINGS))
    crawler.spider = PortalSpider()
    progress = crawler.get_extension(CrawlProgress)
    progress.report()
    assert "coverage:" not in capsys.readouterr().err
    crawler.spider.coverage.state("erqi", URL, 3)
    crawler.spider.coverage.reach(URL, URL + "?1", URL)
    progress.report()
    assert "coverage: 1 list(s) state more entries than reached so far" in capsys.readouterr().err
