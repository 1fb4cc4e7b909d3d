"""Each portal family answers as its real counterpart does (domain.md §4.2–4.3)."""

from __future__ import annotations

import json
import re

from tests.world.client import fetch


def _portal(truth: dict, family: str) -> dict:
    return next(p for p in truth["portals"] if p["family"] == family)


def _reports(truth: dict, portal: dict) -> list[dict]:
    return [r for r in truth["reports"] if r["portal"] == portal["id"]]


def test_trs_pages_are_gbk_with_create_page_html_only(world_truth) -> None:
    portal = _portal(world_truth, "trs")
    answer = fetch(portal["list_urls"][0])
    assert answer.status == 200 and answer.header("Content-Type") == "text/html"
    text = answer.body.decode("gbk")
    assert "charset=gb2312" in text
    with_the_call = re.search(r'createPageHTML\((\d+), 0, "index", "html"\);', text)
    assert with_the_call and int(with_the_call[1]) >= 3
    assert not re.search(r'href="[^"]*index_\d+\.html"', text)
    second = fetch(portal["list_urls"][0] + "index_1.html")
    assert 'createPageHTML(3, 1, "index", "html")' in second.body.decode("gbk")
    assert re.search(r'href="\./\d{6}/t\d{8}_\d+\.html"', text)


def test_trs_article_has_trs_editor_and_p0_attachment(world_truth) -> None:
    portal = _portal(world_truth, "trs")
    report = next(
        r for r in _reports(world_truth, portal) if r["doc_format"] == "pdf" and not r["quirks"] and not r["page_fault"]
    )
    assert re.search(r"/\d{6}/t\d{8}_\d+\.html$", report["url"])
    text = fetch(report["url"]).body.decode("gbk")
    assert '<div id="zoom"><div class="TRS_Editor">' in text and '<meta name="ArticleTitle"' in text
    assert re.search(r'<div class="fj">附件：<a href="\./P0\d+\.pdf">', text)
    attachment = fetch(report["attachments"][0]["url"])
    assert attachment.header("Content-Type") == "application/pdf" and attachment.body.startswith(b"%PDF")


def test_vsb_lists_count_down_and_downloads_hide_the_file_name(world_truth) -> None:
    portal = _portal(world_truth, "vsb")
    first = fetch(portal["list_urls"][0]).body.decode()
    assert 'href="nb/2.htm" class="Next">下页' in first and 'href="nb/1.htm" class="Next">尾页' in first
    base = portal["base_url"]
    last = fetch(base + "/zfxxgk/nb/1.htm").body.decode()
    assert 'href="../../info/1050/' in last and "3/3" in last
    report = next(r for r in _reports(world_truth, portal) if r["doc_format"] == "docx")
    link = report["attachments"][0]
    assert re.search(r"download\.jsp\?classid=0&filename=[0-9a-f]{32}&wbnewsid=\d+&wbfileid=\d+$", link["url"])
    page = fetch(report["url"]).body.decode()
    assert '<div id="vsb_content"><div class="v_news_content">' in page and "附件【<a href=" in page
    download = fetch(link["url"])
    assert download.header("Content-Type") == "application/octet-stream"
    assert download.body.startswith(b"PK") and link["name"].endswith(".docx")


def test_hanweb_column_has_inline_datastore_and_names_the_dataproxy(world_truth) -> None:
    portal = _portal(world_truth, "hanweb")
    text = fetch(portal["list_urls"][0]).body.decode()
    assert '<script type="text/xml"><datastore>' in text and "<recordset><record><![CDATA[<li>" in text
    assert "proxyUrl:'/module/web/jpage/dataproxy.jsp'" in text
    inline = re.findall(r'href="(/art/\d{4}/\d+/\d+/art_1229000123_\d+\.html)"', text)
    total = int(re.search(r"totalRecord:(\d+)", text)[1])
    proxy = (
        portal["base_url"]
        + f"/module/web/jpage/dataproxy.jsp?startrecord={len(inline) + 1}&endrecord={total}&perpage=5"
    )
    answer = fetch(proxy, method="POST", form={"columnid": "1229000123", "unitid": "4567890", "webid": "3"})
    assert answer.header("Content-Type").startswith("text/xml")
    rest = re.findall(r'href="(/art/[^"]+)"', answer.body.decode())
    assert f"<totalrecord>{total}</totalrecord>" in answer.body.decode()
    assert len(inline) + len(rest) == total and not set(inline) & set(rest)


def test_hanweb_download_redirects_to_the_file(world_truth) -> None:
    portal = _portal(world_truth, "hanweb")
    report = next(r for r in _reports(world_truth, portal) if r["attachments"] and r["outcome"] == "archive")
    link = report["attachments"][0]
    answer = fetch(link["url"])
    assert answer.status == 302 and answer.header("Location") == link["served_url"]
    assert fetch(link["served_url"]).body.startswith(b"%PDF")


def test_jiyue_shell_is_empty_and_the_api_lists_every_entry(world_truth) -> None:
    portal = _portal(world_truth, "jiyue")
    shell = fetch(portal["list_urls"][0]).body.decode()
    assert "/gkmlpt/api/all/" in shell and "SID: '200001'" in shell
    assert not any(r["url"].removeprefix(portal["base_url"]) in shell for r in _reports(world_truth, portal))
    titles, page = [], 1
    while True:
        data = json.loads(fetch(portal["base_url"] + f"/gkmlpt/api/all/2891?page={page}&sid=200001").body)
        if not data["articles"]:
            break
        titles += [article["title"] for article in data["articles"]]
        assert all(article["url"].startswith(portal["base_url"]) for article in data["articles"])
        page += 1
    assert len(titles) == data["total"]
    assert {r["title"] for r in _reports(world_truth, portal)} <= set(titles)


def test_static_site_prints_tables_and_redirects_its_old_list(world_truth) -> None:
    portal = _portal(world_truth, "static")
    old = fetch(portal["base_url"] + "/gongkai/nb/")
    assert old.status == 301 and old.header("Location") == portal["list_urls"][0]
    report = next(r for r in _reports(world_truth, portal) if r["variant"] == "blanks")
    text = fetch(report["url"]).body.decode()
    assert 'rowspan="20"' in text and "第二十条第（九）项" in text and '<td valign="center"></td>' in text
    assert "商业<br/>企业" in text


def test_noise_pages_have_no_six_sections(world_truth) -> None:
    for noise in world_truth["noise"][:: max(1, len(world_truth["noise"]) // 12)]:
        portal = next(p for p in world_truth["portals"] if p["id"] == noise["portal"])
        text = fetch(noise["url"]).body.decode(portal["encoding"])
        assert noise["title"] in text and "三、收到和处理政府信息公开申请情况" not in text


def test_every_report_page_and_content_answers(world_truth) -> None:
    for report in [r for r in world_truth["reports"] if r["page_fault"] != "slow"]:
        portal = next(p for p in world_truth["portals"] if p["id"] == report["portal"])
        status = fetch(report["url"]).status
        if report["page_fault"] in {"block412", "block521"}:
            assert status == int(report["page_fault"][-3:])
        elif report["page_fault"] != "error_once":
            assert status == 200, report["url"]
        assert report["url"].startswith(portal["base_url"])


def test_duplicate_report_serves_the_same_bytes_at_two_urls(world_truth) -> None:
    report = next(r for r in world_truth["reports"] if r["also_at"])
    assert fetch(report["url"]).body == fetch(report["also_at"][0]).body


def test_one_trs_page_links_its_pdf_twice(world_truth) -> None:
    report = next(r for r in world_truth["reports"] if "linked_twice" in r["quirks"])
    name = report["attachments"][0]["url"].rsplit("/", 1)[1]
    assert fetch(report["url"]).body.decode("gbk").count(f'href="./{name}"') == 2
