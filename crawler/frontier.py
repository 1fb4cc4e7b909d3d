"""The shared frontier: any number of crawl workers on one Redis, built on scrapy-redis.

``nianbao crawl --frontier redis://HOST:6379/N`` swaps Scrapy's scheduler for
scrapy-redis's, with three gaps of stock scrapy-redis closed:

- **Leases** (``LeasedQueue``): a request a worker takes is leased, not removed, for
  ``NIANBAO_FRONTIER_LEASE`` seconds; ``LeaseKeeper`` returns the lease once the
  request's callback has run and every item it yielded has left the pipelines. A
  lease that expires (its worker died) puts the request back for another worker.
- **Rounds** (``RoundDupeFilter``): the seen-set is one per round. ``nianbao schedule
  --frontier`` starts a new round for the portals it enqueues; a request carries its
  round in ``meta`` and hands it to the requests its response yields, so a scheduled
  recrawl fetches every page again while a round never fetches one twice.
- **Global politeness** lives in ``crawler.hostslots``; robots.txt in ``crawler.robots``.

Keys, all under ``NIANBAO_FRONTIER_KEY`` (``<key>:portal:tasks`` …), so that several
frontiers share one Redis database. ``FrontierIdle`` ends a worker once the frontier
(queued and leased) has stayed empty for ``NIANBAO_IDLE_EXIT`` seconds (0: never).
"""

from __future__ import annotations

import uuid
from collections import Counter
from time import monotonic
from typing import TYPE_CHECKING, Any

from scrapy import Request, signals
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import Base
from scrapy_redis.scheduler import Scheduler

from crawler import config
from crawler.items import Fault
from crawler.routes import route_fingerprint
from crawler.stopping import CrawlInterrupted

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from redis import Redis
    from scrapy.crawler import Crawler
    from scrapy.http import Response

LEASE = "nianbao_lease"  # request meta: the token of the request's task in the frontier
ROUND = "nianbao_round"  # request meta: the crawl round the request belongs to
SEEN_TTL = 90 * 86400  # seconds a round's seen-set is kept after its last addition

# Put expired leases back (first in line), then lease the next task. Redis's own clock,
# so that workers on machines with different clocks agree on when a lease ends.
_POP = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1e6
for _, token in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now)) do
  redis.call('ZREM', KEYS[3], token)
  redis.call('RPUSH', KEYS[2], token)
end
while true do
  local token = redis.call('RPOP', KEYS[2])
  if not token then return nil end
  local task = redis.call('HGET', KEYS[1], token)
  if task then
    redis.call('ZADD', KEYS[3], now + tonumber(ARGV[1]), token)
    return {token, task}
  end
end
"""


class FrontierKeys:
    """The Redis keys of one spider's frontier, all under ``<NIANBAO_FRONTIER_KEY>:<spider>``."""

    def __init__(self, base: str) -> None:
        self.requests = f"{base}:requests"  # scrapy-redis's queue key; the queue's own keys sit beside it
        self.tasks, self.queued, self.leased = f"{base}:tasks", f"{base}:queued", f"{base}:leased"
        self.round, self.seen = f"{base}:round", f"{base}:seen"

    @classmethod
    def of(cls, settings: Any, spider_name: str) -> FrontierKeys:
        return cls(f"{config.get(settings, 'NIANBAO_FRONTIER_KEY')}:{spider_name}")

    def size(self, server: Redis) -> int:
        """Tasks queued or leased: 0 when no worker has, or will have, anything to do."""
        return server.llen(self.queued) + server.zcard(self.leased)

    def release(self, server: Redis, token: str) -> None:
        server.pipeline().zrem(self.leased, token).hdel(self.tasks, token).execute()

    def give_back(self, server: Redis, token: str) -> None:
        """The task is not done: first in line again, for whichever worker asks next."""
        server.pipeline().zrem(self.leased, token).rpush(self.queued, token).execute()

    def current_round(self, server: Redis) -> int:
        server.setnx(self.round, 1)
        return int(server.get(self.round))

    def next_round(self, server: Redis) -> int:
        return int(server.incr(self.round))


class LeasedQueue(Base):
    """scrapy-redis's queue interface over tasks that are leased, not popped."""

    def __init__(self, server: Redis, spider: Any, key: str, serializer: Any = None) -> None:
        super().__init__(server, spider, key, serializer)
        self.keys = FrontierKeys(key.removesuffix(":requests"))
        self._pop = server.register_script(_POP)

    def __len__(self) -> int:
        return self.server.llen(self.keys.queued)

    def push(self, request: Request) -> None:
        replaced = request.meta.get(LEASE)  # a retry or redirect takes its request's place
        token = uuid.uuid4().hex
        request.meta[LEASE] = token
        pipe = self.server.pipeline()
        pipe.hset(self.keys.tasks, token, self._encode_request(request)).lpush(self.keys.queued, token)
        if replaced:
            pipe.zrem(self.keys.leased, replaced).hdel(self.keys.tasks, replaced)
        pipe.execute()

    def pop(self, timeout: int = 0) -> Request | None:
        lease = config.get_float(self.spider.crawler.settings, "NIANBAO_FRONTIER_LEASE")
        found = self._pop(keys=[self.keys.tasks, self.keys.queued, self.keys.leased], args=[lease])
        if not found:
            return None
        token, task = found
        request = self._decode_request(task)
        request.meta[LEASE] = token.decode() if isinstance(token, bytes) else token
        return request

    def clear(self) -> None:
        self.server.delete(self.keys.tasks, self.keys.queued, self.keys.leased)


class RoundDupeFilter(RFPDupeFilter):
    """One seen-set per round: a request is new if its round has not seen it."""

    def request_seen(self, request: Request) -> bool:
        key = f"{self.key}:{request.meta.get(ROUND, 0)}"
        added = self.server.sadd(key, self.request_fingerprint(request))
        self.server.expire(key, SEEN_TTL)
        return added == 0

    def request_fingerprint(self, request: Request) -> str:
        """The crawl's own fingerprint (a report's hash route kept), not scrapy-redis's."""
        return route_fingerprint(request).hex()


class FrontierScheduler(Scheduler):
    """scrapy-redis's scheduler; a request without a round joins the frontier's current one."""

    def open(self, spider: Any) -> None:
        super().open(spider)
        self.round = FrontierKeys.of(spider.crawler.settings, spider.name).current_round(self.server)

    def close(self, reason: str) -> None:
        """The frontier outlives every worker: nothing is flushed."""

    def enqueue_request(self, request: Request) -> bool:
        request.meta.setdefault(ROUND, self.round)
        return super().enqueue_request(request)


def frontier_settings(url: str, prefix: str) -> dict[str, Any]:
    """The Scrapy settings that make a crawl one worker of the frontier at ``url``."""
    return {
        "SCHEDULER": "crawler.frontier.FrontierScheduler",
        "SCHEDULER_QUEUE_CLASS": "crawler.frontier.LeasedQueue",
        "SCHEDULER_QUEUE_KEY": f"{prefix}:%(spider)s:requests",
        "SCHEDULER_DUPEFILTER_KEY": f"{prefix}:%(spider)s:seen",
        "DUPEFILTER_CLASS": "crawler.frontier.RoundDupeFilter",
        "SCHEDULER_PERSIST": True,
        "REDIS_URL": url,
        "NIANBAO_FRONTIER": url,
        "NIANBAO_FRONTIER_KEY": prefix,
    }


def host_key(settings: Any, host: str, part: str) -> str:
    """One of a host's keys, shared by every spider of the frontier: its ``held`` slots and
    ``next`` start time (crawler.hostslots), its block-page ``backoff`` (crawler.backoff)."""
    return f"{config.get(settings, 'NIANBAO_FRONTIER_KEY')}:host:{host}:{part}"


def redis_for(settings: Any) -> Redis:
    from scrapy_redis.connection import from_settings

    return from_settings(settings)


class LeaseKeeper:
    """Spider middleware: returns a request's lease once its work is done.

    Done means its callback's output was read to the end (its requests are in the
    frontier by then) and each item it yielded left the pipelines; a fault's item
    stands for the request that failed. The requests a response yields inherit its round.
    A request the worker gave up because it was asked to stop (a fault ``interrupted``) is
    not done: its task goes back to the frontier for another worker, not out of it.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.server = redis_for(crawler.settings)
        self.keys: FrontierKeys | None = None
        self.items: Counter[str] = Counter()  # lease -> items in the pipelines
        self.reading: set[str] = set()  # leases whose callback output is still being read
        self.unfinished: set[str] = set()  # leases of requests interrupted by a stop
        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
            crawler.signals.connect(self.item_done, signal=signal)
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LeaseKeeper:
        if not config.get(crawler.settings, "NIANBAO_FRONTIER"):
            raise NotConfigured("no NIANBAO_FRONTIER")
        return cls(crawler)

    def spider_opened(self, spider: Any) -> None:
        self.keys = FrontierKeys.of(self.crawler.settings, spider.name)

    async def process_spider_output(self, response: Response, result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        parent = response.request.meta if response.request is not None else {}
        token = parent.get(LEASE)
        if token:
            self.reading.add(token)
        try:
            async for element in result:
                if isinstance(element, Request):
                    if ROUND in parent:
                        element.meta.setdefault(ROUND, parent[ROUND])
                elif token:
                    self.items[token] += 1
                yield element
        finally:  # a callback that raised is done too (Scrapy logs it); leased again, it would raise again
            if token:
                self.reading.discard(token)
                self._settle(token)

    def item_done(self, item: Any, response: Any, spider: Any = None, **_: Any) -> None:
        request = getattr(response, "request", None)
        token = request.meta.get(LEASE) if request is not None else None
        if not token:
            return
        if isinstance(item, Fault) and item.reason == CrawlInterrupted.reason:
            self.unfinished.add(token)
        self.items[token] -= 1
        self._settle(token)

    def _settle(self, token: str) -> None:
        if token in self.reading or self.items[token] > 0:
            return
        self.items.pop(token, None)
        if self.keys is None:
            return
        if token in self.unfinished:
            self.unfinished.discard(token)
            self.keys.give_back(self.server, token)
        else:
            self.keys.release(self.server, token)


class FrontierIdle:
    """Ends a worker once the frontier has been empty for NIANBAO_IDLE_EXIT seconds."""

    def __init__(self, crawler: Crawler, seconds: float) -> None:
        self.crawler, self.seconds = crawler, seconds
        self.server = redis_for(crawler.settings)
        self.empty_since: float | None = None
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FrontierIdle:
        if not config.get(crawler.settings, "NIANBAO_FRONTIER"):
            raise NotConfigured("no NIANBAO_FRONTIER")
        return cls(crawler, config.get_float(crawler.settings, "NIANBAO_IDLE_EXIT"))

    def spider_idle(self, spider: Any) -> None:
        keys = FrontierKeys.of(self.crawler.settings, spider.name)
        if keys.size(self.server):
            self.empty_since = None
            raise DontCloseSpider
        self.empty_since = self.empty_since or monotonic()
        if self.seconds <= 0 or monotonic() - self.empty_since < self.seconds:
            raise DontCloseSpider


def seed(settings: Any, spider: Any, requests: list[Request]) -> tuple[int, int]:
    """Start a new round of the frontier with these requests (a scheduled crawl's start
    pages): the round's number and how many were queued."""
    server = redis_for(settings)
    keys = FrontierKeys.of(settings, spider.name)
    number = keys.next_round(server)
    queue = LeasedQueue(server, spider, keys.requests)
    seen = RoundDupeFilter(server, key=keys.seen)
    queued = 0
    for request in requests:
        request.meta[ROUND] = number
        if not seen.request_seen(request):
            queue.push(request)
            queued += 1
    return number, queued


def seed_portals(settings: Any, portals: list[Any]) -> tuple[int, int]:
    """A new round that crawls these portals (``crawler.portals.Portal``): its number, requests queued."""
    from crawler.spiders.portal import PortalSpider

    spider = PortalSpider(tuple(portals))
    return seed(settings, spider, [request for portal in portals for request in spider.portal_requests(portal)])


def check_frontier(url: str) -> None:
    """FrontierError with one line unless a Redis answers at ``url``."""
    from redis import Redis
    from redis.exceptions import RedisError

    try:
        Redis.from_url(url, socket_connect_timeout=3).ping()
    except (RedisError, ValueError) as error:
        raise FrontierError(f"no frontier at {url}: {error}") from error


class FrontierError(RuntimeError):
    """The frontier's Redis cannot be used; the message is one line."""
