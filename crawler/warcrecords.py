"""Every HTTP answer the crawl downloads, in the WARC, once: the one place exchanges are written.

``WarcRecordMiddleware`` (NIANBAO_WARC) is a downloader middleware placed next to the
download handler, above cookies, compression, redirects, retries, block pages, conditional
GET and robots.txt. So it sees each answer as the server sent it, before any of them acts
on it: a ``302`` before RedirectMiddleware follows it, a ``500`` before it is retried, a
``404`` before HttpErrorMiddleware drops it, a block page before it is raised as
``BlockedPage``, robots.txt before it is parsed, a gzipped body still gzipped. Each
becomes a response record (a revisit for a ``304``, or for a payload already archived)
and its request record, written in ArchiveExtension's writer thread, so records and
capture rows keep their order and a row never points at records not yet flushed.

Where the main record landed goes into the request's meta (``WARC_REF``, plain data) and
from there into the capture row the pipeline writes. A request's meta may name more WARC
headers (``WARC_HEADERS``): a rendered page's requests carry Browsertrix's
``WARC-Page-ID`` and ``WARC-Resource-Type``. A render request's own answer is the page
as Chromium drew it, not an HTTP answer: the page's requests are recorded instead.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from scrapy import Request
from scrapy.exceptions import DropItem, IgnoreRequest, NotConfigured
from scrapy.http import Response

from crawler import config
from crawler.extensions import ArchiveExtension
from crawler.items import WARC_REF, header_list
from crawler.middlewares import ConditionalGetMiddleware
from storage.warc_http import HttpRequest, HttpResponse

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from storage.warc import WarcRef

WARC_HEADERS = "nianbao_warc_headers"  # request meta: more WARC headers for its records


class WarcRecordMiddleware:
    def __init__(self, crawler: Crawler, archive: ArchiveExtension) -> None:
        self.crawler = crawler
        self.archive = archive

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcRecordMiddleware:
        if not config.get_bool(crawler.settings, "NIANBAO_WARC"):
            raise NotConfigured("NIANBAO_WARC is off")
        archive = crawler.get_extension(ArchiveExtension)
        if archive is None:
            raise NotConfigured("WARC records need crawler.extensions.ArchiveExtension in EXTENSIONS")
        return cls(crawler, archive)

    def process_request(self, request: Request) -> None:
        request.meta.pop(WARC_REF, None)  # a redirect or a retry copies the meta of the answer before it

    async def process_response(self, request: Request, response: Response) -> Response:
        if request.meta.get("playwright"):
            return response
        exchange = exchange_of(request, response)
        known = (request.meta.get(ConditionalGetMiddleware.VALIDATED) or {}).get("warc")
        extra = request.meta.get(WARC_HEADERS) or {}
        ip = str(response.ip_address) if response.ip_address else None
        try:
            ref = await self.archive.write(self._write, *exchange, known, ip, extra)
        except DropItem as error:  # the archive took no more: the crawl is stopping
            raise IgnoreRequest(f"not archived: {error}") from error
        request.meta[WARC_REF] = asdict(ref)
        self.crawler.stats.inc_value("nianbao/warc/exchanges")
        return response

    def _write(
        self, request: HttpRequest, response: HttpResponse, known: dict[str, Any] | None, ip: str | None, extra: Any
    ) -> WarcRef:
        from storage.warc import PriorRecord
        from storage.warc_http import payload_digest

        writer, archive = self.archive.warc, self.archive.archive
        if response.status == 304:
            prior = PriorRecord(**known) if known else None
        elif response.status == 200 and response.body:  # only a full answer is worth a revisit
            prior = archive.prior_record(payload_digest(response.body))
        else:
            prior = None
        return writer.write_exchange(request, response, prior=prior, ip=ip, extra=extra)


def exchange_of(request: Request, response: Response) -> tuple[HttpRequest, HttpResponse]:
    """A Scrapy request and its answer as storage.warc_http describes them."""
    url = request.url.split("#", 1)[0]  # what was asked: a fragment (a report's hash route) is never sent
    sent = HttpRequest(url, request.method, header_list(request.headers), request.body)
    protocol = response.protocol or "HTTP/1.1"
    return sent, HttpResponse(response.status, header_list(response.headers), response.body, protocol=protocol)
