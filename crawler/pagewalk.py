"""Walking a rendered list page to its end: every frame's HTML, step after step.

A step is what a reader of the page would do next: press its next-page or load-more
control (``CONTROLS``, an arrow or dots after the label allowed: a link, button, input,
span, li or div, in any frame: a list may sit in an iframe), or, when it has none,
scroll whatever scrolls (the window, or a container, in every frame) to its bottom, as a
list that loads on scroll waits for.
The first view waits for the timers the page set as it loaded (``TIMERS``: a list drawn
after a ``setTimeout``). After each step the walk waits for the requests it started
(bounded) and for new links to be drawn. It ends when no step is left or a step draws
nothing new (the list's end: an empty answer, an inert control, a scroll at the bottom;
after an empty answer the walk does not wait for links to be drawn), and otherwise at a
bound: ``limit`` steps, ``timeout`` seconds, a list that repeats
itself (a step that drew again links it had shown), a page that never stops asking
(``SETTLE_LONGEST``). ``crawler.browser`` sends the page's requests through Scrapy;
this module only drives the page.
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from crawler.jsonlists import array_sizes, json_body

if TYPE_CHECKING:
    from playwright.async_api import Frame, Locator, Page

    from crawler.browser import Recording

# The controls a list pages on with: pressed in this order, one per step.
CONTROLS = (
    "下一页",
    "下页",
    "后页",
    "加载更多",
    "点击加载更多",
    "查看更多",
    "显示更多",
    "更多",
    "下一页>",
    ">",
    "›",
    "Next",
    "next",
)
# What may follow a label and still be the label: 下一页», 下一页 >, 加载更多..., 更多>>
_TRAILING = re.compile(r"[\s>»›.…]+$")
SETTLE_POLL = 0.1  # seconds between looks at the page's requests after a step
SETTLE_QUIET = 3  # looks in a row with nothing in flight: the page has settled
SETTLE_START = 1.0  # seconds a step has to start a request; a control may only redraw
SETTLE_LONGEST = 5.0  # seconds: a page still asking for more after this is read as it is
TIMERS_LONGEST = 3.0  # seconds: the longest timer set at load that the first view waits for
# Timers set while the page loads (and one tick after), counted until they fire: the first
# view waits for them, so that a list drawn after a setTimeout is there, however long it takes.
TIMERS = """(() => {
  const pending = new Set(), set = window.setTimeout, clear = window.clearTimeout;
  let loading = true;
  window.setTimeout = function (callback, delay, ...rest) {
    const run = typeof callback === 'function' ? callback : () => (0, eval)(String(callback));
    const id = set.call(window, function () { pending.delete(id); return run.apply(this, arguments); }, delay, ...rest);
    if (loading && (Number(delay) || 0) <= LONGEST) pending.add(id);
    return id;
  };
  window.clearTimeout = function (id) { pending.delete(id); return clear.call(window, id); };
  window.addEventListener('load', () => set.call(window, () => { loading = false; }, 0));
  Object.defineProperty(window, '__nianbaoTimers', {value: () => pending.size});
})();""".replace("LONGEST", str(int(TIMERS_LONGEST * 1000)))
PENDING_TIMERS = "() => window.__nianbaoTimers ? window.__nianbaoTimers() : 0"
# Scroll every scrolled box of the frame (the document too) to its bottom; true when one moved.
SCROLL_DOWN = """() => {
  const boxes = [document.scrollingElement, ...document.querySelectorAll('*')].filter(box => box
    && box.scrollHeight > box.clientHeight + 1
    && (box === document.scrollingElement || /auto|scroll/.test(getComputedStyle(box).overflowY)));
  let moved = false;
  for (const box of boxes) {
    const before = box.scrollTop;
    box.scrollTop = box.scrollHeight;
    moved = moved || box.scrollTop !== before;
  }
  return moved;
}"""


@dataclass(frozen=True, slots=True)
class View:
    """One frame's HTML as drawn, and its URL (what its relative links are read against)."""

    url: str
    html: str


@dataclass(slots=True)
class Walk:
    """What stepping through a rendered list gave: its views, and why the walk ended."""

    views: list[View]
    steps: int  # views of the whole page: the first, then one a step
    ended: str  # "end" (no step left), or a bound: "limit", "timeout", "repeats", "unsettled"


async def walk_pages(page: Page, recording: Recording, limit: int, timeout: float) -> Walk:
    """Every frame's HTML as first drawn, then after each step; at most ``limit`` steps and
    ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    if not await settle(recording, 0, deadline) or not await timers_settled(page, recording, deadline):
        return Walk(await views_of(page), 1, "unsettled")
    views, links, steps = await views_of(page), await link_urls(page), 1
    seen = set(links)
    while steps < limit:
        if time.monotonic() >= deadline:
            return Walk(views, steps, "timeout")
        asked, before = len(recording.exchanges), len(links)
        if not await step(page):
            return Walk(views, steps, "end")
        settled = await settle(recording, asked, deadline)
        patient = len(recording.exchanges) > asked and not answered_nothing(recording, asked)
        links = await drawn(page, seen, deadline if patient else time.monotonic()) if settled else links
        views += await views_of(page)
        steps += 1
        shown = set(links) - seen
        if not shown:  # the end, unless the step drew again what was there: a list repeating itself
            return Walk(views, steps, "unsettled" if not settled else "repeats" if len(links) > before else "end")
        seen |= shown
    return Walk(views, steps, "limit")


def answered_nothing(recording: Recording, asked: int) -> bool:
    """Did the list requests of the step (those after the first ``asked``) all answer an empty
    list? Then nothing is coming to be drawn. An answer that holds no array (a beacon's
    ``{"ok": true}``, an HTML fragment) and a refused request say nothing either way."""
    answers = [array_sizes(json_body(e.response)) for e in recording.exchanges[asked:] if e.response is not None]
    lists = [sizes for sizes in answers if sizes]
    return bool(lists) and not any(any(sizes) for sizes in lists)


async def timers_settled(page: Page, recording: Recording, deadline: float) -> bool:
    """Wait for the timers the page set as it loaded to fire (a list drawn after a
    ``setTimeout``), bounded by ``TIMERS_LONGEST``, then for the requests they started."""
    asked, give_up = len(recording.exchanges), min(deadline, time.monotonic() + TIMERS_LONGEST)
    waited = False
    for frame in frames(page):
        while await frame.evaluate(PENDING_TIMERS) and time.monotonic() < give_up:
            waited = True
            await asyncio.sleep(SETTLE_POLL)
    return not waited or await settle(recording, asked, deadline)


async def step(page: Page) -> bool:
    """Press the page's control, or else scroll it; False when neither is left."""
    control = await find_control(page)
    if control is not None:
        await control.click(timeout=5000)
        return True
    moved = [await frame.evaluate(SCROLL_DOWN) for frame in frames(page)]  # all: any box may be the list
    return any(moved)


async def find_control(page: Page) -> Locator | None:
    """The first enabled, visible control, in any frame, whose label is a next-page or load-more one."""
    for label in CONTROLS:
        for frame in frames(page):
            for candidates in _candidates(frame, label):
                for index in range(await candidates.count()):
                    if await _pressable(candidates.nth(index), label):
                        return candidates.nth(index)
    return None


def _candidates(frame: Frame, label: str) -> tuple[Locator, ...]:
    """What may be the control labelled ``label``: elements showing it as their text, a
    button input carrying it as its value, and last a div (after the elements it may wrap)."""
    shown = "a, button, span, li"
    valued = f'input[type=button][value*="{label}"], input[type=submit][value*="{label}"]'
    return (
        frame.locator(shown).filter(has_text=label),
        frame.locator(valued),
        frame.locator("div").filter(has_text=label),
    )


async def _pressable(candidate: Locator, label: str) -> bool:
    text = (await candidate.inner_text()).strip() or (await candidate.get_attribute("value") or "").strip()
    if (
        label not in {text, _TRAILING.sub("", text)}
        or not await candidate.is_visible()
        or not await candidate.is_enabled()
    ):
        return False
    href = (await candidate.get_attribute("href") or "").strip()
    return not href or href.startswith(("#", "javascript:"))  # a real link: the static reader follows those


def frames(page: Page) -> list[Frame]:
    """The page's frames that are still attached, the page's own first."""
    return [frame for frame in page.frames if not frame.is_detached()]


async def views_of(page: Page) -> list[View]:
    """Each frame's HTML, with the URL its links are read against (a blank frame's: the page's)."""
    views = []
    for frame in frames(page):
        url = frame.url if frame.url.startswith(("http:", "https:")) else page.url
        views.append(View(url, await frame.content()))
    return views


async def drawn(page: Page, seen: set[str], give_up: float) -> list[str]:
    """The page's links, once it shows one not in ``seen`` (or at ``give_up``, at most
    ``SETTLE_LONGEST`` seconds on): a list may draw a moment after its answer."""
    give_up = min(give_up, time.monotonic() + SETTLE_LONGEST)
    while True:
        links = await link_urls(page)
        if not seen.issuperset(links) or time.monotonic() >= give_up:
            return links
        await asyncio.sleep(SETTLE_POLL)


async def link_urls(page: Page) -> list[str]:
    """Every link of every frame, once for each time it is shown."""
    found: list[str] = []
    for frame in frames(page):
        found += await frame.eval_on_selector_all("a[href]", "links => links.map(link => link.href)")
    return found


async def settle(recording: Recording, asked: int, deadline: float) -> bool:
    """Wait for the requests a step started (if any start) to be answered, and a quiet spell.

    ``asked`` is how many requests the page had made before the step: the browser hands
    a new one over a moment after the click, so a quiet spell before it proves nothing.
    False when the page has not stopped asking after ``SETTLE_LONGEST`` seconds (a page
    polling forever) or by ``deadline``.
    """
    give_up = min(deadline, time.monotonic() + SETTLE_LONGEST)
    started_by = min(give_up, time.monotonic() + SETTLE_START)
    while len(recording.exchanges) <= asked and time.monotonic() < started_by:
        await asyncio.sleep(SETTLE_POLL)
    quiet, seen = 0, len(recording.exchanges)
    while quiet < SETTLE_QUIET:
        if time.monotonic() >= give_up:
            return False
        await asyncio.sleep(SETTLE_POLL)
        busy = recording.in_flight or len(recording.exchanges) != seen
        quiet, seen = (0 if busy else quiet + 1), len(recording.exchanges)
    return True
