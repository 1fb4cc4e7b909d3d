"""A report page that is a script shell: the detail API its script asks, with the page's id.

An SPA portal's report page (``detail.html?id=123``, ``showinfo.html?infoGuid=…``,
``#/detail/123``) shows an empty container; its script reads the id from the page's own
URL and asks a detail API whose JSON answer is the report. ``detail_request`` reads the
page's inline scripts (``crawler.jsread``, calls described as ``crawler.scripts`` does
for lists) and returns the request the script makes, the id filled in where the script
puts it, or None when the call cannot be known without running the script.

The value a script takes from its URL is a hole whose text names where: a quoted query
parameter (``getQueryString('infoGuid')``, ``params.get("id")``) is that parameter's
value; any other read of ``location`` is the page's only query value, or the last part
of its hash route (kept on the page's URL and in its request's fingerprint:
``crawler.routes``, so each ``#/detail/<id>`` of a list is a report of its own).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from scrapy import Request
from scrapy.http import HtmlResponse, Response

from crawler.apipages import api_request
from crawler.jsread import Hole, Json, fill, gap, gaps, read_scripts
from crawler.scripts import Api, describe_call, inline_scripts
from parsers.extract.jsondetail import detail_html

if TYPE_CHECKING:
    from collections.abc import Iterable

    from crawler.browser import Exchange

_QUOTED = re.compile(r"""["']([\w.-]+)["']""")
_STATIC = re.compile(r"\.(?:js|css|png|jpe?g|gif|svg|ico|woff2?|html?)(?:$|\?)", re.I)


def detail_request(response: Response) -> Request | None:
    """The request the shell's script makes for its report, or None when it cannot be read."""
    values = _url_values(response.url)
    if not values:
        return None
    for call in read_scripts(inline_scripts(response)).calls:
        described = describe_call(call.callee, call.arguments)
        if described is None or not isinstance(described[1], str):
            continue
        method, url, query, body, kind, _ = described
        holes = [name for name in gaps(url) if _from_url(name, values)]
        url = fill(url, {name: _from_url(name, values) for name in holes})
        query, body = _resolved(query, values, holes), _resolved(body, values, holes)
        if holes and not gaps(url) and not _STATIC.search(urlsplit(url).path):
            api = Api(method, response.urljoin(url), query, body, kind)
            request = api_request(api, 1)
            return request.replace(meta={})
    return None


def shell_meta(shell: Response) -> dict[str, Any]:
    """What a shell's report carries from the shell: the shell, the list that led there, its title and date."""
    meta = shell.meta
    extra = {"nianbao_shell": shell.url, "nianbao_list_url": meta.get("nianbao_referer")}
    return extra | {key: meta[key] for key in ("nianbao_title", "nianbao_published") if meta.get(key)}


def detail_page(response: Response) -> Response:
    """The page a detail API's answer fills (a JSON answer), else the answer itself (an HTML fragment)."""
    page = detail_html(response.body)
    return HtmlResponse(response.url, body=page, encoding="utf-8") if page is not None else response


def report_answer(exchanges: Iterable[Exchange]) -> Exchange | None:
    """What a shell drawn by Chromium fetched that is its report: the first answer to its
    scripts that carries content (``detail_html`` reads a page from it), or None."""
    for exchange in exchanges:
        answer = exchange.response
        if answer is not None and exchange.resource_type in {"xhr", "fetch"} and detail_html(answer.body) is not None:
            return exchange
    return None


def shell_report(shell: Response, answer: Response) -> Response:
    """``answer`` read as ``shell``'s report: it carries what the shell carried, led to from the shell."""
    meta = answer.meta | shell_meta(shell) | {"nianbao_referer": shell.url}
    return answer.replace(request=answer.request.replace(meta=meta))


def _url_values(url: str) -> dict[str, str]:
    """The values a page's URL carries: its query parameters, and its hash route's last part as ``#``."""
    parts = urlsplit(url)
    values = dict(parse_qsl(parts.query))
    route = parts.fragment.rstrip("/").rsplit("/", 1)[-1].split("?", 1)
    if route[0]:
        values["#"] = route[0]
    values |= dict(parse_qsl(route[1])) if len(route) > 1 else {}
    return values


def _from_url(text: str, values: dict[str, str]) -> str | None:
    """The value a script expression reads from the page's URL, when it reads one."""
    named = [values[name] for name in _QUOTED.findall(text) if name in values and name != "#"]
    if named:
        return named[0]
    if "location" not in text and "hash" not in text.lower():
        return None
    if "hash" in text and "#" in values:
        return values["#"]
    plain = [value for name, value in values.items() if name != "#"]
    return plain[0] if len(plain) == 1 else values.get("#")


def _resolved(value: Any, values: dict[str, str], holes: list[str]) -> Any:
    """``value`` with every hole that reads the page's URL filled (noted in ``holes``), other holes dropped."""
    if isinstance(value, Hole):
        found = _from_url(value.name, values)
        if found is not None:
            holes.append(value.name)
        return found
    if isinstance(value, Json):
        return {"$json": _resolved(value.value, values, holes)}
    if isinstance(value, dict):
        resolved = {key: _resolved(item, values, holes) for key, item in value.items()}
        return {key: item for key, item in resolved.items() if item is not None}
    if isinstance(value, str) and gaps(value):
        filled = fill(value, {name: _from_url(name, values) for name in gaps(value) if _from_url(name, values)})
        holes.extend(name for name in gaps(value) if gap(name) not in filled)
        return None if gaps(filled) else filled
    return value
