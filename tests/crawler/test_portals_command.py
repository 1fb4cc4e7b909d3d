"""``nianbao portals``: ``list`` shows where each address was seen; ``check`` fetches each start
URL once, politely, with one outcome for it (against the fixture world and its named fault
endpoints on 127.0.0.1)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import yaml
from click.testing import CliRunner

from crawler.check import PortalCheck
from fixtures.world.server import WorldServer
from nianbao.cli import main

NIANBAO = [sys.executable, "-c", "from nianbao.cli import main; main()"]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def entry(portal_id: str, url: str) -> dict[str, object]:
    region = {"province": "河南省"}
    return {"id": portal_id, "name": portal_id, "region": region, "start_urls": [url], "allowed_domains": ["127.0.0.1"]}


def check(tmp_path: Path, starts: dict[str, str], *options: str) -> subprocess.CompletedProcess[str]:
    registry = tmp_path / "portals.yaml"
    entries = [entry(portal_id, url) for portal_id, url in starts.items()]
    registry.write_text(yaml.safe_dump({"portals": entries}, allow_unicode=True), encoding="utf-8")
    command = [*NIANBAO, "portals", "check", "--portals", str(registry), "--local", *options]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def test_each_start_url_answers_redirects_blocks_is_disallowed_or_fails(
    tmp_path: Path, world_server: WorldServer
) -> None:
    control, erqi = world_server.control_url, world_server.portals["trs-erqi"]
    starts = {
        "answers": f"{erqi}/",
        "inside": f"{control}/__redirect__?to={control}/__status__?code=200",
        "moved": f"{control}/__redirect__?to={erqi}/",
        "blocked": f"{control}/__blocked__",
        "broken": f"{control}/__status__?code=500",
        "disallowed": f"{erqi}/manage/",  # the world's robots.txt: Disallow: /manage/
        "refused": f"http://127.0.0.1:{closed_port()}/",
    }
    before = len(world_server.log())
    done = check(tmp_path, starts, "--format", "json")
    results = {row["portal_id"]: row for row in map(json.loads, done.stdout.splitlines())}
    assert list(results) == list(starts)  # registry order, whatever order they ended in
    assert {portal_id: row["outcome"] for portal_id, row in results.items()} == {
        "answers": "answers",
        "inside": "answers",
        "moved": "redirects",
        "blocked": "blocked",
        "broken": "fails",
        "disallowed": "disallowed",
        "refused": "fails",
    }
    assert (results["answers"]["status"], results["answers"]["final_url"]) == (200, f"{erqi}/")
    assert results["inside"]["final_url"] == f"{control}/__status__?code=200"
    assert results["moved"]["final_url"] == f"{erqi}/"
    assert results["blocked"]["status"] == 412
    assert (results["broken"]["status"], results["broken"]["detail"]) == (500, "HTTP 500")
    assert results["refused"]["detail"].startswith("connection_refused: ")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    progress = [line for line in done.stderr.splitlines() if line.startswith("checked ")]
    assert [line.split(":")[0] for line in progress] == [f"checked {n}/7" for n in range(1, 8)]
    requested = [row["path"] for row in world_server.log(before)]
    assert "/manage/" not in requested and requested.count("/") == 2  # once for "answers", once after "moved"


def test_a_registry_whose_every_portal_answers_exits_0(tmp_path: Path, world_server: WorldServer) -> None:
    done = check(tmp_path, {"erqi": f"{world_server.portals['trs-erqi']}/"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [f"erqi {world_server.portals['trs-erqi']}/: answers 200"]


def test_a_result_is_one_line_with_its_status_and_where_it_ended_or_why() -> None:
    moved = PortalCheck("ly-jianxi", "http://www.jianxi.gov.cn/", "redirects", 200, "https://x.gov.cn/", "outside")
    assert moved.line() == "ly-jianxi http://www.jianxi.gov.cn/: redirects 200 https://x.gov.cn/ (outside)"
    assert (
        PortalCheck("a", "http://a.gov.cn/", "fails", detail="dns: no").line() == "a http://a.gov.cn/: fails (dns: no)"
    )


def test_list_shows_each_portal_with_its_source_or_why_it_is_unverified(tmp_path: Path) -> None:
    registry = tmp_path / "portals.yaml"
    seen = entry("seen", "http://127.0.0.1/") | {"source": "https://example.org/page"}
    guessed = entry("guessed", "http://127.0.0.1/") | {"unverified": "pinyin guess"}
    registry.write_text(yaml.safe_dump({"portals": [seen, guessed]}), encoding="utf-8")
    lines = CliRunner().invoke(main, ["portals", "list", "--portals", str(registry)]).output.splitlines()
    assert lines[0].endswith("source: https://example.org/page") and lines[1].endswith("UNVERIFIED: pinyin guess")
    rows = CliRunner().invoke(main, ["portals", "list", "--portals", str(registry), "--format", "json"]).output
    assert [json.loads(row)["unverified"] for row in rows.splitlines()] == [None, "pinyin guess"]


def test_an_unknown_id_stops_the_check_before_any_request(tmp_path: Path) -> None:
    registry = tmp_path / "portals.yaml"
    registry.write_text(yaml.safe_dump({"portals": [entry("erqi", "http://127.0.0.1/")]}), encoding="utf-8")
    result = CliRunner().invoke(main, ["portals", "check", "--portals", str(registry), "--only", "nope"])
    assert (result.exit_code, result.output) == (2, "Error: unknown portal id(s): nope (known: erqi)\n")
