"""One download slot per host and port, for every request of the crawl.

Scrapy keys its download slots by the URL's host without the port unless a request names
its slot (``download_slot``), and a redirect keeps the meta, so the slot, of the request it
replaces. nianbao's politeness (two requests in flight per host, Crawl-delay, back-offs,
the shared host slots of a frontier) is per host and port, the host a request really goes
to: the fixture world's portals share one IP, a port each, and a redirect may leave for
another host. ``HostSlotMiddleware`` names the slot of every request that has none
(Scrapy's own robots.txt requests) and of every redirect, first among the downloader
middlewares, so all later ones and the downloader agree.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from scrapy import Request

DOWNLOAD_SLOT = "download_slot"


def host_slot(url: str) -> str:
    """The download slot of ``url``: its host and port as written (``127.0.0.1:8001``)."""
    return urlsplit(url).netloc


class HostSlotMiddleware:
    def process_request(self, request: Request) -> None:
        if request.meta.get("playwright"):
            return  # a page to render holds a slot of its own (crawler.browser)
        if DOWNLOAD_SLOT not in request.meta or request.meta.get("redirect_urls"):
            request.meta[DOWNLOAD_SLOT] = host_slot(request.url)
