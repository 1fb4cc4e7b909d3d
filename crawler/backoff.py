"""How long a host is left alone after a block page: one record per host, kept in one place.

A block page (crawler.middlewares.BlockPageMiddleware) backs its host off for
``NIANBAO_BLOCK_BACKOFF`` seconds, doubled per block in a row up to
``NIANBAO_BLOCK_BACKOFF_MAX``; a real answer starts the count afresh. Where the record
lives depends on the crawl:

- alone (no ``NIANBAO_FRONTIER``): :class:`LocalBackoffs`, in this process;
- one worker of a shared frontier: :class:`SharedBackoffs`, in the frontier's Redis
  beside the host's slots (``crawler.hostslots``), so that a block one worker meets holds
  every worker back: their host-slot requests wait until the back-off's end. Redis's
  clock decides, as it does for the slots.

``HostPoliteness`` (crawler.extensions) reports blocks and answers through
:func:`backoffs_for` and holds its own download slot; ``CrawlProgress`` lists
:meth:`in_force` as waits.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from time import time
from typing import TYPE_CHECKING, Protocol

from crawler import config
from crawler.frontier import host_key, redis_for

if TYPE_CHECKING:
    from redis import Redis
    from scrapy.settings import BaseSettings

KEEP_COUNT = 86400  # seconds a host's blocks-in-a-row count outlives its back-off's end


@dataclass(frozen=True, slots=True)
class BackOff:
    host: str  # the download slot's key: host[:port]
    seconds: float
    until: float  # wall-clock time, as time.time() gives it on this machine


def backoff_seconds(blocks_in_a_row: int, base: float, most: float) -> float:
    return min(base * 2 ** (blocks_in_a_row - 1), most)


class Backoffs(Protocol):
    def block(self, host: str) -> BackOff:
        """A block page from ``host``: its back-off from now (longer each time in a row)."""

    def answered(self, host: str) -> None:
        """A real answer from ``host``: the next block starts the back-off afresh."""

    def in_force(self) -> list[BackOff]:
        """The back-offs not over yet."""


class LocalBackoffs:
    def __init__(self, base: float, most: float) -> None:
        self.base, self.most = base, most
        self.blocks: Counter[str] = Counter()
        self.current: dict[str, BackOff] = {}

    def block(self, host: str) -> BackOff:
        self.blocks[host] += 1
        seconds = backoff_seconds(self.blocks[host], self.base, self.most)
        before = self.current.get(host)
        until = max(time() + seconds, before.until if before else 0.0)
        self.current[host] = BackOff(host, seconds, until)
        return self.current[host]

    def answered(self, host: str) -> None:
        self.blocks.pop(host, None)

    def in_force(self) -> list[BackOff]:
        now = time()
        return [backoff for backoff in self.current.values() if backoff.until > now]


# KEYS: the host's back-off (hash: until, seconds, since, blocks), the frontier's index of
# back-offs (zset host -> until). ARGV: host, seconds, how long the count outlives them.
# A back-off never ends earlier than one already in force. Returns {until, now} by Redis's clock.
_EXTEND = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1e6
local ends = math.max(now + tonumber(ARGV[2]), tonumber(redis.call('HGET', KEYS[1], 'until') or '0'))
redis.call('HSET', KEYS[1], 'until', tostring(ends), 'seconds', ARGV[2], 'since', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(ends - now) + tonumber(ARGV[3]))
redis.call('ZADD', KEYS[2], ends, ARGV[1])
return {tostring(ends), tostring(now)}
"""


class SharedBackoffs:
    def __init__(self, server: Redis, settings: BaseSettings, base: float, most: float) -> None:
        self.server, self.settings = server, settings
        self.base, self.most = base, most
        self.index = f"{config.get(settings, 'NIANBAO_FRONTIER_KEY')}:backoffs"
        self._extend = server.register_script(_EXTEND)

    def block(self, host: str) -> BackOff:
        key = backoff_key(self.settings, host)
        seconds = backoff_seconds(int(self.server.hincrby(key, "blocks", 1)), self.base, self.most)
        until, now = map(float, self._extend(keys=[key, self.index], args=[host, seconds, KEEP_COUNT]))
        return BackOff(host, seconds, time() + until - now)

    def answered(self, host: str) -> None:
        self.server.hdel(backoff_key(self.settings, host), "blocks")

    def in_force(self) -> list[BackOff]:
        clock, micro = self.server.time()
        now = clock + micro / 1e6
        self.server.zremrangebyscore(self.index, "-inf", now)
        hosts = [host.decode() for host in self.server.zrangebyscore(self.index, now, "+inf")]
        pipe = self.server.pipeline()
        for host in hosts:
            pipe.hmget(backoff_key(self.settings, host), "until", "seconds")
        return [
            BackOff(host, float(seconds), time() + float(until) - now)
            for host, (until, seconds) in zip(hosts, pipe.execute(), strict=True)
            if until is not None and seconds is not None
        ]


def backoff_key(settings: BaseSettings, host: str) -> str:
    """The Redis hash of a host's back-off: ``until`` and ``since`` by Redis's clock, ``seconds``, ``blocks``."""
    return host_key(settings, host, "backoff")


def backoffs_for(settings: BaseSettings) -> Backoffs:
    """The frontier's back-offs for one of its workers; this process's for a crawl alone."""
    base = config.get_float(settings, "NIANBAO_BLOCK_BACKOFF")
    most = config.get_float(settings, "NIANBAO_BLOCK_BACKOFF_MAX")
    if config.get(settings, "NIANBAO_FRONTIER"):
        return SharedBackoffs(redis_for(settings), settings, base, most)
    return LocalBackoffs(base, most)
