"""A crawl that stops when asked: Ctrl-C or SIGTERM once to finish, twice to stop at once.

``StopWhenAsked`` (no setting; on in every crawl) notes the first SIGINT or SIGTERM
(stat ``nianbao/interrupted``: its name, which ``nianbao crawl`` turns into exit status
128 + its number) and hands the signal on to Scrapy, which stops taking new requests and
waits for those in progress. What it would wait on for long is let go: requests queued
behind a host's block-page back-off or Crawl-delay end as faults ``interrupted``
(counted as ``nianbao/fault/interrupted``), and a retry's wait ends early (:func:`pause`).
Items in flight are still stored and WARC files closed. A second signal ends the
process at once (Scrapy's own "unclean shutdown" still waits for the engine, and so
could hang): what was committed stays committed, a WARC file left ``.open`` is closed by
the next crawl or ``nianbao repair``, and a document whose report was not yet stored is
parsed again by either (``storage.repair``).
"""

from __future__ import annotations

import os
import signal
from functools import partial
from time import monotonic
from types import FrameType
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.asyncio import create_looping_call, sleep
from twisted.python.failure import Failure

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

INTERRUPTED = "nianbao/interrupted"  # the signal's name
STOPPING = "nianbao/stopping"  # why the crawl winds down before its end: a signal's name, archive_unwritable
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
RELEASE_INTERVAL = 0.25  # seconds between looks for requests held in download slots, once asked to stop


class CrawlInterrupted(IgnoreRequest):
    """The crawl was asked to stop while this request waited its turn."""

    reason = "interrupted"  # of its fault row


def stopping(crawler: Crawler) -> bool:
    """Whether the crawl is winding down before its end (asked to, or its archive is full)."""
    return crawler.stats.get_value(STOPPING) is not None


async def pause(crawler: Crawler, seconds: float) -> None:
    """Sleep ``seconds``, or less if the crawl is asked to stop meanwhile."""
    end = monotonic() + seconds
    while (left := end - monotonic()) > 0 and not stopping(crawler):
        await sleep(min(left, RELEASE_INTERVAL))


class StopWhenAsked:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.loop = create_looping_call(self.release)
        crawler.signals.connect(self.engine_started, signal=signals.engine_started)
        crawler.signals.connect(self.engine_stopped, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StopWhenAsked:
        return cls(crawler)

    def engine_started(self) -> None:
        # Scrapy installs its handlers before the engine starts; ours goes in front of them.
        for number in STOP_SIGNALS:
            handler = signal.getsignal(number)
            if callable(handler):
                signal.signal(number, partial(self.asked, handler))

    def engine_stopped(self) -> None:
        if self.loop.running:
            self.loop.stop()

    def asked(self, handler: Any, number: int, frame: FrameType | None) -> None:
        from twisted.internet import reactor

        if self.crawler.stats.get_value(INTERRUPTED) is not None:
            # A second signal already pending: signal.signal() below (Scrapy's and ours) runs
            # pending handlers before it swaps them, so it lands here, not in at_once.
            self.at_once(number, frame)
        name = signal.Signals(number).name
        os.write(2, f"{name}: finishing what is in progress; send it again to stop at once\n".encode())
        self.crawler.stats.set_value(INTERRUPTED, name)
        reactor.callFromThread(self.wind_down, name)
        handler(number, frame)
        for each in STOP_SIGNALS:  # Scrapy's "forced" stop still waits for the engine: ours does not
            signal.signal(each, self.at_once)

    @staticmethod
    def at_once(number: int, frame: FrameType | None) -> None:
        """The second signal: exit now. Every row and raw file written so far is committed
        (what a kill -9 leaves is what the next crawl and ``nianbao repair`` expect)."""
        name = signal.Signals(number).name
        os.write(2, f"stopped at once by a second {name}: what was stored is kept; crawl again to go on\n".encode())
        os._exit(128 + number)

    def wind_down(self, reason: str) -> None:
        """From now on, nothing waits: queued requests end, retry waits are cut short."""
        if stopping(self.crawler):
            return
        self.crawler.stats.set_value(STOPPING, reason)
        self.loop.start(RELEASE_INTERVAL)

    def release(self) -> None:
        """End the requests that wait in a download slot: the stop would wait on them."""
        engine = self.crawler.engine
        if engine is None:
            return
        for slot in list(engine.downloader.slots.values()):
            while slot.queue:
                request, waiting = slot.queue.popleft()
                waiting.errback(Failure(CrawlInterrupted(f"the crawl was asked to stop before {request.url}")))
