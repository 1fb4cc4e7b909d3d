"""End to end: the portals whose lists scripts load, crawled by Scrapy over HTTP into an archive.

The in-process walk (``tests/crawler/walk.py``) proves discovery over many generated
portals; this crawl proves the same requests survive the real path: Scrapy's engine,
form and JSON POSTs through the world's HTTP server, robots.txt, capture, parse, store.
Rendering is off: every one of these lists is read from its script, none needs Chromium.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from fixtures.world.families.scripted import PORTALS
from fixtures.world.server import WorldServer
from tests.crawling import SCRAPY, Crawl, run_crawl

pytestmark = pytest.mark.slow

SCRIPTED = tuple(spec.id for spec in PORTALS)


@pytest.fixture(scope="module")
def scripted_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorldServer]:
    registry = tmp_path_factory.mktemp("scripted-world") / "portals.yaml"
    with WorldServer(scale=1, seed=0, registry=registry, scripted=True) as server:
        yield server


@pytest.fixture(scope="module")
def crawl(scripted_world: WorldServer, tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    settings = {"NIANBAO_PORTAL_IDS": ",".join(SCRIPTED), "NIANBAO_RENDER": "off"}
    return run_crawl(SCRAPY, scripted_world, tmp_path_factory.mktemp("crawl"), settings)


@pytest.fixture(scope="module")
def truth(scripted_world: WorldServer) -> dict[str, Any]:
    return scripted_world.truth()


@pytest.mark.parametrize("portal", SCRIPTED)
def test_every_report_of_a_script_listed_portal_is_archived(crawl: Crawl, truth: dict[str, Any], portal: str) -> None:
    expected = [r for r in truth["reports"] if r["portal"] == portal and r["parsed"]]
    assert len(expected) == 18
    assert [r["id"] for r in expected if r["content_url"] not in crawl.sources()] == []


def test_no_noise_of_those_portals_is_archived(crawl: Crawl, truth: dict[str, Any]) -> None:
    noise = {n["url"] for n in truth["noise"] if n["portal"] in SCRIPTED}
    assert noise.isdisjoint(crawl.sources())


def test_the_list_apis_were_asked_as_their_scripts_ask(crawl: Crawl) -> None:
    asked = {(entry["method"], entry["path"].split("?")[0]) for entry in crawl.log}
    assert {
        ("POST", "/irs/front/list"),
        ("POST", "/EWB-FRONT/rest/infolist/getList"),
        ("GET", "/api/news/more"),
        ("GET", "/api/article/list"),
    } <= asked
