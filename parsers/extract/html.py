"""A portal's report page -> Document: the article body, not the portal around it.

The body is found in two passes. First the content containers of the CMS families that
host most portals (TRS ``#zoom``/``.TRS_Editor``, Hanweb ``.bt_content``/barrier-free
``.article``, VSB ``#vsb_content``/``.v_news_content``, gkmlpt ``.article-content``…).
Failing those, the smallest element that holds most of the page's non-link text: from
``<body>`` down, into whichever child holds three quarters of its parent's text.
Navigation, sidebars of other years' reports and footers are mostly link text or small,
so they fall away.

We do not use trafilatura for the fallback: it brings ~42 MB of dependencies (babel,
dateparser, courlan...), and on nested-table layouts it leaked the sidebar and print
links where the container rule and this descent did not (deps.md §6). lxml, which the
project has anyway, does all of it.

Tables without nested tables are data: rows of cells with spans resolved by
:mod:`parsers.extract.grid`. A table holding tables, or a single cell, is layout, and
its cells are read as blocks. Paragraphs come from block elements and ``<br>``.
"""

from __future__ import annotations

import re
from datetime import date

import lxml.html
from lxml import etree

from parsers.document import Block, Document, Paragraph, Table
from parsers.errors import ExtractionError
from parsers.extract import grid
from parsers.extract.encoding import decode_html
from parsers.extract.grid import clean_text
from parsers.extract.limits import check_size

_CONTAINERS = (
    "//*[@id='zoom' or @id='Zoom' or @id='ZOOM']",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' TRS_Editor ')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' TRS_UEDITOR ')]",
    "//*[@id='vsb_content' or starts-with(@id, 'vsb_content')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' v_news_content ')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' bt_content ')]",
    "//*[@id='barrierfree_container']//*[contains(concat(' ', normalize-space(@class), ' '), ' article ')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' article-content ')]",
    "//*[@id='UCAP-CONTENT' or @id='fontzoom' or @id='content_text']",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' pages_content ')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' content ')]",
)
_MIN_CONTAINER_TEXT = 50
_LAYOUT_CELL_TEXT = 300  # the longest cell of the official tables (the R1 note) is ~35
_DOMINANT_SHARE = 0.75
_SKIP = frozenset({"script", "style", "noscript", "template", "iframe", "object", "embed",
                   "select", "button", "input", "textarea", "head", "svg"})  # fmt: skip
_BLOCK = frozenset({"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "section",
                    "article", "header", "footer", "nav", "aside", "main", "blockquote", "pre",
                    "center", "dl", "dt", "dd", "form", "fieldset", "address", "figure",
                    "figcaption", "hr", "caption", "tr", "td", "th", "table", "tbody", "thead",
                    "tfoot"})  # fmt: skip
_CONTAINER_TAGS = frozenset({"body", "div", "td", "th", "section", "article", "main", "center", "form"})
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_DATE_META = ("PubDate", "firstpublishedtime", "publishdate", "pubdate", "published_time")
_DATE = re.compile(r"(?P<y>(?:19|20)\d{2})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})")
_PUBLISHED_TEXT = re.compile(r"(?:发布|公开|成文|发文)(?:日期|时间)\s*[:：]?\s*" + _DATE.pattern)
_TITLE_SEPARATORS = re.compile(r"\s*(?:_|\||－|—|-)\s*")


def read(data: bytes, *, declared_charset: str | None = None) -> Document:
    check_size(data)
    text, _, warnings = decode_html(data, declared_charset)
    root = _parse(text)
    container, how = _find_container(root)
    if how == "fallback":
        warnings.append("no known content container; took the text-dense block")
    document = Document(
        blocks=blocks_of(container) if container is not None else [],
        source_format="html",
        title=_title(root),
        published_at=_published_at(root),
        warnings=warnings,
    )
    if not document.blocks:
        document.warnings.append("the page has no body text")
    return document


def _parse(text: str) -> lxml.html.HtmlElement:
    text = _CONTROL.sub("", _XML_DECLARATION.sub("", text, count=1))
    try:
        return lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as error:
        raise ExtractionError("empty", f"no HTML document: {error}") from error


# --- where the article is ---------------------------------------------------------


def _find_container(root: lxml.html.HtmlElement) -> tuple[etree._Element | None, str]:
    lengths: dict[etree._Element, int] = {}
    for xpath in _CONTAINERS:
        found = [el for el in root.xpath(xpath) if not _skipped(el)]
        if not found:
            continue
        best = max(found, key=lambda el: _own_text_length(el, lengths))
        if _own_text_length(best, lengths) >= _MIN_CONTAINER_TEXT:
            return best, "container"
    body = root.find("body")
    if body is None or _own_text_length(body, lengths) == 0:
        return None, "fallback"
    return _enclosing_container(_dominant_descendant(body, lengths)), "fallback"


def _dominant_descendant(node: etree._Element, lengths: dict[etree._Element, int]) -> etree._Element:
    while True:
        total = _own_text_length(node, lengths)
        children = [child for child in node if isinstance(child.tag, str) and not _skipped(child)]
        if total == 0 or not children:
            return node
        best = max(children, key=lambda child: _own_text_length(child, lengths))
        if _own_text_length(best, lengths) < _DOMINANT_SHARE * total:
            return node
        node = best


def _enclosing_container(node: etree._Element) -> etree._Element:
    """The nearest element that can hold an article: not a paragraph, not part of a data
    table (a report whose big table outweighs its prose must keep the prose)."""
    while node.getparent() is not None:
        in_data_table = any(_is_data_table(table) for table in node.iterancestors("table"))
        if node.tag in _CONTAINER_TAGS and not in_data_table:
            return node
        node = node.getparent()
    return node


def _own_text_length(element: etree._Element, lengths: dict[etree._Element, int]) -> int:
    """Characters of visible text outside links (memoised per element)."""
    if element in lengths:
        return lengths[element]
    length = 0
    if isinstance(element.tag, str) and not _skipped(element) and element.tag != "a":
        length = len((element.text or "").strip())
        for child in element:
            length += _own_text_length(child, lengths) + len((child.tail or "").strip())
    lengths[element] = length
    return length


def _skipped(element: etree._Element) -> bool:
    if not isinstance(element.tag, str):  # comments and processing instructions
        return True
    return element.tag in _SKIP or bool(_HIDDEN.search(element.get("style", "")))


# --- blocks -----------------------------------------------------------------------


class _Collector:
    """Text runs become paragraphs at block boundaries and ``<br>``."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self._parts: list[str] = []

    def text(self, text: str | None) -> None:
        if text:
            self._parts.append(text)

    def flush(self) -> None:
        line = clean_text("".join(self._parts))
        self._parts = []
        if line:
            self.blocks.append(Paragraph(line))

    def table(self, rows: list[list[str]]) -> None:
        self.flush()
        if rows:
            self.blocks.append(Table(rows))


def blocks_of(container: etree._Element) -> list[Block]:
    collector = _Collector()
    _walk_children(container, collector)
    collector.flush()
    return collector.blocks


def _walk_children(element: etree._Element, out: _Collector) -> None:
    out.text(element.text)
    for child in element:
        _walk(child, out)
        out.text(child.tail)


def _walk(element: etree._Element, out: _Collector) -> None:
    if _skipped(element):
        return
    tag = element.tag
    if tag == "br":
        out.flush()
    elif tag == "table" and _is_data_table(element):
        out.table(table_rows(element))
    elif tag in _BLOCK:
        out.flush()
        _walk_children(element, out)
        out.flush()
    else:
        _walk_children(element, out)


def _is_data_table(table: etree._Element) -> bool:
    """A grid of short cells; a table holding tables, a single cell, or a cell of
    article-length text is page layout."""
    if table.xpath(".//table"):
        return False
    cells = table.xpath(".//td|.//th")
    return len(cells) > 1 and all(len(cell.text_content()) <= _LAYOUT_CELL_TEXT for cell in cells)


def table_rows(table: etree._Element) -> list[list[str]]:
    """The table's grid, spans resolved (rows of nested tables are not its rows)."""
    spans = []
    for tr in table.xpath("./tr|./thead/tr|./tbody/tr|./tfoot/tr"):
        cells = [cell for cell in tr if cell.tag in ("td", "th") and not _skipped(cell)]
        spans.append(
            [
                (_cell_text(cell), grid.parse_span(cell.get("rowspan")), grid.parse_span(cell.get("colspan")))
                for cell in cells
            ]
        )
    return grid.from_spans(spans)


def _cell_text(cell: etree._Element) -> str:
    collector = _Collector()
    _walk_children(cell, collector)
    collector.flush()
    lines = [block.text for block in collector.blocks if isinstance(block, Paragraph)]
    return clean_text("\n".join(lines))


# --- metadata ---------------------------------------------------------------------


def _meta(root: etree._Element, name: str) -> str | None:
    lowered = name.lower()
    for meta in root.iter("meta"):
        content = meta.get("content")
        if (meta.get("name") or "").lower() == lowered and content:
            return str(content).strip()
    return None


def _title(root: etree._Element) -> str | None:
    meta = _meta(root, "ArticleTitle")
    if meta:
        return meta
    title = root.find(".//title")
    if title is not None and title.text_content().strip():
        parts = [part for part in _TITLE_SEPARATORS.split(title.text_content().strip()) if part]
        if parts:  # the page's own title, without the site name the CMS appends
            return next((part for part in parts if "报告" in part), max(parts, key=len))
    heading = root.find(".//h1")
    if heading is None:
        return None
    return clean_text(heading.text_content()) or None


def _published_at(root: etree._Element) -> date | None:
    for name in _DATE_META:
        match = _DATE.search(_meta(root, name) or "")
        if match:
            return _date(match)
    body = root.find("body")
    match = _PUBLISHED_TEXT.search(body.text_content() if body is not None else "")
    return _date(match) if match else None


def _date(match: re.Match[str]) -> date | None:
    try:
        return date(int(match["y"]), int(match["m"]), int(match["d"]))
    except ValueError:
        return None
