"""The pages of an annual-report list, one small function per portal family.

Each function looks at one list page and returns the requests for the list's other
pages (empty when its family's signature is absent), in the detector order of
research/domain.md §4.3. The spider runs them all and lets the dupefilter drop repeats;
it gives the requests their callback and meta. ``limit`` caps the pages of one list.

- ``trs_pages``: TRS WCM ``createPageHTML(total, current, "index", "html")`` (0-based:
  ``index.html``, ``index_1.html`` …) and ``createPageHTML('div', total, current, 'list',
  'shtml', records)`` (1-based: ``list.shtml``, ``list_2.shtml`` …);
- ``vsb_pages``: VSB/博达 ``nb.htm`` → ``nb/N.htm`` … ``nb/1.htm`` (numbered downwards);
- ``hanweb_pages``: Hanweb jcms ``dataproxy.jsp`` POSTs named by the column page's jpage
  script, and the rest of the list from a dataproxy answer's ``<totalrecord>``;
- ``json_pages``: JSON list APIs (gkmlpt ``{"articles": [...], "total": N}``) by ``page=N``;
- ``link_pages``: plain 下一页/尾页 and numbered page links (``index_2.html``, ``?page=3``).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from scrapy import FormRequest, Request
from scrapy.http import Response, TextResponse

from crawler.jsonlists import json_body, json_entries, json_total

_CREATE_PAGE = re.compile(r"createPage(?:HTML)?\s*\(([^()]*)\)")
_PAGES_TEXT = re.compile(r"共(\d+)页")
_JPAGE = re.compile(r"\.jpage\s*\(\s*\{(.*?)\}\s*\)", re.S)
_JS_PAIR = re.compile(r"""(\w+)\s*:\s*(?:'([^']*)'|"([^"]*)"|([\w./\-]+))""")
_AJAX_PARAM = re.compile(r"ajaxParam\s*:\s*\{(.*?)\}", re.S)
_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S)
_TOTAL_RECORD = re.compile(r"<totalrecord>\s*(\d+)\s*</totalrecord>")
_NUMBERED_HTM = re.compile(r"^(?P<folder>.*/)(?P<number>\d+)\.htm$")
# Forward words only: 首页 is also every breadcrumb's link home, and earlier pages were read.
_PAGE_WORDS = ("下一页", "下页", "后页", "尾页", "末页", "最后一页", ">", ">>", "»", "›")
_PAGE_HREF = re.compile(
    r"(?:index|list|default)_\d+\.s?html?$|/page_\d+\.html?$|[?&](?:page|pageNo|pageNum|pageIndex|PageIndex|"
    r"currPage|cur_page|pn|p)=\d+"
)
_PAGE_QUERY = ("page", "pageNo", "pageNum", "pageIndex", "PageIndex", "currPage", "cur_page", "pn", "p")


def is_markup(response: Response) -> bool:
    """HTML or XML, which CSS selectors can read (a JSON answer is text but not markup).

    parsel reads a text body that parses as JSON as JSON, whatever its Content-Type.
    """
    return isinstance(response, TextResponse) and response.selector.type != "json"


def _folder(url: str) -> str:
    return url[: url.rfind("/") + 1]


def _js_arguments(text: str) -> list[str]:
    return [part.strip().strip("'\"") for part in text.split(",")]


# -- TRS WCM ---------------------------------------------------------------------------


def trs_pages(response: Response, limit: int) -> list[Request]:
    """Every page a ``createPageHTML``/``createPage`` call names, in either signature."""
    if not isinstance(response, TextResponse):
        return []
    for match in _CREATE_PAGE.finditer(response.text):
        urls = _trs_urls(_js_arguments(match[1]), _folder(response.url), limit)
        if urls:
            return [Request(url) for url in urls]
    return []


def _trs_urls(args: list[str], folder: str, limit: int) -> list[str]:
    if len(args) >= 4 and args[0].isdigit():  # (total, current, name, ext): 0-based
        total, name, ext = int(args[0]), args[2], args[3]
        return [folder + (f"{name}.{ext}" if i == 0 else f"{name}_{i}.{ext}") for i in range(min(total, limit))]
    if len(args) >= 5 and args[1].isdigit():  # ('div', total, current, name, ext, records): 1-based
        total, name, ext = int(args[1]), args[3], args[4]
        return [folder + (f"{name}.{ext}" if i == 1 else f"{name}_{i}.{ext}") for i in range(1, min(total, limit) + 1)]
    return []  # the function's own definition, or a call we cannot read


def fewest_entries(pages: int, rows: int) -> int:
    """The fewest entries a list of ``pages`` pages of ``rows`` rows holds (its last page has
    one at least), or 0 when it states no more than one page."""
    return (pages - 1) * rows + 1 if pages > 1 and rows else 0


def stated_pages(response: Response) -> tuple[int, int]:
    """(pages, entries) a list page's bar says the list has (共5页; TRS ``createPageHTML``'s
    page count, and its ``'div'`` form's record count); 0 for what it does not say."""
    if not is_markup(response):
        return 0, 0
    for match in _CREATE_PAGE.finditer(response.text):
        args = _js_arguments(match[1])
        if len(args) >= 4 and args[0].isdigit():
            return int(args[0]), 0
        if len(args) >= 5 and args[1].isdigit():
            return int(args[1]), int(args[5]) if len(args) > 5 and args[5].isdigit() else 0
    text = re.sub(r"\s+", "", " ".join(response.css("body *:not(script):not(style)::text").getall()))
    found = _PAGES_TEXT.search(text)
    return (int(found[1]) if found else 0), 0


# -- VSB / 博达 ---------------------------------------------------------------------------


def vsb_pages(response: Response, limit: int) -> list[Request]:
    """``stem/1.htm`` … ``stem/N.htm`` once the page bar shows any two of them."""
    if not is_markup(response):
        return []
    stem_folder = response.url[: -len(".htm")] + "/" if response.url.endswith(".htm") else None
    numbers: dict[str, set[int]] = {}
    for href in response.css("a::attr(href)").getall():
        match = _NUMBERED_HTM.match(urljoin(response.url, href.strip()))
        if match and match["folder"] in {stem_folder, _folder(response.url)}:
            numbers.setdefault(match["folder"], set()).add(int(match["number"]))
    requests = []
    for folder, found in numbers.items():
        high = min(max(found), limit)
        requests += [Request(f"{folder}{number}.htm") for number in range(1, high + 1)]
    return requests


# -- Hanweb jcms -----------------------------------------------------------------------


def hanweb_records(text: str) -> list[str]:
    """The HTML fragments of a ``<datastore>``'s records (inline script or dataproxy answer)."""
    return _RECORD.findall(text)


def hanweb_pages(response: Response, limit: int) -> list[Request]:
    if not isinstance(response, TextResponse):
        return []
    if "<datastore" not in response.text:
        return []
    jpage = _JPAGE.search(response.text)
    if jpage:
        return _groups_after(response, _jpage_options(jpage[1]), len(hanweb_records(response.text)), limit)
    return _rest_of_dataproxy(response, limit)


def _jpage_options(body: str) -> dict[str, Any]:
    options: dict[str, Any] = dict(_pairs(body))
    params = _AJAX_PARAM.search(body)
    options["ajaxParam"] = dict(_pairs(params[1])) if params else {}
    return options


def _pairs(body: str) -> list[tuple[str, str]]:
    return [(name, next((v for v in values if v), "")) for name, *values in _JS_PAIR.findall(body)]


def _groups_after(response: TextResponse, options: dict[str, Any], shown: int, limit: int) -> list[Request]:
    """POSTs for the records after the first ``shown``, one data group per request."""
    proxy = options.get("proxyUrl")
    per_page = int(options.get("perPage") or 15)
    group = per_page * int(options.get("groupSize") or 3)
    total = int(options.get("totalRecord") or 0) or shown + group  # unknown: ask one group, its answer tells
    if not proxy:
        return []
    last = min(total, per_page * limit)
    return [
        _dataproxy(urljoin(response.url, proxy), start, min(start + group - 1, last), per_page, options["ajaxParam"])
        for start in range(shown + 1, last + 1, group)
    ]


def _dataproxy(url: str, start: int, end: int, per_page: int, form: dict[str, str]) -> FormRequest:
    query = urlencode({"startrecord": start, "endrecord": end, "perpage": per_page})
    return FormRequest(f"{url}?{query}", formdata={k: str(v) for k, v in form.items()})


def _rest_of_dataproxy(response: TextResponse, limit: int) -> list[Request]:
    """From one dataproxy answer: the groups after it, up to ``<totalrecord>``."""
    total = _TOTAL_RECORD.search(response.text)
    query = dict(parse_qsl(urlsplit(response.url).query))
    if not total or "endrecord" not in query or response.request is None:
        return []
    end, per_page = int(query["endrecord"]), int(query.get("perpage") or 15)
    group = end - int(query.get("startrecord") or 1) + 1
    form = dict(parse_qsl(response.request.body.decode("utf-8", "replace")))
    last = min(int(total[1]), per_page * limit)
    url = response.url.split("?", 1)[0]
    starts = range(end + 1, last + 1, group)
    return [_dataproxy(url, start, min(start + group - 1, last), per_page, form) for start in starts]


# -- JSON list APIs --------------------------------------------------------------------


def json_pages(response: Response, limit: int) -> list[Request]:
    """Pages 2..N of a paged JSON list (all at once when the total is known)."""
    data = json_body(response)
    articles = json_entries(data) if data is not None else []
    page_key, page = _page_parameter(response.url)
    if page_key is None or not articles:
        return []
    size = int(data.get("size") or data.get("pageSize") or len(articles)) if isinstance(data, dict) else len(articles)
    total = json_total(data)
    last = min(-(-total // size) if total else page + 1, limit)
    return [Request(_with_query(response.url, page_key, number)) for number in range(page + 1, last + 1)]


def _page_parameter(url: str) -> tuple[str | None, int]:
    query = dict(parse_qsl(urlsplit(url).query))
    for key in _PAGE_QUERY:
        if query.get(key, "").isdigit():
            return key, int(query[key])
    return None, 1


def _with_query(url: str, key: str, value: int) -> str:
    parts = urlsplit(url)
    query = [(k, str(value) if k == key else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    return urlunsplit(parts._replace(query=urlencode(query)))


# -- plain links -----------------------------------------------------------------------


def link_pages(response: Response, limit: int) -> list[Request]:
    """Links of a page bar: 下一页/尾页 words, or numbered list-page URLs on the same site."""
    if not is_markup(response):
        return []
    origin = urlsplit(response.url).netloc
    urls: list[str] = []
    for anchor in response.css("a[href]"):
        href = anchor.attrib["href"].strip()
        text = "".join(anchor.css("::text").getall()).strip()
        url = urljoin(response.url, href)
        if href.startswith(("#", "javascript:")) or urlsplit(url).netloc != origin or url == response.url:
            continue
        if text in _PAGE_WORDS or _PAGE_HREF.search(url):
            urls.append(url.split("#", 1)[0])
    return [Request(url) for url in dict.fromkeys(urls)][:limit]


FAMILIES = (trs_pages, vsb_pages, hanweb_pages, json_pages, link_pages)


def list_pages(response: Response, limit: int) -> list[Request]:
    """The requests of every family that recognises this page, without repeats."""
    seen: set[tuple[str, bytes]] = set()
    requests = []
    for family in FAMILIES:
        for request in family(response, limit):
            key = (request.url, request.body)
            if key not in seen:
                seen.add(key)
                requests.append(request)
    return requests
