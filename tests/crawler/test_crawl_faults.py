"""The fault-injection portal, crawled for real: every fault ends as a row, nothing silently.

``static-chuanshan`` of the fixture world serves one report with absurd headers (a
5,000-character Content-Type, a 10 KB header); the crawl plants a reader bug on another
(``tests.broken_reader``); and, where this process may mount a tmpfs, the archive lives
on a disk that fills up mid-crawl, or is read-only. A portal of the world's named fault
endpoints asks for the requests a crawl must decide not to make.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest

from fixtures.world.server import WorldServer
from storage.models import TRUNCATED
from tests.crawler.test_kill import query
from tests.crawling import NIANBAO, run_crawl, start_crawl

pytestmark = pytest.mark.slow
PORTAL = {"NIANBAO_PORTAL_IDS": "static-chuanshan"}
BROKEN_READER = ["-m", "tests.broken_reader", "crawl", "--progress", "0"]
VERSIONS = "SELECT a.name, r.year FROM version v JOIN report r ON r.id = v.report_id JOIN agency a ON a.id = agency_id"
MEDIA_TYPE = "SELECT d.media_type FROM document d JOIN capture c ON c.sha256 = d.sha256 WHERE c.url = '{url}'"


def plain_report(truth: dict[str, Any]) -> dict[str, Any]:
    return next(
        r
        for r in truth["reports"]
        if r["portal"] == "static-chuanshan" and r["parsed"] and not r["page_fault"] and not r["quirks"]
    )


def expected_keys(truth: dict[str, Any]) -> set[tuple[str, int]]:
    reports = [r for r in truth["reports"] if r["portal"] == "static-chuanshan" and r["parsed"]]
    return {(r["agency_canonical"], r["year"]) for r in reports}


def test_a_reader_bug_is_a_fault_row_and_the_next_crawl_parses_it_again(
    fresh_world: WorldServer, world_truth: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = plain_report(world_truth)
    with urllib.request.urlopen(report["content_url"]) as response:
        monkeypatch.setenv("PLANTED_BUG_SHA256", hashlib.sha256(response.read()).hexdigest())
    first = run_crawl(BROKEN_READER, fresh_world, tmp_path, PORTAL)
    assert "1 failed unexpectedly" in first.output
    faults = query(tmp_path, "SELECT url, fault_reason FROM capture WHERE fault = 'parse_unexpected'")
    assert [(url, reason.split(" (")[0]) for url, reason in faults] == [
        (report["content_url"], "TypeError: a planted reader bug")
    ]
    assert (report["agency_canonical"], report["year"]) not in set(query(tmp_path, VERSIONS))
    monkeypatch.delenv("PLANTED_BUG_SHA256")
    second = run_crawl(NIANBAO, fresh_world, tmp_path, PORTAL)
    assert "0 failed unexpectedly" in second.output
    assert set(query(tmp_path, VERSIONS)) == expected_keys(world_truth)
    assert query(tmp_path, "SELECT count(*) FROM capture WHERE unfinished IS NOT NULL") == [(0,)]


def test_absurd_headers_are_archived_with_the_media_type_clipped(
    fresh_world: WorldServer, world_truth: dict[str, Any], tmp_path: Path
) -> None:
    (absurd,) = [r for r in world_truth["reports"] if r["page_fault"] == "absurd_headers"]
    run_crawl(NIANBAO, fresh_world, tmp_path, PORTAL)
    assert (absurd["agency_canonical"], absurd["year"]) in set(query(tmp_path, VERSIONS))
    ((media_type,),) = query(tmp_path, MEDIA_TYPE.format(url=absurd["url"]))
    assert len(media_type) == 200 and media_type.endswith(TRUNCATED)


@pytest.fixture
def small_disk(tmp_path: Path) -> Any:
    """The archive folder (raw bytes, WARC) on a 256 KB tmpfs: one portal's do not fit on it."""
    mount = tmp_path / "raw"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0 or os.geteuid() != 0:
        pytest.skip("a full disk is simulated with a tmpfs, which needs root and mount")
    yield mount
    subprocess.run(["umount", str(mount)], check=True)


def test_a_full_disk_stops_the_crawl_with_one_line_and_the_next_run_goes_on(
    fresh_world: WorldServer, world_truth: dict[str, Any], small_disk: Path, tmp_path: Path
) -> None:
    crawl = start_crawl(NIANBAO, fresh_world, tmp_path, PORTAL)
    assert crawl.wait(timeout=600) == 1
    told = (tmp_path / "crawl.err").read_text()
    assert told.count("Error: the crawl stopped: ") == 1 and "the disk is full" in told, told[-2000:]
    assert "Traceback" not in told, told[-3000:]
    subprocess.run(["mount", "-o", "remount,size=64m", str(small_disk)], check=True)
    run_crawl(NIANBAO, fresh_world, tmp_path, PORTAL)
    assert list((small_disk / "warc").glob("*.open")) == []
    assert set(query(tmp_path, VERSIONS)) == expected_keys(world_truth)
    assert query(tmp_path, "SELECT count(*) FROM capture WHERE unfinished IS NOT NULL") == [(0,)]


def test_a_read_only_archive_folder_stops_the_crawl_with_one_line(fresh_world: WorldServer, tmp_path: Path) -> None:
    """Refused before any request (exit status 2); one that turns read-only mid-crawl takes
    the full disk's way (storage.rawstore names both)."""
    mount = tmp_path / "raw"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0 or os.geteuid() != 0:
        pytest.skip("a read-only folder is a read-only tmpfs, which needs root and mount (root ignores modes)")
    try:
        crawl = start_crawl(NIANBAO, fresh_world, tmp_path, PORTAL)
        assert crawl.wait(timeout=600) == 2
    finally:
        subprocess.run(["umount", str(mount)], check=True)
    told = (tmp_path / "crawl.err").read_text()
    assert told.count("Error: ") == 1 and "it is read-only" in told, told[-2000:]
    assert fresh_world.log() == []
    assert "Traceback" not in told, told[-3000:]


def test_every_request_the_crawl_does_not_make_is_a_fault_row_and_counted(
    fresh_world: WorldServer, tmp_path: Path
) -> None:
    """A redirect to itself, one to another port of the portal's host, an answer over
    DOWNLOAD_MAXSIZE: before the fix the loop ended in the duplicate filter, unseen."""
    control = fresh_world.control_url.rstrip("/")
    urls = {
        "redirect_loop": f"{control}/__redirect__?to=%23",  # '#': this very URL again
        "offsite": f"{control}/__redirect__?to=" + quote("http://127.0.0.1:9/report.pdf", safe=""),
        "too_large": f"{control}/__status__?code=404",  # a 130-byte page
    }
    registry = tmp_path / "faults.yaml"
    registry.write_text(
        "portals:\n- id: faults\n  name: 测试\n  region: {province: 河南省, city: 郑州市}\n"
        f"  start_urls: {list(urls.values())}\n  allowed_domains: ['{urlsplit(control).hostname}']\n",
        encoding="utf-8",
    )
    crawl = run_crawl(NIANBAO, fresh_world, tmp_path, {"NIANBAO_PORTALS": str(registry), "DOWNLOAD_MAXSIZE": "100"})
    faults = dict(query(tmp_path, "SELECT fault, url FROM capture WHERE fault IS NOT NULL"))
    assert faults == {
        "redirect_loop": urls["redirect_loop"],
        "offsite": "http://127.0.0.1:9/report.pdf",
        "too_large": urls["too_large"],
    }
    assert "not requested: 3 (1 offsite, 0 robots, 1 redirect_loop, 0 url_too_long, 1 too_large" in crawl.output
