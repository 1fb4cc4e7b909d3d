"""Item pipelines: store the capture, parse the report, store the report. One stage each.

1. ``StoreCapturePipeline``: every page's raw bytes (content-addressed) and a capture row,
   with its WARC records when NIANBAO_WARC is on (a revisit record for a ``304``, or for
   bytes already archived); a fault row for every ``Fault``. The capture of a document
   that carries a report is stored *unfinished*, with what parsing it needs: until its
   report (or the fault that explains why there is none) is stored it is no validator
   for a conditional GET, so a crash in between costs a refetch, never the report.
2. ``ParseReportPipeline`` (NIANBAO_PARSE, NIANBAO_PARSE_THREADS): extract and parse that
   document with ``parsers.parse_file.parse_bytes`` (told the portal's title for it), in a
   bounded pool of threads so that a long PDF or OCR job never holds the reactor. A
   ``NotAnnualReport`` is noise: counted, not a report. Any other ``ParseError`` becomes
   the item's ``parse_fault``; any other exception too, and its capture stays unfinished
   so that the next crawl parses it again.
3. ``StoreReportPipeline``: the parsed report through ``archive.store_report`` (a new
   version only when its bytes are new to that report), or a fault row with the reason;
   either finishes the capture in the same transaction.

No URL-named files and no delta-fetch: a revised PDF at the same URL has new bytes, so
a new sha256 and a new version. Archive writes run in ArchiveExtension's writer thread.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import NotConfigured

from crawler import config
from crawler.extensions import ArchiveExtension, ThreadLane
from crawler.items import Attachment, BrowserResource, Capture, Fault, ReportPage
from crawler.spiders.links import without_extension
from storage.warc_http import header_value

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from crawler.portals import Portal
    from parsers.model import Region
    from storage.archive import UnfinishedCapture

NOISE = "not_annual_report"
logger = logging.getLogger(__name__)


def _archive_extension(crawler: Crawler) -> ArchiveExtension:
    extension = crawler.get_extension(ArchiveExtension)
    if extension is None:
        raise NotConfigured("the nianbao pipelines need crawler.extensions.ArchiveExtension in EXTENSIONS")
    return extension


class StoreCapturePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.archive = _archive_extension(crawler)
        self.parsing = config.get_bool(crawler.settings, "NIANBAO_PARSE")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StoreCapturePipeline:
        return cls(crawler)

    async def process_item(self, item: Any) -> Any:
        if isinstance(item, Fault):
            await self.archive.write(self._record_fault, item)
            self.crawler.stats.inc_value("nianbao/capture/fault")
        elif isinstance(item, Capture):
            await self.archive.write(self._store, item)
            self.crawler.stats.inc_value(f"nianbao/capture/{'not_modified' if item.not_modified else 'stored'}")
        return item

    def _store(self, item: Capture) -> None:
        archive = self.archive.archive
        if item.not_modified and item.validated:
            item.sha256 = item.validated["sha256"]
        else:
            item.sha256 = archive.store_bytes(item.body)
        item.capture_id = archive.record_capture(
            item.url,
            fetched_at=item.fetched_at,
            status=item.status,
            headers=item.headers,
            sha256=item.sha256,
            warc=self._warc(item),
            run_id=self.archive.run_id,
            referer=item.referer,
            portal_id=item.portal_id,
            method=item.request_method,
            unfinished=parse_hints(item, self.crawler) if self.parsing and carries_report(item) else None,
        )

    def _warc(self, item: Capture) -> Any:
        writer = self.archive.warc
        if writer is None:
            return None
        from storage.warc import PriorRecord
        from storage.warc_http import HttpRequest, HttpResponse, payload_digest

        if item.not_modified:
            known = (item.validated or {}).get("warc")
            prior, body = (PriorRecord(**known) if known else None), b""
        else:
            prior, body = self.archive.archive.prior_record(payload_digest(item.body)), item.body
        request = HttpRequest(item.url, item.request_method, item.request_headers, item.request_body)
        response = HttpResponse(item.status, item.headers, body, protocol=item.protocol or "HTTP/1.1")
        return writer.write_exchange(request, response, prior=prior, ip=item.ip_address, extra=browser_headers(item))

    def _record_fault(self, fault: Fault) -> None:
        self.archive.archive.record_capture(
            fault.url,
            fetched_at=fault.at,
            status=fault.status,
            fault=fault.reason,
            reason=fault.detail or None,
            run_id=self.archive.run_id,
            referer=fault.referer,
            portal_id=fault.portal_id,
        )


def browser_headers(item: Capture) -> dict[str, str]:
    """What Browsertrix adds to a browser's records: the page they belong to, the kind of resource."""
    if not isinstance(item, BrowserResource):
        return {}
    return {"WARC-Page-ID": item.page_id, "WARC-Resource-Type": item.resource_type}


class ParseReportPipeline:
    def __init__(self, crawler: Crawler, threads: int) -> None:
        self.crawler = crawler
        self.lane = ThreadLane("nianbao-parse", threads)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ParseReportPipeline:
        if not config.get_bool(crawler.settings, "NIANBAO_PARSE"):
            raise NotConfigured("NIANBAO_PARSE is off")
        return cls(crawler, config.get_int(crawler.settings, "NIANBAO_PARSE_THREADS"))

    def open_spider(self) -> None:
        self.lane.start()

    def close_spider(self) -> None:
        self.lane.stop()

    async def process_item(self, item: Any) -> Any:
        if not carries_report(item):
            return item
        from parsers.parse_file import from_hints, parse_bytes, parse_outcome

        work = partial(parse_bytes, item.body, **from_hints(parse_hints(item, self.crawler)))
        item.parsed = outcome = await self.lane.run(parse_outcome, work)
        self.crawler.stats.inc_value(f"nianbao/parse/{outcome.kind}")
        if outcome.kind == "fault":
            self.crawler.stats.inc_value(f"nianbao/parse/fault/{outcome.fault}")
        elif outcome.retry:
            logger.error("%s: %s (recorded as a fault; parsed again next crawl)", item.url, outcome.detail)
        return item


def parse_hints(item: ReportPage | Attachment, crawler: Crawler) -> dict[str, Any]:
    """What parsing the item's document needs besides its bytes, as plain data: it is kept
    on an unfinished capture so that ``nianbao repair`` parses it as the crawl would."""
    from parsers.parse_file import hints

    portal = getattr(crawler.spider, "portals", {}).get(item.portal_id)
    return hints(portal_region(portal), title_hint(item), item.published_at) | {"list_url": item.list_url}


def portal_region(portal: Portal | None) -> Region | None:
    from parsers.model import Region

    if portal is None:
        return None
    return Region(portal.region.province, portal.region.city, portal.region.district)


def title_hint(item: ReportPage | Attachment) -> str | None:
    if isinstance(item, Attachment):
        return without_extension(item.name) or None
    return item.title


def carries_report(item: Any) -> bool:
    """Is this the document whose content is the report? A page that links documents is not."""
    if isinstance(item, Attachment):
        return not item.not_modified
    return isinstance(item, ReportPage) and not item.attachment_urls and not item.not_modified


class StoreReportPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.archive = _archive_extension(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StoreReportPipeline:
        return cls(crawler)

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, ReportPage | Attachment) or item.parsed is None:
            return item
        from storage.repair import store_outcome

        stored = await self.archive.write(
            store_outcome, self.archive.archive, unfinished(item), item.parsed, self.archive.run_id
        )
        if stored in {"new", "seen", "refused"}:
            self.crawler.stats.inc_value(f"nianbao/version/{stored}")
        return item


def unfinished(item: ReportPage | Attachment) -> UnfinishedCapture:
    """The item's capture as ``storage.repair`` knows one: unfinished until its outcome is stored."""
    from storage.archive import UnfinishedCapture

    content_type = header_value(item.headers, "Content-Type")
    fields = (item.capture_id, item.url, item.sha256, item.fetched_at, content_type, item.referer, item.portal_id)
    return UnfinishedCapture(*fields, {"list_url": item.list_url})
