"""Downloader middlewares (and a spider one): retries with back-off, conditional GET, block-page detection.

- ``BackoffRetryMiddleware`` (replaces Scrapy's RetryMiddleware; RETRY_* settings):
  waits before each retry, ``NIANBAO_RETRY_BACKOFF`` × 2^(n-1) seconds, or what a
  ``Retry-After`` header asks, at most ``NIANBAO_RETRY_BACKOFF_MAX``.
- ``ConditionalGetMiddleware`` (``NIANBAO_CONDITIONAL_GET``): sends If-None-Match /
  If-Modified-Since from the latest capture of the URL in the archive; a ``304`` is
  answered from the stored copy (flag ``not_modified``), so an unchanged list page still
  yields its links and an unchanged report page its attachments (an unchanged attachment,
  which nothing reads, is answered without its bytes).
- ``PrefetchValidators`` (a spider middleware, with it): looks up the validators of the
  requests a callback yields in one query, for ConditionalGetMiddleware to send.
- ``PortalOffsiteMiddleware`` (replaces Scrapy's OffsiteMiddleware): a request outside
  its portal (``Portal.allows``: host and port, or ``Portal.in_scope``) ends in
  ``OffsiteRequest`` at the downloader, where the spider's errback records it as a fault
  ``offsite``; never at scheduling, where a dropped request leaves no trace.
- ``LoopRedirectMiddleware`` (replaces Scrapy's RedirectMiddleware; REDIRECT_* settings):
  a redirect back to a URL of its own chain (``A -> A``, ``A -> B -> A``) ends in
  ``RedirectLoop``, a fault ``redirect_loop``; Scrapy's would schedule it, and the
  duplicate filter dropped it without a trace.
- ``BlockPageMiddleware``: a WAF challenge (瑞数 412 with ``$_ts``, 加速乐 521 with a
  cookie script) or a captcha page is never content: it is counted
  (``nianbao/blocked/<status>``), its host is backed off (crawler.extensions.HostPoliteness)
  and the request ends in ``BlockedPage``, which the spider records as a fault. Nothing
  is retried and no challenge is ever answered.
"""

from __future__ import annotations

import re
from dataclasses import asdict
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from time import time
from typing import TYPE_CHECKING, Any

from scrapy import Request, Spider
from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.responsetypes import responsetypes
from scrapy.utils.httpobj import urlparse_cached

from crawler import config
from crawler.extensions import Validated
from crawler.slots import DOWNLOAD_SLOT
from crawler.stopping import pause
from crawler.waits import Wait, wait_started

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from scrapy.crawler import Crawler

    from crawler.extensions import ArchiveExtension, HostPoliteness

PREFETCHED = "nianbao_validators"  # request meta: (its URL, its validators or None), found by PrefetchValidators


def retry_after(response: Response | None, now: datetime | None = None) -> float | None:
    """Seconds a ``Retry-After`` header asks for (delta-seconds or an HTTP date), if any."""
    value = response.headers.get("Retry-After") if response is not None else None
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retries (same codes, exceptions and counts), spaced out instead of immediate."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BackoffRetryMiddleware:
        middleware = super().from_crawler(crawler)
        middleware.base = config.get_float(crawler.settings, "NIANBAO_RETRY_BACKOFF")
        middleware.cap = config.get_float(crawler.settings, "NIANBAO_RETRY_BACKOFF_MAX")
        return middleware

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        result = super().process_response(request, response)
        if isinstance(result, Request):
            await self._wait(result, response)
        return result

    async def process_exception(self, request: Request, exception: Exception) -> Request | Response | None:
        result = super().process_exception(request, exception)
        if isinstance(result, Request):
            await self._wait(result, None)
        return result

    def delay(self, retry: Request, response: Response | None) -> float:
        backoff = self.base * 2 ** (retry.meta.get("retry_times", 1) - 1)
        return min(max(backoff, retry_after(response) or 0.0), self.cap)

    async def _wait(self, retry: Request, response: Response | None) -> None:
        seconds = self.delay(retry, response)
        self.crawler.stats.inc_value("nianbao/retry/waited_seconds", seconds)
        wait = Wait(urlparse_cached(retry).hostname or "", "retry", seconds, time() + seconds)
        self.crawler.signals.send_catch_log(signal=wait_started, wait=wait)
        await pause(self.crawler, seconds)  # cut short when the crawl is asked to stop


class ConditionalGetMiddleware:
    VALIDATED = "nianbao_validated"  # request meta: the capture whose validators were sent

    def __init__(self, crawler: Crawler) -> None:
        if not config.get_bool(crawler.settings, "NIANBAO_CONDITIONAL_GET"):
            raise NotConfigured("NIANBAO_CONDITIONAL_GET is off")
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ConditionalGetMiddleware:
        return cls(crawler)

    @property
    def archive(self) -> ArchiveExtension:
        from crawler.extensions import ArchiveExtension

        extension = self.crawler.get_extension(ArchiveExtension)
        if extension is None:
            raise NotConfigured("conditional GET needs crawler.extensions.ArchiveExtension")
        return extension

    def process_request(self, request: Request) -> None:
        if request.method != "GET" or b"If-None-Match" in request.headers or self.VALIDATED in request.meta:
            return
        validators = self.validators(request)
        if validators is None or not (validators.etag or validators.last_modified):
            return
        if validators.etag:
            request.headers["If-None-Match"] = validators.etag
        if validators.last_modified:
            request.headers["If-Modified-Since"] = validators.last_modified
        request.meta[self.VALIDATED] = validators.as_meta()
        self.stats.inc_value("nianbao/conditional/sent")

    def validators(self, request: Request) -> Validated | None:
        """The request's validators: looked up with its page's other links (PrefetchValidators), or now."""
        url, known = request.meta.get(PREFETCHED) or (None, None)
        if url != request.url:  # none looked up, or a redirect's copy of the meta of the URL before it
            return self.archive.latest_validators(request.url)
        return None if known is None else Validated(**known)

    def process_response(self, request: Request, response: Response) -> Response:
        validated = request.meta.get(self.VALIDATED)
        if response.status != 304 or not validated:
            return response
        self.stats.inc_value("nianbao/conditional/not_modified")
        stored = self.stored_copy(request, validated["sha256"])
        if stored is None:
            self.stats.inc_value("nianbao/conditional/copy_missing")
            return response  # the spider records the 304 as a fault: nothing to read
        return replayed(response, stored)

    def stored_copy(self, request: Request, sha256: str) -> bytes | None:
        """The stored copy a ``304`` confirmed, or None when it is missing. An attachment's is
        only looked for: nothing reads a document that did not change, and a recrawl would
        read every unchanged PDF from disk for nothing."""
        if request.meta.get("nianbao_role") == "attachment":
            return b"" if self.archive.has_copy(sha256) else None
        return self.archive.stored_bytes(sha256)


class PrefetchValidators:
    """Spider middleware: the validators of every GET request a callback yields, in one query.

    Asked one request at a time, the archive answered each with a query of its own: most
    of a recrawl's work for a page that answers ``304``. Held until the callback ends, the
    requests of a list page are looked up together, and each carries what was found (or
    that nothing was) in its meta for ConditionalGetMiddleware. Found before the request
    waits in the scheduler, a validator may be older than the URL's latest capture by the
    time the request is sent; the server then answers ``200`` and the new bytes are
    stored as usual. A capture is never unfinished again once finished, so a validator
    found here stays one (crash safety: an unfinished capture is never sent as one).
    """

    def __init__(self, crawler: Crawler) -> None:
        if not config.get_bool(crawler.settings, "NIANBAO_CONDITIONAL_GET"):
            raise NotConfigured("NIANBAO_CONDITIONAL_GET is off")
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PrefetchValidators:
        return cls(crawler)

    async def process_spider_output(self, response: Response, result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        held: list[Request] = []
        failed: Exception | None = None
        try:
            async for element in result:
                if isinstance(element, Request) and element.method == "GET":
                    held.append(element)
                else:
                    yield element
        except Exception as error:  # raised again below: the requests yielded before it still go out
            failed = error
        for request in self.prefetched(held):
            yield request
        if failed is not None:
            raise failed

    def prefetched(self, requests: list[Request]) -> list[Request]:
        from crawler.extensions import ArchiveExtension

        archive = self.crawler.get_extension(ArchiveExtension)
        known = archive.validators_of(r.url for r in requests) if archive is not None and requests else {}
        for request in requests:
            found = known.get(request.url)
            request.meta[PREFETCHED] = (request.url, asdict(found) if found else None)  # plain data
        return requests


def replayed(not_modified: Response, body: bytes) -> Response:
    """The stored copy answering for a ``304``: status 200, flagged ``not_modified``."""
    headers = not_modified.headers.copy()
    headers.pop(b"Content-Encoding", None)  # the stored body is already decoded
    cls = responsetypes.from_args(headers=headers, url=not_modified.url, body=body)
    return cls(
        url=not_modified.url,
        status=200,
        headers=headers,
        body=body,
        flags=[*not_modified.flags, "not_modified"],
        request=not_modified.request,
        ip_address=not_modified.ip_address,
        protocol=not_modified.protocol,
    )


class OffsiteRequest(IgnoreRequest):
    """The request leaves its portal: another host, or another port of the same host."""


class PortalOffsiteMiddleware(OffsiteMiddleware):
    def request_scheduled(self, request: Request, spider: Spider) -> None:
        return None  # filtered in process_request only, where the errback sees it

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        try:
            super().process_request(request)
        except IgnoreRequest as error:
            raise OffsiteRequest(f"{error}: {request.url}") from error

    def should_follow(self, request: Request, spider: Spider) -> bool:
        portal = getattr(spider, "portals", {}).get(request.meta.get("nianbao_portal"))
        if portal is None:  # robots.txt and other requests of Scrapy's own
            return super().should_follow(request, spider)
        return portal.allows(request.url) or portal.in_scope(request.url)


class RedirectLoop(IgnoreRequest):
    """A redirect to a URL its chain has already asked for: following it can only go round."""


class LoopRedirectMiddleware(RedirectMiddleware):
    def process_response(self, request: Request, response: Response, spider: Spider | None = None) -> Any:
        result = super().process_response(request, response)
        if isinstance(result, Request) and result.url in result.meta.get("redirect_urls", ()):
            raise RedirectLoop(f"a redirect loop back to {result.url} (from {request.url})")
        return result


class UrlTooLong(IgnoreRequest):
    """The URL is longer than ``URLLENGTH_LIMIT``: a link trap (a session id or a calendar
    appended to itself), not a page a portal means to serve."""


class UrlLengthLimit:
    """Scrapy's UrlLengthMiddleware drops an over-long link in the spider's output with a
    debug line; here the request ends at the downloader instead, where its errback makes
    it a fault row like every other request the crawl does not make."""

    def __init__(self, limit: int) -> None:
        self.limit = limit

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> UrlLengthLimit:
        return cls(crawler.settings.getint("URLLENGTH_LIMIT"))

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        if self.limit and len(request.url) > self.limit:
            raise UrlTooLong(f"URL of {len(request.url)} characters, over {self.limit}: {request.url[:200]}…")


class BlockedPage(IgnoreRequest):
    """The server answered with a block page; the request ends here, without retries."""

    def __init__(self, kind: str, status: int, url: str) -> None:
        super().__init__(f"blocked ({kind}, HTTP {status}): {url}")
        self.kind, self.status, self.url = kind, status, url


_RUISHU = (b"$_ts", b"r='m'")
_JSL = (b"__jsl_clearance", b"document.cookie")
_CAPTCHA = re.compile(r"验证码|captcha|滑动验证|人机验证|安全验证|访问验证|请完成验证|访问过于频繁", re.I)
_BLOCK_TITLE = re.compile(r"<title>[^<]*(?:验证|captcha|安全检查|访问受限|拒绝访问)[^<]*</title>", re.I)
SMALL_PAGE = 16 * 1024  # challenge and captcha pages are small; a report page is not


def block_kind(response: Response) -> str | None:
    """Which block page this is (ruishu, jsl, captcha), or None for a real answer."""
    body = response.body
    small = len(body) <= SMALL_PAGE
    if response.status == 412 or (small and response.status in {200, 202} and all(m in body for m in _RUISHU)):
        return "ruishu"
    if response.status == 521 and any(marker in body for marker in _JSL):
        return "jsl"
    head = body[:SMALL_PAGE].decode("utf-8", "replace")
    if _BLOCK_TITLE.search(head) or (small and "<form" in head.lower() and _CAPTCHA.search(head)):
        return "captcha"
    return None


class BlockPageMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BlockPageMiddleware:
        return cls(crawler)

    @property
    def politeness(self) -> HostPoliteness | None:
        from crawler.extensions import HostPoliteness

        return self.crawler.get_extension(HostPoliteness)

    def process_response(self, request: Request, response: Response) -> Response:
        kind = block_kind(response)
        slot = request.meta.get(DOWNLOAD_SLOT, "")
        politeness = self.politeness
        if kind is None:
            if politeness is not None:
                politeness.answered(slot)
            return response
        self.stats.inc_value(f"nianbao/blocked/{response.status}")
        self.stats.inc_value(f"nianbao/blocked/kind/{kind}")
        if politeness is not None:
            politeness.back_off(slot)
        raise BlockedPage(kind, response.status, response.url)
