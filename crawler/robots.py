"""robots.txt as RFC 9309 reads it, for every worker: an unreadable one allows nothing.

Scrapy's RobotsTxtMiddleware parses whatever body ``/robots.txt`` answered with, and
allows everything when the request fails. So a 503 error page, a block page (which
``BlockPageMiddleware`` raises as ``BlockedPage``) or a refused connection let a crawl
fetch what the real robots.txt disallows; with many workers on one frontier, the worker
that met the failure fetched it. RFC 9309 section 2.3.1:

- 2xx: the rules as written;
- 4xx ("unavailable"): the crawler may access any resource;
- 5xx or unreachable ("unreachable"): the crawler must assume complete disallow.

``RobotsStatusMiddleware`` (a downloader middleware below the retry middleware, so it
sees the answer retries ended with) rewrites the body of a robots.txt answer by its
status; ``Rfc9309RobotsTxtMiddleware`` replaces Scrapy's and takes a failed request for
complete disallow. They count robots.txt answers read as ``nianbao/robots/unavailable``
(4xx) or ``unreachable`` (5xx), and hosts whose robots.txt could not be fetched as
``nianbao/robots/assumed_disallow``; a request to such a host ends in ``RobotsUnreachable``,
which carries why the fetch failed (when the download said so) for the caller to report.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from scrapy import Request
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler, load_object

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.robotstxt import RobotParser

DISALLOW_ALL = b"User-agent: *\nDisallow: /\n"


def robots_body(status: int, body: bytes) -> bytes:
    """What a robots.txt answer with this status means, as robots.txt text."""
    if status >= 500:
        return DISALLOW_ALL
    if status >= 400:
        return b""
    return body


def is_robots_request(request: Request) -> bool:
    return bool(request.meta.get("dont_obey_robotstxt")) and request.url.endswith("/robots.txt")


class RobotsStatusMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RobotsStatusMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if not is_robots_request(request) or response.status < 400:
            return response
        self.stats.inc_value(f"nianbao/robots/{'unreachable' if response.status >= 500 else 'unavailable'}")
        return response.replace(body=robots_body(response.status, response.body))


class RobotsUnreachable(IgnoreRequest):
    """The host's robots.txt could not be fetched, so nothing of the host is (RFC 9309)."""

    def __init__(self, netloc: str, cause: Exception | None) -> None:
        why = f": {cause}" if cause else ""
        super().__init__(f"Forbidden by robots.txt: {netloc}/robots.txt could not be fetched{why}")
        self.cause = cause


class Rfc9309RobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, except that a robots.txt it could not fetch allows nothing,
    and that every request waiting for a host's robots.txt gets its rules.

    Scrapy hands the waiting requests one Deferred; the first waiter's ``asFuture``
    consumes its result and the others get None, which Scrapy reads as "no robots.txt,
    allow everything". So a disallowed page requested while its host's robots.txt was
    on its way was fetched. Here the first request of a host fetches robots.txt in a
    task that any number of requests can await.
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        parser_class = load_object(crawler.settings.get("ROBOTSTXT_PARSER"))
        self.disallow_all: RobotParser = build_from_crawler(parser_class, crawler, DISALLOW_ALL)
        self.fetching: dict[str, asyncio.Future[RobotParser]] = {}
        self.failures: dict[str, Exception] = {}  # netloc -> why its robots.txt download failed

    def process_exception(self, request: Request, exception: Exception) -> None:
        if is_robots_request(request):
            self.failures[urlparse_cached(request).netloc] = exception

    def process_request_2(self, rp: RobotParser | None, request: Request) -> None:
        if rp is self.disallow_all:
            netloc = urlparse_cached(request).netloc
            raise RobotsUnreachable(netloc, self.failures.get(netloc))
        super().process_request_2(rp, request)

    async def robot_parser(self, request: Request) -> RobotParser:
        netloc = urlparse_cached(request).netloc
        if netloc not in self.fetching:
            self.fetching[netloc] = asyncio.ensure_future(self._fetch(request))
        return await asyncio.shield(self.fetching[netloc])

    async def _fetch(self, request: Request) -> RobotParser:
        parser = await super().robot_parser(request)  # the first request of its host: it downloads
        if parser is None:  # the download failed
            self.crawler.stats.inc_value("nianbao/robots/assumed_disallow")
            return self.disallow_all
        return parser
