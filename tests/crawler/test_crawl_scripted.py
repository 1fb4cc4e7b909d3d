"""End to end: the portals whose lists scripts load, crawled by Scrapy over HTTP into an archive.

The in-process walk (``tests/crawler/walk.py``) proves discovery over many generated
portals; this crawl proves the same requests survive the real path: Scrapy's engine,
form and JSON POSTs through the world's HTTP server, robots.txt, capture, parse, store.
Rendering is off: every one of these lists is read from its script, none needs Chromium.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from crawler import config
from fixtures.world.families.scripted import OPAQUE_SHELL, PORTALS, SHELLS
from fixtures.world.server import WorldServer
from tests.conftest import skip_or_fail
from tests.crawling import SCRAPY, Crawl, run_crawl

pytestmark = pytest.mark.slow

SCRIPTED = tuple(spec.id for spec in PORTALS)
CHROMIUM = config.TABLE["NIANBAO_CHROMIUM"].default
SHELL_PORTALS = tuple(spec.id for spec in SHELLS)


@pytest.fixture(scope="module")
def scripted_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorldServer]:
    registry = tmp_path_factory.mktemp("scripted-world") / "portals.yaml"
    with WorldServer(scale=1, seed=0, registry=registry, scripted=True) as server:
        yield server


@pytest.fixture(scope="module")
def crawl(scripted_world: WorldServer, tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    settings = {"NIANBAO_PORTAL_IDS": ",".join((*SCRIPTED, *SHELL_PORTALS, OPAQUE_SHELL.id)), "NIANBAO_RENDER": "off"}
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


@pytest.fixture(scope="module")
def rendered_shells(scripted_world: WorldServer, tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    if not os.access(CHROMIUM, os.X_OK):
        skip_or_fail(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    settings = {"NIANBAO_PORTAL_IDS": OPAQUE_SHELL.id, "NIANBAO_RENDER": "auto"}
    return run_crawl(SCRAPY, scripted_world, tmp_path_factory.mktemp("rendered-shells"), settings)


@pytest.mark.parametrize("portal", SHELL_PORTALS)
def test_every_report_behind_a_detail_shell_is_archived_from_its_detail_api(
    crawl: Crawl, truth: dict[str, Any], portal: str
) -> None:
    """The shell page is captured; the detail API's answer, stored and in the WARC as it came, is the report."""
    shape = next(spec.shape for spec in SHELLS if spec.id == portal)
    assert_archived_from_detail_api(crawl, truth, portal, shape)


def test_a_shell_only_a_browser_reads_is_a_fault_row_without_one(crawl: Crawl, truth: dict[str, Any]) -> None:
    shells = {r["url"] for r in truth["reports"] if r["portal"] == OPAQUE_SHELL.id and r["archived"]}
    assert {c.url for c in crawl.captures() if c.fault == "report_shell"} == shells


def test_a_shell_only_a_browser_reads_is_drawn_and_its_fetched_answer_archived(
    rendered_shells: Crawl, truth: dict[str, Any]
) -> None:
    assert_archived_from_detail_api(rendered_shells, truth, OPAQUE_SHELL.id, OPAQUE_SHELL.shape)


def assert_archived_from_detail_api(crawl: Crawl, truth: dict[str, Any], portal: str, shape: Any) -> None:
    expected = [r for r in truth["reports"] if r["portal"] == portal and r["parsed"]]
    versions = [info for info in crawl.versions() if info.source_url.split("/")[2] == expected[0]["url"].split("/")[2]]
    assert sorted((info.agency, info.year) for info in versions) == sorted(
        (r["agency_canonical"], r["year"]) for r in expected
    )
    detail = shape.detail
    from_api = [info for info in versions if detail in info.source_url]
    assert len(from_api) == len([r for r in expected if r["doc_format"] == "html"]) > 0
    captures = crawl.captures()
    shells = {c.url for c in captures if c.status == 200}
    assert {r["url"] for r in expected} <= shells
    answers = [c for c in captures if detail in c.url and c.status == 200]
    assert answers and all(c.warc_record_id and c.sha256 for c in answers)
