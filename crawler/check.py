"""Checking a registry's portals: each start URL fetched once, politely, and what came of it.

``check_portals`` runs the ``check`` spider (crawler.spiders.check) in this process with
the crawl's politeness (robots.txt as crawler.robots reads it, the User-Agent from
``NIANBAO_CONTACT_URL``, ``DOWNLOAD_DELAY`` and Crawl-delay per host) but one request per
host at a time, no retries and nothing stored. Each start URL ends in one outcome:

- ``answers``: a 2xx answer, after any redirects that stayed inside the portal;
- ``redirects``: the redirects led outside the portal's allowed domains (the portal moved);
- ``blocked``: a block page (crawler.middlewares.block_kind);
- ``disallowed``: robots.txt forbids it, so it was not fetched;
- ``fails``: no answer (DNS, refused, timeout, ...) or an HTTP error status.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, Literal

Outcome = Literal["answers", "redirects", "blocked", "disallowed", "fails"]


@dataclass(frozen=True, slots=True)
class PortalCheck:
    portal_id: str
    url: str
    outcome: Outcome
    status: int | None = None
    final_url: str | None = None
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def line(self) -> str:
        """One line: the portal, its outcome, and the status, where it ended or why."""
        status = f" {self.status}" if self.status is not None else ""
        where = f" {self.final_url}" if self.final_url and self.final_url != self.url else ""
        why = f" ({self.detail})" if self.detail else ""
        return f"{self.portal_id} {self.url}: {self.outcome}{status}{where}{why}"


def check_portals(settings: Any, seen: Callable[[PortalCheck], None]) -> list[PortalCheck]:
    """Check the portals ``settings`` name (NIANBAO_PORTALS, NIANBAO_PORTAL_IDS); ``seen``
    is told of each result as it comes. The results, in registry order."""
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess

    from crawler.spiders.check import CheckSpider

    results: list[PortalCheck] = []

    def scraped(item: PortalCheck) -> None:
        results.append(item)
        seen(item)

    process = CrawlerProcess(settings)  # configures logging: quiet a logger after it
    # Scrapy logs a host's failed robots.txt download with a traceback; here the result
    # of its start URL says why, in one line.
    logging.getLogger("scrapy.downloadermiddlewares.robotstxt").setLevel(logging.CRITICAL)
    crawler = process.create_crawler(CheckSpider)
    crawler.signals.connect(scraped, signal=signals.item_scraped)
    process.crawl(crawler)
    process.start()
    order = {url: index for index, url in enumerate(crawler.spider.start_order)}
    return sorted(results, key=lambda result: order[(result.portal_id, result.url)])
