"""Each pagination family on a saved page: the requests for the list's other pages."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from crawler.pagination import hanweb_pages, json_pages, link_pages, list_pages, stated_pages, trs_pages, vsb_pages
from fixtures.world.plan import PORTALS
from fixtures.world.world import build_world
from tests.crawler.conftest import page
from tests.crawler.walk import walk

TRS_FUNCTION = "<script>function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){}</script>"


def urls(requests: list) -> list[str]:
    return [request.url for request in requests]


def test_trs_zero_based_index_pages() -> None:
    body = TRS_FUNCTION + '<div class="page"><script>createPageHTML(3, 0, "index", "html");</script></div>'
    found = trs_pages(page("http://s.gov.cn/zwgk/zfxxgknb/index.html", body), limit=200)
    base = "http://s.gov.cn/zwgk/zfxxgknb/"
    assert urls(found) == [base + "index.html", base + "index_1.html", base + "index_2.html"]


def test_trs_one_based_list_pages_and_the_cap() -> None:
    body = "<script>createPageHTML('page_div', 40, 1, 'list', 'shtml', 600);</script>"
    found = trs_pages(page("http://s.gov.cn/gknb/list.shtml", body), limit=3)
    assert urls(found) == [
        "http://s.gov.cn/gknb/list.shtml",
        "http://s.gov.cn/gknb/list_2.shtml",
        "http://s.gov.cn/gknb/list_3.shtml",
    ]


def test_trs_without_a_call() -> None:
    assert trs_pages(page("http://s.gov.cn/a/index.html", TRS_FUNCTION + "<p>x</p>"), limit=200) == []


def test_vsb_counts_down_from_the_first_page() -> None:
    bar = '<a href="nb/7.htm" class="Next">下页</a><a href="nb/1.htm" class="Next">尾页</a>'
    found = vsb_pages(page("http://v.gov.cn/zfxxgk/nb.htm", f"<div>{bar}</div>"), limit=200)
    assert sorted(urls(found)) == sorted(f"http://v.gov.cn/zfxxgk/nb/{n}.htm" for n in range(1, 8))


def test_vsb_from_a_middle_page_ignores_article_links() -> None:
    body = (
        '<a href="../../info/1050/12345.htm">报告</a><a href="../nb.htm">首页</a>'
        '<a href="4.htm">下页</a><a href="1.htm">尾页</a>'
    )
    found = vsb_pages(page("http://v.gov.cn/zfxxgk/nb/5.htm", body), limit=200)
    assert sorted(urls(found)) == sorted(f"http://v.gov.cn/zfxxgk/nb/{n}.htm" for n in range(1, 5))


HANWEB_COLUMN = """<div id="4567890"><script type="text/xml">
<datastore><recordset>{records}</recordset></datastore></script></div>
<script>$(function(){{$('#4567890').jpage({{dataStore:null,proxyUrl:'/module/web/jpage/dataproxy.jsp',perPage:5,
totalRecord:23,groupSize:2,barPosition:'bottom',ajaxParam:{{col:1,appid:1,webid:3,path:'/',columnid:1229000123,
sourceContentType:1,unitid:'4567890',webname:'龙游县人民政府',permissiontype:0}}}});}});</script>"""


def record(number: int) -> str:
    return f'<record><![CDATA[<li><a href="/art/2024/1/{number}/art_1_{number}.html">x</a></li>]]></record>'


def test_hanweb_posts_the_groups_after_the_inline_records() -> None:
    body = HANWEB_COLUMN.format(records="".join(record(n) for n in range(10)))
    found = hanweb_pages(page("http://h.gov.cn/col/col1229000123/index.html", body), limit=200)
    queries = [dict(parse_qsl(urlsplit(request.url).query)) for request in found]
    assert [(q["startrecord"], q["endrecord"], q["perpage"]) for q in queries] == [("11", "20", "5"), ("21", "23", "5")]
    assert all(
        request.method == "POST" and urlsplit(request.url).path == "/module/web/jpage/dataproxy.jsp"
        for request in found
    )
    form = dict(parse_qsl(found[0].body.decode()))
    assert form["columnid"] == "1229000123" and form["unitid"] == "4567890" and form["webname"] == "龙游县人民政府"


def test_hanweb_dataproxy_answer_names_the_rest() -> None:
    answer = page(
        "http://h.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=11&endrecord=20&perpage=5",
        "<datastore><totalrecord>40</totalrecord><recordset>" + record(11) + "</recordset></datastore>",
        headers={"Content-Type": "text/xml;charset=UTF-8"},
        method="POST",
        request_body=b"columnid=1229000123&webid=3",
    )
    found = hanweb_pages(answer, limit=200)
    assert [dict(parse_qsl(urlsplit(r.url).query))["startrecord"] for r in found] == ["21", "31"]
    assert dict(parse_qsl(found[0].body.decode())) == {"columnid": "1229000123", "webid": "3"}


def api_page(page_number: int, count: int, total: int) -> object:
    articles = [{"title": f"t{n}", "url": f"http://g.gov.cn/gkmlpt/content/1/1/post_{n}.html"} for n in range(count)]
    body = json.dumps({"articles": articles, "total": total, "page": page_number, "size": 10})
    url = f"http://g.gov.cn/gkmlpt/api/all/2891?page={page_number}&sid=200001"
    return page(url, body, headers={"Content-Type": "application/json;charset=UTF-8"})


def test_json_api_pages_from_the_total() -> None:
    found = json_pages(api_page(1, 10, 25), limit=200)
    assert urls(found) == [
        "http://g.gov.cn/gkmlpt/api/all/2891?page=2&sid=200001",
        "http://g.gov.cn/gkmlpt/api/all/2891?page=3&sid=200001",
    ]


def test_json_api_stops_at_an_empty_page() -> None:
    assert json_pages(api_page(4, 0, 25), limit=200) == []


def test_plain_links_next_and_numbered_but_not_home_or_other_sites() -> None:
    body = (
        '<a href="/">首页</a><a href="index_2.html">下一页</a><a href="list.jsp?page=3">3</a>'
        '<a href="http://other.gov.cn/index_2.html">下一页</a><a href="./202401/t20240101_1.html">报告</a>'
    )
    found = link_pages(page("http://s.gov.cn/nb/index.html", body), limit=200)
    assert urls(found) == ["http://s.gov.cn/nb/index_2.html", "http://s.gov.cn/nb/list.jsp?page=3"]


def test_list_pages_runs_every_family_without_repeats() -> None:
    body = '<script>createPageHTML(2, 0, "index", "html");</script><a href="index_1.html">下一页</a>'
    found = list_pages(page("http://s.gov.cn/nb/index.html", body), limit=200)
    assert urls(found) == ["http://s.gov.cn/nb/index.html", "http://s.gov.cn/nb/index_1.html"]


@pytest.mark.parametrize(
    ("body", "stated"),
    [
        (TRS_FUNCTION + '<script>createPageHTML(3, 0, "index", "html");</script>', (3, 0)),
        ("<script>createPageHTML('page_div', 40, 1, 'list', 'shtml', 600);</script>", (40, 600)),
        ("<div class='fanye'>共 12 页&nbsp;1/12</div>", (12, 0)),
        ("<div class='fanye'>首页 下一页</div>", (0, 0)),
    ],
)
def test_the_pages_and_records_a_page_bar_states(body: str, stated: tuple[int, int]) -> None:
    assert stated_pages(page("http://s.gov.cn/gknb/index.html", body)) == stated


def test_a_list_cut_short_of_the_pages_it_states_is_a_coverage_finding(tmp_path: Path) -> None:
    """A page bar stating 3 pages of 8 rows says 17 entries at least; a list read to its
    end (its page links its pages, not new columns) is no finding."""
    world = build_world(0, 1, portals=tuple(spec for spec in PORTALS if spec.family in {"trs", "vsb"}))
    cut = walk(world, tmp_path / "cut", {"NIANBAO_MAX_LIST_PAGES": 1})
    assert {(f.portal_id, f.stated) for f in cut.findings} >= {("trs-erqi", 17), ("vsb-fugu", 17)}
    assert walk(world, tmp_path / "whole").findings == []
