"""What a page is, judged from its content rather than its URL.

- ``page_role(response)``: ``"list"`` when the page shows a run of dated links (the rows
  of a column), ``"article"`` when it shows a title, a date and a body and no such run,
  ``"list"`` otherwise (a shell or a page bar decides nothing: it stays what the link
  said). A page under a column's folder (``…/xxgknb/201801/t20180105_1.html``) is an
  article unless its content says list, and an article's links are never all followed.
- ``script_driven_reason(response)``: why a list page looks filled by script
  when reading its scripts resolved no list request, or None. The one place this
  judgement is made: the spider uses it to fetch a page's linked scripts, the browser to
  decide what to render. Reasons, in the order asked: ``endpoint`` (a script calls a list
  endpoint nobody could resolve), ``total`` (the page states more entries than its list
  shows rows, ``dated_run``, and has no page bar), ``empty_container`` (an empty list container or an
  unfilled template), ``load_more`` (a 加载更多 control).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from parsel import Selector
from scrapy.http import Response

from crawler.pagination import fewest_entries, is_markup, list_pages, stated_pages
from crawler.scripts import inline_scripts, script_lists
from crawler.spiders.links import Link, anchor_links, record_links, script_api_lists

DATED_RUN = 3  # rows of a list: three dated links side by side make a list, one is a 相关文章 box
ARTICLE_BODY = 150  # characters of body text an article shows at least
_DATE = re.compile(r"(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}(?:\s*[-/.月]\s*\d{1,2})?")
_ROW = "li, tr, dd, dt, p, article, section, div"
_STATED_TOTAL = re.compile(r"共\s*(\d+)\s*(?:条|篇|项|个)|(?:总数|记录数|信息数)[:：]?\s*(\d+)")
_LIST_CONTAINER = re.compile(
    r"(?:^|[-_\s])(?:list|lists|news|article-?list|content-?list|datalist|data-list|infolist|xxgk-?list|items?)"
    r"(?:$|[-_\s]|box|wrap|con|content|body)",
    re.I,
)
_TEMPLATE = re.compile(r"\{\{.*?\}\}|<%.*?%>|\$\{.*?\}")
_LOAD_MORE_TEXT = ("加载更多", "点击加载", "查看更多", "更多信息", "点击查看更多", "load more")
_LOAD_MORE_ATTR = re.compile(r"load-?more|loadMore|more-?btn|getMore|showMore", re.I)
_SPACE = re.compile(r"\s+")
_NOT_PROSE = frozenset({"a", "script", "style"})
_TITLE_SELECTORS = ("meta[name=ArticleTitle]::attr(content)", "h1 ::text", ".title ::text", "h2 ::text")


def dated_run(response: Response) -> int:
    """The rows of a page's list (``_list_rows``): the most rows of one shape (same tag path)
    that each hold one link and a date, with the undated rows beside them."""
    return len(_list_rows(response))


def list_shape(response: Response, shape: str = "") -> str:
    """Where a page's list rows are (the tag path of their containers), for its list's later
    pages: ``shape``, the first page's, when this page shows its rows there; '' without a list."""
    rows = _list_rows(response, shape)
    return _shape(rows[0]) if _makes_list(rows, shape) else ""


def _list_rows(response: Response, shape: str = "") -> list[Selector]:
    """The rows of the longest run of one shape (same tag path) that each hold one link and a
    date, or of the run at ``shape`` (where the list's first page showed its rows: its last
    page may hold one); when that makes a list (``DATED_RUN``, or ``shape``), with the rows of
    one link and no date in the same containers: a 置顶 entry pinned above every page is often
    printed without its date."""
    if not is_markup(response):
        return []
    runs: dict[str, list[Selector]] = {}
    for row in response.css(_ROW):
        if _is_row(row) and row.root.getparent() is not None and _DATE.search("".join(row.css("::text").getall())):
            runs.setdefault(_shape(row), []).append(row)
    dated = max(runs.values(), key=len, default=[])
    if len(dated) < DATED_RUN:
        if shape not in runs:
            return dated
        dated = runs[shape]
    tags, seen = {row.root.tag for row in dated}, {row.root for row in dated}
    undated = []
    for row in {row.root.getparent(): row for row in dated}.values():  # one row of each container
        for sibling in row.xpath("../*"):
            if sibling.root not in seen and sibling.root.tag in tags and _is_row(sibling):
                seen.add(sibling.root)
                undated.append(sibling)
    return dated + undated


def _makes_list(rows: list[Selector], shape: str) -> bool:
    """Are ``rows`` (``_list_rows``) a list: ``DATED_RUN`` of them, or any where ``shape`` says?"""
    return bool(rows) and (len(rows) >= DATED_RUN or _shape(rows[0]) == shape)


def _shape(row: Selector) -> str:
    """The tag path of ``row``'s container, without positions: a list grouped by year is one
    list in several <ul>."""
    return re.sub(r"\[\d+\]", "", row.root.getroottree().getpath(row.root.getparent()))


def _is_row(row: Selector) -> bool:
    """Does ``row`` hold one link and no row of its own (css() counts the row itself)?"""
    return len(row.css("a[href]")) == 1 and len(row.css(_ROW)) == 1


def listed_links(response: Response, links: list[Link], shape: str = "") -> list[Link]:
    """Of a list page's ``links``, its entries, as a stated size counts them: those of its list
    rows (``_list_rows``: a run of ``DATED_RUN`` dated rows at least, or any at ``shape``, where
    its list's first page showed them) and of its inline datastore's records, not its menus and
    footers; all of them on a page without such rows (a JSON answer's are its rows; in markup
    without dated rows, a list cannot be told from a menu)."""
    rows = _list_rows(response, shape)
    if not _makes_list(rows, shape):
        return links
    anchors = [anchor for row in rows for anchor in row.css("a[href]")]
    shown = {link.url for link in anchor_links(response.url, anchors) + record_links(response)}
    return [link for link in links if link.url in shown]


def page_role(response: Response) -> str:
    """``"list"`` or ``"article"``, from what the page shows."""
    if not is_markup(response) or dated_run(response) >= DATED_RUN:
        return "list"
    return "article" if _has_title(response) and _has_date(response) and _shows_prose(response) else "list"


def is_report_shell(response: Response) -> bool:
    """Does this report page show nothing of itself, and have inline scripts that would fill it?"""
    return is_markup(response) and not _shows_prose(response) and bool(inline_scripts(response))


def _has_title(response: Response) -> bool:
    return any("".join(response.css(selector).getall()).strip() for selector in _TITLE_SELECTORS)


def _has_date(response: Response) -> bool:
    if response.css("meta[name=PubDate]::attr(content)").get():
        return True
    return bool(_DATE.search(" ".join(response.css("body *:not(script):not(style)::text").getall())))


def _shows_prose(response: Response) -> bool:
    """Does the page show ``ARTICLE_BODY`` characters of prose, visible text outside links (a
    menu or a list is mostly links)? Read only until it has: every report page is asked, and
    one that holds its whole report would otherwise be read to the end, on the reactor."""
    seen = 0
    for text in _prose(response):
        seen += len(_SPACE.sub("", text))
        if seen >= ARTICLE_BODY:
            return True
    return False


def _prose(response: Response) -> Iterator[str]:
    """The text nodes ``//body//text()[not(ancestor::a or ancestor::script or ancestor::style)]``
    selects, one at a time (not in document order)."""
    for body in response.xpath("//body[not(ancestor::body)]"):
        pending: list[tuple[Any, bool]] = [(body.root, False)]  # an element, and whether it is hidden
        while pending:
            element, hidden = pending.pop()
            if not isinstance(element.tag, str):
                continue  # a comment or processing instruction: its text is no text node
            if not hidden and element.text:
                yield element.text
            for child in element:
                if not hidden and child.tail:  # a tail is the parent's text
                    yield child.tail
                pending.append((child, hidden or child.tag in _NOT_PROSE))


# -- a list filled by script -----------------------------------------------------------


def script_driven_reason(response: Response) -> str | None:
    """Why this list page looks filled by script though reading its scripts resolved nothing; or None.

    Its stated size is weighed against its list's rows, not its links: a column whose list a
    script draws in a frame, under a menu or a box of other bodies' reports longer than the
    list, shows more links than it states entries, and not one of its rows."""
    if not is_markup(response):
        return None
    lists = script_lists(response)
    if lists.apis or script_api_lists(response):
        return None  # reading is enough: the spider requests the APIs itself
    if lists.unresolved:
        return "endpoint"
    total = stated_total(response, lists.names)
    if total > dated_run(response) and not list_pages(response, 2):
        return "total"
    if _empty_container(response):
        return "empty_container"
    if _load_more(response):
        return "load_more"
    return None


def stated_total(response: Response, names: dict[str, Any]) -> int:
    """The number of entries a list page says it holds (``stated_size``), or failing that, the
    fewest its page count allows: a list of 5 pages of 8 rows holds at least 33."""
    entries, pages, rows = stated_size(response, names)
    return entries or fewest_entries(pages, rows)


def stated_size(response: Response, names: dict[str, Any]) -> tuple[int, int, int]:
    """(entries, pages, rows) a list page states: the entries it says it holds (共19条, a
    script's recordCount, a page bar's record count); failing those, the pages its bar counts
    and the rows it shows (the rows of one shape on this page are a page); 0 for the unsaid."""
    text = " ".join(response.css("body *:not(script):not(style)::text").getall())
    match = _STATED_TOTAL.search(re.sub(r"\s+", "", text))
    if match:
        return int(match[1] or match[2]), 0, 0
    named = max((value for key, value in _flat(names) if key.lower() in {"recordcount", "totalrecord"}), default=0)
    pages, records = stated_pages(response)
    if named or records:
        return named or records, 0, 0
    return 0, pages, dated_run(response) if pages > 1 else 0


def _flat(names: dict[str, Any], depth: int = 0) -> list[tuple[str, int]]:
    pairs: list[tuple[str, int]] = []
    for key, value in names.items():
        if isinstance(value, int) and not isinstance(value, bool):
            pairs.append((key, value))
        elif isinstance(value, dict) and depth < 3:
            pairs += _flat(value, depth + 1)
    return pairs


def _empty_container(response: Response) -> bool:
    for element in response.css("ul, ol, div, table, tbody, section"):
        marks = " ".join(element.attrib.get(name, "") for name in ("id", "class"))
        if not _LIST_CONTAINER.search(marks):
            continue
        text = "".join(element.css("::text").getall()).strip()
        # a frame's page is followed as a list of its own: the box that holds it is not empty
        if not element.css("a[href], iframe") and (not text or _TEMPLATE.search(text)):
            return True
    return False


def _load_more(response: Response) -> bool:
    for control in response.css("a, button, div, span, input[type=button]"):
        if len(control.css("a, button, div")) > 1 or _goes_somewhere(control.attrib.get("href", "")):
            continue  # a 查看更多 link to a real list page is navigation, not a control
        label = "".join(control.css("::text").getall()).strip() or control.attrib.get("value", "")
        marks = " ".join(control.attrib.get(name, "") for name in ("id", "class", "onclick"))
        said = any(word in label.lower() for word in _LOAD_MORE_TEXT)
        if len(label) < 12 and (said or _LOAD_MORE_ATTR.search(marks)):
            return True
    return False


def _goes_somewhere(href: str) -> bool:
    href = href.strip()
    return bool(href) and not href.startswith(("#", "javascript:"))
