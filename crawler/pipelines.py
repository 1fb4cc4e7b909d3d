"""Item pipelines: store the capture, parse the report, store the report. One stage each.

1. ``StoreCapturePipeline``: every page's raw bytes (content-addressed) and a capture row
   that points at its WARC records (written by ``crawler.warcrecords`` as the answer came
   in, when NIANBAO_WARC is on); a fault row for every ``Fault``. The rows of ``304``
   answers, which store no new bytes, are committed together (``crawler.confirmations``
   says why a batch lost to a crash loses nothing). The capture of a document
   that carries a report is stored *unfinished*, with what parsing it needs: until its
   report (or the fault that explains why there is none) is stored it is no validator
   for a conditional GET, so a crash in between costs a refetch, never the report.
   The hints the portal gave for the document are stored with it for good (``hints``), so
   a reparse is told what the crawl was told.
2. ``ParseReportPipeline`` (NIANBAO_PARSE, NIANBAO_PARSE_WORKERS, NIANBAO_PARSE_MEMORY_MB,
   NIANBAO_PARSE_TIMEOUT): extract and parse that document with
   ``parsers.parse_file.parse``, told those hints, in a pool of worker processes
   (``parsers.worker``: a memory and a CPU time limit each, one per core by default)
   awaited from as many threads, so that no document holds the reactor or takes the
   crawl down. A ``NotAnnualReport`` is noise: counted, not a report. Any other
   ``ParseError`` (``memory`` and ``timeout`` from the pool too) becomes the item's
   ``parse_fault``; any other exception too, and its capture stays unfinished so that
   the next crawl parses it again.
3. ``StoreReportPipeline``: the parsed report through ``archive.store_report`` (a new
   version only when its bytes are new to that report), or a fault row with the reason;
   either finishes the capture in the same transaction.

No URL-named files and no delta-fetch: a revised PDF at the same URL has new bytes, so
a new sha256 and a new version. Archive writes run in ArchiveExtension's writer thread.
"""

from __future__ import annotations

import logging
import os
from functools import partial
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import NotConfigured

from crawler import config
from crawler.extensions import ArchiveExtension, ThreadLane
from crawler.items import Attachment, Capture, Fault, ReportPage
from crawler.spiders.links import without_extension
from storage.archive import CaptureFields, capture_columns
from storage.warc_http import header_value

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from crawler.portals import Portal
    from parsers.model import Region
    from parsers.parse_file import Hints
    from parsers.worker import Limits
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
        elif isinstance(item, Capture) and item.not_modified and item.validated:
            item.sha256 = item.validated["sha256"]  # the stored copy the 304 confirmed
            await self.archive.confirm(capture_columns(item.url, **self._fields(item)))
            self.crawler.stats.inc_value("nianbao/capture/not_modified")
        elif isinstance(item, Capture):
            item.sha256 = await self.archive.store_bytes(item.body)  # the bytes first, then the row that names them
            item.capture_id = await self.archive.write(self._record_capture, item)
            self.crawler.stats.inc_value("nianbao/capture/stored")
        return item

    def _record_capture(self, item: Capture) -> int:
        return self.archive.archive.record_capture(item.url, **self._fields(item))

    def _fields(self, item: Capture) -> CaptureFields:
        return CaptureFields(
            fetched_at=item.fetched_at,
            status=item.status,
            headers=item.headers,
            sha256=item.sha256,
            warc=self._warc(item),
            run_id=self.archive.run_id,
            referer=item.referer,
            portal_id=item.portal_id,
            method=item.request_method,
            unfinished={"list_url": item.list_url} if self.parsing and carries_report(item) else None,
            hints=document_hints(item, self.crawler).to_json() if carries_report(item) else None,
        )

    def _warc(self, item: Capture) -> Any:
        """Where crawler.warcrecords wrote the item's records (None with NIANBAO_WARC off)."""
        from storage.warc import WarcRef

        return WarcRef(**item.warc) if item.warc else None

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


class ParseReportPipeline:
    def __init__(self, crawler: Crawler, workers: int, limits: Limits) -> None:
        from parsers.worker import WorkerPool

        self.crawler = crawler
        self.lane = ThreadLane("nianbao-parse", workers)  # a thread waits on each worker
        self.pool = WorkerPool(workers, limits)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ParseReportPipeline:
        from parsers.worker import Limits

        settings = crawler.settings
        if not config.get_bool(settings, "NIANBAO_PARSE"):
            raise NotConfigured("NIANBAO_PARSE is off")
        workers = config.get_int(settings, "NIANBAO_PARSE_WORKERS") or os.cpu_count() or 1
        memory = config.get_int(settings, "NIANBAO_PARSE_MEMORY_MB") * 2**20
        return cls(crawler, workers, Limits(memory, config.get_float(settings, "NIANBAO_PARSE_TIMEOUT")))

    def open_spider(self) -> None:
        self.lane.start()

    def close_spider(self) -> None:
        self.lane.stop()
        self.pool.close()

    async def process_item(self, item: Any) -> Any:
        if not carries_report(item):
            return item
        from parsers.parse_file import parse_outcome

        work = partial(self.pool.parse, item.body, document_hints(item, self.crawler))
        item.parsed = outcome = await self.lane.run(parse_outcome, work)
        self.crawler.stats.inc_value(f"nianbao/parse/{outcome.kind}")
        if outcome.kind == "fault":
            self.crawler.stats.inc_value(f"nianbao/parse/fault/{outcome.fault}")
        elif outcome.retry:
            logger.error("%s: %s (recorded as a fault; parsed again next crawl)", item.url, outcome.detail)
        return item


def document_hints(item: ReportPage | Attachment, crawler: Crawler) -> Hints:
    """What the portal says of the item's document: its link text or page title, the
    report page's date, the portal's region."""
    from parsers.parse_file import Hints

    portal = getattr(crawler.spider, "portals", {}).get(item.portal_id)
    return Hints(title=title_hint(item), published=item.published_at, region=portal_region(portal))


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
