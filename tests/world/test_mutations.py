"""Changing the world between crawls: revise in place, republish at a new URL, reset."""

from __future__ import annotations

from tests.world.client import fetch


def _report(truth: dict, report_id: str) -> dict:
    return next(r for r in truth["reports"] if r["id"] == report_id)


def _plain_reports(truth: dict) -> list[dict]:
    """Reports that answer at once, every time (not the slow one nor the one that fails once)."""
    return [r for r in truth["reports"] if r["outcome"] == "archive" and not r["page_fault"]]


def _snapshot(truth: dict) -> dict[str, bytes]:
    urls = {url for r in _plain_reports(truth) for url in (r["url"], r["content_url"])}
    return {url: fetch(url).body for url in sorted(urls)}


def test_revise_changes_exactly_one_report(fresh_world) -> None:
    before_truth = fresh_world.truth()
    target = next(r for r in _plain_reports(before_truth) if r["doc_format"] == "pdf")
    before = _snapshot(before_truth)
    old_etag = fetch(target["content_url"]).header("ETag")
    revised = fresh_world.revise(target["id"])
    assert revised["url"] == target["url"] and revised["revision"] == target["revision"] + 1
    assert revised["expected"]["tables"] != target["expected"]["tables"]
    after = _snapshot(fresh_world.truth())
    assert [url for url in before if before[url] != after[url]] == [target["content_url"]]
    answer = fetch(target["content_url"], headers={"If-None-Match": old_etag})
    assert answer.status == 200 and answer.header("ETag") != old_etag


def test_republish_adds_a_corrected_report_at_a_new_url(fresh_world) -> None:
    truth = fresh_world.truth()
    original = next(r for r in truth["reports"] if r["portal"] == "trs-erqi" and r["outcome"] == "archive")
    corrected = fresh_world.republish(original["id"])
    assert corrected["url"] != original["url"] and corrected["supersedes"] == original["id"]
    assert corrected["published_at"] > original["published_at"] and corrected["title"].endswith("（更正版）")
    assert fetch(corrected["url"]).status == 200
    after = fresh_world.truth()
    assert len(after["reports"]) == len(truth["reports"]) + 1
    assert _report(after, original["id"])["url"] == original["url"]


def test_reset_restores_the_starting_world(fresh_world, world_truth) -> None:
    fresh_world.revise(world_truth["reports"][0]["id"])
    fresh_world.reset()
    assert fresh_world.truth() == world_truth


def test_an_unchanged_page_answers_304_without_being_rendered_again() -> None:
    # With 256 bodies in its cache, a world of 10,000 pages re-rendered every PDF and DOCX
    # of a recrawl just to compare ETags: the server, not the crawler, set the recrawl's pace.
    from fixtures.world.responder import Request, respond
    from fixtures.world.world import build_world

    world = build_world(seed=0, scale=1)
    report = next(r for r in world.reports.values() if r.doc_format == "pdf")
    path, _, query = report.content_path.partition("?")
    ask = lambda headers: respond(world, Request(report.portal_id, "GET", path, query, headers, "http://h"))  # noqa: E731
    first = ask({})
    etag = dict(first.headers)["ETag"]
    renders = []
    world._render_cached = lambda *key: renders.append(key) or b""
    assert ask({"if-none-match": etag}).status == 304 and renders == []
    world.revise(report.id)
    assert ask({"if-none-match": etag}).status == 200  # a revised report is rendered, and differs
