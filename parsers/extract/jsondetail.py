"""A detail API's JSON answer -> the HTML page it fills, read as HTML.

SPA portals (Epoint/新点 and the like) serve a report page as an empty shell whose script
asks a detail API; the answer (``{"data": {"title", "content": "<p>…</p>",
"attachments": [{"name", "url"}]}}``, key names vary) is the report. ``detail_html``
rebuilds the page the script would draw: the title, the date, the content and a link
for every ``{name, url}`` object. The crawler reads that page for the report's title,
date and attachments, and ``read`` parses it, so a reparse of the archived JSON gives
the same record.
"""

from __future__ import annotations

import json
import re
from html import escape
from typing import Any

from parsers.document import Document
from parsers.extract import html

TITLE_KEYS = ("title", "infoname", "infotitle", "doctitle", "articletitle", "bt", "name")
DATE_KEYS = ("publishdate", "pubdate", "publishtime", "infodate", "docreltime", "releasedate", "createtime")
LINK_KEYS = ("url", "fileurl", "filepath", "path", "href", "link", "downloadurl", "attachurl")
_MARKUP = re.compile(r"<(?:p|div|table|span|br|h[1-6]|section|font|strong)[\s>/]", re.I)
MAX_DEPTH = 5


def read(data: bytes) -> Document:
    page = detail_html(data)
    return html.read(page if page is not None else b"")


def detail_html(data: bytes) -> bytes | None:
    """The page a detail answer fills; None when ``data`` is no JSON object holding HTML content."""
    if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] != b"{":
        return None
    try:
        answer = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        return None
    found = _content(answer, 0)
    if found is None:
        return None
    record, content = found
    title = _field(record, TITLE_KEYS)
    day = _field(record, DATE_KEYS)
    links = "".join(f'<li><a href="{escape(url)}">{escape(name)}</a></li>' for name, url in _links(answer, 0))
    head = f"<title>{escape(title)}</title>" + (f'<meta name="PubDate" content="{escape(day)}">' if day else "")
    body = f'<h1>{escape(title)}</h1><div class="article-content">{content}</div><ul class="attachments">{links}</ul>'
    return f'<html><head><meta charset="utf-8">{head}</head><body>{body}</body></html>'.encode()


def _content(value: Any, depth: int) -> tuple[dict[str, Any], str] | None:
    """The object holding the longest HTML string, and that string."""
    if depth > MAX_DEPTH:
        return None
    best: tuple[dict[str, Any], str] | None = None
    children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    if isinstance(value, dict):
        for item in value.values():
            if isinstance(item, str) and _MARKUP.search(item) and (best is None or len(item) > len(best[1])):
                best = (value, item)
    for child in children:
        inner = _content(child, depth + 1) if isinstance(child, dict | list) else None
        if inner is not None and (best is None or len(inner[1]) > len(best[1])):
            best = inner
    return best


def _field(record: dict[str, Any], keys: tuple[str, ...]) -> str:
    lowered = {key.lower(): value for key, value in record.items() if isinstance(value, str)}
    return next((lowered[key].strip() for key in keys if lowered.get(key, "").strip()), "")


def _links(value: Any, depth: int) -> list[tuple[str, str]]:
    """(name, url) of every object that names a file by a link key."""
    if depth > MAX_DEPTH:
        return []
    found: list[tuple[str, str]] = []
    if isinstance(value, dict):
        url = _field(value, LINK_KEYS)
        if url:
            found.append((_field(value, TITLE_KEYS) or url.rsplit("/", 1)[-1], url))
        value = list(value.values())
    if isinstance(value, list):
        for item in value:
            found += _links(item, depth + 1)
    return found
