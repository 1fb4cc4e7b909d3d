"""scrapy-playwright's download handler, its Playwright started by the first page to render.

The stock handler starts the Playwright driver (a Node process) when the engine starts,
in every crawl; most crawls render nothing, so this one starts it on the first request
with ``playwright`` in its meta. Requests without it go to Scrapy's HTTP handler as
before. Named in DOWNLOAD_HANDLERS by ``crawler.browser.BrowserAddon``; loaded only then,
so a crawl with rendering off never imports Playwright.
"""

from __future__ import annotations

import asyncio
from typing import Any

from scrapy.crawler import Crawler
from scrapy.http import Request, Response
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler


class LazyPlaywrightHandler(ScrapyPlaywrightDownloadHandler):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self._started = asyncio.Lock()

    async def _maybe_launch_in_thread(self) -> None:
        """The engine has started: nothing to do until a page is to be rendered."""

    async def _download_request(self, request: Request, spider: Any = None) -> Response:
        async with self._started:
            if getattr(self, "browser_provider", None) is None:
                await self._launch()
        return await super()._download_request(request, spider)
