"""Walking a rendered list: what the walk concludes from the answers a step brought, and its
page limit against a load-more that never ends (in Chromium, no crawl around it)."""

from __future__ import annotations

import asyncio
import os

import pytest
from scrapy import Request
from scrapy.http import TextResponse

from crawler import config
from crawler.browser import Exchange, Recording
from crawler.pagewalk import Walk, answered_nothing, walk_pages
from tests.conftest import skip_or_fail

URL = "http://h/api/list"
CHROMIUM = config.TABLE["NIANBAO_CHROMIUM"].default
# A 加载更多 that draws three new links at every press, for ever, asking nothing of the network.
ENDLESS = """<ul id="list"></ul><a id="more" href="javascript:;">加载更多</a><script>
var n = 0;
function more() {
  for (var i = 0; i < 3; i++) {
    n++;
    var li = document.createElement('li');
    li.innerHTML = '<a href="http://h/a/' + n + '.html">通知' + n + '</a>';
    document.getElementById('list').appendChild(li);
  }
}
document.getElementById('more').onclick = more;
more();
</script>"""


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


@pytest.mark.slow
def test_an_endless_load_more_is_stopped_at_the_page_limit() -> None:
    if not os.access(CHROMIUM, os.X_OK):
        skip_or_fail(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    walk = asyncio.run(walked(ENDLESS, limit=4))
    assert (walk.ended, walk.steps) == ("limit", 4)
    assert walk.views[-1].html.count("<li>") == 12  # each view read: 3 links, then 3 more a press


async def walked(html: str, limit: int) -> Walk:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            page = await browser.new_page()
            await page.set_content(html)
            return await walk_pages(page, Recording(), limit, timeout=60)
        finally:
            await browser.close()
