"""``portal``: the one discovery spider, for every portal of the registry.

Callbacks are named by the role of the page they read::

    parse_portal   home and section pages: find 政府信息公开 and the annual-report column
    parse_list     a column's pages: report links, the list's other pages (crawler.pagination)
    parse_rendered a list page that only a browser can read (crawler.browser): the links it
                   draws, page after page, and every request it made
    parse_report   a report page: the page itself, and requests for its attachments; a script
                   shell's detail API (crawler.shells), whose answer is then the report
    parse_rendered_shell a report shell reading cannot solve, drawn by Chromium: the answer
                   its script fetched that carries content is the report
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

import time
from collections.abc import AsyncIterator, Iterator
from datetime import date
from typing import Any

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Request, Response, TextResponse
from twisted.python.failure import Failure

from crawler import config
from crawler.apipages import api_from_meta, api_request, followup
from crawler.browser import Exchange, Recording, page_of, recording_of, render_mode, render_request
from crawler.coverage import Coverage
from crawler.items import (
    ArticlePage,
    Attachment,
    BrowserResource,
    Capture,
    Fault,
    ListPage,
    ReportPage,
    capture_fields,
)
from crawler.jsread import MAX_SCRIPT_BYTES
from crawler.pagewalk import settle, timers_settled, walk_pages
from crawler.pagination import is_markup
from crawler.portals import BUNDLED_REGISTRY, Portal, load_registry, select
from crawler.roles import is_report_shell, listed_links, page_role
from crawler.routes import routed
from crawler.scripts import Api, inline_scripts, linked_scripts, read_lists, script_lists
from crawler.shells import detail_page, detail_request, report_answer, shell_meta, shell_report
from crawler.slots import DOWNLOAD_SLOT, host_slot
from crawler.spiders import faults
from crawler.spiders.links import (
    Link,
    attachment_links,
    drawn_links,
    drawn_pages,
    frame_urls,
    is_column_link,
    is_report_link,
    is_report_title,
    is_section_link,
    list_entries,
    page_links,
    published_date,
    report_title,
    script_api_lists,
)
from crawler.spiders.listing import drawn_entries, drawn_size, later_page, list_key, other_pages, render_reason, stated

Item = Capture | Fault
ROLES = {
    "parse_portal": "portal",
    "parse_list": "list",
    "parse_rendered": "list",
    "parse_script": "script",
    "parse_report": "report",
    "parse_rendered_shell": "report",
    "parse_attachment": "attachment",
}
MAX_INLINE_CARRIED = 200_000  # characters of a page's inline scripts carried to its linked ones
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
        self.coverage = Coverage()  # the archive extension stores its findings when the crawl ends

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
            for request in self.portal_requests(portal):
                yield request

    def portal_requests(self, portal: Portal) -> Iterator[Request]:
        """Where a crawl of ``portal`` starts: its hinted lists, then its start pages."""
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
        """One page of an annual-report list: its reports, sub-columns and the list's other pages.

        A page whose content is an article (under the column's folder, linked like a
        column) is read as one: a report when its title says so, else kept as seen, and
        its links are not followed. A JSON answer to a script's API pages by its record.
        """
        portal = self._portal(response)
        api = api_from_meta(response.meta)
        if api is None and page_role(response) == "article":
            yield from self._article(portal, response)
            return
        self._count(portal.id, "pages")
        list_url = response.meta.get("nianbao_list_url") or response.url  # an API answer's links belong to its page
        yield ListPage(**capture_fields(response, portal.id, response.meta.get("nianbao_referer")))
        entries = list_entries(response, list_url, api.detail if api else None)
        key = list_key(response.meta, list_url)
        pages = [] if api is not None else list(self._other_pages(portal, response))
        paged = {request.url for request in pages}  # the page bar's links: this list's pages, not columns of their own
        listed = [link for link in entries if link.url not in paged]
        for link in listed_links(response, listed, response.meta.get("nianbao_list_rows", "")):  # a notice too
            self.coverage.reach(key, link.url, list_url)
        yield from self._follow(portal, listed, list_url)
        if api is not None:
            yield from self._api_pages(portal, response, api, entries)
            return
        yield from pages
        lists = script_lists(response)
        self.coverage.state(portal.id, key, *stated(response, lists.names), page_url=response.url)
        reason = None if lists.apis else render_reason(portal, response)
        yield from self._frames(portal, response, key, drawn=bool(reason) and self.render != "off")
        if lists.apis:
            yield from self._api_requests(portal, lists.apis, response.url)
        elif reason:
            yield from self._render(portal, response, reason)

    async def parse_rendered(self, response: Response) -> AsyncIterator[Request | Item]:
        """A list page drawn by Chromium: its links view after view, and what it asked for."""
        portal, recording = self._portal(response), recording_of(response)
        page, started = page_of(response), time.monotonic()
        try:
            walk = await walk_pages(page, recording, self.max_list_pages, self.render_timeout)
        finally:
            await recording.close(page)
            self._render_took(response, started)
        self._count(portal.id, "rendered")
        self.crawler.stats.inc_value("nianbao/render/views", walk.steps)
        if walk.ended != "end":  # stopped by a bound: what was drawn is read, the bound recorded
            self.crawler.stats.inc_value(f"nianbao/render/bounded/{walk.ended}")
            detail = f"rendering stopped after {walk.steps} views: {walk.ended}"
            yield self._fault(portal.id, response.url, None, f"render_{walk.ended}", "list", detail)
        for exchange in recording.finished():
            yield self._resource(portal, recording, exchange, response.url)
        pages, key = drawn_pages(recording.finished(), walk.views), list_key(response.meta, response.url)
        self.coverage.redraw(key, response.url, drawn_entries(pages))
        self.coverage.state(portal.id, key, *drawn_size(pages), page_url=response.url)
        for request in self._follow(portal, drawn_links(pages), response.url):
            yield request

    async def parse_rendered_shell(self, response: Response) -> AsyncIterator[Request | Item]:
        """A report shell drawn by Chromium: the answer its script fetched that carries content is the report."""
        portal, recording, page = self._portal(response), recording_of(response), page_of(response)
        started = time.monotonic()
        deadline = started + self.render_timeout
        try:
            if await settle(recording, 0, deadline):
                await timers_settled(page, recording, deadline)
        finally:
            await recording.close(page)
            self._render_took(response, started)
        found = report_answer(recording.finished())
        for exchange in recording.finished():
            if exchange is found and found.response is not None:  # captured as the report, not again as a resource
                for output in self.parse_report(shell_report(response, found.response)):
                    yield output
            else:
                yield self._resource(portal, recording, exchange, response.url)
        if found is None:
            yield self._shell_fault(portal, response, "rendered, its scripts fetched no report content")

    async def on_render_fault(self, failure: Failure) -> AsyncIterator[Item]:
        """A render that failed: its page closed (scrapy-playwright leaves that to us), a fault row."""
        page = failure.request.meta.get("playwright_page")
        if page is not None:
            await page.close()
        for fault in self.on_fault(failure):
            yield fault

    def parse_script(self, response: Response) -> Output:
        """A list page's linked script: the list APIs it calls, read with the page's inline scripts."""
        portal = self._portal(response)
        meta = response.meta
        yield Capture(**capture_fields(response, portal.id, meta["nianbao_referer"]))
        text = response.text if isinstance(response, TextResponse) else ""
        lists = read_lists(meta["nianbao_referer"], [*meta["nianbao_inline"], text])
        if not lists.apis:
            self.crawler.stats.inc_value("nianbao/script_driven/unread")
        yield from self._api_requests(portal, lists.apis, meta["nianbao_referer"])

    def parse_report(self, response: Response) -> Output:
        """A report page: the page as captured, then each attachment it links.

        A page that shows nothing and links no document but has scripts is a shell: it is
        kept as captured and the detail API its script asks is requested; that answer, read
        as the page it fills (``parsers.extract.jsondetail``), is the report.
        """
        portal, response = self._portal(response), routed(response)
        meta = response.meta
        shell = meta.get("nianbao_shell")
        page = detail_page(response) if shell else response
        attachments = [link for link in attachment_links(page) if portal.allows(link.url)]
        if shell is None and not attachments and is_report_shell(response):
            request = detail_request(response)
            if request is not None and portal.allows(request.url):
                yield from self._shell(portal, response, request)
                return
            if self.render != "off":
                yield from self._render_shell(portal, response)
                return
            yield self._shell_fault(portal, response, "no detail API call could be read from its scripts")
        if shell and page is response and not is_markup(response):
            yield self._shell_fault(portal, response, "the detail API's answer holds no content")
        published = published_date(page, _meta_date(meta))
        list_url = meta.get("nianbao_list_url") if shell else meta.get("nianbao_referer")
        self._count(portal.id, "reports")
        yield ReportPage(
            **capture_fields(response, portal.id, meta.get("nianbao_referer")),
            title=report_title(page, meta.get("nianbao_title")),
            published_at=published,
            attachment_urls=[link.url for link in attachments],
            shell_url=shell,
            listed_at=list_url if shell else None,
        )
        for link in attachments:
            extra = {"nianbao_list_url": list_url, "nianbao_name": link.label}
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
        if fault.reason.startswith("blocked_"):
            self._count(meta["nianbao_portal"], "blocked")  # what tells a blocked portal from an unreachable one
        role = meta.get("nianbao_role", "page")
        referer = meta.get("nianbao_referer")
        yield self._fault(meta["nianbao_portal"], request.url, referer, fault.reason, role, fault.detail, fault.status)

    def _fault(
        self,
        portal_id: str,
        url: str,
        referer: str | None,
        reason: str,
        role: str,
        detail: str,
        status: int | None = None,
    ) -> Fault:
        """A fault row of ``portal_id``, whatever made it: counted with the portal's faults and by reason."""
        self._count(portal_id, "faults")
        self.crawler.stats.inc_value(f"nianbao/fault/{reason}")
        return Fault(
            portal_id=portal_id, url=url, referer=referer, reason=reason, status=status, detail=detail, role=role
        )

    def closed(self, reason: str) -> None:
        """A portal that yielded no report, or a list that states more entries than were reached, is a finding."""
        stats = self.crawler.stats
        for portal_id in self.portals:
            if not stats.get_value(f"nianbao/portal/{portal_id}/reports"):
                stats.inc_value("nianbao/findings/no_reports")
                self.logger.warning("finding: portal %s yielded no reports (crawl %s)", portal_id, reason)
        findings = self.coverage.findings()
        stats.set_value("nianbao/findings/coverage", len(findings))
        for finding in findings:
            self.logger.warning(
                "finding: %s states %d entries, %d reached", finding.list_url, finding.stated, finding.reached
            )

    # -- requests ---------------------------------------------------------------------

    def _follow(self, portal: Portal, links: list[Link], list_url: str) -> Output:
        """Each report and sub-column a list links."""
        for link in links:
            if is_report_link(link, portal.hints.report_link_pattern):
                self._count(portal.id, "list_entries")
                yield self._report_request(portal, link, list_url)
            elif is_column_link(link) and portal.in_scope(link.url):
                yield self._request(portal, link.url, self.parse_list, list_url, {"nianbao_page": 1})

    def _frames(self, portal: Portal, response: Response, key: str, drawn: bool) -> Output:
        """The lists a column frames (a disclosure platform's), counted as list ``key``'s and,
        when the column is rendered (``drawn``), drawn with it rather than on their own."""
        extra = {"nianbao_page": 1, "nianbao_list_first": key, "nianbao_drawn_with": response.url if drawn else None}
        for url in frame_urls(response):
            if portal.in_scope(url):
                yield self._request(portal, url, self.parse_list, response.url, extra)

    def _render(self, portal: Portal, response: Response, reason: str) -> Output:
        """Ask for the page again in a browser (reading it is not enough, or the registry says so)."""
        if self.render == "off":
            self.crawler.stats.inc_value("nianbao/render/not_rendered")
            self.logger.warning("finding: %s needs a browser (%s) but rendering is off", response.url, reason)
            yield from self._linked_scripts(portal, response)  # reading is all that is left
            return
        self.logger.info("rendering %s: %s", response.url, reason)
        extra = {"nianbao_list_first": list_key(response.meta, response.url)}
        request = self._request(portal, response.url, self.parse_rendered, response.meta.get("nianbao_referer"), extra)
        yield render_request(request.replace(errback=self.on_render_fault), response)

    def _resource(self, portal: Portal, recording: Recording, exchange: Exchange, page_url: str) -> Item:
        if exchange.response is None:
            fault = exchange.fault
            return self._fault(
                portal.id, exchange.request.url, page_url, fault.reason, "resource", fault.detail, fault.status
            )
        return BrowserResource(
            **capture_fields(exchange.response, portal.id, page_url),
            page_id=recording.page_id,
            resource_type=exchange.resource_type,
        )

    def _article(self, portal: Portal, response: Response) -> Output:
        title = report_title(response, response.meta.get("nianbao_title"))
        if title and is_report_title(title):
            yield from self.parse_report(response)
            return
        self._count(portal.id, "articles")
        yield ArticlePage(**capture_fields(response, portal.id, response.meta.get("nianbao_referer")))

    def _shell(self, portal: Portal, response: Response, request: Request) -> Output:
        """A report shell: kept as captured, and its detail API asked (the answer is parsed as the report)."""
        self.crawler.stats.inc_value("nianbao/report_shell/detail_api")
        yield Capture(**capture_fields(response, portal.id, response.meta.get("nianbao_referer")))
        yield self._adopt(portal, request, self.parse_report, response.url, shell_meta(response))

    def _render_shell(self, portal: Portal, response: Response) -> Output:
        """A report shell reading cannot solve: kept as captured, and drawn again in a browser."""
        self.crawler.stats.inc_value("nianbao/report_shell/rendered")
        self.logger.info("rendering report shell %s: no detail API call could be read", response.url)
        yield Capture(**capture_fields(response, portal.id, response.meta.get("nianbao_referer")))
        request = self._request(portal, response.url, self.parse_rendered_shell, response.url, shell_meta(response))
        yield render_request(request.replace(errback=self.on_render_fault), response)

    def _shell_fault(self, portal: Portal, response: Response, detail: str) -> Fault:
        """A report shell whose report could not be had: counted and recorded, never silent."""
        self.crawler.stats.inc_value("nianbao/report_shell/unread")
        self.logger.warning("finding: report page %s is a script shell: %s", response.url, detail)
        return self._fault(
            portal.id, response.url, response.meta.get("nianbao_referer"), "report_shell", "report", detail
        )

    def _linked_scripts(self, portal: Portal, response: Response) -> Output:
        """A script-driven page not rendered: its own linked scripts, to be read with its inline ones."""
        inline = inline_scripts(response)
        for url in linked_scripts(response):
            if portal.allows(url) and sum(map(len, inline)) <= MAX_INLINE_CARRIED:
                # a larger script is not read (crawler.jsread): not downloaded either, a fault row too_large
                extra = {"nianbao_inline": inline, "download_maxsize": MAX_SCRIPT_BYTES}
                yield self._request(portal, url, self.parse_script, response.url, extra)

    def _api_requests(self, portal: Portal, apis: list[Api], list_url: str) -> Output:
        for api in apis:
            if portal.allows(api.url):
                self.crawler.stats.inc_value("nianbao/script_api/lists")
                yield self._api_page(portal, api, 1, list_url, None)

    def _api_pages(self, portal: Portal, response: Response, api: Api, entries: list[Link]) -> Output:
        """The API's next pages (crawler.apipages.followup), or the fault that stops them."""
        first = entries[0].url if entries else None
        found = followup(response, api, len(entries), first, self.max_list_pages)
        if found.bound:
            yield self._api_fault(portal, response, found.bound, found.detail)
        list_url = response.meta.get("nianbao_list_url") or response.url
        self.coverage.state(portal.id, list_url, found.total)
        for following in found.numbers:
            yield self._api_page(portal, api, following, list_url, first)

    def _api_fault(self, portal: Portal, response: Response, bound: str, detail: str) -> Fault:
        """A list API that misbehaves (repeats itself, never ends, answers no list): its paging
        stops there, a fault row says why, and the crawl goes on."""
        self.crawler.stats.inc_value(f"nianbao/script_api/{bound}")
        self.logger.warning("finding: list API %s: %s", response.url, detail)
        referer = response.meta.get("nianbao_list_url") or response.meta.get("nianbao_referer")
        return self._fault(portal.id, response.url, referer, f"list_api_{bound}", "list", detail)

    def _api_page(self, portal: Portal, api: Api, number: int, list_url: str, first: str | None) -> Request:
        request = api_request(api, number)
        extra = request.meta | {"nianbao_list_url": list_url, "nianbao_api_first": first}
        return self._adopt(portal, request, self.parse_list, list_url, extra)

    def _other_pages(self, portal: Portal, response: Response) -> Output:
        extra = later_page(response)
        for request in other_pages(portal, response, self.max_list_pages):
            yield self._adopt(portal, request, self.parse_list, response.url, extra)

    def _report_request(self, portal: Portal, link: Link, list_url: str) -> Request:
        extra = {"nianbao_title": link.label or None}
        if link.published:
            extra["nianbao_published"] = link.published.isoformat()
        return self._request(portal, link.url, self.parse_report, list_url, extra)

    def _request(self, portal: Portal, url: str, callback: Any, referer: str | None, extra: dict[str, Any]) -> Request:
        return self._adopt(portal, Request(url), callback, referer, extra)

    def _adopt(
        self, portal: Portal, request: Request, callback: Any, referer: str | None, extra: dict[str, Any]
    ) -> Request:
        """``request`` as the spider sends it: its callback, its fault handler, and the meta
        every request of ``portal`` carries, with ``extra`` (the meta it had is dropped)."""
        meta = self._meta(portal, request.url, callback, referer) | extra
        return request.replace(callback=callback, errback=self.on_fault, meta=meta)

    @staticmethod
    def _meta(portal: Portal, url: str, callback: Any, referer: str | None) -> dict[str, Any]:
        # Only strings and numbers: requests are pickled to JOBDIR. One download slot per
        # host:port, so per-host limits, Crawl-delay and back-off apply to the host a
        # portal lives on (the fixture world's portals share one IP, a port each).
        return {
            "nianbao_portal": portal.id,
            "nianbao_role": ROLES[callback.__name__],
            "nianbao_referer": referer,
            DOWNLOAD_SLOT: host_slot(url),
        }

    def _portal(self, response: Response) -> Portal:
        return self.portals[response.meta["nianbao_portal"]]

    def _render_took(self, response: Response, started: float) -> None:
        """A rendered page's time, its loading (Scrapy's download latency) and what was done on it since."""
        seconds = response.meta.get("download_latency", 0.0) + time.monotonic() - started
        self.crawler.stats.inc_value("nianbao/render/seconds", seconds)

    def _count(self, portal_id: str, what: str, amount: int = 1) -> None:
        self.crawler.stats.inc_value(f"nianbao/portal/{portal_id}/{what}", amount)


def _meta_date(meta: dict[str, Any]) -> date | None:
    """The publication date a request carries from the page that linked it (ISO text: JOBDIR pickles meta)."""
    return date.fromisoformat(meta["nianbao_published"]) if meta.get("nianbao_published") else None
