"""``nianbao fixtures``: the truth command and the registry a server writes."""

from __future__ import annotations

import json

import yaml
from click.testing import CliRunner

from nianbao.cli import main


def test_truth_command_prints_json() -> None:
    result = CliRunner().invoke(main, ["fixtures", "truth", "--no-expected"])
    assert result.exit_code == 0, result.output
    truth = json.loads(result.output)
    assert len(truth["portals"]) == 5 and "expected" not in truth["reports"][0]


def test_truth_command_reads_a_running_world(world_server) -> None:
    result = CliRunner().invoke(main, ["fixtures", "truth", "--control", world_server.control_url, "--no-expected"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["portals"][0]["base_url"] == next(iter(world_server.portals.values()))


def test_registry_names_every_portal_with_its_start_url(world_server) -> None:
    registry = yaml.safe_load(world_server.registry.read_text(encoding="utf-8"))
    assert [p["id"] for p in registry["portals"]] == list(world_server.portals)
    for entry in registry["portals"]:
        assert set(entry) <= {"id", "name", "region", "start_urls", "allowed_domains", "hints"}
        assert entry["start_urls"][0].startswith(world_server.portals[entry["id"]])
        assert entry["allowed_domains"] == ["127.0.0.1"]
