"""``check``: fetch each start URL of the registry's portals once and say what came of it.

Run by ``nianbao portals check`` through crawler.check.check_portals, which names the
outcomes. The crawl's politeness stays (robots.txt, User-Agent, DOWNLOAD_DELAY,
Crawl-delay, block-page detection); what a check has no use for is switched off here:
the archive, retries, conditional GET, the browser, the frontier's components. One request per host
at a time. Settings: NIANBAO_PORTALS, NIANBAO_PORTAL_IDS.

    scrapy crawl check -s NIANBAO_PORTALS=my-portals.yaml
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any, ClassVar

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Request, Response
from scrapy.settings import BaseSettings
from twisted.python.failure import Failure

from crawler import config
from crawler.check import PortalCheck
from crawler.middlewares import BlockedPage
from crawler.portals import BUNDLED_REGISTRY, Portal, load_registry, select
from crawler.robots import RobotsUnreachable
from crawler.slots import DOWNLOAD_SLOT, host_slot
from crawler.spiders import faults


class CheckSpider(scrapy.Spider):
    name = "check"
    # Merged into the project's settings (update_settings below), not in their place.
    switched_off: ClassVar[dict[str, dict[str, None]]] = {
        "EXTENSIONS": {
            "crawler.extensions.ConditionalAutoThrottle": None,  # one request per host: nothing to adapt
            "crawler.extensions.ArchiveExtension": None,
            "crawler.extensions.CrawlProgress": None,  # crawler.check reports each portal as it ends
            "crawler.frontier.FrontierIdle": None,
        },
        "DOWNLOADER_MIDDLEWARES": {
            "crawler.middlewares.PortalOffsiteMiddleware": None,  # a redirect off the portal is a finding
            "crawler.middlewares.BackoffRetryMiddleware": None,
            "crawler.middlewares.ConditionalGetMiddleware": None,
            "crawler.hostslots.SharedHostSlots": None,
            "crawler.browser.BrowserMiddleware": None,
        },
        "SPIDER_MIDDLEWARES": {"crawler.frontier.LeaseKeeper": None},
    }
    custom_settings: ClassVar[dict[str, Any]] = {
        "ITEM_PIPELINES": {},
        "RETRY_ENABLED": False,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
        "HTTPERROR_ALLOW_ALL": True,  # an error status is an outcome, read in parse_start
        "NIANBAO_RENDER": "off",
    }

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        for name, components in cls.switched_off.items():
            settings.set(name, {**settings.getdict(name), **components}, priority="spider")

    def __init__(self, portals: tuple[Portal, ...], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.portals = {portal.id: portal for portal in portals}
        self.start_order = [(portal.id, url) for portal in portals for url in portal.start_urls]

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> CheckSpider:
        settings = crawler.settings
        registry = load_registry(config.get(settings, "NIANBAO_PORTALS") or BUNDLED_REGISTRY)
        spider = cls(select(registry, config.get_list(settings, "NIANBAO_PORTAL_IDS")))
        spider._set_crawler(crawler)
        return spider

    async def start(self) -> AsyncIterator[Request]:
        for portal_id, url in self.start_order:
            # One download slot per host:port, as the portal spider has (its politeness
            # components key on it); dont_filter: two portals may share a start URL.
            meta = {"nianbao_portal": portal_id, "nianbao_start": url, DOWNLOAD_SLOT: host_slot(url)}
            yield Request(url, callback=self.parse_start, errback=self.on_fault, meta=meta, dont_filter=True)

    def parse_start(self, response: Response) -> Iterator[PortalCheck]:
        """The answer a start URL ended with, after any redirects."""
        portal_id, url = response.meta["nianbao_portal"], response.meta["nianbao_start"]
        found = {"status": response.status, "final_url": response.url}
        if not 200 <= response.status < 300:
            yield PortalCheck(portal_id, url, "fails", **found, detail=f"HTTP {response.status}")
        elif not self.portals[portal_id].allows(response.url):
            yield PortalCheck(portal_id, url, "redirects", **found, detail="outside allowed_domains")
        else:
            yield PortalCheck(portal_id, url, "answers", **found)

    def on_fault(self, failure: Failure) -> Iterator[PortalCheck]:
        """No answer to read: a block page, robots.txt, or a request that failed."""
        meta = failure.request.meta
        portal_id, url = meta["nianbao_portal"], meta["nianbao_start"]
        error = failure.value
        if isinstance(error, RobotsUnreachable) and error.cause is not None:
            failure = Failure(error.cause)  # its host did not answer: say why, as for the page itself
        fault = faults.describe(failure)
        if isinstance(error, BlockedPage):
            yield PortalCheck(portal_id, url, "blocked", fault.status, error.url, fault.detail)
        elif fault.reason == "robots" and not isinstance(error, RobotsUnreachable):
            yield PortalCheck(portal_id, url, "disallowed", detail="robots.txt forbids it")
        else:
            yield PortalCheck(portal_id, url, "fails", fault.status, detail=one_line(f"{fault.reason}: {fault.detail}"))


def one_line(text: str) -> str:
    return " ".join(text.split())
