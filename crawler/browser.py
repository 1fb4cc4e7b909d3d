"""Headless Chromium for the list pages that reading cannot solve, through Scrapy's engine.

Rendering is the exception: the spider asks for it only for a list page that looks
script-driven (``crawler.roles.script_driven_reason``) or whose portal says ``render:
true``. Such a request carries ``playwright: True`` and goes to scrapy-playwright's
download handler, which starts Playwright and Chromium on its first page only (Debian's
``/usr/bin/chromium``, never a downloaded browser). Every request the page then makes (its document, scripts, XHR and
fetch calls) is taken off the browser by a route and sent through ``engine.download_async``:
the same downloader middlewares (robots.txt, retries, block pages), the same per-host
download slot (concurrency, delay, Crawl-delay) as every other request of the crawl. A
request robots.txt disallows is aborted in the browser and never leaves the machine.
Each exchange is written to the WARC on its way through (``crawler.warcrecords``) as
Browsertrix writes them (request and response records, ``WARC-Page-ID`` and
``WARC-Resource-Type``), so the archive replays; it is kept on the render request and
handed to the pipeline by the spider as a ``BrowserResource``. The page itself is not
asked for again: the browser is given the answer the spider read (and captured) already.

The render request holds a download slot of its own (``<host> browser``), not the host's:
the page's requests wait for the host's slot while the page is open, so sharing it could
deadlock. Settings: NIANBAO_RENDER, NIANBAO_CHROMIUM, NIANBAO_RENDER_TIMEOUT.

    scrapy crawl portal -s NIANBAO_RENDER=off      # never start a browser
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
import uuid
from collections.abc import Awaitable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Headers, Request, Response
from scrapy.settings import BaseSettings
from twisted.python.failure import Failure

from crawler import config
from crawler.middlewares import ConditionalGetMiddleware
from crawler.pagewalk import SETTLE_LONGEST, SETTLE_POLL, TIMERS
from crawler.slots import DOWNLOAD_SLOT, host_slot
from crawler.spiders import faults
from crawler.warcrecords import WARC_HEADERS

if TYPE_CHECKING:
    from playwright.async_api import Page, Route
    from playwright.async_api import Request as BrowserRequest
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

HANDLER = "crawler.browser_handler.LazyPlaywrightHandler"
EXCHANGES = "nianbao_browser_exchanges"  # render request meta: what the page asked and got
DOCUMENT = "nianbao_browser_document"  # render request meta: the page as the spider read it (plain data)
# Headers the browser computes for its own connection; Scrapy's downloader sets its own.
_HOP_HEADERS = {"host", "content-length", "connection", "accept-encoding", "user-agent"}
_ANSWER_DROPPED = {"content-encoding", "content-length", "transfer-encoding"}  # body is decoded
MAX_REQUESTS = 100  # requests one rendered page may make; later ones are refused
MAX_SCRIPT = 16 * 1024 * 1024  # bytes of one script a rendered page may load; a larger one is refused, a fault


def render_mode(settings: BaseSettings) -> str:
    """'auto' or 'off': 'off' also when the configured Chromium is not there."""
    mode = str(config.get(settings, "NIANBAO_RENDER")).lower()
    if mode not in {"auto", "off"}:
        raise ValueError(f"NIANBAO_RENDER must be auto or off, not {mode!r}")
    if mode == "auto" and not os.access(config.get(settings, "NIANBAO_CHROMIUM"), os.X_OK):
        return "off"
    return mode


class BrowserAddon:
    """Add-on: route http(s) through scrapy-playwright's handler when rendering is on.

    The handler (``crawler.browser_handler``) passes every request without ``playwright``
    in its meta to Scrapy's own HTTP handler, and starts Playwright and Chromium only when
    the first page is to be rendered.
    """

    def update_settings(self, settings: BaseSettings) -> None:
        if str(config.get(settings, "NIANBAO_RENDER")).lower() == "auto" and render_mode(settings) == "off":
            logger.warning(
                "no Chromium at %s: list pages that need a browser are not rendered "
                "(install Debian's chromium, or set NIANBAO_CHROMIUM)",
                config.get(settings, "NIANBAO_CHROMIUM"),
            )
        if render_mode(settings) == "off":
            return
        timeout_ms = config.get_float(settings, "NIANBAO_RENDER_TIMEOUT") * 1000
        settings.set("DOWNLOAD_HANDLERS", {"http": HANDLER, "https": HANDLER}, priority="addon")
        settings.set("PLAYWRIGHT_BROWSER_TYPE", "chromium", priority="addon")
        launch = {"executable_path": config.get(settings, "NIANBAO_CHROMIUM"), "headless": True}
        settings.set("PLAYWRIGHT_LAUNCH_OPTIONS", launch, priority="addon")
        settings.set("PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT", timeout_ms, priority="addon")
        settings.set("PLAYWRIGHT_MAX_CONTEXTS", 1, priority="addon")
        settings.set("PLAYWRIGHT_MAX_PAGES_PER_CONTEXT", 2, priority="addon")  # a page costs ~50 MB


def render_request(request: Request, read: Response) -> Request:
    """A page's request, to be rendered: a browser page that the callback then drives.

    ``read`` is the page as the spider read it: the browser is given it (``DOCUMENT``)
    rather than asking the host for the page a second time, unless it was a 304.
    """
    meta = request.meta | {
        "playwright": True,
        "playwright_include_page": True,
        # "load", not "networkidle": a page that polls forever would never get there;
        # crawler.pagewalk waits for the page's requests itself, bounded
        "playwright_page_goto_kwargs": {"wait_until": "load"},
        DOWNLOAD_SLOT: host_slot(request.url) + " browser",
        ConditionalGetMiddleware.VALIDATED: None,  # a browser needs the page, not a 304
    }
    if read.status == 200 and "not_modified" not in read.flags and read.body:
        meta[DOCUMENT] = {"url": read.url, "headers": answer_headers(read), "body": read.body}
    return request.replace(meta=meta, dont_filter=True)


@dataclass(slots=True)
class Exchange:
    """One request of a rendered page, as sent through Scrapy, and its answer or fault."""

    request: Request
    resource_type: str  # as the browser names it: document, script, xhr, fetch ...
    base: str  # the URL of the frame that asked: where the links its script draws lead from
    response: Response | None = None
    fault: faults.FaultInfo | None = None
    fetched_at: float = field(default_factory=time.time)


@dataclass(slots=True)
class Recording:
    """What one rendered page asked for; ``page_id`` names them together in the WARC."""

    page_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    exchanges: list[Exchange] = field(default_factory=list)
    in_flight: int = 0
    closed: bool = False  # the page is closed: answers to it go nowhere

    async def close(self, page: Page) -> None:
        """Stop the page's scripts, wait (bounded) for what it left with Scrapy, close it.

        Chromium lets a request that is held by a route go out by itself when the page
        closes under it; leaving the list for about:blank first cancels them instead.
        """
        from playwright.async_api import Error as PlaywrightError

        self.closed = True  # what the page still asks for from now on is refused
        try:
            await page.goto("about:blank")
        except PlaywrightError as error:  # a crashed page: closing it is all that is left
            logger.warning("could not leave %s before closing it: %s", page.url, error)
        give_up = time.monotonic() + SETTLE_LONGEST
        while self.in_flight and time.monotonic() < give_up:
            await asyncio.sleep(SETTLE_POLL)
        await page.close()

    def finished(self) -> list[Exchange]:
        """The exchanges that ended, with an answer or a fault."""
        return [exchange for exchange in self.exchanges if exchange.response is not None or exchange.fault]


class BrowserMiddleware:
    """Downloader middleware: gives each render request the route that sends its page's
    requests through the engine, and a ``Recording`` of them in ``meta[EXCHANGES]``."""

    def __init__(self, crawler: Crawler) -> None:
        if render_mode(crawler.settings) == "off":
            raise NotConfigured("rendering is off (NIANBAO_RENDER, NIANBAO_CHROMIUM)")
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BrowserMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        if request.meta.get("playwright") and EXCHANGES not in request.meta:
            request.meta[EXCHANGES] = Recording()
            request.meta["playwright_page_init_callback"] = self.init_page
            self.crawler.stats.inc_value("nianbao/render/pages")

    async def init_page(self, page: Page, request: Request) -> None:
        # scrapy-playwright adds its own route before calling this; it lets a request go
        # out from the browser itself (route.continue_), so it goes, and a route that
        # refuses everything takes its place under ours: whatever ours does not answer
        # is refused, never sent past Scrapy. Routes registered last are asked first.
        await page.add_init_script(TIMERS)
        await page.unroute("**")
        await page.route("**/*", _refuse)
        await page.route("**/*", partial(self._through_scrapy, request.meta[EXCHANGES], request))

    async def _through_scrapy(
        self, recording: Recording, page_request: Request, route: Route, asked: BrowserRequest
    ) -> None:
        stats = self.crawler.stats
        if recording.closed or len(recording.exchanges) >= MAX_REQUESTS:
            stats.inc_value(f"nianbao/render/refused/{'closing' if recording.closed else 'too_many_requests'}")
            await _reply(route.abort("blockedbyclient"), recording)
            return
        document = page_request.meta.get(DOCUMENT)
        if document and not recording.exchanges and _is_page(asked, document["url"]):
            # the page itself, as the spider read it (captured then): not asked of the host again
            stats.inc_value("nianbao/render/page_reused")
            await _reply(route.fulfill(status=200, headers=document["headers"], body=document["body"]), recording)
            return
        base = asked.frame.url if asked.frame.url.startswith(("http:", "https:")) else page_request.url
        exchange = Exchange(scrapy_request(asked, page_request), asked.resource_type, base)
        recording.exchanges.append(exchange)
        recording.in_flight += 1
        try:
            exchange.response = await self.crawler.engine.download_async(exchange.request)
        except IgnoreRequest as error:  # robots.txt, a block page: never let the browser past it
            exchange.fault = faults.describe(Failure(error))
            stats.inc_value(f"nianbao/render/refused/{exchange.fault.reason}")
            await _reply(route.abort("blockedbyclient"), recording)
            return
        except Exception as error:  # any download error: the page sees a failed request, the fault is kept
            exchange.fault = faults.describe(Failure(error))
            stats.inc_value(f"nianbao/render/fault/{exchange.fault.reason}")
            await _reply(route.abort("failed"), recording)
            return
        finally:
            recording.in_flight -= 1
        stats.inc_value("nianbao/render/requests")
        answer = exchange.response
        await _reply(route.fulfill(status=answer.status, headers=answer_headers(answer), body=answer.body), recording)


def _is_page(asked: BrowserRequest, url: str) -> bool:
    """Is this the browser's navigation to the page itself (its main frame, its URL)?"""
    main = asked.frame.parent_frame is None
    return asked.is_navigation_request() and main and asked.url.split("#", 1)[0] == url.split("#", 1)[0]


async def _refuse(route: Route) -> None:
    await route.abort("blockedbyclient")


async def _reply(answer: Awaitable[None], recording: Recording) -> None:
    """Answer the browser, unless the page was closed while Scrapy fetched (it is kept all the same)."""
    from playwright.async_api import Error as PlaywrightError

    try:
        await answer
    except PlaywrightError:
        if not recording.closed:
            raise


def scrapy_request(asked: BrowserRequest, page_request: Request) -> Request:
    """The browser's request as a Scrapy request on its host's slot, redirects left to the browser."""
    headers = {name: value for name, value in asked.headers.items() if name.lower() not in _HOP_HEADERS}
    meta = {
        DOWNLOAD_SLOT: host_slot(asked.url),
        "dont_redirect": True,  # the browser follows them itself, each hop through here
        "handle_httpstatus_all": True,
        "nianbao_portal": page_request.meta.get("nianbao_portal"),
        ConditionalGetMiddleware.VALIDATED: None,
        WARC_HEADERS: {"WARC-Page-ID": page_request.meta[EXCHANGES].page_id, "WARC-Resource-Type": asked.resource_type},
    }
    if asked.resource_type == "script":
        meta["download_maxsize"] = MAX_SCRIPT
    return Request(
        asked.url, method=asked.method, headers=headers, body=asked.post_data_buffer, meta=meta, dont_filter=True
    )


def answer_headers(response: Response) -> dict[str, str]:
    headers: Headers = response.headers
    return {
        name.decode("latin-1"): b", ".join(values).decode("latin-1")
        for name, values in headers.items()
        if name.decode("latin-1").lower() not in _ANSWER_DROPPED
    }


def recording_of(response: Response) -> Recording | None:
    return response.meta.get(EXCHANGES)


def page_of(response: Response) -> Any:
    return response.meta.get("playwright_page")
