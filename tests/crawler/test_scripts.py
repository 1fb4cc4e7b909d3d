"""List requests read from a page's scripts: calls, configurations, variables, paging."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from scrapy import Request
from scrapy.http import HtmlResponse

from crawler.items import Capture
from crawler.jsread import MAX_SCRIPT_BYTES, gap, read_scripts
from crawler.routes import RouteFingerprinter
from crawler.scripts import Api, script_lists
from crawler.shells import detail_request
from crawler.spiders.links import page_links
from crawler.spiders.portal import PortalSpider
from tests.crawler.conftest import PORTAL, crawler_with, page

PAGE = "http://www.example.gov.cn/xxgk/nb/index.html"


def apis(script: str) -> list[Api]:
    return script_lists(page(PAGE, f"<html><body><script>{script}</script></body></html>")).apis


def only(script: str) -> Api:
    found = apis(script)
    assert len(found) == 1, found
    return found[0]


def test_values_follow_variables_objects_and_concatenation() -> None:
    reading = read_scripts(["var base = '/api'; var cfg = {path: base + '/list', n: 2}; cfg.site = `s${cfg.n}`;"])
    assert reading.names["cfg"] == {"path": "/api/list", "n": 2, "site": "s2"}


def test_an_unknown_value_is_a_named_gap_inside_a_string() -> None:
    reading = read_scripts(["var u = '/list?page=' + page + '&col=' + item.id;"])
    assert reading.names["u"] == f"/list?page={gap('page')}&col={gap('item.id')}"


def test_a_handler_incrementing_the_page_keeps_its_first_value() -> None:
    reading = read_scripts(["var page = 1; function next() { page = page + 1; }"])
    assert reading.names["page"] == 1


def test_a_broken_script_still_reads_around_the_error() -> None:
    reading = read_scripts(["var a = '/api/x'; if (x { foo(; var b = a + '/list';"])
    assert reading.errors == 1
    assert reading.names["b"] == "/api/x/list"


def test_fetch_get_with_the_page_concatenated() -> None:
    api = only("function load(page) { fetch('/api/news?channel=12&page=' + page).then(r => r.json()); }")
    assert (api.method, api.url, api.query, api.page_at, api.first) == (
        "GET",
        "http://www.example.gov.cn/api/news",
        {"channel": "12", "page": gap("page")},
        ["query", "page"],
        1,
    )


def test_fetch_post_with_a_json_body() -> None:
    script = (
        "var q = {columnId: 'nb', pageNo: 1, pageSize: 15};"
        "fetch('/api/search', {method: 'POST', headers: {'Content-Type': 'application/json'},"
        " body: JSON.stringify(q)});"
    )
    api = only(script)
    assert (api.method, api.kind, api.body, api.page_at, api.size) == (
        "POST",
        "json",
        {"columnId": "nb", "pageNo": 1, "pageSize": 15},
        ["body", "pageNo"],
        15,
    )


def test_jquery_post_sends_a_form() -> None:
    api = only("var page = 1; $.post('list.jsp', {col: 'nb', curPage: page}, function (d) {});")
    assert (api.method, api.url, api.kind, api.body, api.page_at) == (
        "POST",
        "http://www.example.gov.cn/xxgk/nb/list.jsp",
        "form",
        {"col": "nb", "curPage": 1},
        ["body", "curPage"],
    )


def test_ajax_with_a_json_content_type_and_an_offset() -> None:
    script = (
        "var offset = 0; $('#more').click(function () { $.ajax({url: '/api/more', type: 'post',"
        " contentType: 'application/json', data: JSON.stringify({offset: offset, limit: 8})}); offset += 8; });"
    )
    api = only(script)
    assert (api.kind, api.page_at, api.first, api.step, api.size) == ("json", ["body", "offset"], 0, 8, 8)


def test_axios_post_sends_json_and_axios_get_its_params() -> None:
    posted = only("axios.post('/api/list', {pageIndex: 1, type: 3})")
    got = only("axios.get('/api/list', {params: {pn: 2, type: 3}})")
    assert (posted.kind, posted.page_at) == ("json", ["body", "pageIndex"])
    assert (got.method, got.query, got.page_at, got.first) == ("GET", {"pn": 2, "type": 3}, ["query", "pn"], 2)


def test_a_trs_list_configuration_names_its_api_total_and_page_size() -> None:
    script = (
        "$('#list2').trsapi({url: '/irs/front/list', method: 'post', quickMode: true, maxStaticIndex: 10,"
        " recordCount: 19, pageSize: 10, params: {channelId: '3421', pageNo: 1}});"
    )
    api = only(script)
    assert (api.method, api.url, api.kind, api.total, api.size, api.page_at) == (
        "POST",
        "http://www.example.gov.cn/irs/front/list",
        "form",
        19,
        10,
        ["body", "pageNo"],
    )


def test_an_spa_shell_assembling_its_api_path_from_variables() -> None:
    script = (
        "var ctx = '/EWB-FRONT'; var rest = ctx + '/rest/'; var api = rest + 'infolist/getList';"
        "var body = {params: JSON.stringify({categoryNum: '005', pageIndex: 0, pageSize: 12})};"
        "$.ajax({url: api, type: 'POST', data: body});"
        "function row(item) { return '<a href=\"' + ctx + '/showinfo.html?infoGuid=' + item.infoid + '\">'; }"
    )
    api = only(script)
    assert api.url == "http://www.example.gov.cn/EWB-FRONT/rest/infolist/getList"
    assert (api.kind, api.page_at, api.first, api.size) == ("form", ["body", "params", "pageIndex"], 0, 12)
    assert api.detail == [f"/EWB-FRONT/showinfo.html?infoGuid={gap('infoid')}"]


def test_a_call_whose_url_needs_the_script_to_run_is_unresolved() -> None:
    found = script_lists(page(PAGE, "<script>$.getJSON(makeUrl(), function (d) {});</script>"))
    assert (found.apis, found.unresolved) == ([], ["$.getJSON"])


def test_scripts_and_styles_are_not_list_calls() -> None:
    assert apis("$.getScript('/js/list.js'); $.get('/css/a.css');") == []


def test_an_oversized_script_is_skipped_and_the_others_still_read() -> None:
    huge = "var filler = '" + "x" * (MAX_SCRIPT_BYTES + 1) + "';"
    reading = read_scripts([huge, "var api = '/api/list';"])
    assert reading.errors == 1
    assert reading.names == {"api": "/api/list"}


def test_a_script_driven_page_not_rendered_has_its_linked_scripts_read(tmp_path: Path) -> None:
    registry = tmp_path / "portals.yaml"
    registry.write_text(yaml.safe_dump({"portals": [PORTAL]}, allow_unicode=True), encoding="utf-8")
    settings = {"NIANBAO_PORTALS": str(registry), "NIANBAO_RENDER": "off"}
    spider = PortalSpider.from_crawler(crawler_with(settings, PortalSpider))
    shell = "http://www.zz27q.gov.cn/xxgk/nb/index.html"
    body = (
        "<html><body><ul id='list' class='list'></ul><script>var column = 'nb';</script>"
        "<script src='/js/jquery.min.js'></script><script src='/js/nblist.js'></script></body></html>"
    )
    asked = [o for o in spider.parse_list(page(shell, body, meta={"nianbao_page": 1})) if isinstance(o, Request)]
    assert [request.url for request in asked] == ["http://www.zz27q.gov.cn/js/nblist.js"]
    script = "$.getJSON('/api/' + column + '/list', {pageNo: 1}, function (d) {});"
    outputs = list(spider.parse_script(page(asked[0].url, script, meta=asked[0].meta)))
    api = [o for o in outputs if isinstance(o, Request)]
    assert [request.url for request in api] == ["http://www.zz27q.gov.cn/api/nb/list?pageNo=1"]


@pytest.mark.parametrize(
    ("url", "script", "asked"),
    [
        (
            "http://h/xxgk/detail.html?id=42",
            "var id = getQueryString('id'); $.getJSON('/api/article/detail', {id: id}, show);",
            ("GET", "http://h/api/article/detail?id=42", b""),
        ),
        (
            "http://h/EWB-FRONT/showinfo.html?infoGuid=a-1&categoryNum=005",
            "$.post('/rest/infoDetail/getDetail', {infoid: getUrlParam('infoGuid'), site: 'x'}, show);",
            ("POST", "http://h/rest/infoDetail/getDetail", b"infoid=a-1&site=x"),
        ),
        (
            "http://h/index.html#/detail/123",
            "var id = location.hash.split('/').pop(); fetch('/api/article/' + id).then(show);",
            ("GET", "http://h/api/article/123", b""),
        ),
    ],
)
def test_a_report_shells_detail_call_is_read_with_the_id_from_the_page_url(
    url: str, script: str, asked: tuple[str, str, bytes]
) -> None:
    shell = HtmlResponse(url, body=f'<div id="content"></div><script>{script}</script>'.encode(), encoding="utf-8")
    request = detail_request(shell)
    assert request is not None and (request.method, request.url, request.body) == asked


def test_a_shell_whose_call_does_not_read_the_page_url_is_not_guessed() -> None:
    script = "var id = window.name; $.getJSON('/api/article/detail', {id: id}, show);"
    shell = HtmlResponse("http://h/detail.html?id=42", body=f"<script>{script}</script>".encode(), encoding="utf-8")
    assert detail_request(shell) is None


@pytest.mark.parametrize(
    ("href", "kept"),
    [
        ("detail.html#/detail/123", "http://h/xxgk/detail.html#/detail/123"),
        ("/showinfo.html#!/a-1", "http://h/showinfo.html#!/a-1"),
        ("detail.html#content", "http://h/xxgk/detail.html"),
        ("detail.html#/", "http://h/xxgk/detail.html"),
    ],
)
def test_a_links_hash_route_is_kept_any_other_fragment_dropped(href: str, kept: str) -> None:
    listed = HtmlResponse("http://h/xxgk/index.html", body=f'<a href="{href}">x</a>'.encode(), encoding="utf-8")
    assert [link.url for link in page_links(listed)] == [kept]


def test_each_hash_route_of_a_report_shell_is_asked_and_read_with_its_own_id(tmp_path: Path) -> None:
    """Scrapy's fingerprint ignores fragments: without the route kept, the second report is never asked."""
    fingerprinter = RouteFingerprinter()
    routes = [Request(f"http://h/detail.html#/detail/{n}", meta={"nianbao_role": "report"}) for n in (1, 2)]
    assert fingerprinter.fingerprint(routes[0]) != fingerprinter.fingerprint(routes[1])
    lists = [Request(f"http://h/list.html#/{n}", meta={"nianbao_role": "list"}) for n in (1, 2)]
    assert fingerprinter.fingerprint(lists[0]) == fingerprinter.fingerprint(lists[1])
    registry = tmp_path / "portals.yaml"
    registry.write_text(yaml.safe_dump({"portals": [PORTAL]}, allow_unicode=True), encoding="utf-8")
    spider = PortalSpider.from_crawler(crawler_with({"NIANBAO_PORTALS": str(registry)}, PortalSpider))
    shell = "http://www.zz27q.gov.cn/xxgk/detail.html"
    script = "var id = location.hash.split('/').pop(); $.getJSON('/api/detail', {id: id}, show);"
    asked = []
    for route in ("#/detail/7", "#/detail/8"):
        meta = {"nianbao_portal": PORTAL["id"], "nianbao_role": "report", "nianbao_referer": None}
        request = Request(shell + route, meta=meta)
        body = f'<div id="c"></div><script>{script}</script>'.encode()
        answer = HtmlResponse(shell, body=body, encoding="utf-8", request=request)
        outputs = list(spider.parse_report(answer))
        asked += [o.url for o in outputs if isinstance(o, Request)]
        assert [o.url for o in outputs if type(o) is Capture] == [shell + route]  # the shell, by its route
    assert asked == ["http://www.zz27q.gov.cn/api/detail?id=7", "http://www.zz27q.gov.cn/api/detail?id=8"]
