"""Discovery without sockets: the portal spider's callbacks driven against a fixture world in-process.

The world answers each request through ``fixtures.world.responder.respond``, as its HTTP
server would, and requests are deduplicated by the crawl's fingerprint, as the scheduler
does. No reactor, no robots.txt, no attachments, no browser: what is measured is which pages
discovery asks for and which it reads as reports, fast enough to run over many
generated worlds.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urljoin, urlsplit

from scrapy import Request
from scrapy.responsetypes import responsetypes
from scrapy.utils.test import get_crawler

from crawler.coverage import CoverageFinding
from crawler.items import ArticlePage, Fault, ReportPage
from crawler.routes import route_fingerprint
from crawler.spiders.portal import PortalSpider
from fixtures.world import responder
from fixtures.world.registry import write_registry
from fixtures.world.world import World

REQUEST_LIMIT = 5000


@dataclass
class Walk:
    requests: list[Request] = field(default_factory=list)
    reports: set[str] = field(default_factory=set)  # URLs read as report pages (a shell's, for a detail API's answer)
    documents: dict[str, bytes] = field(default_factory=dict)  # report URL -> the bytes read as the report
    attachments: set[str] = field(default_factory=set)  # attachment URLs asked for (not fetched here)
    articles: set[str] = field(default_factory=set)  # URLs read as articles that are not reports
    stats: dict[str, int] = field(default_factory=dict)
    findings: list[CoverageFinding] = field(default_factory=list)  # lists short of their stated size
    rendered: set[str] = field(default_factory=set)  # list pages sent to the browser (not walked here)
    faults: list[Fault] = field(default_factory=list)

    def requested(self) -> set[str]:
        return {request.url for request in self.requests}


def walk(world: World, folder: Path, settings: dict[str, object] | None = None) -> Walk:
    """Crawl every portal of ``world`` from its start page (``settings`` added); return what discovery did."""
    origins = {}
    for index, portal_id in enumerate(world.portals):
        world.base_urls[portal_id] = f"http://127.0.0.1:{9100 + index}"
        origins[f"127.0.0.1:{9100 + index}"] = portal_id
    registry = write_registry(world, folder / "portals.yaml")
    crawler = get_crawler(
        PortalSpider, {"NIANBAO_PORTALS": str(registry), "NIANBAO_MAX_LIST_PAGES": 50, **(settings or {})}
    )
    spider = PortalSpider.from_crawler(crawler)
    result = Walk()
    queue: deque[Request] = deque(asyncio.run(_start(spider)))
    seen: set[bytes] = set()
    while queue and len(result.requests) < REQUEST_LIMIT:
        request = queue.popleft()
        key = route_fingerprint(request)
        if request.meta.get("playwright"):
            result.rendered.add(request.url)
        if request.meta.get("nianbao_role") == "attachment":
            result.attachments.add(request.url)
        if key in seen or request.meta.get("nianbao_role") == "attachment" or request.meta.get("playwright"):
            continue
        seen.add(key)
        result.requests.append(request)
        response = _answer(world, origins, request)
        if response is None:
            continue
        for output in request.callback(response) or ():
            if isinstance(output, Request):
                queue.append(output)
            elif isinstance(output, ReportPage):
                result.reports.add(output.shell_url or output.url)
                result.documents[output.shell_url or output.url] = output.body
            elif isinstance(output, ArticlePage):
                result.articles.add(output.url)
            elif isinstance(output, Fault):
                result.faults.append(output)
    result.findings = spider.coverage.findings()
    result.stats = {key: value for key, value in crawler.stats.get_stats().items() if isinstance(value, int)}
    return result


async def _start(spider: PortalSpider) -> list[Request]:
    return [request async for request in spider.start()]


def _answer(world: World, origins: dict[str, str], request: Request, hops: int = 3):
    parts = urlsplit(request.url)
    portal_id = origins.get(parts.netloc)
    if portal_id is None:
        return None
    content_type = request.headers.get("Content-Type", b"").decode("latin-1")
    body = request.body or b""
    form = dict(parse_qsl(body.decode("utf-8"))) if "form-urlencoded" in content_type else {}
    asked = responder.Request(
        portal_id, request.method, parts.path, parts.query, {}, world.base_urls[portal_id], form, body
    )
    answer = responder.respond(world, asked)
    headers = dict(answer.headers)
    if answer.status in {301, 302} and hops:
        return _answer(world, origins, request.replace(url=urljoin(request.url, headers["Location"])), hops - 1)
    if answer.status != 200:
        return None
    cls = responsetypes.from_args(headers=headers, url=request.url, body=answer.body)
    return cls(url=request.url, status=200, headers=headers, body=answer.body, request=request)


def held(world: World, portal_id: str) -> set[str]:
    base = world.base_urls[portal_id]
    return {base + report.page_path for report in world.archivable_reports() if report.portal_id == portal_id}


def noise(world: World, portal_id: str) -> set[str]:
    return {world.base_urls[portal_id] + item.path for item in world.noise if item.portal_id == portal_id}


def check(world: World, walked: Walk) -> None:
    """Every report of every portal found, no noise read as a report, every plain-titled
    article in a column's folder read as an article and its links not followed, no
    coverage finding (every list was read to its end), no list API stopped as misbehaving,
    and no report shell left unread (its detail API's answer was the report)."""
    for portal_id in world.portals:
        missing = held(world, portal_id) - walked.reports
        assert not missing, f"{portal_id}: {len(missing)} of {len(held(world, portal_id))} reports not found"
        assert not noise(world, portal_id) & walked.reports, f"{portal_id}: noise read as a report"
    followed = {world.base_urls[portal_id] + path for portal_id, path in world.unlisted} & walked.requested()
    assert not followed, f"an article's links were followed: {sorted(followed)}"
    articles = {world.base_urls[portal_id] + path for portal_id, path in world.articles}
    assert articles <= walked.articles, f"plain-titled articles not read as articles: {articles - walked.articles}"
    assert not walked.findings, f"a list read to its end was reported short: {walked.findings}"
    shells = [fault.url for fault in walked.faults if fault.reason == "report_shell"]
    assert not shells, f"report shells whose report was not had: {shells}"
    stopped = [(fault.reason, fault.url) for fault in walked.faults if fault.reason.startswith("list_api_")]
    assert not stopped, f"a well-behaved list API was stopped: {stopped}"
