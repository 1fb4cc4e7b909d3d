"""Lists loaded by script: the spider finds every report such a portal holds, and no noise.

The four named shapes (TRS 动静结合, an Epoint SPA shell, 加载更多 by offset, a fetch()
list) are walked once; then hypothesis generates portal variants (parameter names, JSON
nesting and key names, page sizes, first page 0 or 1, GET or POST, form, JSON or
``params=<JSON text>`` bodies, totals stated or not, report pages that are script shells
filled from a detail API, by query or as hash routes of one shell page, plain-titled news
articles in the column's folder) and each must give up every report, and read the
articles as articles.
``make test`` runs the same few examples every time (derandomized), ``make test-deep`` 300
new ones.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fixtures.world.families.scripted import (
    DATE_KEYS,
    NEST_KEYS,
    OFFSET_KEYS,
    OPAQUE_SHELL,
    PAGE_KEYS,
    PORTALS,
    SHAPES,
    SHELLS,
    SIZE_KEYS,
    TITLE_KEYS,
    TOTAL_KEYS,
    Shape,
    portal_spec,
)
from fixtures.world.world import World, build_world
from parsers.model import Region
from parsers.parse_file import Hints, parse
from tests.crawler.walk import Walk, check, held, noise, walk


@pytest.fixture(scope="module")
def named(tmp_path_factory: pytest.TempPathFactory) -> tuple[World, Walk]:
    world = build_world(0, 1, portals=PORTALS)
    return world, walk(world, tmp_path_factory.mktemp("walk"))


@pytest.mark.parametrize("portal_id", [spec.id for spec in PORTALS])
def test_every_report_of_a_script_listed_portal_is_found(named: tuple[World, Walk], portal_id: str) -> None:
    world, walked = named
    assert held(world, portal_id) <= walked.reports
    assert not noise(world, portal_id) & walked.reports


def test_articles_in_the_column_folder_are_read_as_articles_and_not_followed(named: tuple[World, Walk]) -> None:
    world, walked = named
    assert walked.stats["nianbao/portal/trsdj-jinshui/articles"] == 2
    assert not {world.base_urls[portal_id] + path for portal_id, path in world.unlisted} & walked.requested()


def test_lists_read_to_their_end_give_no_coverage_finding(named: tuple[World, Walk]) -> None:
    assert named[1].findings == []


def test_each_list_api_is_read_from_the_page_script(named: tuple[World, Walk]) -> None:
    assert named[1].stats["nianbao/script_api/lists"] == len(PORTALS)


@pytest.fixture(scope="module")
def shells(tmp_path_factory: pytest.TempPathFactory) -> tuple[World, Walk]:
    world = build_world(0, 1, portals=SHELLS)
    return world, walk(world, tmp_path_factory.mktemp("shells"))


@pytest.mark.parametrize("portal_id", [spec.id for spec in SHELLS])
def test_every_report_behind_a_detail_shell_is_read_from_its_detail_api(
    shells: tuple[World, Walk], portal_id: str
) -> None:
    """The shell shows nothing; the detail API's answer is the report, its attachments followed."""
    world, walked = shells
    assert held(world, portal_id) <= walked.reports
    assert not noise(world, portal_id) & walked.reports
    region = world.portals[portal_id].region
    hints = Hints(region=Region(region.province, region.city, region.district))
    compared = ("agency", "agency_canonical", "year", "format_version", "tables")
    for report in world.archivable_reports():
        if report.portal_id != portal_id:
            continue
        url = world.base_urls[portal_id] + report.page_path
        for attachment in report.attachments:
            assert world.base_urls[portal_id] + attachment.path in walked.attachments
        if report.doc_format == "html" and report.outcome == "archive" and report.format_version != "pre2019":
            record, expected = parse(walked.documents[url], hints).to_dict(), world.record(report.id)
            assert {key: record[key] for key in compared} == {key: expected[key] for key in compared}


def test_a_shell_whose_detail_call_cannot_be_read_is_a_fault_row_not_silence(tmp_path: Path) -> None:
    """Without a browser (it would draw the shell: tests/crawler/test_crawl_scripted.py)."""
    world = build_world(0, 1, portals=(OPAQUE_SHELL,))
    walked = walk(world, tmp_path, {"NIANBAO_RENDER": "off"})
    shells = held(world, OPAQUE_SHELL.id)
    assert shells <= walked.reports  # kept as captured: what there was is archived
    assert {fault.url for fault in walked.faults if fault.reason == "report_shell"} == shells
    assert walked.stats["nianbao/report_shell/unread"] == len(shells)


@st.composite
def shapes(draw: st.DrawFn) -> Shape:
    kind = draw(st.sampled_from(sorted(SHAPES)))
    offset = kind == "more" or (kind == "fetch" and draw(st.booleans()))
    size = draw(st.integers(3, 15))
    method = "GET" if kind == "more" and draw(st.booleans()) else draw(st.sampled_from(["GET", "POST"]))
    nest = tuple(draw(st.lists(st.sampled_from(NEST_KEYS), max_size=3, unique=True)))
    static = size if kind == "more" and draw(st.booleans()) else draw(st.integers(0, 12)) if kind == "trs" else 0
    api = draw(st.sampled_from(["/api/list", "/irs/front/list", "/front/api/data/search", "/api/v1/articles"]))
    detail = draw(st.sampled_from(["", "", "/api/article/detail", "/EWB-FRONT/rest/infoDetail/getDetail"]))
    url_key = draw(st.sampled_from(["url", "DOCPUBURL", "link", "href", "detailUrl", ""]))
    return Shape(
        kind,
        api="/EWB-FRONT/rest" + api if kind == "spa" else api,
        method=method,
        body=draw(st.sampled_from(["form", "json", "params"])),
        page_key=draw(st.sampled_from(OFFSET_KEYS if offset else PAGE_KEYS)),
        size_key=draw(st.sampled_from(SIZE_KEYS)),
        offset=offset,
        first=static if kind == "more" else 0 if offset else draw(st.sampled_from([0, 1])),
        size=size,
        nest=nest,
        title_key=draw(st.sampled_from(TITLE_KEYS)),
        url_key=url_key,
        id_key=draw(st.sampled_from(["id", "infoid", "docId", "articleId", "guid"])),
        date_key=draw(st.sampled_from(DATE_KEYS)),
        epoch=draw(st.booleans()),
        total_key=draw(st.sampled_from(TOTAL_KEYS)) if nest else "",
        absolute=draw(st.booleans()),
        static=static,
        detail=detail,
        route=draw(st.sampled_from(["", "#/detail/", "#/"])) if detail else "",
        news=draw(st.booleans()) if url_key and not detail else False,
    )


def generated_world(shape: Shape, scale: int, seed: int) -> World:
    return build_world(seed, scale, portals=(portal_spec("generated", shape),))


@settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(shape=shapes(), scale=st.integers(1, 2), seed=st.integers(0, 50))
def test_the_spider_finds_every_report_of_a_generated_portal(shape: Shape, scale: int, seed: int) -> None:
    world = generated_world(shape, scale, seed)
    with tempfile.TemporaryDirectory() as folder:
        check(world, walk(world, Path(folder)))


@pytest.mark.deep
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shape=shapes(), scale=st.integers(1, 4), seed=st.integers(0, 10_000))
def test_the_spider_finds_every_report_of_many_generated_portals(shape: Shape, scale: int, seed: int) -> None:
    world = generated_world(shape, scale, seed)
    with tempfile.TemporaryDirectory() as folder:
        check(world, walk(world, Path(folder)))


@pytest.mark.parametrize(
    ("fault", "api_requests", "reason"),
    [
        ("repeat", 2, "repeats"),  # page 2 repeats page 1: stop there
        ("endless", 50, "page_limit"),  # never empty: the page limit ends it
        ("html", 1, "unreadable"),  # an HTML error page where JSON was due: nothing to page
    ],
)
def test_a_misbehaving_list_api_is_bounded_recorded_and_the_crawl_goes_on(
    fault: str, api_requests: int, reason: str, tmp_path: Path
) -> None:
    shape = Shape("fetch", method="GET", page_key="page", size=4, nest=("data",), total_key="", fault=fault)
    world = build_world(0, 1, portals=(portal_spec("faulty", shape), PORTALS[0]))
    walked = walk(world, tmp_path)
    asked = [request for request in walked.requests if request.url.split("?")[0].endswith(shape.api)]
    assert len(asked) == api_requests
    assert walked.stats[f"nianbao/script_api/{reason}"] == 1
    (recorded,) = [f for f in walked.faults if f.reason.startswith("list_api_")]
    assert (recorded.reason, recorded.portal_id, recorded.url) == (f"list_api_{reason}", "faulty", asked[-1].url)
    assert walked.stats["nianbao/portal/faulty/faults"] == 1  # in the summary's and progress's fault count too
    assert held(world, PORTALS[0].id) <= walked.reports


def test_a_list_serving_fewer_entries_than_it_states_is_a_coverage_finding(tmp_path: Path) -> None:
    shape = Shape("fetch", method="GET", page_key="page", size=4, nest=("data",), fault="overstated")
    world = build_world(0, 1, portals=(portal_spec("short", shape), PORTALS[0]))
    walked = walk(world, tmp_path)
    assert held(world, "short") <= walked.reports
    ((portal_id, stated, reached),) = [(f.portal_id, f.stated, f.reached) for f in walked.findings]
    assert portal_id == "short" and stated == reached + 5 and reached >= len(held(world, "short"))
