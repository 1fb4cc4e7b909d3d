"""What the ``portal`` spider yields: captures of the pages it read, and faults.

Every capture carries its provenance (portal, URL, the page that led there, fetch time,
status, headers as received) and the body as received. ``ListPage`` is kept so that a
later ``304 Not Modified`` can be answered from the stored copy; ``ReportPage`` and
``Attachment`` are what the archive is for. The pipelines fill the fields under
"set by the pipelines"; the spider never does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from scrapy.http import Headers, Request, Response

HeaderList = list[tuple[str, str]]
WARC_REF = "nianbao_warc"  # request meta: where its answer's WARC records are (crawler.warcrecords)


def header_list(headers: Headers) -> HeaderList:
    """Every header value in order (Scrapy's ``headers[key]`` keeps only the last one)."""
    pairs = []
    for name, values in headers.items():
        for value in values:
            pairs.append((name.decode("latin-1"), value.decode("latin-1")))
    return pairs


@dataclass(slots=True, kw_only=True)
class Capture:
    portal_id: str
    url: str
    referer: str | None  # the page that linked here (the list page, or the report page of an attachment)
    status: int  # as the server answered: 304 when not_modified
    headers: HeaderList
    body: bytes = field(repr=False)  # as received; for a 304, the stored copy it confirmed (none for an attachment)
    fetched_at: datetime
    request_method: str = "GET"
    not_modified: bool = False  # the server answered 304 to our validators
    validated: dict[str, Any] | None = field(default=None, repr=False)  # for a 304: the copy it confirmed
    warc: dict[str, Any] | None = field(default=None, repr=False)  # its main WARC record (storage.warc.WarcRef)
    # -- set by the pipelines ---------------------------------------------------------
    sha256: str | None = None
    capture_id: Any = None
    parsed: Any = None  # parsers.parse_file.ParseOutcome: the report, or why there is none
    role: str = field(default="page", init=False)

    @property
    def report(self) -> Any:
        """The parsers.model.Report its content parsed into, if it did."""
        return self.parsed.report if self.parsed is not None else None


@dataclass(slots=True, kw_only=True)
class ListPage(Capture):
    """A page listing reports (kept to replay its links when it answers 304)."""

    role: str = field(default="list", init=False)


@dataclass(slots=True, kw_only=True)
class ArticlePage(Capture):
    """A page that reads as an article but not a report (news under a column's folder): seen, not followed."""

    role: str = field(default="article", init=False)


@dataclass(slots=True, kw_only=True)
class ReportPage(Capture):
    title: str | None
    published_at: date | None
    attachment_urls: list[str] = field(default_factory=list)
    # the script shell the report is shown at, when this capture is the answer of the
    # shell's detail API (its referer then the shell too, as the shell asked for it)
    shell_url: str | None = None
    listed_at: str | None = None  # the list that led to the shell
    role: str = field(default="report", init=False)

    @property
    def list_url(self) -> str | None:
        return self.listed_at or self.referer


@dataclass(slots=True, kw_only=True)
class Attachment(Capture):
    report_url: str  # the report page that links it
    list_url: str | None  # the list that led to that report page
    name: str  # the link text: often the only place the real file name is
    published_at: date | None = None  # the report page's date: a document rarely shows when it went online
    role: str = field(default="attachment", init=False)


@dataclass(slots=True, kw_only=True)
class BrowserResource(Capture):
    """A request a rendered list page made (its document, a script, an XHR) and the answer."""

    page_id: str  # the rendered page's id: its resources share it (WARC-Page-ID)
    resource_type: str  # as the browser names it: document, script, xhr, fetch ... (WARC-Resource-Type)
    role: str = field(default="resource", init=False)


@dataclass(slots=True, kw_only=True)
class Fault:
    """Something that went wrong for one URL: recorded, never fatal."""

    portal_id: str
    url: str
    referer: str | None
    reason: str  # blocked_412, http_404, timeout, dns, robots, too_large ...
    status: int | None = None
    detail: str = ""
    role: str = "page"  # what the URL was expected to be: portal, list, report, attachment
    at: datetime = field(default_factory=lambda: datetime.now(UTC))


def capture_fields(response: Response, portal_id: str, referer: str | None) -> dict[str, Any]:
    """The ``Capture`` fields every response gives, as keyword arguments."""
    request: Request = response.request
    not_modified = "not_modified" in response.flags
    return {
        "portal_id": portal_id,
        "url": response.url,
        "referer": referer,
        "status": 304 if not_modified else response.status,
        "headers": header_list(response.headers),
        "body": response.body,
        "fetched_at": datetime.now(UTC),
        "request_method": request.method,
        "not_modified": not_modified,
        "validated": request.meta.get("nianbao_validated") if not_modified else None,
        "warc": request.meta.get(WARC_REF),
    }
