"""The portal spider's callbacks on saved pages, one field at a time."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.items import Attachment, Fault, ListPage, ReportPage
from crawler.middlewares import BlockedPage
from crawler.spiders.portal import PortalSpider
from tests.crawler.conftest import PORTAL, crawler_with, page

HOME = "http://www.zz27q.gov.cn/"
LIST = "http://www.zz27q.gov.cn/zwgk/zfxxgk/zfxxgknb/index.html"
REPORT = "http://www.zz27q.gov.cn/zwgk/zfxxgk/zfxxgknb/202401/t20240123_9691244.html"


@pytest.fixture
def spider(tmp_path: Path) -> PortalSpider:
    return new_spider(tmp_path)


def new_spider(tmp_path: Path) -> PortalSpider:
    registry = tmp_path / "portals.yaml"
    entry = PORTAL | {"id": "erqi", "hints": {"report_link_pattern": r"zfxxgknb/\d{6}/t\d{8}_\d+\.html"}}
    registry.write_text(yaml.safe_dump({"portals": [entry]}, allow_unicode=True), encoding="utf-8")
    crawler = crawler_with({"NIANBAO_PORTALS": str(registry)}, PortalSpider)
    return PortalSpider.from_crawler(crawler)


def outputs(spider_output: object) -> tuple[list[Request], list[object]]:
    produced = list(spider_output)
    return [o for o in produced if isinstance(o, Request)], [o for o in produced if not isinstance(o, Request)]


async def first(spider: PortalSpider) -> list[Request]:
    return [request async for request in spider.start()]


def test_start_requests_the_home_page_with_its_slot(spider: PortalSpider) -> None:
    import asyncio

    (request,) = asyncio.run(first(spider))
    assert request.url == HOME
    assert request.callback == spider.parse_portal
    assert request.meta["download_slot"] == "www.zz27q.gov.cn"
    assert request.meta["nianbao_role"] == "portal"
    assert spider.allowed_domains == ["zz27q.gov.cn"]


HOME_PAGE = """<div class="nav"><ul>
<li><a href="./zwgk/">政务公开</a></li>
<li><a href="./zwgk/zfxxgk/zfxxgknb/">政府信息公开年报</a></li>
<li><a href="http://www.other.gov.cn/zfxxgknb/">政府信息公开年报</a></li>
<li><a href="./xwzx/">新闻中心</a></li>
<li><a href="./zwgk/tjxx/202403/t20240301_1.html">二七区2023年国民经济和社会发展统计公报</a></li>
<li><a href="./zwgk/zfxxgk/zfxxgknb/202401/t20240123_9691244.html">
郑州市二七区统计局2023年政府信息公开工作年度报告</a></li>
</ul></div>"""


def test_parse_portal_follows_section_column_and_reports(spider: PortalSpider) -> None:
    requests, items = outputs(spider.parse_portal(page(HOME, HOME_PAGE, meta={"nianbao_depth": 0})))
    by_url = {request.url: request for request in requests}
    assert items == []
    assert by_url["http://www.zz27q.gov.cn/zwgk/"].callback == spider.parse_portal
    assert by_url["http://www.zz27q.gov.cn/zwgk/"].meta["nianbao_depth"] == 1
    assert by_url["http://www.zz27q.gov.cn/zwgk/zfxxgk/zfxxgknb/"].callback == spider.parse_list
    assert by_url[REPORT].callback == spider.parse_report
    assert by_url[REPORT].meta["nianbao_title"] == "郑州市二七区统计局2023年政府信息公开工作年度报告"
    assert by_url[REPORT].meta["nianbao_referer"] == HOME
    assert set(by_url) == {"http://www.zz27q.gov.cn/zwgk/", "http://www.zz27q.gov.cn/zwgk/zfxxgk/zfxxgknb/", REPORT}


def test_parse_portal_stops_at_the_depth_limit(spider: PortalSpider) -> None:
    requests, _ = outputs(spider.parse_portal(page(HOME, HOME_PAGE, meta={"nianbao_depth": 3})))
    assert "http://www.zz27q.gov.cn/zwgk/" not in [request.url for request in requests]


LIST_PAGE = """<div class="list_con"><ul class="list">
<li><a href="./202401/t20240123_9691244.html"
 title="郑州市二七区统计局2023年政府信息公开工作年度报告">郑州市二七区统计局2023年政府信...</a></li>
<li><a href="./202401/t20240110_1111111.html">关于做好2023年度政府信息公开工作年度报告编制发布工作的通知</a></li>
<li><a href="./202402/t20240201_2222222.html">郑州市二七区2024年政务公开工作要点</a></li>
<li><a href="./202302/t20230201_3333333.html">查看</a></li>
</ul></div><script>createPageHTML(2, 0, "index", "html");</script>"""


def test_parse_list_yields_the_page_reports_and_next_pages(spider: PortalSpider) -> None:
    response = page(LIST, LIST_PAGE, meta={"nianbao_page": 1, "nianbao_referer": HOME})
    requests, items = outputs(spider.parse_list(response))
    (listed,) = items
    assert isinstance(listed, ListPage) and listed.url == LIST and listed.referer == HOME
    reports = [request for request in requests if request.callback == spider.parse_report]
    assert [request.url for request in reports] == [
        REPORT,
        "http://www.zz27q.gov.cn/zwgk/zfxxgk/zfxxgknb/202302/t20230201_3333333.html",
    ]
    assert reports[0].meta["nianbao_title"] == "郑州市二七区统计局2023年政府信息公开工作年度报告"
    pages = [request for request in requests if request.callback == spider.parse_list]
    assert [request.url for request in pages] == [LIST, LIST.replace("index.html", "index_1.html")]
    assert pages[1].meta["nianbao_page"] == 2


def test_parse_list_reads_a_json_api(spider: PortalSpider) -> None:
    article = {"title": "二七区教育局2022年政府信息公开工作年度报告", "url": "/gkmlpt/content/1/2/post_3.html"}
    body = json.dumps({"articles": [article | {"first_publish_time": 1674000000}], "total": 1}, ensure_ascii=False)
    response = page(
        "http://www.zz27q.gov.cn/gkmlpt/api/all/2891?page=1&sid=1", body, headers={"Content-Type": "application/json"}
    )
    requests, _ = outputs(spider.parse_list(response))
    (request,) = requests
    assert request.url == "http://www.zz27q.gov.cn/gkmlpt/content/1/2/post_3.html"
    assert request.meta["nianbao_published"] == "2023-01-18"


REPORT_PAGE = """<html><head><meta name="ArticleTitle" content="郑州市二七区统计局2023年政府信息公开工作年度报告">
<meta name="PubDate" content="2024-01-23 09:30"></head><body><div id="zoom"><p>详见附件。</p>
<a href="./P020240123512345678901.pdf">郑州市二七区统计局2023年年报.pdf</a>
<a href="./P020240123512345678901.pdf">郑州市二七区统计局2023年年报.pdf</a>
<a href="/system/_content/download.jsp?urltype=news.DownloadAttachUrl&amp;owner=1&amp;wbfileid=77">附表.xlsx</a>
<a href="http://www.other.gov.cn/x.pdf">别处.pdf</a><a href="./t20240123_1.html">上一篇</a></div></body></html>"""


def test_parse_report_yields_the_page_then_its_attachments(spider: PortalSpider) -> None:
    response = page(
        REPORT, REPORT_PAGE, meta={"nianbao_referer": LIST, "nianbao_title": "郑州市二七区统计局2023年政府信..."}
    )
    requests, items = outputs(spider.parse_report(response))
    (report,) = items
    assert isinstance(report, ReportPage)
    assert report.portal_id == "erqi"
    assert report.url == REPORT
    assert report.list_url == LIST
    assert report.title == "郑州市二七区统计局2023年政府信息公开工作年度报告"
    assert report.published_at == date(2024, 1, 23)
    assert report.status == 200
    assert ("Content-Type", "text/html; charset=utf-8") in report.headers
    assert report.body == REPORT_PAGE.encode()
    pdf = "http://www.zz27q.gov.cn/zwgk/zfxxgk/zfxxgknb/202401/P020240123512345678901.pdf"
    jsp = "http://www.zz27q.gov.cn/system/_content/download.jsp?urltype=news.DownloadAttachUrl&owner=1&wbfileid=77"
    assert report.attachment_urls == [pdf, jsp]
    assert [request.url for request in requests] == [pdf, jsp]
    assert requests[1].meta["nianbao_name"] == "附表.xlsx"
    assert requests[1].meta["nianbao_referer"] == REPORT
    assert requests[1].meta["nianbao_list_url"] == LIST
    assert spider.crawler.stats.get_value("nianbao/portal/erqi/reports") == 1


def test_parse_attachment(spider: PortalSpider) -> None:
    meta = {"nianbao_referer": REPORT, "nianbao_list_url": LIST, "nianbao_name": "附表.xlsx"}
    response = page(
        "http://www.zz27q.gov.cn/f.jsp?wbfileid=77",
        b"PK\x03\x04",
        meta=meta,
        headers={"Content-Type": "application/octet-stream"},
    )
    _, (attachment,) = outputs(spider.parse_attachment(response))
    assert isinstance(attachment, Attachment)
    assert (attachment.report_url, attachment.list_url, attachment.name) == (REPORT, LIST, "附表.xlsx")
    assert attachment.body == b"PK\x03\x04"


def test_a_replayed_304_is_marked_not_modified(spider: PortalSpider) -> None:
    meta = {"nianbao_referer": LIST, "nianbao_validated": {"sha256": "ab" * 32, "warc": None}}
    response = page(REPORT, REPORT_PAGE, meta=meta, flags=["not_modified"])
    _, (report, *_) = outputs(spider.parse_report(response))
    assert report.not_modified and report.status == 304
    assert report.validated == {"sha256": "ab" * 32, "warc": None}


def failure_of(error: Exception, url: str = REPORT) -> Failure:
    failure = Failure(error)
    failure.request = Request(url, meta={"nianbao_portal": "erqi", "nianbao_role": "report", "nianbao_referer": LIST})
    return failure


def test_on_fault_records_a_block_page(spider: PortalSpider) -> None:
    _, (fault,) = outputs(spider.on_fault(failure_of(BlockedPage("ruishu", 412, REPORT))))
    assert isinstance(fault, Fault)
    assert (fault.reason, fault.status, fault.role, fault.referer) == ("blocked_412", 412, "report", LIST)
    assert spider.crawler.stats.get_value("nianbao/fault/blocked_412") == 1


def test_on_fault_records_an_http_error(spider: PortalSpider) -> None:
    response = HtmlResponse(REPORT, status=404, body="<h1>页面不存在</h1>".encode())
    _, (fault,) = outputs(spider.on_fault(failure_of(HttpError(response, "Ignoring non-200 response"))))
    assert (fault.reason, fault.status) == ("http_404", 404)


def test_a_portal_without_reports_is_a_finding(spider: PortalSpider, caplog: pytest.LogCaptureFixture) -> None:
    spider.closed("finished")
    assert spider.crawler.stats.get_value("nianbao/findings/no_reports") == 1
    assert "finding: portal erqi yielded no reports" in caplog.text


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        ("crawler.middlewares.OffsiteRequest", "offsite"),
        ("crawler.stopping.CrawlInterrupted", "interrupted"),
    ],
)
def test_a_request_not_made_is_a_fault_with_its_reason(spider: PortalSpider, error: str, reason: str) -> None:
    import importlib

    module, name = error.rsplit(".", 1)
    request = Request("http://127.0.0.1:22/", meta={"nianbao_portal": PORTAL["id"], "nianbao_role": "report"})
    failure = Failure(getattr(importlib.import_module(module), name)("not made"))
    failure.request = request
    (fault,) = list(spider.on_fault(failure))
    assert isinstance(fault, Fault) and fault.reason == reason
    assert spider.crawler.stats.get_value(f"nianbao/fault/{reason}") == 1


def test_a_redirect_loop_is_a_fault_redirect_loop() -> None:
    from scrapy.exceptions import IgnoreRequest

    from crawler.spiders.faults import describe

    assert describe(Failure(IgnoreRequest("max redirections reached"))).reason == "redirect_loop"


def stated(total: int) -> str:
    return LIST_PAGE.replace("</ul></div>", f"</ul></div><div class='page'>共{total}条</div>")


def findings(spider: PortalSpider) -> list[tuple[str, int, int]]:
    spider.closed("finished")
    return [(f.list_url, f.stated, f.reached) for f in spider.coverage.findings()]


def test_a_list_stating_more_entries_than_its_pages_reach_is_a_finding(spider: PortalSpider) -> None:
    requests, _ = outputs(spider.parse_list(page(LIST, stated(9), meta={"nianbao_page": 1, "nianbao_referer": HOME})))
    second = next(r for r in requests if r.url.endswith("index_1.html"))
    title = "郑州市二七区统计局2022年政府信息公开工作年度报告"
    other = f'<ul><li><a href="./202301/t20230110_4444444.html">{title}</a></li></ul>'
    outputs(spider.parse_list(page(second.url, other, meta=second.meta)))
    assert findings(spider) == [(LIST, 9, 5)]  # both pages' entries count towards the list's first page
    assert spider.crawler.stats.get_value("nianbao/findings/coverage") == 1


def test_a_list_whose_stated_size_was_reached_is_no_finding(spider: PortalSpider) -> None:
    outputs(spider.parse_list(page(LIST, stated(4), meta={"nianbao_page": 1, "nianbao_referer": HOME})))
    assert findings(spider) == []
    assert spider.crawler.stats.get_value("nianbao/findings/coverage") == 0


@pytest.mark.parametrize(("total", "expected"), [(4, [(4, 1)]), (1, [])])
def test_a_json_list_short_of_its_total_is_a_finding(
    spider: PortalSpider, total: int, expected: list[tuple[int, int]]
) -> None:
    article = {"title": "二七区教育局2022年政府信息公开工作年度报告", "url": "/gkmlpt/content/1/2/post_3.html"}
    body = json.dumps({"articles": [article], "total": total}, ensure_ascii=False)
    api = "http://www.zz27q.gov.cn/gkmlpt/api/all/2891?page=1&sid=1"
    outputs(spider.parse_list(page(api, body, headers={"Content-Type": "application/json"})))
    assert findings(spider) == [(api, *numbers) for numbers in expected]


def pinned_list(rows: list[int], above: str = "", first: str = "") -> list[str]:
    """A TRS list of one page per ``rows`` count, each page with ``above`` over its rows and
    ``first`` as its first row."""
    pages = []
    for number, count in enumerate(rows):
        items = "".join(
            f'<li><a href="./2024{number:02d}/t2024{number:02d}01_{row}.html">通知{number}-{row}</a>'
            f"<span>2024-01-{row + 1:02d}</span></li>"
            for row in range(count)
        )
        bar = f'<script>createPageHTML({len(rows)}, {number}, "index", "html");</script>'
        pages.append(f'<div class="list_con">{above}<ul class="list">{first}{items}</ul></div>{bar}')
    return pages


def crawl_list(spider: PortalSpider, bodies: list[str | None]) -> None:
    """Each page of the list parsed as the spider asked it; None for a page lost."""
    requests, _ = outputs(spider.parse_list(page(LIST, bodies[0] or "", meta={"nianbao_page": 1})))
    asked = {request.url: request for request in requests}
    for number, body in enumerate(bodies[1:], start=1):
        request = asked[LIST.replace("index.html", f"index_{number}.html")]
        if body is not None:
            outputs(spider.parse_list(page(request.url, body, meta=request.meta)))


PINNED_ROW = '<li><a href="./202001/t20200101_1.html">置顶：公开指南</a><span>2020-01-01</span></li>'
PINNED_BOX = '<div class="top"><a href="./202001/t20200101_1.html">置顶：公开指南</a><a href="./zn.html">目录</a></div>'


def test_an_entry_pinned_on_every_page_of_a_list_read_to_its_end_is_no_finding(spider: PortalSpider) -> None:
    """3 pages of 8 rows, one the same pinned entry on every page: 16 distinct entries, all reached."""
    crawl_list(spider, pinned_list([7, 7, 1], first=PINNED_ROW))
    assert findings(spider) == []


def test_entries_pinned_above_every_page_do_not_hide_a_page_lost(spider: PortalSpider) -> None:
    """2 links above every page's 7 rows, outside them: 3 pages of rows hold 15 at least; the
    last lost, 14 reached (the box counts on neither side)."""
    first, second, _ = pinned_list([7, 7, 1], above=PINNED_BOX)
    crawl_list(spider, [first, second, None])
    assert findings(spider) == [(LIST, 15, 14)]


MENU = '<ul class="nav">' + "".join(f'<li><a href="/lm{n}/index.html">栏目{n}</a></li>' for n in range(12)) + "</ul>"


def sized_list(rows: list[int], total: int) -> list[str]:
    """``pinned_list``'s pages under the site's menu of 12 links, stating ``total`` entries."""
    return [f'{MENU}{body}<div class="page">共{total}条</div>' for body in pinned_list(rows)]


def test_a_page_lost_from_a_list_stating_its_size_is_a_finding_its_menu_does_not_hide(spider: PortalSpider) -> None:
    """共19条 of 10 rows a page under 12 menu links: page 2 lost, 10 entries reached (not 22)."""
    first, _ = sized_list([10, 9], 19)
    crawl_list(spider, [first, None])
    assert findings(spider) == [(LIST, 19, 10)]


def test_a_list_stating_its_size_read_to_its_end_under_a_menu_is_no_finding(spider: PortalSpider) -> None:
    crawl_list(spider, sized_list([10, 9], 19))
    assert findings(spider) == []


UNDATED_PIN = '<li class="top"><a href="./202001/t20200101_1.html">置顶：公开指南</a></li>'


def test_an_undated_entry_pinned_on_every_page_of_a_list_read_to_its_end_is_no_finding(spider: PortalSpider) -> None:
    """共20条: the pinned entry and 19 dated rows, 10 and 9 a page, the pin printed on both."""
    crawl_list(
        spider,
        [body.replace('<ul class="list">', f'<ul class="list">{UNDATED_PIN}') for body in sized_list([10, 9], 20)],
    )
    assert findings(spider) == []


def test_an_undated_pinned_entry_does_not_hide_a_page_lost(spider: PortalSpider) -> None:
    """3 pages of 8 rows, the first the undated pin: 16 entries at least; the last lost, 15 reached."""
    first, second, _ = pinned_list([7, 7, 1], first=UNDATED_PIN)
    crawl_list(spider, [first, second, None])
    assert findings(spider) == [(LIST, 16, 15)]


def test_an_undated_pinned_entry_is_counted_once_when_a_page_of_a_sized_list_is_lost(spider: PortalSpider) -> None:
    first, _ = [
        body.replace('<ul class="list">', f'<ul class="list">{UNDATED_PIN}') for body in sized_list([10, 9], 20)
    ]
    crawl_list(spider, [first, None])
    assert findings(spider) == [(LIST, 20, 11)]


def test_a_page_lost_before_a_last_page_of_two_rows_is_a_finding_its_menu_does_not_hide(spider: PortalSpider) -> None:
    """共22条, 10 a page under 12 menu links, page 2 lost: the last page's 2 rows are read where
    the first page showed its rows, 12 reached (its menu counted, 24 hid the loss)."""
    first, _, last = sized_list([10, 10, 2], 22)
    crawl_list(spider, [first, None, last])
    assert findings(spider) == [(LIST, 22, 12)]


PINS = {"": "", "dated": PINNED_ROW, "undated": UNDATED_PIN}


@st.composite
def paged_lists(draw: st.DrawFn) -> tuple[list[str | None], int | None, tuple[int, int]]:
    """A TRS list's pages (``pinned_list``) with a 置顶 entry on every page (none, dated or
    undated) and a site menu of any size, stating its entries (共N条) or only its pages; a page
    lost or none; and the finding that must follow, (stated, reached), when one is lost."""
    size, count = draw(st.integers(3, 12)), draw(st.integers(2, 5))
    rows = [size] * (count - 1) + [draw(st.integers(1, size))]
    pin, menu = PINS[draw(st.sampled_from(sorted(PINS)))], draw(st.integers(0, 30))
    sized = draw(st.booleans())
    lost = draw(st.one_of(st.none(), st.integers(1, count - 1)))
    pinned = 1 if pin else 0
    chrome = '<ul class="nav">' + "".join(f'<li><a href="/lm{n}/index.html">栏目{n}</a></li>' for n in range(menu))
    said = f'<div class="page">共{sum(rows) + pinned}条</div>' if sized else ""
    pages = [f"{chrome}</ul>{body}{said}" for body in pinned_list(rows, first=pin)]
    stated = sum(rows) + pinned if sized else pinned + (count - 1) * size + 1  # the fewest its pages hold
    reached = pinned + sum(rows) - (rows[lost] if lost is not None else 0)
    return [None if number == lost else body for number, body in enumerate(pages)], lost, (stated, reached)


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(drawn=paged_lists())
def test_a_paged_list_is_a_finding_exactly_when_a_page_is_lost(
    tmp_path: Path, drawn: tuple[list[str | None], int | None, tuple[int, int]]
) -> None:
    """Whatever its pin, menu and statement: read to its end, no finding; a page lost, the
    list's size as stated (or the fewest its pages hold) against the entries reached."""
    bodies, lost, expected = drawn
    spider = new_spider(tmp_path)
    crawl_list(spider, bodies)
    assert findings(spider) == ([] if lost is None else [(LIST, *expected)])
