"""``nianbao schedule`` and ``nianbao runs``: due portals from recorded runs, and a scheduled crawl."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from fixtures.world.server import WorldServer
from nianbao.cli import main
from storage.archive import Archive
from tests.crawling import PROJECT

REGISTRY = """portals:
- id: {id}
  name: 郑州市{name}人民政府
  region: {{province: 河南省, city: 郑州市, district: {name}}}
  start_urls: ['http://127.0.0.1:9/{id}/']
  allowed_domains: [127.0.0.1]
"""


def archive_with_runs(tmp_path: Path, runs: list[tuple[datetime, dict[str, Any]]]) -> list[str]:
    """A SQLite archive holding these runs of portals a and b; the options that name it."""
    moments = iter(moment for started, _ in runs for moment in (started, started + timedelta(minutes=5)))
    options = ["--db", f"sqlite:///{tmp_path / 'a.sqlite'}", "--archive-dir", str(tmp_path / "raw")]
    with Archive.open(options[1], options[3], clock=lambda: next(moments)) as archive:
        for _, stats in runs:
            archive.finish_run(archive.start_run(["a", "b"]), stats)
    registry = tmp_path / "portals.yaml"
    registry.write_text(REGISTRY.format(id="a", name="二七区") + REGISTRY.format(id="b", name="中原区")[8:])
    return [*options, "--portals", str(registry)]


def invoke(*args: str) -> tuple[int, list[str]]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output.strip().splitlines()


def test_schedule_lists_the_portals_due_and_why(tmp_path: Path) -> None:
    stats = {"nianbao/portal/a/pages": 4, "nianbao/portal/b/faults": 2, "nianbao/portal/b/blocked": 2}
    options = archive_with_runs(tmp_path, [(datetime(2025, 7, 1, tzinfo=UTC), stats)])
    assert invoke("schedule", *options, "--dry-run", "--now", "2025-07-01T05:59") == (
        0,
        ["none of 2 portal(s) is due"],
    )
    assert invoke("schedule", *options, "--dry-run", "--now", "2025-07-01T06:00") == (0, ["due b: last run blocked"])
    assert invoke("schedule", *options, "--dry-run", "--now", "2025-08-01")[1] == [
        "due a: last run 31.0 d ago, every 30.0 d",
        "due b: last run blocked",
    ]


def test_the_cadence_options_and_settings_change_who_is_due(tmp_path: Path) -> None:
    stats = {"nianbao/portal/a/pages": 4, "nianbao/portal/b/faults": 2, "nianbao/portal/b/blocked": 2}
    options = [*archive_with_runs(tmp_path, [(datetime(2025, 7, 1, tzinfo=UTC), stats)]), "--dry-run"]
    weekly = ["--now", "2025-07-08", "--retry-hours", "200"]
    seven = ["due a: last run 7.0 d ago, every 7.0 d"]
    assert invoke("schedule", *options, *weekly, "--off-season-days", "7")[1] == seven
    assert invoke("schedule", *options, *weekly, "-s", "NIANBAO_SCHEDULE_OFF_SEASON_DAYS=7")[1] == seven
    july = ["--now", "2025-07-03", "--season-months", "6-8", "--season-days", "2"]
    assert invoke("schedule", *options, *july)[1] == [
        "due a: last run 2.0 d ago, every 2.0 d",
        "due b: last run blocked",
    ]


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--season-months", "13"], "months are 1 to 12, not '13'"),
        (["--season-days", "0"], "the schedule's intervals must be longer than 0"),
    ],
)
def test_a_bad_cadence_exits_2(tmp_path: Path, option: list[str], message: str) -> None:
    assert invoke("schedule", *archive_with_runs(tmp_path, []), *option) == (2, [f"Error: {message}"])


def test_runs_lists_each_portal_of_each_run_with_its_outcome(tmp_path: Path) -> None:
    stats = {"finish_reason": "finished", "nianbao/portal/a/pages": 4, "nianbao/portal/a/list_entries": 9}
    options = archive_with_runs(tmp_path, [(datetime(2025, 7, 1, tzinfo=UTC), stats)])[:4]
    code, lines = invoke("runs", *options, "--json")
    runs = [json.loads(line) for line in lines]
    assert code == 0 and [(r["portal_id"], r["outcome"], r["list_entries"]) for r in runs] == [
        ("a", "ok", 9),
        ("b", "unreachable", 0),
    ]
    code, lines = invoke("runs", *options, "--portal", "b")
    assert code == 0 and len(lines) == 2 and lines[1].split()[3:5] == ["b", "unreachable"]


def test_runs_and_alerts_show_the_lists_a_run_did_not_reach_to_their_stated_size(tmp_path: Path) -> None:
    from storage.models import CoverageFindingRow

    stats = {"finish_reason": "finished", "nianbao/portal/a/pages": 4, "nianbao/portal/a/list_entries": 9}
    options = archive_with_runs(tmp_path, [(datetime(2025, 7, 1, tzinfo=UTC), stats)])[:4]
    lists = ["http://127.0.0.1:9/a/nb/index.html", "http://127.0.0.1:9/a/nb/api?page=1"]
    with Archive.open(options[1], options[3]) as archive:
        archive.record_coverage(
            [CoverageFindingRow(crawl_run_id=1, portal_id="a", list_url=lists[0], stated=25, reached=20)]
        )
        archive.record_coverage(
            [CoverageFindingRow(crawl_run_id=1, portal_id="a", list_url=lists[1], stated=7, reached=2)]
        )
    code, lines = invoke("runs", *options)
    assert code == 0 and lines[0].split()[-1] == "short_lists" and lines[1].split()[-1] == "2"
    assert lines[2:4] == [
        f"      short list: states 7, reached 2: {lists[1]}",
        f"      short list: states 25, reached 20: {lists[0]}",
    ]
    assert lines[4].split()[3:5] == ["b", "unreachable"] and lines[4].split()[-1] == "0"
    runs = [json.loads(line) for line in invoke("runs", *options, "--json")[1]]
    assert runs[0]["short_lists"][1] == {"list_url": lists[0], "stated": 25, "reached": 20}
    code, lines = invoke("alerts", *options, "--format", "json", "--now", "2025-07-02")
    (alert,) = [json.loads(line) for line in lines if json.loads(line)["kind"] == "short"]
    assert (alert["subject"], alert["key"]) == ("a", "short/a/1")
    assert alert["evidence"] == [f"states 7, reached 2: {lists[1]}", f"states 25, reached 20: {lists[0]}"]


@pytest.mark.parametrize("now", ["yesterday", "2025-13-01"])
def test_a_bad_now_exits_2(tmp_path: Path, now: str) -> None:
    code, lines = invoke("schedule", *archive_with_runs(tmp_path, []), "--now", now)
    assert code == 2 and lines == [f"Error: --now wants an ISO date or moment such as 2025-02-01T08:00, not {now!r}"]


@pytest.mark.slow
def test_a_scheduled_crawl_of_the_world_is_recorded_and_makes_its_portals_not_due(
    fresh_world: WorldServer, tmp_path: Path, world_truth: dict[str, Any]
) -> None:
    options = ["--portals", str(fresh_world.registry), "--db", f"sqlite:///{tmp_path / 'a.sqlite'}"]
    options += ["--archive-dir", str(tmp_path / "raw")]
    command = [sys.executable, "-c", "from nianbao.cli import main; main()", "schedule", *options, "--local"]
    done = subprocess.run(
        command,
        cwd=PROJECT,
        env={**os.environ, "PYTHONPATH": str(PROJECT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    portal_ids = [portal["id"] for portal in world_truth["portals"]]
    assert [line.split(":")[0] for line in done.stdout.splitlines()[: len(portal_ids)]] == [
        f"due {portal_id}" for portal_id in portal_ids
    ]
    code, lines = invoke("runs", *options[2:], "--json")
    runs = {run["portal_id"]: run for run in map(json.loads, lines)}
    assert code == 0 and set(runs) == set(portal_ids)
    assert all(run["outcome"] == "ok" and run["list_entries"] >= run["reports"] > 0 for run in runs.values())
    blocked = [f for f in world_truth["faults"] if f["fault"].startswith("blocked_")]
    assert sum(run["blocked"] for run in runs.values()) == len(blocked)
    assert invoke("schedule", *options, "--dry-run")[1] == [f"none of {len(portal_ids)} portal(s) is due"]
