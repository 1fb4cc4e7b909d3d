"""The list requests a page's scripts make: fetch, $.ajax/$.post/$.get, axios, list configurations.

``script_lists(response)`` reads the page's inline scripts (``crawler.jsread``) and turns
each list call into an ``Api``: method, URL, query, form or JSON body, where the page
number or offset goes, the page size and the total the script states. Recognised:

- ``fetch(url, {method, body, headers})``; ``$.ajax({url, type, data, contentType})`` and
  ``$.ajax(url, {...})``; ``$.post/$.get/$.getJSON(url, data)``; ``axios.get(url, {params})``,
  ``axios.post(url, data)`` (JSON, as axios sends an object) and ``axios({...})``;
- list configurations: any call given an object with a URL key (``url``, ``api``,
  ``searchUrl`` …) and list settings (TRS WCM 动静结合 ``trsapi({quickMode, maxStaticIndex,
  recordCount, pageSize, params})``, Epoint/新点 ``new CMS({url, params})`` …).

A call whose URL cannot be known without running the script (a function's result, a
parameter other than the page) is ``unresolved``: the page then needs a browser. Strings
concatenated with a record's field (``'showinfo.html?infoGuid=' + item.infoid``) are kept as
the ``detail`` shapes entries without a URL are opened with.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit, urlunsplit

from scrapy.http import Response, TextResponse

from crawler.jsread import GAP_CLOSE, GAP_OPEN, Hole, Json, Reading, gap, gaps, read_scripts

PAGE_NAMES = {"page", "pageno", "pagenum", "pageindex", "pagenumber", "currpage", "curpage", "currentpage", "pn"}
PAGE_NAMES |= {"p", "page_no", "cur_page", "current", "pagecurrent", "nowpage"}
OFFSET_NAMES = {"offset", "start", "startindex", "from", "begin", "skip", "startrecord", "startrow", "first"}
SIZE_NAMES = {"size", "pagesize", "page_size", "rows", "limit", "perpage", "per_page", "num", "length", "ps"}
TOTAL_NAMES = {"recordcount", "total", "totalcount", "totalrecord", "totalrecords", "count", "totalnum", "rowcount"}
URL_KEYS = ("url", "api", "apiUrl", "searchUrl", "dataUrl", "requestUrl", "listUrl", "action")
DATA_KEYS = ("data", "params", "param", "query", "body", "postData", "searchParams")
LIST_SETTINGS = {"quickmode", "maxstaticindex", "recordcount", "pagesize", "pageno", "page", "params", "data"}
_STATIC = re.compile(r"\.(?:js|css|png|jpe?g|gif|svg|ico|woff2?)(?:$|\?)", re.I)
_LIBRARY = re.compile(
    r"jquery|vue|react|angular|bootstrap|layui|layer|echarts|swiper|lodash|axios|polyfill|analytics|share|baidu",
    re.I,
)
_RECORD_FIELD = re.compile(r"(?:^|[.\]])(\w+)$")
_URL_CHARS = r"[^\s\"'<>" + GAP_OPEN + "]*"  # what a URL inside built markup may hold
_URL_AROUND_GAP = re.compile(_URL_CHARS + GAP_OPEN + "[^" + GAP_CLOSE + "]*" + GAP_CLOSE + _URL_CHARS)


@dataclass(slots=True)
class Api:
    """One list request a script makes, with where its page number goes. Plain data: it rides in meta."""

    method: str  # GET or POST
    url: str  # absolute; the page may be a gap in it
    query: dict[str, Any] = field(default_factory=dict)
    body: Any = None  # dict for a form, a JSON value when ``kind`` is json
    kind: str = ""  # "form", "json" or "" (no body)
    page_at: list[str] = field(default_factory=list)  # ["query", "pageNo"], ["body", "params", "pageNo"], ["url"]
    first: int = 1  # the first page's number (or offset)
    step: int = 1  # 1 for a page number; the page size for an offset
    size: int = 0  # entries a page holds, when the script says
    total: int = 0  # entries the list holds, when the script says
    detail: list[str] = field(default_factory=list)  # detail URL shapes with one record-field gap


@dataclass(slots=True)
class ScriptLists:
    apis: list[Api] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)  # calls whose URL needs the script to run
    names: dict[str, Any] = field(default_factory=dict)


def inline_scripts(response: Response) -> list[str]:
    if not isinstance(response, TextResponse) or response.selector.type == "json":
        return []
    return [text for text in response.css("script:not([src])::text").getall() if text.strip()]


def script_lists(response: Response) -> ScriptLists:
    """The list APIs of a page's inline scripts."""
    return read_lists(response.url, inline_scripts(response))


def linked_scripts(response: Response) -> list[str]:
    """URLs of the page's own linked scripts (libraries such as jQuery say nothing of a list)."""
    if not isinstance(response, TextResponse) or response.selector.type == "json":
        return []
    urls = [response.urljoin(src.strip()) for src in response.css("script[src]::attr(src)").getall()]
    return [url for url in dict.fromkeys(urls) if not _LIBRARY.search(urlsplit(url).path)]


def read_lists(base: str, sources: list[str]) -> ScriptLists:
    """The list APIs the scripts call, in order, URLs resolved against the page at ``base``."""
    reading = read_scripts(sources)
    found = ScriptLists(names=reading.names)
    detail = _detail_shapes(reading)
    for call in reading.calls:
        described = describe_call(call.callee, call.arguments)
        if described is None:
            continue
        api = _api(base, described, detail, reading)
        if api is None:
            found.unresolved.append(call.callee)
        elif not _STATIC.search(api.url) and all((api.url, api.body) != (seen.url, seen.body) for seen in found.apis):
            found.apis.append(api)
    return found


# -- what a call asks for --------------------------------------------------------------

Described = tuple[str, Any, Any, Any, str, dict[str, Any]]  # method, url, query, body, kind, settings


def describe_call(callee: str, arguments: tuple[Any, ...]) -> Described | None:
    """(method, url, query, body, body kind, settings) of a list call; None when it is not one."""
    first = arguments[0] if arguments else None
    second = arguments[1] if len(arguments) > 1 else None
    name = callee.rsplit(".", 1)[-1] if callee.startswith(("$", "jQuery", "axios", "window.")) else callee
    if callee in {"fetch", "window.fetch"}:
        init = second if isinstance(second, dict) else {}
        return _with_body(_method(init, "GET"), first, {}, init.get("body"), _headers_json(init), init)
    if name == "ajax":
        options = (
            {**(second if isinstance(second, dict) else {}), "url": first} if not isinstance(first, dict) else first
        )
        json_type = "json" in str(options.get("contentType", "")).lower()
        return _with_body(_method(options, "GET"), options.get("url"), {}, options.get("data"), json_type, options)
    if name in {"post", "get", "getJSON"} and callee.startswith(("$", "jQuery")):
        method = "POST" if name == "post" else "GET"
        return _with_body(method, first, {}, second if isinstance(second, dict | Json | str) else None, False, {})
    if callee.startswith("axios"):
        return _axios(name, first, second, arguments)
    if isinstance(first, dict) and _list_configuration(first):
        url = next(first[key] for key in URL_KEYS if key in first)
        data = next((first[key] for key in DATA_KEYS if key in first), {})
        return _with_body(_method(first, "POST" if data else "GET"), url, {}, data, False, first)
    return None


def _axios(name: str, first: Any, second: Any, arguments: tuple[Any, ...]) -> Described | None:
    if name in {"get", "delete"}:
        config = second if isinstance(second, dict) else {}
        return "GET", first, config.get("params") or {}, None, "", config
    if name in {"post", "put"}:
        config = arguments[2] if len(arguments) > 2 and isinstance(arguments[2], dict) else {}
        return _with_body("POST", first, config.get("params") or {}, second, True, config)
    if name in {"axios", "request"} and isinstance(first, dict):
        return _with_body(
            _method(first, "GET"), first.get("url"), first.get("params") or {}, first.get("data"), True, first
        )
    return None


def _list_configuration(options: dict[str, Any]) -> bool:
    has_url = any(isinstance(options.get(key), str) for key in URL_KEYS)
    return has_url and bool({key.lower() for key in options} & LIST_SETTINGS)


def _method(options: dict[str, Any], default: str) -> str:
    method = options.get("method") or options.get("type")
    return method.upper() if isinstance(method, str) and method.upper() in {"GET", "POST"} else default


def _headers_json(init: dict[str, Any]) -> bool:
    headers = init.get("headers")
    return isinstance(headers, dict) and any("json" in str(value).lower() for value in headers.values())


def _with_body(method: str, url: Any, query: Any, data: Any, json_default: bool, settings: dict) -> Described:
    """Where a call's data goes: the query of a GET, a form or a JSON body of a POST."""
    query = dict(query) if isinstance(query, dict) else {}
    if isinstance(data, str) and "=" in data and not gaps(data):
        data = dict(parse_qsl(data.lstrip("?"), keep_blank_values=True))
    if method == "GET":
        return method, url, {**query, **(data if isinstance(data, dict) else {})}, None, "", settings
    if isinstance(data, Json):
        return method, url, query, data.value, "json", settings
    if data is None:
        return method, url, query, None, "", settings
    return method, url, query, data, "json" if json_default else "form", settings


# -- the request and its paging --------------------------------------------------------


def _api(base: str, described: Described, detail: list[str], reading: Reading) -> Api | None:
    method, url, query, body, kind, settings = described
    if not isinstance(url, str) or not url.strip():
        return None
    parts = urlsplit(urljoin(base, url.strip()))
    query = {**dict(parse_qsl(parts.query, keep_blank_values=True)), **query}
    address = urlunsplit(parts._replace(query="", fragment=""))
    if any(not _is_paging_name(name) for name in gaps(address)):
        return None
    api = Api(method, address, _known(query), _known(body), kind, detail=detail)
    _find_paging(api, {**query}, body, address, reading)
    beside = _at({"query": query, "body": body}, api.page_at[:-1]) if len(api.page_at) > 1 else None
    api.size = _int_setting(beside, SIZE_NAMES) or _int_setting(settings, SIZE_NAMES) or _int_setting(query, SIZE_NAMES)
    api.total = _int_setting(settings, TOTAL_NAMES)
    if api.page_at and api.page_at[-1].lower() in OFFSET_NAMES:
        api.step = api.size or 10
    return api


def _is_paging_name(name: str) -> bool:
    last = name.rsplit(".", 1)[-1].lower()
    return last in PAGE_NAMES or last in OFFSET_NAMES


def _known(value: Any) -> Any:
    """A query or body with what cannot be known dropped (a paging gap stays, to be filled)."""
    if isinstance(value, dict):
        return {key: _known(item) for key, item in value.items() if _knowable(item)}
    if isinstance(value, Json):
        return {"$json": _known(value.value)}
    if isinstance(value, list):
        return [_known(item) for item in value if _knowable(item)]
    return gap(value.name) if isinstance(value, Hole) else value


def _knowable(value: Any) -> bool:
    if isinstance(value, Hole):
        return _is_paging_name(value.name)
    if isinstance(value, str):
        return all(_is_paging_name(name) for name in gaps(value))
    return True


def _find_paging(api: Api, query: dict[str, Any], body: Any, address: str, reading: Reading) -> None:
    names = gaps(address)
    if names:
        api.page_at, api.first = ["url"], _first(names[0], reading)
        return
    for where, container in (("query", query), ("body", body)):
        path = _paging_path(container)
        if path:
            value = _at(container, path)
            api.page_at = [where, *path]
            if isinstance(value, Hole | str) and not str(value).isdigit():
                api.first = _first(value.name if isinstance(value, Hole) else gaps(value)[0], reading)
            else:
                api.first = int(value)
            return


def _paging_path(value: Any) -> list[str]:
    if isinstance(value, Json):
        value = value.value
    if not isinstance(value, dict):
        return []
    for key, item in value.items():
        if key.lower() in PAGE_NAMES | OFFSET_NAMES and _page_value(item):
            return [key]
    for key, item in value.items():
        inner = _paging_path(item)
        if inner:
            return [key, *inner]
    return []


def _page_value(value: Any) -> bool:
    if isinstance(value, Hole):
        return True
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, str) and (value.isdigit() or bool(gaps(value))))


def _at(container: Any, path: list[str]) -> Any:
    for key in path:
        container = container.value if isinstance(container, Json) else container
        container = container[key]
    return container


def _first(name: str, reading: Reading) -> int:
    """A page parameter's first value: what the script first calls its function with, else 1 (0 for an offset)."""
    called = reading.first_argument(name)
    if isinstance(called, int) and not isinstance(called, bool):
        return called
    return 0 if name.rsplit(".", 1)[-1].lower() in OFFSET_NAMES else 1


def _int_setting(options: Any, names: set[str]) -> int:
    options = options.value if isinstance(options, Json) else options
    if not isinstance(options, dict):
        return 0
    for key, value in options.items():
        if key.lower() in names and (isinstance(value, int) or (isinstance(value, str) and value.isdigit())):
            return int(value)
    return 0


def _detail_shapes(reading: Reading) -> list[str]:
    """URL-shaped concatenations around one record field: ``'/art/info/' + item.id + '.html'``.

    Kept with the field's name as the gap (``/art/info/<gap id>.html``); the part of a
    built ``<a href="…">`` that is the URL is cut out of its markup.
    """
    shapes: list[str] = []
    for text in reading.strings:
        for match in _URL_AROUND_GAP.finditer(text):
            names = gaps(match[0])
            field_name = _RECORD_FIELD.search(names[0]) if len(names) == 1 and "." in names[0] else None
            if field_name and re.search(r"[/?]|\.s?html?", match[0].replace(gap(names[0]), "")):
                shape = match[0].replace(gap(names[0]), gap(field_name[1]))
                if shape not in shapes:
                    shapes.append(shape)
    return shapes
