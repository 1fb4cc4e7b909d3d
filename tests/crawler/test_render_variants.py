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
from fixtures.world.families.rendered import LIST, Variant
from fixtures.world.server import WorldServer
from fixtures.world.world import World, build_world
from storage.models import CoverageFindingRow
from tests.conftest import skip_or_fail
from tests.crawler.walk import Walk, check, held, walk
from tests.crawling import SCRAPY, Crawl, run_crawl

COVERING = 7  # the longest dimension: each of its values once
PER_WORLD = 4
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
    """``check``'s rules, and: each list went to the browser and its walk ended at the list's
    end (no bound), robots.txt kept the beacon out, and no URL was misread (no 404)."""
    check(world, walked)
    browsed = {entry["portal"] for entry in crawl.log if "sec-ch-ua" in entry["headers"] and entry["path"] == LIST}
    assert browsed == set(world.portals), f"not rendered: {sorted(set(world.portals) - browsed)}"
    bounded = [(c.portal_id, c.fault) for c in crawl.captures() if (c.fault or "").startswith("render_")]
    assert bounded == [], f"a list read to its end was stopped by a bound: {bounded}"
    assert [entry["path"] for entry in crawl.log if entry["path"].startswith("/stats/")] == []
    missing = [(e["portal"], e["path"]) for e in crawl.log if e["status"] == 404 and e["path"] != "/favicon.ico"]
    assert missing == [], f"URLs misread: {missing}"


@pytest.fixture(scope="module")
def covering(chromium: None, tmp_path_factory: pytest.TempPathFactory) -> tuple[World, Walk, Crawl]:
    return crawl_variants(rendered.covering(COVERING), tmp_path_factory.mktemp("covering"))


def test_the_covering_variants_hold_every_value_of_every_dimension() -> None:
    chosen = rendered.covering(COVERING)
    for name, options in rendered.DIMENSIONS.items():
        if name not in {"first", "total_key", "url_key", "page_key", "size"}:  # adjusted by other choices (variant())
            assert {getattr(each, name) for each in chosen} == set(options), name


@pytest.mark.slow
def test_every_report_of_every_covering_variant_is_found(covering: tuple[World, Walk, Crawl]) -> None:
    check_rendered(*covering)


@pytest.mark.slow
@pytest.mark.parametrize("index", range(COVERING))
def test_each_covering_variant_gives_up_its_reports(covering: tuple[World, Walk, Crawl], index: int) -> None:
    world, walked, _ = covering
    portal_id = f"rendered-{index}"
    missing = held(world, portal_id) - walked.reports
    assert not missing, f"{rendered.covering(COVERING)[index]}: {len(missing)} reports not found"


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(chosen=st.lists(variants(), min_size=1, max_size=3))
def test_reading_alone_sends_every_generated_list_to_the_browser_and_finds_none_of_its_reports(
    chosen: list[Variant],
) -> None:
    world = world_of(chosen)
    with tempfile.TemporaryDirectory() as folder:
        walked = walk(world, Path(folder))
    for portal_id in world.portals:
        assert world.base_urls[portal_id] + LIST in walked.rendered, f"{portal_id} not sent to the browser"
        assert not held(world, portal_id) & walked.reports, f"{portal_id}: a static reader sees through it"


@pytest.mark.deep
@settings(
    max_examples=12,
    deadline=None,
    phases=[Phase.generate],  # a crawl per example: shrinking would take hours
    suppress_health_check=[HealthCheck.too_slow],
)
@given(chosen=st.lists(variants(), min_size=PER_WORLD, max_size=PER_WORLD))
def test_every_report_of_many_generated_variants_is_found(chromium: None, chosen: list[Variant]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        check_rendered(*crawl_variants(chosen, Path(folder)))
