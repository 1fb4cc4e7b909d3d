"""Helpers of the crawler tests: pages as Scrapy responses, a crawler with nianbao's settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.responsetypes import responsetypes
from scrapy.utils.test import get_crawler

from crawler.portals import Portal, parse_registry

PORTAL = {
    "id": "erqi",
    "name": "郑州市二七区人民政府",
    "region": {"province": "河南省", "city": "郑州市", "district": "二七区"},
    "start_urls": ["http://www.zz27q.gov.cn/"],
    "allowed_domains": ["zz27q.gov.cn"],
}


def portal(**changes: Any) -> Portal:
    return parse_registry({"portals": [PORTAL | changes]})[0]


def page(
    url: str,
    body: str | bytes,
    *,
    meta: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    status: int = 200,
    flags: list[str] | None = None,
    request_body: bytes = b"",
    **request_fields: Any,
) -> Response:
    """A response as the downloader hands it over, HTML unless the headers say otherwise."""
    data = body.encode("utf-8") if isinstance(body, str) else body
    headers = headers or {"Content-Type": "text/html; charset=utf-8"}
    request = Request(url, meta={"nianbao_portal": "erqi", **(meta or {})}, body=request_body, **request_fields)
    cls = responsetypes.from_args(headers=headers, url=url, body=data)
    return cls(url=url, body=data, headers=headers, request=request, status=status, flags=flags)


def crawler_with(settings: dict[str, Any] | None = None, spidercls: Any = None) -> Crawler:
    return get_crawler(spidercls, settings_dict=settings or {})


_REACTOR_LOOP: list[Any] = []  # the asyncio loop the reactor was installed on


@pytest.fixture
def asyncio_reactor() -> None:
    """Scrapy's default reactor, installed (not run) so components can schedule and await.

    Its loop is made the current one again for every test: an ``asyncio.run`` in another
    test (robots, the spider's start) leaves the thread with no current loop at its end.
    """
    import asyncio

    from scrapy.utils.reactor import install_reactor, is_reactor_installed

    if not is_reactor_installed():
        install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")
    if not _REACTOR_LOOP:
        _REACTOR_LOOP.append(asyncio.get_event_loop())
    asyncio.set_event_loop(_REACTOR_LOOP[0])


def run(awaitable: Any) -> Any:
    """Run a component's coroutine on the reactor's asyncio loop until it is done."""
    import asyncio

    return asyncio.get_event_loop().run_until_complete(awaitable)


def engine_for(crawler: Crawler) -> Crawler:
    """Give a test crawler its spider and engine, as a crawl does before the first request."""
    from scrapy.core.engine import ExecutionEngine

    crawler.spider = crawler.spidercls.from_crawler(crawler)
    crawler.engine = ExecutionEngine(crawler, lambda _: None)
    return crawler


@pytest.fixture
def tmp_archive(tmp_path: Path) -> dict[str, str]:
    return {"NIANBAO_DB_URL": f"sqlite:///{tmp_path / 'archive.sqlite'}", "NIANBAO_ARCHIVE_DIR": str(tmp_path / "raw")}
