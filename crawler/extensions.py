"""Extensions: the archive a crawl writes to, per-host politeness, progress lines.

- ``ArchiveExtension`` (NIANBAO_DB_URL, NIANBAO_ARCHIVE_DIR, NIANBAO_WARC) opens the
  archive once, at ``engine_started``, and closes it at ``engine_stopped``. Middlewares
  and pipelines reach it with ``crawler.get_extension(ArchiveExtension)``. Every archive
  write (raw bytes, rows, WARC records) runs in its one writer thread, in order, off the
  reactor; reads for conditional GET run where they are asked. The capture rows of ``304``
  answers are committed together (crawler.confirmations: NIANBAO_CONFIRMATIONS_BATCH,
  NIANBAO_CONFIRMATIONS_SECONDS).
- ``HostPoliteness`` (NIANBAO_CRAWL_DELAY_MAX) holds a host's download slot to the
  robots.txt ``Crawl-delay`` (Scrapy parses it since 2.18 but does not act on it) and,
  after a block page, leaves the host alone for a while: the back-off doubles with each
  block in a row (crawler.backoff keeps it, for every worker of a frontier). Its floor is
  applied after AutoThrottle's adjustment, so AutoThrottle can slow a host down but never
  below it.
- ``ConditionalAutoThrottle`` replaces Scrapy's AutoThrottle: it lets a ``304 Not
  Modified`` lower a host's delay as a ``200`` does (see the class).
- ``CrawlProgress`` (NIANBAO_PROGRESS_INTERVAL) writes one line per portal to stderr, then
  one per wait in force (``crawler.waits``): back-offs, Crawl-delays and retries, with
  their host, length and end.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterable, Mapping
from contextlib import suppress
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from threading import Thread
from time import monotonic, time
from typing import TYPE_CHECKING, Any, TypeVar

from scrapy import Request, signals
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.extensions.throttle import AutoThrottle
from scrapy.http import Response
from scrapy.utils.asyncio import call_later, create_looping_call
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from twisted.internet.threads import deferToThreadPool
from twisted.python.failure import Failure
from twisted.python.threadpool import ThreadPool

from crawler import config
from crawler.backoff import backoffs_for
from crawler.confirmations import Confirmations
from crawler.slots import DOWNLOAD_SLOT
from crawler.stopping import StopWhenAsked
from crawler.waits import Wait, describe, wait_started

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.robotstxt import RobotParser

    from storage.archive import Archive
    from storage.warc import WarcWriter

T = TypeVar("T")
logger = logging.getLogger(__name__)
ARCHIVE_UNWRITABLE = "nianbao/archive/unwritable"  # the stat with the one line; the spider closes with its last part
ITEM_ERRORS = "nianbao/item_error"
RAW_WRITERS = 4  # raw bytes synced to disk at once: a disk takes several syncs together in about the time of one


class _DaemonThreadPool(ThreadPool):
    # A crawl stopped at once (a second Ctrl-C) never runs close_spider, and Python waits
    # for every non-daemon thread before it exits: idle workers would hold it forever.
    threadFactory = partial(Thread, daemon=True)


class ThreadLane:
    """A bounded pool of threads that the reactor hands blocking work to, and awaits."""

    def __init__(self, name: str, threads: int) -> None:
        self.pool = _DaemonThreadPool(minthreads=0, maxthreads=max(1, threads), name=name)

    def start(self) -> None:
        self.pool.start()

    def stop(self) -> None:
        self.pool.stop()

    async def run(self, work: Callable[..., T], *args: Any) -> T:
        from twisted.internet import reactor

        return await maybe_deferred_to_future(deferToThreadPool(reactor, self.pool, work, *args))


class ArchiveExtension:
    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.db_url: str = config.get(settings, "NIANBAO_DB_URL")
        self.archive_dir = Path(config.get(settings, "NIANBAO_ARCHIVE_DIR"))
        self.write_warc = config.get_bool(settings, "NIANBAO_WARC")
        self.archive: Archive | None = None
        self.warc: WarcWriter | None = None
        self.run_id: int | None = None
        self.writer = ThreadLane("nianbao-archive", 1)  # one writer: rows and WARC records in order
        self.raw_writers = ThreadLane("nianbao-raw", RAW_WRITERS)
        seconds = config.get_float(settings, "NIANBAO_CONFIRMATIONS_SECONDS")
        self.confirmations = Confirmations(config.get_int(settings, "NIANBAO_CONFIRMATIONS_BATCH"), seconds)
        self.confirmations_timer = create_looping_call(self._commit_late_confirmations)
        self.failure: str | None = None  # why the archive cannot be written, once it cannot
        crawler.signals.connect(self.open, signal=signals.engine_started)
        crawler.signals.connect(self.close, signal=signals.engine_stopped)
        crawler.signals.connect(self.item_error, signal=signals.item_error)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchiveExtension:
        return cls(crawler)

    def open(self) -> None:
        from storage.archive import Archive
        from storage.warc import WarcWriter, recover_open_files

        self.archive = Archive.open(self.db_url, self.archive_dir)
        if self.write_warc:
            for name in recover_open_files(self.archive.warc_dir):
                logger.warning("closed %s, which a crawl that was stopped left open", name)
        self.warc = WarcWriter(self.archive.warc_dir) if self.write_warc else None
        portals = getattr(self.crawler.spider, "portals", {})
        self.run_id = self.archive.start_run(list(portals))
        self.writer.start()
        self.raw_writers.start()
        self.confirmations_timer.start(self.confirmations.seconds, now=False)

    def close(self) -> None:
        from storage.errors import ArchiveError

        if self.archive is None:
            return
        if self.confirmations_timer.running:
            self.confirmations_timer.stop()
        self.writer.stop()
        self.raw_writers.stop()
        try:
            self.confirmations.flush(self.archive)
            if self.warc is not None:
                self.warc.close()
            coverage = getattr(self.crawler.spider, "coverage", None)
            if coverage is not None:  # the spider's findings, kept with the run that found them
                self.archive.record_coverage([finding.row(self.run_id) for finding in coverage.findings()])
            stats = self.crawler.stats.get_stats()
            self.archive.finish_run(self.run_id, stats, portals=self._worked_on(stats))
        except (ArchiveError, OSError) as error:  # the archive that stopped the crawl, most likely
            logger.error("the crawl run could not be closed in the archive: %s", error)
        self.archive.close()
        self.archive = None

    def _worked_on(self, stats: dict[str, Any]) -> list[str] | None:
        """A frontier's worker: the portals whose pages it took (the others' are other workers')."""
        if not config.get(self.crawler.settings, "NIANBAO_FRONTIER"):
            return None
        portals = getattr(self.crawler.spider, "portals", {})
        return [p for p in portals if any(v for k, v in stats.items() if k.startswith(f"nianbao/portal/{p}/"))]

    async def write(self, work: Callable[..., T], *args: Any) -> T:
        """Run an archive write in the writer thread; await its result. When the archive
        can take no more writes, the crawl stops and the item ends here (DropItem)."""
        return await self._written(self.writer, work, *args)

    async def store_bytes(self, body: bytes) -> str:
        """Store raw bytes (content-addressed, synced to disk) and await their sha256.

        Not in the writer thread: syncing a file and its folder is most of the time a
        capture takes to store, and a row or a WARC record has nothing to wait for in it.
        The writer waits its turn behind whatever it was handed, and every answer's WARC
        record is handed to it while the download waits. The bytes are stored before the
        row that names them is handed to the writer, as ``Archive.record_capture`` requires."""
        return await self._written(self.raw_writers, self.archive.store_bytes, body)

    async def _written(self, lane: ThreadLane, work: Callable[..., T], *args: Any) -> T:
        from storage.errors import ArchiveUnwritable

        try:
            return await lane.run(work, *args)
        except ArchiveUnwritable as error:
            self.unwritable(error)
            raise DropItem(str(error), log_level="DEBUG") from error

    async def confirm(self, row: Mapping[str, Any]) -> None:
        """The capture row of a ``304``, committed with others (crawler.confirmations says why that is safe)."""
        await self.write(self.confirmations.add, self.archive, row)

    def _commit_late_confirmations(self) -> None:
        deferred_from_coro(self._commit_due_confirmations())  # queued in the writer thread behind the writes before it

    async def _commit_due_confirmations(self) -> None:
        with suppress(DropItem):  # the archive takes no more writes: unwritable() has stopped the crawl
            await self.write(self.confirmations.flush_due, self.archive)

    def unwritable(self, error: Exception) -> None:
        """Stop the crawl, once, with one line: every later write would fail the same way."""
        if self.failure is not None:
            return
        self.failure = str(error)
        self.crawler.stats.set_value(ARCHIVE_UNWRITABLE, self.failure)
        logger.error("stopping the crawl: %s", self.failure)
        stop = self.crawler.get_extension(StopWhenAsked)
        if stop is not None:
            stop.wind_down(ARCHIVE_UNWRITABLE.rsplit("/", 1)[1])
        deferred_from_coro(self.crawler.engine.close_spider_async(reason=ARCHIVE_UNWRITABLE.rsplit("/", 1)[1]))

    async def item_error(self, item: Any, response: Any, spider: Any, failure: Failure) -> None:
        """An item a pipeline failed on unexpectedly: a fault row, counted, so nothing is dropped
        in silence. Its capture stays unfinished, so the next crawl processes it again."""
        from crawler.items import Capture
        from parsers.parse_file import describe_error

        self.crawler.stats.inc_value(ITEM_ERRORS)
        if isinstance(item, Capture) and item.sha256 is not None and self.failure is None:
            detail = describe_error(failure.value)
            await self.write(self._record_item_error, item, detail)

    def _record_item_error(self, item: Any, detail: str) -> None:
        self.archive.record_capture(
            item.url,
            fetched_at=item.fetched_at,
            sha256=item.sha256,
            fault="item_error",
            reason=detail,
            run_id=self.run_id,
            referer=item.referer,
            portal_id=item.portal_id,
        )

    # -- what conditional GET reads ---------------------------------------------------

    def latest_validators(self, url: str) -> Validated | None:
        return self.validators_of([url]).get(url)

    def validators_of(self, urls: Iterable[str]) -> dict[str, Validated]:
        """The validators of many URLs, in one query: a URL that has none is left out."""
        found = self.archive.latest_validators_of(urls) if self.archive else {}
        return {
            url: Validated(v.etag, v.last_modified, v.sha256, asdict(v.warc) if v.warc else None)
            for url, v in found.items()
            if v.sha256 is not None
        }

    def has_copy(self, sha256: str) -> bool:
        from storage.errors import ArchiveError

        try:
            return self.archive is not None and self.archive.raw_path(sha256).is_file()
        except ArchiveError:  # not a sha256: no copy of it
            return False

    def stored_bytes(self, sha256: str) -> bytes | None:
        from storage.errors import ArchiveError

        try:
            return self.archive.read_bytes(sha256) if self.archive else None
        except (ArchiveError, OSError):
            return None


@dataclass(frozen=True, slots=True)
class Validated:
    """What a conditional request is sent with, and what its 304 will refer to."""

    etag: str | None
    last_modified: str | None
    sha256: str
    warc: dict[str, Any] | None  # the response record a revisit refers to (storage.warc.PriorRecord)

    def as_meta(self) -> dict[str, Any]:
        return {"sha256": self.sha256, "warc": self.warc}  # plain data: requests are pickled to JOBDIR


class ConditionalAutoThrottle(AutoThrottle):
    """AutoThrottle that takes a 304 Not Modified for the full answer it stands for.

    Scrapy's AutoThrottle never lowers a delay on a non-200 response, since error pages
    are small and fast. But 304 is how an incremental recrawl is answered: one slow page
    raised the host's delay and every 304 after it kept it there, which made a recrawl of
    an unchanged world slower than the first crawl.
    """

    def _adjust_delay(self, slot: Any, latency: float, response: Response) -> None:
        super()._adjust_delay(slot, latency, response.replace(status=200) if response.status == 304 else response)


class HostPoliteness:
    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.user_agent = settings.get("ROBOTSTXT_USER_AGENT") or settings.get("USER_AGENT")
        self.max_crawl_delay = config.get_float(settings, "NIANBAO_CRAWL_DELAY_MAX")
        self.backoffs = backoffs_for(settings)
        self.crawl_delays: dict[str, float] = {}
        self.blocked: dict[str, tuple[float, float]] = {}  # slot -> (until, seconds)
        self.saved_delays: dict[str, float] = {}
        crawler.signals.connect(self.robots_parsed, signal=signals.robots_parsed)
        crawler.signals.connect(self.request_reached_downloader, signal=signals.request_reached_downloader)
        crawler.signals.connect(self.response_downloaded, signal=signals.response_downloaded)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HostPoliteness:
        return cls(crawler)

    # -- signals ----------------------------------------------------------------------

    def robots_parsed(self, robotparser: RobotParser, request: Request) -> None:
        delay = robotparser.crawl_delay(self.user_agent)
        if delay:
            key = self.crawler.engine.downloader.get_slot_key(request)
            self.crawl_delays[key] = min(float(delay), self.max_crawl_delay)
            self.crawler.stats.inc_value("nianbao/robots/crawl_delay_hosts")

    def request_reached_downloader(self, request: Request, spider: Any = None) -> None:
        self.enforce(request.meta.get(DOWNLOAD_SLOT, ""))

    def response_downloaded(self, response: Response, request: Request, spider: Any = None) -> None:
        self.enforce(request.meta.get(DOWNLOAD_SLOT, ""))

    # -- what the block-page middleware reports ---------------------------------------

    def back_off(self, key: str) -> float:
        """A block page from this host: no request to it for a while (longer each time in a row)."""
        seconds = self.backoffs.block(key).seconds
        slot = self.crawler.engine.downloader.slots.get(key)
        if slot is not None:
            self.saved_delays.setdefault(key, slot.delay)
            slot.lastseen = monotonic()  # Scrapy counts a delay from here: the wait starts at this answer
        self.blocked[key] = (monotonic() + seconds, seconds)
        self.enforce(key)
        call_later(seconds, self._lift, key)
        self.crawler.stats.inc_value("nianbao/backoff/count")
        self.crawler.stats.max_value("nianbao/backoff/max_seconds", seconds)
        return seconds

    def answered(self, key: str) -> None:
        """A real answer from this host: the next block starts the back-off afresh."""
        self.backoffs.answered(key)

    # -- the floor of a slot's delay --------------------------------------------------

    def floor(self, key: str) -> float:
        until, seconds = self.blocked.get(key, (0.0, 0.0))
        return max(self.crawl_delays.get(key, 0.0), seconds if monotonic() < until else 0.0)

    def enforce(self, key: str) -> None:
        slot = self.crawler.engine.downloader.slots.get(key)
        floor = self.floor(key)
        if slot is None or not floor:
            return
        # Scrapy randomises each wait by ±jitter: ask for enough that the shortest is the floor.
        needed = floor / (1 - min(slot.jitter, 0.9))
        if slot.delay < needed:
            slot.delay = needed

    def _lift(self, key: str) -> None:
        until, _ = self.blocked.get(key, (0.0, 0.0))
        if monotonic() + 0.01 < until:
            return  # a later block extended it; that one's timer lifts it
        self.blocked.pop(key, None)
        slot = self.crawler.engine.downloader.slots.get(key)
        saved = self.saved_delays.pop(key, None)
        if slot is not None and saved is not None:
            slot.delay = saved
            self.enforce(key)


class CrawlProgress:
    def __init__(self, crawler: Crawler, interval: float) -> None:
        self.crawler, self.interval = crawler, interval
        self.loop = create_looping_call(self.report)
        self.retries: list[Wait] = []
        crawler.signals.connect(self.start, signal=signals.engine_started)
        crawler.signals.connect(self.stop, signal=signals.engine_stopped)
        crawler.signals.connect(self.wait_started, signal=wait_started)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlProgress:
        interval = config.get_float(crawler.settings, "NIANBAO_PROGRESS_INTERVAL")
        if interval <= 0:
            raise NotConfigured("NIANBAO_PROGRESS_INTERVAL is 0")
        return cls(crawler, interval)

    def start(self) -> None:
        self.loop.start(self.interval, now=False)

    def stop(self) -> None:
        if self.loop.running:
            self.loop.stop()

    def wait_started(self, wait: Wait) -> None:
        self.retries.append(wait)

    def report(self) -> None:
        stats = self.crawler.stats
        for portal_id in getattr(self.crawler.spider, "portals", {}):
            counts = [stats.get_value(f"nianbao/portal/{portal_id}/{what}", 0) for what in PROGRESS_COUNTS]
            fields = " ".join(f"{what}={count}" for what, count in zip(PROGRESS_COUNTS, counts, strict=True))
            sys.stderr.write(f"progress {portal_id}: {fields}\n")
        coverage = getattr(self.crawler.spider, "coverage", None)
        short = len(coverage.findings()) if coverage is not None else 0
        if short:  # provisional: a list's later pages may still reach the rest
            sys.stderr.write(f"coverage: {short} list(s) state more entries than reached so far\n")
        now = time()
        self.retries = [wait for wait in self.retries if wait.until > now]
        for line in describe([*self.retries, *self.politeness_waits(now)], now):
            sys.stderr.write(f"waiting {line}\n")
        sys.stderr.flush()

    def politeness_waits(self, now: float) -> list[Wait]:
        """The back-offs (every worker's, with a frontier) and Crawl-delays HostPoliteness holds hosts to, as waits."""
        politeness = self.crawler.get_extension(HostPoliteness)
        if politeness is None:
            return []
        waits = [Wait(b.host, "block page back-off", b.seconds, b.until) for b in politeness.backoffs.in_force()]
        slots = self.crawler.engine.downloader.slots if self.crawler.engine else {}
        for host, delay in politeness.crawl_delays.items():
            slot = slots.get(host)
            if slot is not None and slot.queue:  # a request is held back by it
                left = slot.lastseen + delay - monotonic() if slot.lastseen else delay  # lastseen: monotonic
                waits.append(Wait(host, "robots.txt Crawl-delay", delay, now + left))
        return waits


PROGRESS_COUNTS = ("pages", "reports", "attachments", "faults")
