"""The ``nianbao`` command: help everywhere, exit status 2 with one line on bad input."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from nianbao.cli import SUBCOMMANDS, main
from tests.conftest import FIXTURES

LAYOUT = FIXTURES / "reports" / "layouts" / "inconsistent-2021__tabs.txt"


def _run(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.mark.parametrize("name", sorted(SUBCOMMANDS))
def test_every_subcommand_has_help_with_an_example(name: str) -> None:
    result = _run(name, "--help")
    assert result.exit_code == 0, result.output
    assert "Example" in result.output


def test_parse_prints_the_record_as_json() -> None:
    result = _run("parse", str(LAYOUT), "--json")
    assert result.exit_code == 0, result.output
    record = json.loads(result.output)
    expected = json.loads(LAYOUT.with_name(LAYOUT.name + ".expected.json").read_text(encoding="utf-8"))
    assert record == expected


def test_parse_summary_names_the_failed_checks() -> None:
    result = _run("parse", str(LAYOUT))
    assert result.exit_code == 0, result.output
    assert "FAIL R1 applications.natural_person" in result.output


@pytest.mark.parametrize(
    ("name", "reason"),
    [("empty.txt", "empty"), ("garbage.bin", ""), ("bulletin.txt", "not_annual_report")],
)
def test_bad_input_exits_2_with_one_line(name: str, reason: str) -> None:
    result = _run("parse", str(FIXTURES / "reports" / "invalid" / name))
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ")
    assert reason in lines[0]
