"""Downloader middlewares and politeness, built by Scrapy from a test crawler."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from scrapy import Request, Spider
from scrapy.core.downloader import Slot
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse, Response
from scrapy.robotstxt import ProtegoRobotParser
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler.extensions import ArchiveExtension, ConditionalAutoThrottle, HostPoliteness
from crawler.middlewares import (
    BackoffRetryMiddleware,
    BlockedPage,
    BlockPageMiddleware,
    ConditionalGetMiddleware,
    PrefetchValidators,
    block_kind,
    retry_after,
)
from tests.crawler.conftest import crawler_with, engine_for, run

pytestmark = pytest.mark.usefixtures("asyncio_reactor")
URL = "http://www.zz27q.gov.cn/zwgk/a.html"
SLOT = "www.zz27q.gov.cn"
POLITE = {"EXTENSIONS": {HostPoliteness: 100}, "NIANBAO_BLOCK_BACKOFF": 10.0, "NIANBAO_BLOCK_BACKOFF_MAX": 25.0}


def answer(status: int, body: bytes = b"", headers: dict[str, str] | None = None, **meta: Any) -> Response:
    request = Request(URL, meta={"download_slot": SLOT, **meta})
    return HtmlResponse(URL, status=status, body=body, headers=headers or {}, request=request)


# -- retries ---------------------------------------------------------------------------


def test_retry_after_in_seconds_or_as_a_date() -> None:
    assert retry_after(answer(503, headers={"Retry-After": "120"})) == 120.0
    now = datetime(2024, 1, 1, 0, 0, tzinfo=UTC)
    assert retry_after(answer(503, headers={"Retry-After": "Mon, 01 Jan 2024 00:01:30 GMT"}), now) == 90.0
    assert retry_after(answer(503)) is None


def test_backoff_doubles_and_is_capped_and_retry_after_wins() -> None:
    crawler = crawler_with({"NIANBAO_RETRY_BACKOFF": 2.0, "NIANBAO_RETRY_BACKOFF_MAX": 60.0})
    middleware = build_from_crawler(BackoffRetryMiddleware, crawler)
    delays = [middleware.delay(Request(URL, meta={"retry_times": n}), None) for n in (1, 2, 3, 7)]
    assert delays == [2.0, 4.0, 8.0, 60.0]
    assert middleware.delay(Request(URL, meta={"retry_times": 1}), answer(429, headers={"Retry-After": "30"})) == 30.0


def test_a_503_is_retried_after_waiting() -> None:
    crawler = engine_for(crawler_with({"NIANBAO_RETRY_BACKOFF": 0.01}))
    middleware = build_from_crawler(BackoffRetryMiddleware, crawler)
    response = answer(503)
    retried = run(middleware.process_response(response.request, response))
    assert isinstance(retried, Request) and retried.meta["retry_times"] == 1
    assert crawler.stats.get_value("nianbao/retry/waited_seconds") == pytest.approx(0.01)
    ok = answer(200)
    assert run(middleware.process_response(ok.request, ok)) is ok


# -- block pages -----------------------------------------------------------------------

RUISHU = b"<html><head><meta content='x' r='m'><script r='m'>$_ts=window['$_ts'];</script></head></html>"
JSL = b"<script>document.cookie=('__jsl_clearance_s=')+('1');location.href=location.pathname</script>"
CAPTCHA = "<html><title>访问验证</title><form><input name='code'>请输入验证码</form></html>".encode()


@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (412, RUISHU, "ruishu"),
        (202, RUISHU, "ruishu"),
        (521, JSL, "jsl"),
        (200, CAPTCHA, "captcha"),
        (521, b"down", None),
    ],
)
def test_block_kinds(status: int, body: bytes, kind: str | None) -> None:
    assert block_kind(answer(status, body)) == kind


def test_a_report_page_with_a_captcha_form_in_its_sidebar_is_not_a_block() -> None:
    page = (
        "<html><title>某局2023年政府信息公开工作年度报告</title><form>验证码<input></form>" + "正文" * 10000
    ).encode()
    assert block_kind(answer(200, page)) is None


def test_a_block_page_is_counted_raised_and_backs_the_host_off() -> None:
    crawler = engine_for(crawler_with(POLITE))
    crawler.engine.downloader.slots[SLOT] = Slot(2, 1.0, 0.0)
    middleware = build_from_crawler(BlockPageMiddleware, crawler)
    response = answer(412, RUISHU)
    with pytest.raises(BlockedPage) as blocked:
        middleware.process_response(response.request, response)
    assert (blocked.value.kind, blocked.value.status) == ("ruishu", 412)
    assert crawler.stats.get_value("nianbao/blocked/412") == 1
    assert crawler.engine.downloader.slots[SLOT].delay == 10.0


def test_back_off_doubles_per_block_in_a_row_and_resets_on_an_answer() -> None:
    crawler = engine_for(crawler_with(POLITE))
    crawler.engine.downloader.slots[SLOT] = Slot(2, 1.0, 0.0)
    politeness = crawler.get_extension(HostPoliteness)
    assert [politeness.back_off(SLOT) for _ in range(3)] == [10.0, 20.0, 25.0]
    politeness.answered(SLOT)
    assert politeness.back_off(SLOT) == 10.0
    politeness.blocked[SLOT] = (0.0, 10.0)  # the back-off is over
    politeness._lift(SLOT)
    assert crawler.engine.downloader.slots[SLOT].delay == 1.0


def test_crawl_delay_is_a_floor_even_with_jitter() -> None:
    crawler = engine_for(crawler_with({**POLITE, "ROBOTSTXT_USER_AGENT": "nianbao"}))
    crawler.engine.downloader.slots[SLOT] = Slot(2, 0.0, 0.5)
    politeness = crawler.get_extension(HostPoliteness)
    robots = ProtegoRobotParser.from_crawler(crawler, b"User-agent: *\nCrawl-delay: 3\nDisallow: /manage/\n")
    politeness.robots_parsed(robots, Request(URL, meta={"download_slot": SLOT}))
    politeness.request_reached_downloader(Request(URL, meta={"download_slot": SLOT}))
    assert crawler.engine.downloader.slots[SLOT].delay == 6.0  # 3 s at the shortest of ±50 %


def test_a_huge_crawl_delay_is_capped() -> None:
    crawler = engine_for(crawler_with({**POLITE, "NIANBAO_CRAWL_DELAY_MAX": 60.0}))
    politeness = crawler.get_extension(HostPoliteness)
    robots = ProtegoRobotParser.from_crawler(crawler, b"User-agent: *\nCrawl-delay: 86400\n")
    politeness.robots_parsed(robots, Request(URL, meta={"download_slot": SLOT}))
    assert politeness.floor(SLOT) == 60.0


# -- conditional GET -------------------------------------------------------------------


@pytest.fixture
def archived(tmp_archive: dict[str, str]) -> Any:
    """A crawler whose archive holds one 200 capture of URL, with its validators."""
    crawler = engine_for(crawler_with({**tmp_archive, "EXTENSIONS": {ArchiveExtension: 10}}))
    extension = crawler.get_extension(ArchiveExtension)
    extension.open()
    archive = extension.archive
    sha256 = archive.store_bytes(b"<html><a href='/r.html'>r</a></html>")
    headers = [("Content-Type", "text/html"), ("ETag", '"abc"'), ("Last-Modified", "Mon, 01 Apr 2024 00:00:00 GMT")]
    archive.record_capture(URL, fetched_at=datetime.now(UTC), status=200, headers=headers, sha256=sha256)
    yield crawler
    extension.close()


def test_validators_of_the_latest_capture_are_sent(archived: Any) -> None:
    middleware = build_from_crawler(ConditionalGetMiddleware, archived)
    request = Request(URL)
    middleware.process_request(request)
    assert request.headers["If-None-Match"] == b'"abc"'
    assert request.headers["If-Modified-Since"] == b"Mon, 01 Apr 2024 00:00:00 GMT"
    assert len(request.meta["nianbao_validated"]["sha256"]) == 64


def test_nothing_is_sent_for_unknown_urls_or_posts(archived: Any) -> None:
    middleware = build_from_crawler(ConditionalGetMiddleware, archived)
    for request in (Request(URL + "?other"), Request(URL, method="POST")):
        middleware.process_request(request)
        assert b"If-None-Match" not in request.headers


def test_a_304_is_answered_from_the_stored_copy(archived: Any) -> None:
    middleware = build_from_crawler(ConditionalGetMiddleware, archived)
    request = Request(URL)
    middleware.process_request(request)
    replayed = middleware.process_response(request, Response(URL, status=304, request=request))
    assert replayed.status == 200 and "not_modified" in replayed.flags
    assert replayed.css("a::attr(href)").get() == "/r.html"
    assert archived.stats.get_value("nianbao/conditional/not_modified") == 1


def test_a_304_without_a_stored_copy_stays_a_304(archived: Any) -> None:
    middleware = build_from_crawler(ConditionalGetMiddleware, archived)
    request = Request(URL, meta={"nianbao_validated": {"sha256": "0" * 64, "warc": None}})
    assert middleware.process_response(request, Response(URL, status=304, request=request)).status == 304


def test_an_unchanged_attachment_is_answered_without_reading_its_copy(
    archived: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unread(sha256: str) -> bytes:
        raise AssertionError("an unchanged document was read from disk")

    monkeypatch.setattr(archived.get_extension(ArchiveExtension).archive, "read_bytes", unread)
    middleware = build_from_crawler(ConditionalGetMiddleware, archived)
    request = Request(URL, meta={"nianbao_role": "attachment"})
    middleware.process_request(request)
    replayed = middleware.process_response(request, Response(URL, status=304, request=request))
    assert (replayed.status, replayed.body, "not_modified" in replayed.flags) == (200, b"", True)
    gone = {"nianbao_role": "attachment", "nianbao_validated": {"sha256": "0" * 64, "warc": None}}
    missing = Request(URL, meta=gone)
    assert middleware.process_response(missing, Response(URL, status=304, request=missing)).status == 304


async def callback_output(elements: list[Any], error: Exception | None = None) -> Any:
    for element in elements:
        yield element
    if error is not None:
        raise error


def prefetched(crawler: Any, elements: list[Any], error: Exception | None = None) -> list[Any]:
    middleware = build_from_crawler(PrefetchValidators, crawler)

    async def drain() -> list[Any]:
        return [e async for e in middleware.process_spider_output(answer(200), callback_output(elements, error))]

    return run(drain())


def test_a_pages_links_carry_the_validators_found_for_all_of_them_at_once(archived: Any) -> None:
    item, known, unknown = {"item": 1}, Request(URL), Request(URL + "?other")
    assert prefetched(archived, [known, item, unknown]) == [item, known, unknown]  # requests after the items
    # a newer capture is not seen: the request is sent with what was found with its page
    sha256 = archived.get_extension(ArchiveExtension).archive.store_bytes(b"<html>newer</html>")
    newer = [("ETag", '"newer"')]
    archived.get_extension(ArchiveExtension).archive.record_capture(
        URL, fetched_at=datetime.now(UTC), status=200, headers=newer, sha256=sha256
    )
    middleware = build_from_crawler(ConditionalGetMiddleware, archived)
    for request in (known, unknown):
        middleware.process_request(request)
    assert known.headers["If-None-Match"] == b'"abc"' and b"If-None-Match" not in unknown.headers


def test_a_redirect_is_sent_with_the_validators_of_its_own_url(archived: Any) -> None:
    (request,) = prefetched(archived, [Request(URL + "?other")])
    redirected = request.replace(url=URL)  # RedirectMiddleware copies the meta of the URL before
    build_from_crawler(ConditionalGetMiddleware, archived).process_request(redirected)
    assert redirected.headers["If-None-Match"] == b'"abc"'


def test_a_callback_that_raises_still_yields_its_requests_then_the_error(archived: Any) -> None:
    middleware = build_from_crawler(PrefetchValidators, archived)
    seen: list[Any] = []

    async def drain() -> None:
        output = callback_output([Request(URL)], ValueError("a broken page"))
        async for element in middleware.process_spider_output(answer(200), output):
            seen.append(element)

    with pytest.raises(ValueError, match="a broken page"):
        run(drain())
    assert [request.url for request in seen] == [URL]


def test_conditional_get_can_be_switched_off() -> None:
    for component in (ConditionalGetMiddleware, PrefetchValidators):
        with pytest.raises(NotConfigured):
            build_from_crawler(component, crawler_with({"NIANBAO_CONDITIONAL_GET": False}))


@pytest.mark.parametrize("status", [200, 304])
def test_a_fast_answer_lowers_the_throttle_delay_even_when_it_is_a_304(status: int) -> None:
    # Stock AutoThrottle kept the delay a slow page had raised for every 304 after it, so a
    # recrawl of an unchanged portal ran at the pace of its slowest page.
    crawler = engine_for(crawler_with({"AUTOTHROTTLE_ENABLED": True, "DOWNLOAD_DELAY": 0}))
    throttle = ConditionalAutoThrottle(crawler)
    throttle._spider_opened(crawler.spider)
    slot = Slot(2, 1.0, 0)
    throttle._adjust_delay(slot, 0.01, Response(URL, status=status))
    assert slot.delay < 0.6


# -- offsite ------------------------------------------------------------------------------


def test_a_request_to_another_port_of_the_portals_host_is_offsite(tmp_path: Any) -> None:
    from crawler.middlewares import OffsiteRequest, PortalOffsiteMiddleware
    from crawler.spiders.portal import PortalSpider

    registry = tmp_path / "portals.yaml"
    registry.write_text(
        "portals:\n- id: erqi\n  name: 二七区\n  region: {province: 河南省, city: 郑州市, district: 二七区}\n"
        "  start_urls: ['http://127.0.0.1:8001/']\n  allowed_domains: [127.0.0.1]\n",
        encoding="utf-8",
    )
    crawler = engine_for(crawler_with({"NIANBAO_PORTALS": str(registry)}, PortalSpider))
    middleware = build_from_crawler(PortalOffsiteMiddleware, crawler)
    middleware.spider_opened(crawler.spider)
    meta = {"nianbao_portal": "erqi"}
    assert middleware.process_request(Request("http://127.0.0.1:8001/a.pdf", meta=meta)) is None
    with pytest.raises(OffsiteRequest, match=r"127\.0\.0\.1:22"):
        middleware.process_request(Request("http://127.0.0.1:22/", meta=meta))
    assert middleware.process_request(Request("http://127.0.0.1:9/robots.txt")) is None  # Scrapy's own requests


# -- over-long URLs -----------------------------------------------------------------------


def project_crawler() -> Crawler:
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("crawler.settings")
    return get_crawler(settings_dict=settings.copy_to_dict())


def test_no_spider_middleware_drops_a_link_for_its_length() -> None:
    from scrapy.core.spidermw import SpiderMiddlewareManager
    from scrapy.spidermiddlewares.urllength import UrlLengthMiddleware

    manager = SpiderMiddlewareManager.from_crawler(project_crawler())
    assert not any(isinstance(middleware, UrlLengthMiddleware) for middleware in manager.middlewares)


def test_an_over_long_url_ends_at_the_downloader_as_a_fault_url_too_long() -> None:
    from twisted.python.failure import Failure

    from crawler.middlewares import UrlLengthLimit, UrlTooLong
    from crawler.spiders.faults import describe

    middleware = build_from_crawler(UrlLengthLimit, project_crawler())
    search = "http://127.0.0.1:8001/search?q=" + "年报" * 200  # 3,600 characters once percent-encoded
    assert middleware.process_request(Request(search)) is None  # a long query is a real request
    trap = "http://127.0.0.1:8001/list?" + "&session=abcdef" * 600
    with pytest.raises(UrlTooLong) as raised:
        middleware.process_request(Request(trap))
    assert describe(Failure(raised.value)).reason == "url_too_long"


# -- redirect loops -----------------------------------------------------------------------


@pytest.mark.parametrize("chain", [["/a"], ["/a", "/b"], ["/a", "/b", "/c"]])
def test_a_redirect_back_into_its_own_chain_is_a_fault_redirect_loop(chain: list[str]) -> None:
    """Scrapy's RedirectMiddleware would schedule it, and the duplicate filter drop it unseen."""
    from twisted.python.failure import Failure

    from crawler.middlewares import LoopRedirectMiddleware, RedirectLoop
    from crawler.spiders.faults import describe

    crawler = project_crawler()
    crawler.spider = Spider(name="portal")
    middleware = build_from_crawler(LoopRedirectMiddleware, crawler)
    base = "http://127.0.0.1:8001"
    request = Request(base + chain[0])
    for here, there in zip(chain, [*chain[1:], chain[0]], strict=True):
        assert request.url == base + here
        moved = HtmlResponse(request.url, status=302, headers={"Location": there}, request=request)
        if there == chain[0]:
            with pytest.raises(RedirectLoop) as raised:
                middleware.process_response(request, moved)
            assert describe(Failure(raised.value)).reason == "redirect_loop"
        else:
            request = middleware.process_response(request, moved)


def test_a_redirect_onwards_is_followed() -> None:
    from crawler.middlewares import LoopRedirectMiddleware

    crawler = project_crawler()
    crawler.spider = Spider(name="portal")
    first = Request("http://127.0.0.1:8001/a")
    moved = HtmlResponse(first.url, status=301, headers={"Location": "/b"}, request=first)
    followed = build_from_crawler(LoopRedirectMiddleware, crawler).process_response(first, moved)
    assert followed.url == "http://127.0.0.1:8001/b" and followed.meta["redirect_urls"] == [first.url]


# -- download slots -----------------------------------------------------------------------


def test_a_redirect_to_another_host_is_held_to_that_hosts_slot() -> None:
    from scrapy.downloadermiddlewares.redirect import RedirectMiddleware

    from crawler.slots import HostSlotMiddleware

    crawler = project_crawler()
    crawler.spider = Spider(name="portal")
    first = Request("http://127.0.0.1:8001/nb/1.html", meta={"download_slot": "127.0.0.1:8001"})
    moved = HtmlResponse(
        first.url, status=302, headers={"Location": "http://127.0.0.2:8002/files/1.pdf"}, request=first
    )
    redirected = build_from_crawler(RedirectMiddleware, crawler).process_response(first, moved)
    assert redirected.meta["download_slot"] == "127.0.0.1:8001"  # Scrapy keeps the slot of the request it replaces
    HostSlotMiddleware().process_request(redirected)
    assert redirected.meta["download_slot"] == "127.0.0.2:8002"


def test_scrapy_s_own_requests_get_the_host_and_port_slot_and_a_page_to_render_keeps_its_own() -> None:
    from crawler.slots import HostSlotMiddleware

    robots = Request("http://127.0.0.1:8001/robots.txt", meta={"dont_obey_robotstxt": True})
    HostSlotMiddleware().process_request(robots)
    assert robots.meta["download_slot"] == "127.0.0.1:8001"
    render = Request("http://127.0.0.1:8001/nb/", meta={"playwright": True, "download_slot": "127.0.0.1:8001 browser"})
    HostSlotMiddleware().process_request(render)
    assert render.meta["download_slot"] == "127.0.0.1:8001 browser"


def test_the_host_slot_middleware_is_first_among_nianbaos_downloader_middlewares() -> None:
    from scrapy.core.downloader.middleware import DownloaderMiddlewareManager

    from crawler.slots import HostSlotMiddleware

    manager = DownloaderMiddlewareManager.from_crawler(project_crawler())
    assert isinstance(manager.middlewares[0], HostSlotMiddleware)
