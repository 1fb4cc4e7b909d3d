"""Hash routes: an SPA's ``detail.html#/detail/123`` names a page of its own.

A fragment is never sent to the server, and Scrapy's request fingerprint ignores it, so
a list whose reports are routes of one shell page (``detail.html#/detail/<id>``,
``showinfo.html#/<id>``) would be asked once and every report after the first lost. A
fragment that is a route (``#/…``, ``#!/…``) is kept on a link's URL (``page_url``) and,
for a report page's request, in its fingerprint (``RouteFingerprinter``, named by
``REQUEST_FINGERPRINTER_CLASS``; the frontier's dupefilter asks ``route_fingerprint``
too), and put back on the page's answer (``routed``); the shell's script reads the id
from it (``crawler.shells``). Any other fragment (``#top``, a gkmlpt menu's ``#2891``) is
the same page, dropped as before.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.utils.request import fingerprint

_ROUTE_STARTS = ("/", "!/")


def route_of(url: str) -> str:
    """The hash route of ``url`` (``#/detail/123``), or "" when its fragment is none."""
    _, _, fragment = url.partition("#")
    return "#" + fragment if fragment.startswith(_ROUTE_STARTS) and fragment.strip("/!") else ""


def page_url(url: str) -> str:
    """``url`` without its fragment, unless the fragment is a hash route."""
    return url.split("#", 1)[0] + route_of(url)


def routed(response: Response) -> Response:
    """The page as its link named it: a hash route (never sent, so not on the answer's URL) put back."""
    route = route_of(response.request.url) if response.request is not None else ""
    return response.replace(url=response.url.split("#", 1)[0] + route) if route else response


def route_fingerprint(request: Request) -> bytes:
    """Scrapy's fingerprint, the hash route kept for a report page (each route is a report)."""
    keep = request.meta.get("nianbao_role") == "report" and bool(route_of(request.url))
    return fingerprint(request, keep_fragments=keep)


class RouteFingerprinter:
    """``REQUEST_FINGERPRINTER_CLASS``: ``route_fingerprint`` for every request of the crawl."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RouteFingerprinter:
        return cls()

    def fingerprint(self, request: Request) -> bytes:
        return route_fingerprint(request)
