"""Item pipelines: store the capture, parse the report, store the report. One stage each.

1. ``StoreCapturePipeline``: every page's raw bytes (content-addressed) and a capture row,
   with its WARC records when NIANBAO_WARC is on (a revisit record for a ``304``, or for
   bytes already archived); a fault row for every ``Fault``.
2. ``ParseReportPipeline`` (NIANBAO_PARSE, NIANBAO_PARSE_THREADS): extract and parse the
   document that carries a report (a report page without attachments, or an attachment)
   as ``parsers.parse_file.parse_bytes`` does (told the portal's title for it), in a
   bounded pool of threads so that a long PDF or OCR job never holds the reactor. A
   ``NotAnnualReport`` is noise: counted, not a report. Any other ``ParseError`` becomes the item's ``parse_fault``.
3. ``StoreReportPipeline``: the parsed report through ``archive.store_report`` (a new
   version only when its bytes are new to that report), or a fault row with the reason.

No URL-named files and no delta-fetch: a revised PDF at the same URL has new bytes, so
a new sha256 and a new version. Archive writes run in ArchiveExtension's writer thread.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
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

    from parsers.model import Region, Report

NOISE = "not_annual_report"


def _archive_extension(crawler: Crawler) -> ArchiveExtension:
    extension = crawler.get_extension(ArchiveExtension)
    if extension is None:
        raise NotConfigured("the nianbao pipelines need crawler.extensions.ArchiveExtension in EXTENSIONS")
    return extension


class StoreCapturePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.archive = _archive_extension(crawler)

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
        from parsers.errors import ParseError

        work = partial(
            parse_document,
            item.body,
            region=self._region(item.portal_id),
            title=title_hint(item),
            published=item.published_at,
        )
        try:
            item.report = await self.lane.run(work)
        except ParseError as error:
            item.parse_fault, item.parse_detail = error.reason, error.message
        outcome = "parsed" if item.report is not None else "noise" if item.parse_fault == NOISE else "fault"
        self.crawler.stats.inc_value(f"nianbao/parse/{outcome}")
        if outcome == "fault":
            self.crawler.stats.inc_value(f"nianbao/parse/fault/{item.parse_fault}")
        return item

    def _region(self, portal_id: str) -> Region | None:
        from parsers.model import Region

        portal = getattr(self.crawler.spider, "portals", {}).get(portal_id)
        if portal is None:
            return None
        return Region(portal.region.province, portal.region.city, portal.region.district)


def parse_document(data: bytes, *, region: Region | None, title: str | None, published: date | None = None) -> Report:
    """``parsers.parse_file.parse_bytes``, told what the portal says about the document.

    A document may print its title badly (a spreadsheet without one, a PDF title broken
    over two lines); the link text or page title that named it is the portal's own
    label for it, so it stands in when the document's reader found no title. The date
    the report page was published is the record's ``published_at`` (report-schema.md),
    for an attachment too, which rarely shows when it went online.
    """
    from parsers.extract import extract
    from parsers.report import parse

    document = extract(data)
    if title and not document.title:
        document = replace(document, title=title)
    if published:
        document = replace(document, published_at=published)
    return parse(document, region=region)


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
        if not isinstance(item, ReportPage | Attachment):
            return item
        if item.report is not None:
            await self.archive.write(self._store_report, item)
        elif item.parse_fault and item.parse_fault != NOISE:
            await self.archive.write(self._record_parse_fault, item, item.parse_fault, item.parse_detail)
        return item

    def _store_report(self, item: ReportPage | Attachment) -> None:
        from storage.errors import ArchiveError

        try:
            result = self.archive.archive.store_report(
                item.report,
                sha256=item.sha256,
                source_url=item.url,
                fetched_at=item.fetched_at,
                media_type=header_value(item.headers, "Content-Type"),
                list_url=item.list_url,
                portal_id=item.portal_id,
                region=item.report.region,
                capture_id=item.capture_id,
            )
        except ArchiveError as error:  # a report without agency or year, or writers that kept colliding
            self.crawler.stats.inc_value("nianbao/version/refused")
            self._record_parse_fault(item, "not_stored", str(error))
            return
        self.crawler.stats.inc_value(f"nianbao/version/{'new' if result.created else 'seen'}")

    def _record_parse_fault(self, item: Capture, reason: str, detail: str) -> None:
        # No status: this row is about the bytes (sha256), not a second response, so it
        # never stands in for the response's validators in a conditional GET.
        self.archive.archive.record_capture(
            item.url,
            fetched_at=item.fetched_at,
            sha256=item.sha256,
            fault=f"parse_{reason}",
            reason=detail or None,
            run_id=self.archive.run_id,
            referer=item.referer,
            portal_id=item.portal_id,
        )
