"""Lists only a browser can read, generated: every report of each variant is found, and no noise.

``fixtures.world.families.rendered`` varies what a static reader cannot see through: the
endpoint hidden (packed, base64, a string array, char codes, a bundle's module map),
entries drawn from JSON, a template or an HTML fragment, paging by a control whose
handler is hidden, by scrolling a container or the window, by a hash router, a list in
an iframe, a delayed first load, GET or POST, key names, page sizes, totals stated or
not, row URLs of every kind. Each crawl is the crawler as built: robots.txt and the
browser's request limits (``crawler.browser``) in force.

``make test`` crawls ``COVERING`` fixed variants (every value of every dimension among
them) in one world with one browser; ``make test-deep`` crawls hypothesis-drawn worlds of
``PER_WORLD`` variants each. Without a browser, reading alone is shown to send every
generated list to the browser and to find none of its reports.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from scrapy import Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler import config
from crawler.coverage import CoverageFinding
from fixtures.world.families import rendered
from fixtures.world.families.rendered import FRAME, LIST, Variant
from fixtures.world.server import WorldServer
from fixtures.world.world import World, build_world
from storage.models import CoverageFindingRow
from tests.conftest import skip_or_fail
from tests.crawler.walk import Walk, check, held, walk
from tests.crawling import SCRAPY, Crawl, run_crawl

COVERING = 6  # the longest dimension: each of its values once
PER_WORLD = 4
# One variant for each gap the walk had, beside the covering ones (each failed before its fix).
GAPS = {
    "a list drawn after a timer": Variant(
        pager="single", size=rendered.SINGLE, label="", delay=2000, href="id", url_key=""
    ),
    "a list that loads as its box scrolls": Variant(pager="scroll", label=""),
    "a list that loads as the window scrolls": Variant(pager="window", label=""),
    "a list in an iframe of a page that says nothing of it": Variant(frame="static"),
    "a list in an iframe its page's script inserts": Variant(frame="scripted"),
    "a control that does nothing at the end": Variant(end="inert"),
    "an empty last answer, its control left in place": Variant(pager="hash", end="inert", nest=(), total_key=""),
    "an input button labelled by its value": Variant(control="input"),
    "a div that loads more": Variant(pager="more", label="加载更多", control="div"),
    "a label with an arrow after it": Variant(label="下一页»"),
    "an input labelled with dots after it": Variant(pager="more", label="加载更多...", control="input"),
    "relative row URLs in an HTML fragment": Variant(draw="fragment", href="relative"),
    "a list stating its size under a menu of 30 links": Variant(stated="page", menu=30),
    "a framed list stating its size beside 30 other bodies' reports": Variant(
        frame="static", stated="page", elsewhere=30
    ),
    "a list whose size its script writes": Variant(stated="drawn", menu=12),
    "a list of fragments whose last holds 2 rows": Variant(draw="fragment", size=3, stated="page", menu=12),
}
WALKED = [*rendered.covering(COVERING), *GAPS.values()]
NAMES = [f"covering-{index}" for index in range(COVERING)] + list(GAPS)
CHROMIUM = config.TABLE["NIANBAO_CHROMIUM"].default


def variants() -> st.SearchStrategy[Variant]:
    drawn = {name: st.sampled_from(options) for name, options in rendered.DIMENSIONS.items()}
    return st.fixed_dictionaries(drawn | {"label_index": st.integers(0, 4)}).map(rendered.variant)


@pytest.fixture(scope="module")
def chromium() -> None:
    if not os.access(CHROMIUM, os.X_OK):
        skip_or_fail(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")


def world_of(chosen: list[Variant]) -> World:
    return build_world(0, 1, portals=rendered.portal_specs(chosen))


def crawl_variants(chosen: list[Variant], folder: Path) -> tuple[World, Walk, Crawl]:
    """One world serving ``chosen``, crawled once (one browser); what the crawl found, as a ``Walk``."""
    variants_file = rendered.dump(chosen, folder / "variants.json")
    with WorldServer(variants=variants_file, registry=folder / "portals.yaml") as server:
        crawl = run_crawl(SCRAPY, server, folder, {"LOG_LEVEL": "INFO"})
        world = world_of(chosen)
        world.base_urls = dict(server.portals)
    asked = [Request(world.base_urls[entry["portal"]] + entry["path"]) for entry in crawl.log]
    walked = Walk(requests=asked, reports=crawl.sources(), findings=findings(crawl))
    return world, walked, crawl


def findings(crawl: Crawl) -> list[CoverageFinding]:
    with crawl.archive() as archive, Session(archive.engine) as session:
        rows = session.scalars(select(CoverageFindingRow))
        return [CoverageFinding(row.portal_id, row.list_url, row.stated, row.reached) for row in rows]


def check_rendered(world: World, walked: Walk, crawl: Crawl) -> None:
    """``check``'s rules, and ``check_list``'s for each portal."""
    check(world, walked)
    for portal_id in world.portals:
        check_list(world, walked, crawl, portal_id)


def check_list(world: World, walked: Walk, crawl: Crawl, portal_id: str) -> None:
    """Every report found; the list went to the browser (given the page the spider read, not
    asking for it again) and its walk ended at the list's end (no bound); robots.txt kept the
    beacon out; no URL was misread (no 404)."""
    missing = held(world, portal_id) - walked.reports
    assert not missing, f"{len(missing)} of {len(held(world, portal_id))} reports not found"
    log = [entry for entry in crawl.log if entry["portal"] == portal_id]
    assert [e for e in log if "sec-ch-ua" in e["headers"]], "not rendered"
    assert [entry["path"] for entry in log].count(LIST) == 1, "the browser asked again for the page the spider read"
    bounded = [c.fault for c in crawl.captures() if c.portal_id == portal_id and (c.fault or "").startswith("render_")]
    assert bounded == [], "a list read to its end was stopped by a bound"
    assert [entry["path"] for entry in log if entry["path"].startswith("/stats/")] == []
    misread = [entry["path"] for entry in log if entry["status"] == 404 and entry["path"] != "/favicon.ico"]
    assert misread == [], "URLs misread"


@pytest.fixture(scope="module")
def walked(chromium: None, tmp_path_factory: pytest.TempPathFactory) -> tuple[World, Walk, Crawl]:
    return crawl_variants(WALKED, tmp_path_factory.mktemp("variants"))


def test_the_covering_variants_hold_every_value_of_every_dimension() -> None:
    chosen = rendered.covering(COVERING)
    for name, options in rendered.DIMENSIONS.items():
        if name not in {"first", "total_key", "url_key", "page_key", "size"}:  # adjusted by other choices (variant())
            assert {getattr(each, name) for each in chosen} == set(options), name


@pytest.mark.slow
def test_no_noise_is_read_as_a_report_and_no_list_read_to_its_end_is_reported_short(
    walked: tuple[World, Walk, Crawl],
) -> None:
    check(*walked[:2])


@pytest.mark.slow
@pytest.mark.parametrize("index", range(len(WALKED)), ids=NAMES)
def test_every_report_of_each_variant_is_found_and_its_list_read_to_its_end(
    walked: tuple[World, Walk, Crawl], index: int
) -> None:
    check_list(*walked, f"rendered-{index}")


@pytest.mark.slow
def test_a_rendered_list_whose_second_page_is_lost_is_a_finding_its_menu_does_not_hide(
    chromium: None, tmp_path: Path
) -> None:
    """共N条 drawn 5 a page under a menu of 30 links, its second page lost: 5 entries reached
    (the menu counted, 35 at least hid the loss)."""
    world, walked, _ = crawl_variants([Variant(stated="page", menu=30, lost=2)], tmp_path)
    total = len(world.sorted_column("rendered-0", "nb"))
    assert [(finding.stated, finding.reached) for finding in walked.findings] == [(total, 5)]


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(chosen=st.lists(variants(), min_size=1, max_size=3))
def test_reading_alone_sends_every_generated_list_to_the_browser_and_finds_none_of_its_reports(
    chosen: list[Variant],
) -> None:
    world = world_of(chosen)
    with tempfile.TemporaryDirectory() as folder:
        walked = walk(world, Path(folder))
    for portal_id in world.portals:
        pages = {world.base_urls[portal_id] + path for path in (LIST, FRAME)}
        assert pages & walked.rendered, f"{portal_id} not sent to the browser"
        assert not held(world, portal_id) & walked.reports, f"{portal_id}: a static reader sees through it"


@pytest.mark.slow
def test_a_framed_list_whose_second_page_is_lost_is_a_finding_report_links_beside_it_do_not_hide(
    chromium: None, tmp_path: Path
) -> None:
    """共N条 on a column whose list a frame draws, beside a box of 30 other bodies' reports: the
    column was not rendered (30 report links reached its stated size), the box counted as its
    entries (30 reached, no finding); rendered, the views without rows are chrome."""
    world, walked, _ = crawl_variants([Variant(frame="static", stated="page", elsewhere=30, lost=2)], tmp_path)
    total = len(world.sorted_column("rendered-0", "nb"))
    assert [(finding.stated, finding.reached) for finding in walked.findings] == [(total, 5)]


@pytest.mark.slow
def test_a_rendered_list_whose_size_only_its_script_writes_is_a_finding_when_a_page_is_lost(
    chromium: None, tmp_path: Path
) -> None:
    """共N条 written by the column's script: only the browser sees it (no finding before)."""
    world, walked, _ = crawl_variants([Variant(stated="drawn", menu=12, lost=2)], tmp_path)
    total = len(world.sorted_column("rendered-0", "nb"))
    assert [(finding.stated, finding.reached) for finding in walked.findings] == [(total, 5)]


def test_a_column_stating_more_than_its_rows_is_rendered_whatever_report_links_it_shows(tmp_path: Path) -> None:
    """Its list is in a frame; 30 other bodies' reports beside it are no rows of it."""
    world = world_of([Variant(frame="static", stated="page", elsewhere=30)])
    walked = walk(world, tmp_path)
    assert walked.rendered == {world.base_urls["rendered-0"] + LIST}


def test_a_column_that_states_its_size_and_frames_its_list_is_rendered_once(tmp_path: Path) -> None:
    """Its browser draws the frame too: the frame is not rendered again on its own."""
    world = world_of([Variant(frame="static", stated="page")])
    walked = walk(world, tmp_path)
    assert walked.rendered == {world.base_urls["rendered-0"] + LIST}


@pytest.mark.deep
@settings(
    max_examples=20,
    deadline=None,
    phases=[Phase.generate],  # a crawl per example: shrinking would take hours
    suppress_health_check=[HealthCheck.too_slow],
)
@given(chosen=st.lists(variants(), min_size=PER_WORLD, max_size=PER_WORLD))
def test_every_report_of_many_generated_variants_is_found(chromium: None, chosen: list[Variant]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        check_rendered(*crawl_variants(chosen, Path(folder)))
