"""Portal pages: the article without the portal, tables on the grid, every encoding."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from parsers.errors import ExtractionError
from parsers.extract import html
from parsers.extract.grid import from_spans
from tests.extract.conftest import documents, ids, missing_in_order, paragraphs, table_mismatches, tables_of

PAGES = documents("html")
BOILERPLATE = (
    "网站标识码",
    "ICP备",
    "打印本页",
    "关闭窗口",
    "当前位置",
    "首页",
    "索引号",
    "相关阅读",
    "分享到",
    "浏览次数",
    "【打印】",
)


@pytest.mark.parametrize(("path", "spec"), PAGES, ids=ids(PAGES))
def test_article_paragraphs_in_order(path: Path, spec: dict) -> None:
    document = html.read(path.read_bytes())
    assert missing_in_order(document, spec) == []
    assert document.source_format == "html"


@pytest.mark.parametrize(("path", "spec"), PAGES, ids=ids(PAGES))
def test_every_spec_number_in_its_cell(path: Path, spec: dict) -> None:
    document = html.read(path.read_bytes())
    assert table_mismatches(document, spec) == []
    assert len(tables_of(document)) == 3


@pytest.mark.parametrize(("path", "spec"), PAGES, ids=ids(PAGES))
def test_no_portal_boilerplate(path: Path, spec: dict) -> None:
    text = html.read(path.read_bytes()).text()
    assert [word for word in BOILERPLATE if word in text] == []
    assert f"{spec['year'] - 1}年政府信息公开工作年度报告" not in text  # the sidebar of other years


@pytest.mark.parametrize(("path", "spec"), PAGES, ids=ids(PAGES))
def test_title_and_publication_date(path: Path, spec: dict) -> None:
    document = html.read(path.read_bytes())
    assert document.title == f"{spec['agency']}{spec['year']}年政府信息公开工作年度报告"
    assert document.published_at == date.fromisoformat(spec["published_at"])


def test_known_container_is_preferred_and_fallback_is_reported() -> None:
    by_name = {path.name: path for path, _ in PAGES}
    assert html.read(by_name["trs-gbk-2021.html"].read_bytes()).warnings == []
    legacy = html.read(by_name["legacy-gb18030-2019.html"].read_bytes())
    assert any("no known content container" in warning for warning in legacy.warnings)


def test_rare_characters_survive_decoding() -> None:
    by_name = {path.name: path for path, _ in PAGES}
    assert "张珺堃" in html.read(by_name["trs-gbk-2021.html"].read_bytes()).text()
    assert "㙟" in html.read(by_name["legacy-gb18030-2019.html"].read_bytes()).text()


# --- encodings (deps.md §7) -----------------------------------------------------

BODY = "<div id='zoom'><p>一、总体情况</p><p>联系人李镕、张珺堃，地址㙟头街𠀀号。本年度新收申请37件。</p></div>"
GBK_BODY = BODY.replace("㙟头街𠀀号", "大学路1号")


def _page(body: str, meta: str = "") -> str:
    return f"<html><head>{meta}<title>t</title></head><body>{body}</body></html>"


@pytest.mark.parametrize(
    ("data", "declared", "expected"),
    [
        (_page(GBK_BODY, '<meta charset="gb2312">').encode("gbk"), None, GBK_BODY),
        (_page(GBK_BODY).encode("gbk"), None, GBK_BODY),
        (_page(GBK_BODY).encode("gbk"), "utf-8", GBK_BODY),  # the HTTP header lies
        (_page(BODY, '<meta http-equiv="Content-Type" content="text/html;charset=gbk">').encode("gb18030"), None, BODY),
        (_page(BODY, '<meta charset="utf-8">').encode("utf-8"), None, BODY),
        (_page(BODY, '<meta charset="gb2312">').encode("utf-8"), None, BODY),  # the meta tag lies
        (_page(BODY).encode("gb18030"), "gb2312", BODY),
        (_page(BODY).encode("utf-16"), None, BODY),
        (_page(GBK_BODY, '<meta charset="iso-8859-1">').encode("gbk"), None, GBK_BODY),
    ],
    ids=["gbk-as-gb2312", "gbk-undeclared", "header-says-utf8", "gb18030-as-gbk", "utf8",
         "utf8-meta-says-gb2312", "gb18030-header-gb2312", "utf16-bom", "gbk-as-latin1"],
)  # fmt: skip
def test_encodings(data: bytes, declared: str | None, expected: str) -> None:
    document = html.read(data, declared_charset=declared)
    assert paragraphs(document) == ["一、总体情况", expected.split("<p>")[2].split("</p>")[0]]


def test_a_lying_declaration_is_reported() -> None:
    document = html.read(_page(GBK_BODY).encode("gbk"), declared_charset="utf-8")
    assert any("HTTP header says utf-8" in warning for warning in document.warnings)


def test_undecodable_bytes_still_read_with_a_warning() -> None:
    data = _page("<div id='zoom'><p>" + "本年度新收申请" * 10 + "</p></div>").encode("gb18030") + b"\x80\xff\x80"
    document = html.read(data)
    assert "本年度新收申请" in document.text()
    assert document.warnings


# --- structure --------------------------------------------------------------------


def _blocks(body: str) -> list:
    return html.read(_page(f"<div class='article-content'>{body}</div>").encode()).blocks


def test_br_and_block_elements_make_paragraphs() -> None:
    document = html.read(
        _page("<div id='zoom'>一、总体情况<br>本年度新收申请<span>37</span>件。<div>二、主动公开政府信息情况</div>"
              "<p>规章\n2件</p><script>var x='不该出现';</script><p style='display:none'>隐藏</p></div>").encode()
    )  # fmt: skip
    assert paragraphs(document) == ["一、总体情况", "本年度新收申请37件。", "二、主动公开政府信息情况", "规章 2件"]


def test_source_line_breaks_inside_chinese_vanish() -> None:
    document = html.read(_page("<div id='zoom'><p>认真贯彻落实\n   《条例》，全年\r\n主动公开</p></div>").encode())
    assert paragraphs(document) == ["认真贯彻落实《条例》，全年主动公开"]


def test_layout_tables_are_read_as_blocks() -> None:
    blocks = _blocks(
        "<table><tr><td><p>一、总体情况</p><p>正文内容。</p></td></tr></table>"
        "<table><tr><td><table><tr><td>规章</td><td>2</td></tr></table></td><td>旁注</td></tr></table>"
    )
    texts = [getattr(block, "text", None) or getattr(block, "rows", None) for block in blocks]
    assert texts == ["一、总体情况", "正文内容。", [["规章", "2"]], "旁注"]


def test_span_expander() -> None:
    rows = [
        [("a", 2, 1), ("b", 1, 2)],
        [("c", 1, 1), ("d", 1, 1)],
        [("e", 1, 3)],
    ]
    assert from_spans(rows) == [["a", "b", ""], ["", "c", "d"], ["e", "", ""]]


def test_span_expander_bad_and_huge_spans() -> None:
    table = html.read(
        _page("<div id='zoom'><table><tr><td rowspan='99'>a</td><td colspan='2;'>b</td><td colspan='x'>c</td></tr>"
              "<tr><td>d</td><td>e</td><td colspan='100000'>f</td></tr></table></div>").encode()
    ).blocks[0]  # fmt: skip
    assert table.rows[0][:4] == ["a", "b", "", "c"]
    assert table.rows[1][:4] == ["", "d", "e", "f"]
    assert len(table.rows) == 2
    assert len(table.rows[0]) <= 1004


def test_cell_text_joins_wrapped_labels() -> None:
    blocks = _blocks("<table><tr><td>商业<br/>企业</td><td>Legal<br>Service</td><td>&nbsp;</td></tr></table>")
    assert blocks[0].rows == [["商业企业", "Legal Service", ""]]


def test_phantom_column_in_every_row_is_collapsed() -> None:
    blocks = _blocks(
        "<table><tr><td colspan='2'>行政复议</td><td>x</td></tr><tr><td colspan='2'>3</td><td>4</td></tr></table>"
    )
    assert blocks[0].rows == [["行政复议", "x"], ["3", "4"]]


def test_title_fallbacks_and_dates() -> None:
    page = "<html><head><title>某局2023年政府信息公开工作年度报告_某区人民政府</title></head><body>" \
           "<div id='zoom'><p>发布时间：2024年3月1日</p><p>正文" + "内容" * 30 + "</p></div></body></html>"  # fmt: skip
    document = html.read(page.encode())
    assert document.title == "某局2023年政府信息公开工作年度报告"
    assert document.published_at == date(2024, 3, 1)
    heading = html.read(b"<html><body><h1>Annual report</h1><div id='zoom'>" + b"text " * 20 + b"</div></body></html>")
    assert heading.title == "Annual report"
    assert heading.published_at is None


def test_empty_and_textless_pages() -> None:
    with pytest.raises(ExtractionError) as error:
        html.read(b"   ")
    assert error.value.reason == "empty"
    document = html.read(b"<html><body><a href='/'>home</a></body></html>")
    assert document.blocks == []
    assert "the page has no body text" in document.warnings
