"""robots.txt by RFC 9309: 4xx allows everything, 5xx and failures allow nothing."""

from __future__ import annotations

import asyncio

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import TextResponse
from scrapy.utils.misc import build_from_crawler

from crawler.robots import (
    DISALLOW_ALL,
    Rfc9309RobotsTxtMiddleware,
    RobotsStatusMiddleware,
    RobotsUnreachable,
    robots_body,
)
from tests.crawler.conftest import crawler_with

ROBOTS = "http://www.zz27q.gov.cn/robots.txt"
RULES = b"User-agent: *\nDisallow: /manage/\n"


@pytest.mark.parametrize(
    ("status", "expected"), [(200, RULES), (404, b""), (403, b""), (500, DISALLOW_ALL), (503, DISALLOW_ALL)]
)
def test_a_robots_answer_means_what_its_status_says(status: int, expected: bytes) -> None:
    assert robots_body(status, RULES) == expected


def test_the_status_middleware_rewrites_robots_answers_only() -> None:
    crawler = crawler_with()
    middleware = build_from_crawler(RobotsStatusMiddleware, crawler)
    robots = Request(ROBOTS, meta={"dont_obey_robotstxt": True})
    error = TextResponse(ROBOTS, status=503, body=b"<html>busy</html>", request=robots)
    assert middleware.process_response(robots, error).body == DISALLOW_ALL
    page = Request("http://www.zz27q.gov.cn/x/robots.txt")
    assert middleware.process_response(page, error.replace(request=page)).body == b"<html>busy</html>"
    assert crawler.stats.get_value("nianbao/robots/unreachable") == 1


class FailingEngine:
    """An engine whose every download fails, as a refused connection does."""

    async def download_async(self, request: Request) -> None:
        raise ConnectionRefusedError(request.url)


def test_a_robots_txt_that_cannot_be_fetched_disallows_everything() -> None:
    crawler = crawler_with({"ROBOTSTXT_OBEY": True})
    crawler.engine = FailingEngine()
    middleware = build_from_crawler(Rfc9309RobotsTxtMiddleware, crawler)
    request = Request("http://www.zz27q.gov.cn/zwgk/report.html")
    with pytest.raises(IgnoreRequest):
        asyncio.run(middleware.process_request(request))
    assert crawler.stats.get_value("nianbao/robots/assumed_disallow") == 1


class SlowEngine:
    """An engine that answers robots.txt after the other requests of its host have asked for it."""

    def __init__(self) -> None:
        self.downloads = 0

    async def download_async(self, request: Request) -> TextResponse:
        self.downloads += 1
        await asyncio.sleep(0)
        return TextResponse(request.url, body=RULES, request=request)


def test_every_request_waiting_for_robots_txt_gets_its_rules() -> None:
    crawler = crawler_with({"ROBOTSTXT_OBEY": True})
    crawler.engine = SlowEngine()
    middleware = build_from_crawler(Rfc9309RobotsTxtMiddleware, crawler)
    urls = ["http://www.zz27q.gov.cn/manage/a", "http://www.zz27q.gov.cn/b", "http://www.zz27q.gov.cn/manage/c"]

    async def ask_all() -> list[str]:
        asked = [middleware.process_request(Request(url)) for url in urls]
        outcomes = await asyncio.gather(*asked, return_exceptions=True)
        return ["refused" if isinstance(outcome, IgnoreRequest) else "allowed" for outcome in outcomes]

    assert asyncio.run(ask_all()) == ["refused", "allowed", "refused"]
    assert crawler.engine.downloads == 1


def test_a_request_to_a_host_whose_robots_txt_failed_says_why() -> None:
    crawler = crawler_with({"ROBOTSTXT_OBEY": True})
    crawler.engine = FailingEngine()
    middleware = build_from_crawler(Rfc9309RobotsTxtMiddleware, crawler)
    refused = ConnectionRefusedError("refused")
    middleware.process_exception(Request(ROBOTS, meta={"dont_obey_robotstxt": True}), refused)
    with pytest.raises(RobotsUnreachable) as caught:
        asyncio.run(middleware.process_request(Request("http://www.zz27q.gov.cn/zwgk/report.html")))
    assert caught.value.cause is refused
    assert "robots.txt" in str(caught.value)  # the portal spider's fault reason stays "robots"
