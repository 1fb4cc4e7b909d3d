"""A list only a browser can read: the ``packed`` portal crawled with and without Chromium.

The world is served with its browser-only portals (``WorldServer(browser=True)``). One
crawl with rendering on covers the packed portal and two that need no browser (the
集约化 shell and the static site); one crawl of the packed portal with rendering off shows
what reading alone finds. Skipped with a message when Chromium is absent, except under CI.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from crawler import config
from fixtures.world.families.packed import HUGE
from fixtures.world.server import WorldServer
from storage.models import CrawlRunRow
from tests.conftest import skip_or_fail
from tests.crawling import SCRAPY, Crawl, run_crawl

pytestmark = pytest.mark.slow

PACKED = "packed-xiangcheng"
UNRENDERED = ("jiyue-panyu", "static-chuanshan")  # a script shell and a plain site: read, never rendered
CHROMIUM = config.TABLE["NIANBAO_CHROMIUM"].default


@pytest.fixture(scope="module")
def browser_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorldServer]:
    if not os.access(CHROMIUM, os.X_OK):
        skip_or_fail(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    registry = tmp_path_factory.mktemp("browser-world") / "portals.yaml"
    with WorldServer(scale=1, seed=0, registry=registry, browser=True) as server:
        yield server


@pytest.fixture(scope="module")
def truth(browser_world: WorldServer) -> dict[str, Any]:
    return browser_world.truth()


@pytest.fixture(scope="module")
def rendered(browser_world: WorldServer, tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    settings = {"NIANBAO_PORTAL_IDS": ",".join((PACKED, *UNRENDERED)), "LOG_LEVEL": "INFO"}
    return run_crawl(SCRAPY, browser_world, tmp_path_factory.mktemp("rendered"), settings)


@pytest.fixture(scope="module")
def unrendered(read_only: Crawl, browser_world: WorldServer, tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    settings = {"NIANBAO_PORTAL_IDS": ",".join(UNRENDERED), "LOG_LEVEL": "INFO"}
    return run_crawl(SCRAPY, browser_world, tmp_path_factory.mktemp("unrendered"), settings)


@pytest.fixture(scope="module")
def read_only(rendered: Crawl, browser_world: WorldServer, tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    settings = {"NIANBAO_PORTAL_IDS": PACKED, "NIANBAO_RENDER": "off", "LOG_LEVEL": "WARNING"}
    return run_crawl(SCRAPY, browser_world, tmp_path_factory.mktemp("read-only"), settings)


def reports_of(truth: dict[str, Any], portal: str) -> list[dict[str, Any]]:
    return [report for report in truth["reports"] if report["portal"] == portal and report["parsed"]]


def by_browser(entry: dict[str, Any]) -> bool:
    """A request Chromium made (through Scrapy, so with nianbao's User-Agent)."""
    return "sec-ch-ua" in entry["headers"]


def test_the_browser_finds_every_report_of_the_packed_portal(rendered: Crawl, truth: dict[str, Any]) -> None:
    expected = reports_of(truth, PACKED)
    assert len(expected) == 18
    assert [r["id"] for r in expected if r["content_url"] not in rendered.sources()] == []


def test_reading_alone_finds_none_of_them_and_says_so(read_only: Crawl, truth: dict[str, Any]) -> None:
    assert {r["content_url"] for r in reports_of(truth, PACKED)}.isdisjoint(read_only.sources())
    assert not [entry for entry in read_only.log if by_browser(entry)]


def test_no_noise_of_the_rendered_list_is_archived(rendered: Crawl, truth: dict[str, Any]) -> None:
    noise = {n["url"] for n in truth["noise"] if n["portal"] == PACKED}
    assert noise.isdisjoint(rendered.sources())


def test_only_the_page_that_needs_it_is_rendered(rendered: Crawl) -> None:
    browsed = [entry for entry in rendered.log if by_browser(entry)]
    assert {entry["portal"] for entry in browsed} == {PACKED}
    apis = {entry["path"].split("?")[0] for entry in browsed if entry["path"].startswith("/api/")}
    assert apis == {"/api/q7x/list", "/api/q7x/more", "/api/q7x/again", "/api/q7x/ping"}  # each list's script ran


def test_the_time_the_rendered_pages_took_is_kept_with_the_run(rendered: Crawl) -> None:
    with rendered.archive() as archive, archive.engine.connect() as connection:
        (stats,) = connection.execute(select(CrawlRunRow.stats)).scalars()
    assert stats["nianbao/render/pages"] >= 3 and stats["nianbao/render/seconds"] > 0


def test_a_rendered_page_is_fetched_once_the_browser_given_what_the_spider_read(rendered: Crawl) -> None:
    lists = ["/xxgk/nb/index.html", "/xxgk/ndbg/index.html", "/xxgk/nianbao/index.html"]
    asked = sorted(entry["path"] for entry in rendered.log if entry["path"] in lists)
    assert asked == lists


def test_playwright_starts_with_the_first_page_to_render_not_with_the_crawl(rendered: Crawl, unrendered: Crawl) -> None:
    started = "Starting download handler"  # scrapy-playwright's line when its Playwright starts
    assert started in rendered.errors
    assert started not in unrendered.errors and "Launching browser" not in unrendered.errors
    assert "Traceback" not in rendered.errors + unrendered.errors


def test_the_browser_presses_next_page_until_the_last(rendered: Crawl) -> None:
    pages = sorted(entry["path"] for entry in rendered.log if entry["path"].startswith("/api/q7x/list"))
    assert pages == [f"/api/q7x/list?p={page}" for page in (1, 2, 3, 4)]  # 18 entries + 2 noise, 5 a page


def test_the_browser_presses_load_more_until_it_is_gone(rendered: Crawl) -> None:
    asked = [entry["path"] for entry in rendered.log if entry["path"].startswith("/api/q7x/more?offset=")]
    assert sorted(int(path.rsplit("=", 1)[1]) for path in asked) == [0, 5, 10, 15]  # 20 entries, 5 a press


def test_a_list_that_never_settles_is_bounded_recorded_and_the_crawl_goes_on(
    rendered: Crawl, truth: dict[str, Any]
) -> None:
    endless = [c for c in rendered.captures() if c.url.endswith("/xxgk/nianbao/index.html") and c.fault]
    # which bound stops it first depends on timing: its polling, or its repeating 加载更多
    assert len(endless) == 1 and endless[0].fault in {"render_unsettled", "render_repeats"}
    pings = [entry for entry in rendered.log if entry["path"] == "/api/q7x/ping"]
    assert 0 < len(pings) <= 100  # polled every 500 ms; at most MAX_REQUESTS of a page go out
    assert {r["portal"] for r in truth["reports"] if r["content_url"] in rendered.sources()} == {PACKED, *UNRENDERED}


@pytest.mark.parametrize("crawled", ["rendered", "read_only"])
def test_a_50_mb_script_is_never_read_whole_recorded_and_the_crawl_goes_on(
    crawled: str, request: pytest.FixtureRequest, truth: dict[str, Any]
) -> None:
    """The browser's request for it and the reader's alike: cancelled at their limit, a fault row."""
    crawl: Crawl = request.getfixturevalue(crawled)
    huge = [c for c in crawl.captures() if c.url.endswith(HUGE)]
    assert [c.fault for c in huge] == ["too_large"]
    if crawled == "rendered":
        assert {r["content_url"] for r in reports_of(truth, PACKED)} <= crawl.sources()


def test_a_robots_disallowed_url_the_script_asks_for_is_never_fetched(rendered: Crawl) -> None:
    assert [entry for entry in rendered.log if entry["path"].startswith("/stats/")] == []
    refused = [c for c in rendered.captures() if c.fault == "robots" and "/stats/visit" in c.url]
    assert len(refused) == 4  # one per page view, each a fault row


def test_the_browsers_requests_obey_the_hosts_robots_and_identify_the_crawler(rendered: Crawl) -> None:
    browsed = [entry for entry in rendered.log if by_browser(entry)]
    assert browsed
    agents = [(entry["path"], entry["headers"].get("user-agent", "")) for entry in browsed]
    assert [(path, agent) for path, agent in agents if not agent.startswith("nianbao/")] == []


def test_the_warc_holds_each_xhr_request_and_response_as_browsertrix_writes_them(rendered: Crawl) -> None:
    from warcio.archiveiterator import ArchiveIterator

    records = []
    for path in sorted((rendered.archive_dir / "warc").glob("*.warc.gz")):
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream, check_digests=True):
                headers = record.rec_headers
                if headers.get_header("WARC-Resource-Type") == "xhr" and "/list?p=" in headers.get_header(
                    "WARC-Target-URI"
                ):
                    body = record.content_stream().read()
                    records.append((record.rec_type, headers.get_header("WARC-Target-URI"), body))
                    assert headers.get_header("WARC-Page-ID")
    # a revisit when the load-more list got the same bytes first: replay resolves it to those
    answered = {uri for kind, uri, body in records if kind == "revisit" or (kind == "response" and b'"d"' in body)}
    asked = {uri for kind, uri, _ in records if kind == "request"}
    assert len(answered) == 4 and answered == asked
