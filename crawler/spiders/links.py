"""What the links and pages of a government portal are, read from their text and URLs.

The spider's callbacks ask these questions of a page: which links lead to the
information-disclosure section, which to the annual-report column, which are reports
(and which only look like them: 统计公报, 工作要点, 决算 …), which are a report's
attachments, and what a report page says its title and date are. Titles are judged with
``parsers.metadata.parse_title_line``, the same rule the parser uses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from parsel import Selector
from scrapy.http import HtmlResponse, Response, TextResponse

from crawler.jsonlists import entry_date, entry_title, entry_url, json_body, json_entries
from crawler.pagination import hanweb_records, is_markup
from crawler.routes import page_url
from parsers.metadata import compact_year_text, parse_title_line

if TYPE_CHECKING:
    from collections.abc import Iterable

    from crawler.browser import Exchange
    from crawler.pagewalk import View

DOCUMENT_EXTENSIONS = ("pdf", "doc", "docx", "wps", "xls", "xlsx", "et", "ofd", "jpg", "jpeg", "png")
_EXTENSION = re.compile(r"\.(" + "|".join(DOCUMENT_EXTENSIONS) + r")$", re.I)
_DOWNLOAD_URL = re.compile(r"download\.jsp|downfile\.jsp|wbfileid=|/attach(?:ment)?/|filename=|fileid=", re.I)
_SHORT_TITLE = re.compile(r"^(?:19|20)\d{2}年度?(?:政府信息公开|信息公开|政务公开)?(?:工作)?(?:年度报告|年报)$")
_NOISE = ("公报", "要点", "决算", "预算", "通知", "培训", "会议", "召开", "指南", "解读", "统计年报")
_COLUMN_TEXT = re.compile(r"^(?:政府)?(?:信息公开|政务公开)?(?:工作)?(?:年度报告|年报)(?:专栏)?$")
_COLUMN_URL = re.compile(r"zfxxgknb|xxgknb|gknb|zfxxgkndbg|ndbg|niandubaogao|nianbao|/nb(?:/|\.s?html?$|_\d)", re.I)
_YEAR_COLUMN = re.compile(r"^(?:19|20)\d{2}年度?(?:年报|报告)?$")
_SECTION_TEXT = re.compile(r"^(?:政府)?(?:信息|政务)公开(?:目录|专栏|平台)?$|^法定主动公开内容$")
_SECTION_SEGMENT = re.compile(r"^(?:zwgk|xxgk|zfxxgk|gkml|zfxxgkml|gongkai|zwgk_\d+)$", re.I)
_PUBLISHED = re.compile(r"(?:发布|公开|成文)(?:日期|时间)[:：]?\s*(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})")
_URL_DATE = re.compile(r"/t(\d{4})(\d{2})(\d{2})_\d+|/art/(\d{4})/(\d{1,2})/(\d{1,2})/")
_NOT_PAGES = ("javascript:", "about:", "data:")
_PAGE_SUFFIXES = (".html", ".htm", ".shtml", ".jhtml", "/")
_SCRIPT_SID = re.compile(r"""SID\s*:\s*['"](\w+)['"]""")
_SCRIPT_API = re.compile(r"""['"](/[\w/.-]*api/all/)['"]""")


@dataclass(frozen=True, slots=True)
class Link:
    url: str  # absolute, without its fragment unless that is a hash route (crawler.routes)
    text: str  # the anchor's text, whitespace removed at the ends
    title: str = ""  # its title attribute: lists often cut the text and keep the whole title here
    published: date | None = None

    @property
    def label(self) -> str:
        """The fullest name the link gives: the title attribute when it is longer."""
        return self.title if len(self.title) > len(self.text) else self.text


def compact(text: str) -> str:
    return re.sub(r"\s+", "", text.replace("\u3000", "").replace("\xa0", ""))


# -- what a link is --------------------------------------------------------------------


def without_extension(text: str) -> str:
    return _EXTENSION.sub("", text.strip())


def is_report_title(text: str) -> bool:
    """A report's title: 某局2023年政府信息公开工作年度报告, or a bare 2023年年报 in a report list."""
    name = without_extension(text)
    if parse_title_line(name) is not None:
        return True
    short = compact_year_text(name)
    return bool(_SHORT_TITLE.match(short)) and not any(word in short for word in _NOISE)


def is_noise_title(text: str) -> bool:
    """A title that names something else (公报, 要点, 决算, a notice, news of a meeting)."""
    name = compact(text)
    return bool(re.search(r"(?:19|20)\d{2}", name)) and any(word in name for word in _NOISE)


def is_report_link(link: Link, pattern: re.Pattern[str] | None) -> bool:
    if is_report_title(link.label) or is_report_title(link.text):
        return True
    return bool(pattern and pattern.search(link.url) and not is_noise_title(link.label))


def is_column_link(link: Link) -> bool:
    """The annual-report column: 政府信息公开年报, 年度报告 … or a zfxxgknb/ndbg-like URL."""
    text = compact(link.label)
    if text and (is_report_title(text) or is_noise_title(text)):
        return False
    return bool(_COLUMN_TEXT.match(text) or _YEAR_COLUMN.match(text) or _COLUMN_URL.search(urlsplit(link.url).path))


def is_section_link(link: Link) -> bool:
    """The way into the disclosure section: 政府信息公开, 政务公开, 法定主动公开内容 …"""
    if _SECTION_TEXT.match(compact(link.label)):
        return True
    segments = [part for part in urlsplit(link.url).path.split("/") if part]
    return bool(segments) and bool(_SECTION_SEGMENT.match(segments[-1].split(".")[0]))


# -- links of a page -------------------------------------------------------------------


def frame_urls(response: Response) -> list[str]:
    """The pages an HTML page shows in its iframes and frames: part of what it shows."""
    if not is_markup(response):
        return []
    sources = (source.strip() for source in response.css("iframe::attr(src), frame::attr(src)").getall())
    return [response.urljoin(source) for source in sources if source and not source.startswith(_NOT_PAGES)]


def page_links(response: Response) -> list[Link]:
    """Every followable link of an HTML page, with those of an inline Hanweb datastore."""
    if not is_markup(response):
        return []
    return anchor_links(response.url, response.css("a[href]")) + record_links(response)


def record_links(response: Response) -> list[Link]:
    """The links of the records of a page's inline Hanweb datastore: each record is an entry."""
    links = []
    for fragment in hanweb_records(response.text):
        links += anchor_links(response.url, Selector(text=fragment).css("a[href]"))
    return links


def list_entries(response: Response, base: str | None = None, detail: list[str] | None = None) -> list[Link]:
    """The entries of a list page: a JSON answer's rows, or the page's links.

    A row's relative URL is read against ``base`` (the page whose script asked the API),
    a row without one through the script's ``detail`` URL shapes.
    """
    data = json_body(response)
    if data is None:
        return page_links(response)
    links = []
    for row in json_entries(data):
        url = entry_url(row, base or response.url, detail or [])
        if url:
            title = entry_title(row)
            links.append(Link(page_url(url), title, title, entry_date(row)))
    return links


def drawn_pages(exchanges: Iterable[Exchange], views: Iterable[View]) -> list[Response]:
    """What a rendered list drew, as pages to read: each answer its scripts fetched (its links
    lead from the frame whose script asked, as that script draws them), then each view."""
    pages: list[Response] = []
    for exchange in exchanges:
        answer = exchange.response
        if answer is not None and exchange.resource_type in {"xhr", "fetch"} and isinstance(answer, TextResponse):
            pages.append(answer.replace(url=exchange.base))
    pages += [HtmlResponse(view.url, body=view.html.encode("utf-8"), encoding="utf-8") for view in views]
    return pages


def drawn_links(pages: Iterable[Response]) -> list[Link]:
    """The links of a rendered list's ``drawn_pages``, once each (a load-more view repeats the
    views before it)."""
    return list({link.url: link for page in pages for link in list_entries(page)}.values())


def anchor_links(base: str, anchors: Any) -> list[Link]:
    """The followable links of ``anchors`` (``a[href]`` selectors), read against ``base``."""
    links = []
    for anchor in anchors:
        href = anchor.attrib.get("href", "").strip()
        if not href or href.startswith(("javascript:", "mailto:", "tel:")):
            continue
        if href.startswith("#"):
            continue  # same page; gkmlpt menus are read by script_api_lists
        url = urljoin(base, href)
        text = compact("".join(anchor.css("::text").getall()))
        links.append(Link(page_url(url), text, compact(anchor.attrib.get("title", ""))))
    return links


def script_api_lists(response: Response) -> list[str]:
    """gkmlpt-style shells: the JSON list URL of each annual-report column in the menu.

    The menu links are fragments (``#2891``) and the script names ``SID`` and the API
    folder; the list is ``<API><column>?page=1&sid=<SID>``.
    """
    if not is_markup(response):
        return []
    sid, api = _SCRIPT_SID.search(response.text), _SCRIPT_API.search(response.text)
    if not (sid and api):
        return []
    urls = []
    for anchor in response.css("a[href^='#']"):
        column = anchor.attrib["href"][1:]
        label = compact("".join(anchor.css("::text").getall()))
        if column.isdigit() and _COLUMN_TEXT.match(label):
            urls.append(urljoin(response.url, f"{api[1]}{column}?page=1&sid={sid[1]}"))
    return urls


# -- a report page ---------------------------------------------------------------------


def attachment_links(response: Response) -> list[Link]:
    """Links to documents: by extension in the URL, or a download script whose link text names the file."""
    found: dict[str, Link] = {}
    for link in page_links(response):
        if is_document_link(link):
            found.setdefault(link.url, link)  # a file linked twice is fetched once
    return list(found.values())


def is_document_link(link: Link) -> bool:
    path = urlsplit(link.url).path
    if _EXTENSION.search(path):
        return True
    named = bool(_EXTENSION.search(link.label))  # download.jsp?wbfileid=…: the name is only in the text
    return named and bool(_DOWNLOAD_URL.search(link.url) or not path.endswith(_PAGE_SUFFIXES))


def report_title(response: Response, fallback: str | None) -> str | None:
    if not is_markup(response):
        return fallback
    candidates = [
        response.css("meta[name=ArticleTitle]::attr(content)").get(),
        fallback,
        " ".join(response.css("h1 ::text").getall()),
        response.css("title::text").get(),
    ]
    for candidate in candidates:
        if candidate and is_report_title(compact(candidate)):
            return compact(candidate)
    return fallback or (compact(candidates[3]) if candidates[3] else None)


def published_date(response: Response, fallback: date | None) -> date | None:
    """PubDate meta, then a 发布日期 line, then the date a TRS/Hanweb URL carries, then the list's date."""
    if is_markup(response):
        meta = response.css("meta[name=PubDate]::attr(content)").get() or ""
        match = re.match(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})", meta) or _PUBLISHED.search(_visible_text(response))
        if match:
            return _date(*match.groups())
    match = _URL_DATE.search(response.url)
    if match:
        return _date(*[group for group in match.groups() if group])
    return fallback


def _visible_text(response: TextResponse) -> str:
    return compact(" ".join(response.css("body *:not(script):not(style)::text").getall()))


def _date(year: str, month: str, day: str) -> date | None:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None
