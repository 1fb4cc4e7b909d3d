"""Per-host politeness shared by every worker of a frontier (``NIANBAO_FRONTIER``).

Each worker's Scrapy holds a host to ``CONCURRENT_REQUESTS_PER_DOMAIN`` requests in
flight and to its delay, but only its own: four workers were four times as many. This
downloader middleware, last before the download handler, asks Redis for one of the
host's slots before a request leaves and gives it back when the answer (or the fault)
arrives. A slot is granted when fewer than ``CONCURRENT_REQUESTS_PER_DOMAIN`` are held
and the host's next start time has come; granting one moves that time on by the host's
delay: ``DOWNLOAD_DELAY`` or the robots.txt Crawl-delay ``HostPoliteness`` knows,
whichever is longer. A held slot expires after ``NIANBAO_FRONTIER_LEASE`` seconds, so a
worker that dies does not hold its hosts for ever. Redis's clock decides, so workers on
several machines agree. A host that a worker met a block page from is backed off for
all of them (crawler.backoff): no slot is granted until its back-off ends, and a crawl
asked to stop ends the requests that wait for it (``interrupted``). Counts:
``nianbao/hostslots/waited_seconds``, ``nianbao/backoff/waited_seconds``.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.utils.asyncio import sleep
from scrapy.utils.httpobj import urlparse_cached

from crawler import config
from crawler.backoff import backoff_key
from crawler.frontier import host_key, redis_for
from crawler.slots import DOWNLOAD_SLOT, host_slot
from crawler.stopping import CrawlInterrupted, pause, stopping

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

SLOT = "nianbao_hostslot"  # request meta: (host key, token) of the slot it holds
POLL = 0.05  # seconds between two asks while every slot of the host is held

# KEYS: the host's held slots (zset token -> expiry), its next start time, its back-off
# (hash, crawler.backoff). ARGV: most in flight, delay, expiry, token. Returns {"granted", 0},
# or why not and the seconds to wait: {"backoff", s}, {"full", -1}, {"delay", s}.
_ACQUIRE = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1e6
local ends = tonumber(redis.call('HGET', KEYS[3], 'until') or '0')
if now < ends then return {'backoff', tostring(ends - now)} end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return {'full', '-1'} end
local next_start = tonumber(redis.call('GET', KEYS[2]) or '0')
if now < next_start then return {'delay', tostring(next_start - now)} end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[4])
redis.call('SET', KEYS[2], tostring(now + tonumber(ARGV[2])), 'EX', 86400)
return {'granted', '0'}
"""


class SharedHostSlots:
    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.settings = settings
        self.server = redis_for(settings)
        self.most = settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN")
        self.download_delay = settings.getfloat("DOWNLOAD_DELAY")
        self.expiry = config.get_float(settings, "NIANBAO_FRONTIER_LEASE")
        self._acquire = self.server.register_script(_ACQUIRE)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedHostSlots:
        if not config.get(crawler.settings, "NIANBAO_FRONTIER"):
            raise NotConfigured("no NIANBAO_FRONTIER")
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        host = urlparse_cached(request).netloc
        token = uuid.uuid4().hex
        keys = [host_key(self.settings, host, "held"), host_key(self.settings, host, "next")]
        keys.append(backoff_key(self.settings, self.slot_key(request)))
        while True:
            what, seconds = self._acquire(keys=keys, args=[self.most, self.delay(request), self.expiry, token])
            if what == b"granted":
                request.meta[SLOT] = (keys[0], token)
                return
            if what == b"backoff":
                await self.back_off(request, float(seconds))
                continue
            wait = POLL if what == b"full" else float(seconds)
            self.crawler.stats.inc_value("nianbao/hostslots/waited_seconds", wait)
            await sleep(wait)

    async def back_off(self, request: Request, seconds: float) -> None:
        """Wait out the host's back-off, which another worker may have started; a stop ends the wait."""
        self.crawler.stats.inc_value("nianbao/backoff/waited_seconds", seconds)
        await pause(self.crawler, seconds)
        if stopping(self.crawler):
            raise CrawlInterrupted(f"the crawl was asked to stop while {request.url} waited for a back-off")

    def process_response(self, request: Request, response: Response) -> Response:
        self.release(request)
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        self.release(request)

    def release(self, request: Request) -> None:
        held = request.meta.pop(SLOT, None)
        if held:
            self.server.zrem(*held)

    def delay(self, request: Request) -> float:
        """Seconds between two request starts to this host: the download delay or Crawl-delay."""
        from crawler.extensions import HostPoliteness

        politeness = self.crawler.get_extension(HostPoliteness)
        # Not HostPoliteness.floor: a back-off is waited out above, and is no delay after it.
        crawl_delay = politeness.crawl_delays.get(self.slot_key(request), 0.0) if politeness else 0.0
        return max(self.download_delay, crawl_delay)

    @staticmethod
    def slot_key(request: Request) -> str:
        """The key HostPoliteness holds a host's delays and back-off under: the spider names its
        requests' download slot by host and port, and Scrapy's own (robots.txt) get the same here."""
        return request.meta.get(DOWNLOAD_SLOT) or host_slot(request.url)
