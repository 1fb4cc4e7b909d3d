"""The pages of a list API a script calls: Scrapy requests for page 1, 2 … of an ``Api``.

The page number (or offset: ``first + (n - 1) * step``) is written where the script puts
it: a gap in the URL, a query parameter, or a form or JSON body field, however deeply
nested (Epoint posts ``params=<JSON text>``). After the first answer the rest of the
list is asked all at once when its total is known (the answer's or the script's), else
one page at a time until a page comes back empty, repeats the one before, or the page
limit is reached (``followup``; a repeating page, an answer with no list in it where JSON
was due, and the page limit reached with entries still coming are the API misbehaving:
the spider records each as a fault row).
"""

from __future__ import annotations

import copy
import json
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlencode

from scrapy import FormRequest, Request
from scrapy.http import JsonRequest, Response

from crawler.jsonlists import json_body, json_total
from crawler.jsread import fill, gaps
from crawler.scripts import Api


def api_request(api: Api, number: int) -> Request:
    """The request for page ``number`` (1-based) of the list, its API record in meta."""
    value = api.first + (number - 1) * api.step
    url, query, body = api.url, dict(api.query), copy.deepcopy(api.body)
    where, *path = api.page_at or ["none"]
    if where == "url":
        url = _filled(url, value)
    elif where == "query" and path:
        query[path[0]] = value
    elif where == "body" and path:
        body = _set(body, path, value)
    query = {key: _filled(item, value) for key, item in query.items()}
    if query:
        url += ("&" if "?" in url else "?") + urlencode({key: _text(item) for key, item in query.items()})
    meta = {"nianbao_api": asdict(api), "nianbao_api_page": number}
    if api.method == "GET" or body is None:
        return Request(url, method=api.method, meta=meta)
    if api.kind == "json":
        return JsonRequest(url, data=_unwrap(body, value), meta=meta)
    form = body if isinstance(body, dict) else {}
    return FormRequest(url, formdata={key: _text(_unwrap(item, value)) for key, item in form.items()}, meta=meta)


def next_numbers(api: Api, number: int, entries: int, total: int, limit: int) -> list[int]:
    """Which pages to ask next after page ``number`` answered ``entries`` rows of ``total``."""
    if entries == 0:
        return []
    if total and number == 1:
        size = api.size or entries
        return list(range(2, min(-(-total // size), limit) + 1))
    if total:
        return []  # asked all at once after page 1
    return [number + 1] if number < limit else []


@dataclass(frozen=True, slots=True)
class Followup:
    """What one answer of a list API leads to: the pages to ask next and the total it states;
    or, for an API that misbehaves, why paging stops there (``bound``, with ``detail``)."""

    numbers: list[int]
    total: int = 0
    bound: str = ""  # repeats, unreadable, page_limit
    detail: str = ""


def followup(response: Response, api: Api, entries: int, first: str | None, limit: int) -> Followup:
    """After page ``nianbao_api_page`` answered ``entries`` rows, ``first`` the first's URL."""
    number = response.meta.get("nianbao_api_page", 1)
    if first is not None and first == response.meta.get("nianbao_api_first"):
        # the API answers the same page whatever the number: nothing more to find
        return Followup([], bound="repeats", detail=f"page {number} answers as page 1 did")
    data = json_body(response)
    if data is None and not entries and (number == 1 or _is_document(response)):
        kind = response.headers.get("Content-Type", b"no Content-Type").decode("latin-1")
        return Followup([], bound="unreadable", detail=f"page {number} answered {kind}, no list in it")
    total = (json_total(data) if data is not None else 0) or api.total
    numbers = next_numbers(api, number, entries, total, limit)
    if entries and not total and number >= limit:
        return Followup(numbers, total, "page_limit", f"page {number}, the page limit, still had entries")
    return Followup(numbers, total)


def _is_document(response: Response) -> bool:
    """A whole HTML page (an error page, a login page), not a fragment of a list."""
    head = response.body[:512].lstrip().lower()
    return head.startswith(b"<!doctype html") or b"<html" in head


def api_from_meta(meta: dict[str, Any]) -> Api | None:
    record = meta.get("nianbao_api")
    return Api(**record) if isinstance(record, dict) else None


def _filled(value: Any, number: int) -> Any:
    return fill(value, dict.fromkeys(gaps(value), number)) if isinstance(value, str) else value


def _set(body: Any, path: list[str], value: int) -> Any:
    target = body
    for key in path[:-1]:
        target = target[key]
        target = target["$json"] if isinstance(target, dict) and "$json" in target else target
    target[path[-1]] = value
    return body


def _unwrap(value: Any, number: int) -> Any:
    """A body as sent: ``{"$json": x}`` becomes the JSON text of x, gaps take the page number."""
    if isinstance(value, dict) and set(value) == {"$json"}:
        return json.dumps(_unwrap(value["$json"], number), ensure_ascii=False, separators=(",", ":"))
    if isinstance(value, dict):
        return {key: _unwrap(item, number) for key, item in value.items()}
    if isinstance(value, list):
        return [_unwrap(item, number) for item in value]
    return _filled(value, number)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return "" if value is None else str(value)
