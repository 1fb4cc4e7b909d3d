"""What went wrong with a request, as the short reason a fault row and a stat carry."""

from __future__ import annotations

from dataclasses import dataclass

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import ConnectionRefusedError, DNSLookupError, TCPTimedOutError, TimeoutError
from twisted.python.failure import Failure

from crawler.middlewares import BlockedPage, OffsiteRequest, RedirectLoop, UrlTooLong
from crawler.stopping import CrawlInterrupted

REASONS: tuple[tuple[type[BaseException] | tuple[type[BaseException], ...], str], ...] = (
    ((DownloadTimeoutError, TimeoutError, TCPTimedOutError), "timeout"),
    ((CannotResolveHostError, DNSLookupError), "dns"),
    ((DownloadConnectionRefusedError, ConnectionRefusedError), "connection_refused"),
    (DownloadCancelledError, "too_large"),  # DOWNLOAD_MAXSIZE
    (ResponseDataLossError, "data_loss"),
    (DownloadFailedError, "connection_lost"),
)


@dataclass(frozen=True, slots=True)
class FaultInfo:
    reason: str
    status: int | None = None
    detail: str = ""


def _ignored_reason(message: str) -> str:
    # Scrapy's robots.txt and redirect middlewares say why only in the message.
    if "robots.txt" in message:
        return "robots"
    if "max redirections" in message:
        return "redirect_loop"
    return "ignored"


def describe(failure: Failure) -> FaultInfo:
    error = failure.value
    if isinstance(error, BlockedPage):
        return FaultInfo(f"blocked_{error.status}", error.status, f"block page ({error.kind}); host backed off")
    if isinstance(error, HttpError):
        return FaultInfo(f"http_{error.response.status}", error.response.status, str(error))
    if isinstance(error, CrawlInterrupted):
        return FaultInfo(CrawlInterrupted.reason, None, str(error))
    if isinstance(error, OffsiteRequest):
        return FaultInfo("offsite", None, str(error))
    if isinstance(error, UrlTooLong):
        return FaultInfo("url_too_long", None, str(error))
    if isinstance(error, RedirectLoop):
        return FaultInfo("redirect_loop", None, str(error))
    if isinstance(error, IgnoreRequest):
        return FaultInfo(_ignored_reason(str(error)), None, str(error))
    for kinds, reason in REASONS:
        if isinstance(error, kinds):
            return FaultInfo(reason, None, str(error)[:500])
    return FaultInfo(type(error).__name__.lower(), None, str(error)[:500])
