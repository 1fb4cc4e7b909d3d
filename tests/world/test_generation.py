"""The world as data: deterministic, fast at scale, and its truth consistent with its pages."""

from __future__ import annotations

import json

import pytest

from fixtures.world.content.blocks import report_document
from fixtures.world.content.documents import make_document
from fixtures.world.plan import PORTALS
from fixtures.world.truth import truth
from fixtures.world.world import build_world

REPORT_TITLE = "政府信息公开工作年度报告"


@pytest.fixture(scope="module")
def world():
    return build_world(seed=0, scale=1)


def test_the_same_seed_builds_the_same_world() -> None:
    first, second = truth(build_world(seed=3)), truth(build_world(seed=3))
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)


def test_another_seed_builds_another_world() -> None:
    urls = {r["url"] for r in truth(build_world(seed=1), with_expected=False)["reports"]}
    assert urls.isdisjoint(r["url"] for r in truth(build_world(seed=2), with_expected=False)["reports"])


def test_scale_45_reaches_ten_thousand_pages() -> None:
    # How long building it takes is measured by make bench-crawl, not asserted here.
    world = build_world(scale=45)
    assert world.page_count() >= 10_000
    assert len(world.reports) >= 1_000


def test_one_portal_per_family(world) -> None:
    assert sorted(p.family for p in world.portals.values()) == sorted(s.family for s in PORTALS)
    assert len(world.portals) >= 5


def test_every_portal_has_several_agencies_and_years(world) -> None:
    for portal_id in world.portals:
        reports = [r for r in world.reports.values() if r.portal_id == portal_id]
        assert len({r.agency.printed for r in reports}) >= 3
        assert {r.year for r in reports} >= set(range(2019, 2025))


def test_formats_versions_and_specials_are_all_present(world) -> None:
    reports = list(world.reports.values())
    assert {r.doc_format for r in reports} >= {"html", "pdf", "docx", "xlsx"}
    assert {r.format_version for r in reports} == {"2021", "2019", "pre2019"}
    assert {r.variant for r in reports} >= {"blanks", "broken_r1", "broken_r4", "pre2019"}
    assert {r.outcome for r in reports} == {
        "archive", "attachment_broken", "excluded_by_robots", "blocked_412", "blocked_521"
    }  # fmt: skip


def test_every_truth_url_is_served(world) -> None:
    for report in world.reports.values():
        for path in [report.page_path, *report.also_at] + [a.served_path or a.path for a in report.attachments]:
            assert world.lookup(report.portal_id, *path.partition("?")[::2]) is not None, path
    for noise in world.noise:
        assert world.lookup(noise.portal_id, noise.path) is not None


def test_noise_is_never_titled_as_a_report(world) -> None:
    assert {n.kind for n in world.noise} >= {"bulletin", "work_points", "final_accounts", "news", "guide", "notice"}
    for noise in world.noise:
        assert not noise.title.endswith(REPORT_TITLE)


def test_fault_catalogue(world) -> None:
    faults = {f.fault for f in world.faults}
    assert faults >= {
        "blocked_412", "blocked_521", "error_500_once", "slow", "broken_attachment", "redirect_301",
        "redirect_302", "robots_disallowed", "crawl_delay", "duplicate", "linked_twice", "republished",
    }  # fmt: skip


def test_republished_report_supersedes_its_original(world) -> None:
    corrected = [r for r in world.reports.values() if r.supersedes]
    assert len(corrected) == 1
    original = world.reports[corrected[0].supersedes]
    assert (corrected[0].agency, corrected[0].year) == (original.agency, original.year)
    assert corrected[0].published > original.published and corrected[0].page_path != original.page_path
    assert world.record(corrected[0].id)["tables"] != world.record(original.id)["tables"]


@pytest.mark.parametrize("doc_format", ["pdf", "docx", "xlsx"])
def test_documents_are_byte_for_byte_deterministic(world, doc_format: str) -> None:
    report = next(iter(world.reports.values()))
    document = report_document(world.record(report.id))
    assert make_document(doc_format, document) == make_document(doc_format, document)


def test_static_documents_are_served_with_their_expected_json(tmp_path, world) -> None:
    folder = tmp_path / "wps"
    folder.mkdir()
    (folder / "sample.wps").write_bytes(b"WPS bytes")
    expected = {"agency": "某区统计局", "year": 2022, "format_version": "2021", "tables": {}}
    (folder / "sample.wps.expected.json").write_text(json.dumps(expected, ensure_ascii=False), encoding="utf-8")
    (folder / "no-truth.wps").write_bytes(b"skipped: no expected JSON")
    world = build_world()
    [report] = world.attach_static_documents(tmp_path)
    assert world.record(report.id) == expected
    attachment = report.attachments[0]
    page = world.lookup(report.portal_id, attachment.path)
    assert world.render(report.portal_id, page, "http://h", {}, {}) == b"WPS bytes"
    assert report.title.startswith("某区统计局2022年")


def test_each_year_carries_over_what_the_year_before_carried_forward(world) -> None:
    """R6 holds between a body's plain reports, as in real ones; a 更正版 may break it."""
    followed = 0
    for report in world.reports.values():
        before = world.year_before(report)
        if before is None or "pre2019" in (report.format_version, before.format_version):
            continue
        if report.variant or before.variant or report.expected_override or before.expected_override:
            continue  # a variant blanks or bends cells on purpose
        carried_over = world.record(report.id)["tables"]["applications"]["carried_over"]
        carried_forward = world.record(before.id)["tables"]["applications"]["carried_forward"]
        assert carried_over == carried_forward, report.id
        followed += 1
    assert followed > 20
