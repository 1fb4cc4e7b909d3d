"""Walking a rendered list: what the walk concludes from the answers a step brought."""

from __future__ import annotations

import pytest
from scrapy import Request
from scrapy.http import TextResponse

from crawler.browser import Exchange, Recording
from crawler.pagewalk import answered_nothing

URL = "http://h/api/list"


def recording(*bodies: bytes | None) -> Recording:
    """A page's exchanges: a body each, None for a refused request (a fault, no answer)."""
    exchanges = [Exchange(Request(URL), "xhr", "http://h/list.html")]  # the first view's, before the step
    for body in bodies:
        answer = None if body is None else TextResponse(URL, body=body, encoding="utf-8")
        exchanges.append(Exchange(Request(URL), "xhr", "http://h/list.html", answer))
    return Recording(exchanges=exchanges)


@pytest.mark.parametrize(
    ("bodies", "nothing"),
    [
        ((b'{"data": {"list": [], "total": 20}}',), True),  # the list's end: no wait for links
        ((b"[]", b'{"ok": true}', None), True),  # a beacon's answer and a refused request say nothing
        ((b'{"d": [{"t": "2019", "h": "/a.html"}], "n": 20}',), False),
        ((b'{"data": {"tags": [], "list": [{"title": "x", "url": "/a"}]}}',), False),
        ((b'{"code": 200, "data": null}',), False),  # no array: it may be drawn from anything
        ((b"<li><a href='/a.html'>x</a></li>",), False),  # an HTML fragment
        ((), False),  # the step asked nothing
    ],
)
def test_a_step_whose_list_requests_all_came_back_empty_answered_nothing(
    bodies: tuple[bytes | None, ...], nothing: bool
) -> None:
    assert answered_nothing(recording(*bodies), 1) is nothing
