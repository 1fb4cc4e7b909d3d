"""``portal``: the one discovery spider, for every portal of the registry.

Callbacks are named by the role of the page they read::

    parse_portal   home and section pages: find 政府信息公开 and the annual-report column
    parse_list     a column's pages: report links, the list's other pages (crawler.pagination)
    parse_rendered a list page that only a browser can read (crawler.browser): the links it
                   draws, page after page, and every request it made
    parse_report   a report page: the page itself, and requests for its attachments
    parse_attachment, on_fault

Site differences are data (the registry's hints) and the family functions of
``crawler.pagination``, chosen by what a page shows. Navigation and lists stay within a
portal's path scope; report pages and attachments within its allowed domains. Every
request of a host shares one download slot (its ``host:port``), which is what the
politeness components throttle. Settings: NIANBAO_PORTALS, NIANBAO_PORTAL_IDS,
NIANBAO_MAX_LIST_PAGES, NIANBAO_MAX_NAV_DEPTH, NIANBAO_RENDER, NIANBAO_RENDER_TIMEOUT.

    scrapy crawl portal -s NIANBAO_PORTALS=my-portals.yaml -s NIANBAO_PORTAL_IDS=zz-erqi
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import date
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import HtmlResponse, Request, Response, TextResponse
from twisted.python.failure import Failure

from crawler import config
from crawler.browser import Exchange, Recording, page_of, recording_of, render_mode, render_request, walk_pages
from crawler.items import Attachment, BrowserResource, Fault, ListPage, ReportPage, capture_fields
from crawler.pagination import list_pages
from crawler.portals import BUNDLED_REGISTRY, Portal, load_registry, select
from crawler.roles import script_driven_reason
from crawler.spiders import faults
from crawler.spiders.links import (
    Link,
    attachment_links,
    is_column_link,
    is_report_link,
    is_section_link,
    list_entries,
    page_links,
    published_date,
    report_title,
    script_api_lists,
)

Item = ListPage | ReportPage | Attachment | Fault
ROLES = {
    "parse_portal": "portal",
    "parse_list": "list",
    "parse_rendered": "list",
    "parse_report": "report",
    "parse_attachment": "attachment",
}
Output = Iterator[Request | Item]


class PortalSpider(scrapy.Spider):
    name = "portal"

    def __init__(
        self,
        portals: tuple[Portal, ...] = (),
        max_list_pages: int = 200,
        max_nav_depth: int = 3,
        render: str = "off",
        render_timeout: float = 60.0,
    ) -> None:
        super().__init__()
        self.portals = {portal.id: portal for portal in portals}
        self.allowed_domains = sorted({domain for portal in portals for domain in portal.allowed_domains})
        self.max_list_pages, self.max_nav_depth = max_list_pages, max_nav_depth
        self.render, self.render_timeout = render, render_timeout

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> PortalSpider:
        settings = crawler.settings
        registry = load_registry(config.get(settings, "NIANBAO_PORTALS") or BUNDLED_REGISTRY)
        spider = cls(
            select(registry, config.get_list(settings, "NIANBAO_PORTAL_IDS")),
            max_list_pages=config.get_int(settings, "NIANBAO_MAX_LIST_PAGES"),
            max_nav_depth=config.get_int(settings, "NIANBAO_MAX_NAV_DEPTH"),
            render=render_mode(settings),
            render_timeout=config.get_float(settings, "NIANBAO_RENDER_TIMEOUT"),
        )
        spider._set_crawler(crawler)
        return spider

    async def start(self) -> AsyncIterator[Request]:
        for portal in self.portals.values():
            self._count(portal.id, "reports", 0)  # a portal that finds nothing still shows up, as 0
            for url in portal.hints.list_urls:
                yield self._request(portal, url, self.parse_list, None, {"nianbao_page": 1})
            for url in portal.start_urls:
                yield self._request(portal, url, self.parse_portal, None, {"nianbao_depth": 0})

    # -- callbacks --------------------------------------------------------------------

    def parse_portal(self, response: Response) -> Output:
        """A home or section page: reports shown there, the annual-report column, the way onwards."""
        portal = self._portal(response)
        depth = response.meta.get("nianbao_depth", 0)
        self._count(portal.id, "pages")
        for link in page_links(response):
            if is_report_link(link, portal.hints.report_link_pattern):
                yield self._report_request(portal, link, response.url)
            elif is_column_link(link) and portal.in_scope(link.url):
                yield self._request(portal, link.url, self.parse_list, response.url, {"nianbao_page": 1})
            elif depth < self.max_nav_depth and is_section_link(link) and portal.in_scope(link.url):
                yield self._request(portal, link.url, self.parse_portal, response.url, {"nianbao_depth": depth + 1})
        for url in script_api_lists(response):
            yield self._request(portal, url, self.parse_list, response.url, {"nianbao_page": 1})

    def parse_list(self, response: Response) -> Output:
        """One page of an annual-report list: its reports, sub-columns and the list's other pages."""
        portal = self._portal(response)
        self._count(portal.id, "pages")
        yield ListPage(**capture_fields(response, portal.id, response.meta.get("nianbao_referer")))
        links = list_entries(response)
        yield from self._follow(portal, links, response.url)
        yield from self._other_pages(portal, response)
        yield from self._render(portal, response, links)

    async def parse_rendered(self, response: Response) -> AsyncIterator[Request | Item]:
        """A list page drawn by Chromium: its links view after view, and what it asked for."""
        portal, recording = self._portal(response), recording_of(response)
        page = page_of(response)
        try:
            views = await walk_pages(page, recording, self.max_list_pages, self.render_timeout)
        finally:
            await page.close()
        self._count(portal.id, "rendered")
        self.crawler.stats.inc_value("nianbao/render/views", len(views))
        links: list[Link] = []
        for exchange in recording.exchanges:
            yield self._resource(portal, recording, exchange, response.url)
            if exchange.response is not None and exchange.resource_type in {"xhr", "fetch"}:
                links += list_entries(exchange.response) if isinstance(exchange.response, TextResponse) else []
        for view in views:
            links += page_links(HtmlResponse(response.url, body=view.encode("utf-8"), encoding="utf-8"))
        unique = {link.url: link for link in links}  # a load-more view repeats the views before it
        for request in self._follow(portal, list(unique.values()), response.url):
            yield request

    async def on_render_fault(self, failure: Failure) -> AsyncIterator[Item]:
        """A render that failed: its page closed (scrapy-playwright leaves that to us), a fault row."""
        page = failure.request.meta.get("playwright_page")
        if page is not None:
            await page.close()
        for fault in self.on_fault(failure):
            yield fault

    def parse_report(self, response: Response) -> Output:
        """A report page: the page as captured, then each attachment it links."""
        portal = self._portal(response)
        meta = response.meta
        attachments = [link for link in attachment_links(response) if portal.allows(link.url)]
        published = published_date(response, _meta_date(meta))
        self._count(portal.id, "reports")
        yield ReportPage(
            **capture_fields(response, portal.id, meta.get("nianbao_referer")),
            title=report_title(response, meta.get("nianbao_title")),
            published_at=published,
            attachment_urls=[link.url for link in attachments],
        )
        for link in attachments:
            extra = {"nianbao_list_url": meta.get("nianbao_referer"), "nianbao_name": link.label}
            if published:
                extra["nianbao_published"] = published.isoformat()
            yield self._request(portal, link.url, self.parse_attachment, response.url, extra)

    def parse_attachment(self, response: Response) -> Output:
        portal = self._portal(response)
        meta = response.meta
        self._count(portal.id, "attachments")
        yield Attachment(
            **capture_fields(response, portal.id, meta.get("nianbao_referer")),
            report_url=meta["nianbao_referer"],
            list_url=meta.get("nianbao_list_url"),
            name=meta.get("nianbao_name") or "",
            published_at=_meta_date(meta),
        )

    def on_fault(self, failure: Failure) -> Output:
        """A request that ended without a page: a fault row, counted, and the crawl goes on."""
        request: Request = failure.request
        meta = request.meta
        fault = faults.describe(failure)
        self._count(meta["nianbao_portal"], "faults")
        if fault.reason.startswith("blocked_"):
            self._count(meta["nianbao_portal"], "blocked")  # what tells a blocked portal from an unreachable one
        self.crawler.stats.inc_value(f"nianbao/fault/{fault.reason}")
        yield Fault(
            portal_id=meta["nianbao_portal"],
            url=request.url,
            referer=meta.get("nianbao_referer"),
            reason=fault.reason,
            status=fault.status,
            detail=fault.detail,
            role=meta.get("nianbao_role", "page"),
        )

    def closed(self, reason: str) -> None:
        """A portal that yielded no report is a finding, not silence."""
        stats = self.crawler.stats
        for portal_id in self.portals:
            if not stats.get_value(f"nianbao/portal/{portal_id}/reports"):
                stats.inc_value("nianbao/findings/no_reports")
                self.logger.warning("finding: portal %s yielded no reports (crawl %s)", portal_id, reason)

    # -- requests ---------------------------------------------------------------------

    def _follow(self, portal: Portal, links: list[Link], list_url: str) -> Output:
        for link in links:
            if is_report_link(link, portal.hints.report_link_pattern):
                self._count(portal.id, "list_entries")
                yield self._report_request(portal, link, list_url)
            elif is_column_link(link) and portal.in_scope(link.url):
                yield self._request(portal, link.url, self.parse_list, list_url, {"nianbao_page": 1})

    def _render(self, portal: Portal, response: Response, links: list[Link]) -> Output:
        """Ask for the page again in a browser, when reading it is not enough (or the registry says so)."""
        if portal.hints.render is False or response.meta.get("nianbao_page", 1) > 1:
            return
        reports = [link for link in links if is_report_link(link, portal.hints.report_link_pattern)]
        reason = "the registry says render: true" if portal.hints.render is True else None
        reason = reason or script_driven_reason(response, reports)
        if reason is None:
            return
        if self.render == "off":
            self.crawler.stats.inc_value("nianbao/render/not_rendered")
            self.logger.warning("finding: %s needs a browser (%s) but rendering is off", response.url, reason)
            return
        self.logger.info("rendering %s: %s", response.url, reason)
        request = self._request(portal, response.url, self.parse_rendered, response.meta.get("nianbao_referer"), {})
        yield render_request(request.replace(errback=self.on_render_fault))

    def _resource(self, portal: Portal, recording: Recording, exchange: Exchange, page_url: str) -> Item:
        if exchange.response is None:
            fault = exchange.fault
            return Fault(
                portal_id=portal.id,
                url=exchange.request.url,
                referer=page_url,
                reason=fault.reason,
                status=fault.status,
                detail=fault.detail,
                role="resource",
            )
        return BrowserResource(
            **capture_fields(exchange.response, portal.id, page_url),
            page_id=recording.page_id,
            resource_type=exchange.resource_type,
        )

    def _other_pages(self, portal: Portal, response: Response) -> Output:
        page = response.meta.get("nianbao_page", 1)
        if page >= self.max_list_pages:
            return
        for request in list_pages(response, self.max_list_pages):
            if portal.in_scope(request.url):
                meta = self._meta(portal, request.url, self.parse_list, response.url) | {"nianbao_page": page + 1}
                yield request.replace(callback=self.parse_list, errback=self.on_fault, meta=meta)

    def _report_request(self, portal: Portal, link: Link, list_url: str) -> Request:
        extra = {"nianbao_title": link.label or None}
        if link.published:
            extra["nianbao_published"] = link.published.isoformat()
        return self._request(portal, link.url, self.parse_report, list_url, extra)

    def _request(self, portal: Portal, url: str, callback: Any, referer: str | None, extra: dict[str, Any]) -> Request:
        meta = self._meta(portal, url, callback, referer) | extra
        return Request(url, callback=callback, errback=self.on_fault, meta=meta)

    @staticmethod
    def _meta(portal: Portal, url: str, callback: Any, referer: str | None) -> dict[str, Any]:
        # Only strings and numbers: requests are pickled to JOBDIR. One download slot per
        # host:port, so per-host limits, Crawl-delay and back-off apply to the host a
        # portal lives on (the fixture world's portals share one IP, a port each).
        return {
            "nianbao_portal": portal.id,
            "nianbao_role": ROLES[callback.__name__],
            "nianbao_referer": referer,
            "download_slot": urlsplit(url).netloc,
        }

    def _portal(self, response: Response) -> Portal:
        return self.portals[response.meta["nianbao_portal"]]

    def _count(self, portal_id: str, what: str, amount: int = 1) -> None:
        self.crawler.stats.inc_value(f"nianbao/portal/{portal_id}/{what}", amount)


def _meta_date(meta: dict[str, Any]) -> date | None:
    """The publication date a request carries from the page that linked it (ISO text: JOBDIR pickles meta)."""
    return date.fromisoformat(meta["nianbao_published"]) if meta.get("nianbao_published") else None
