"""A spreadsheet 附表 holds the three tables without a title: its tables still parse."""

from __future__ import annotations

import json

import pytest

from parsers.parse_file import parse
from tests.conftest import FIXTURES

DOCUMENTS = FIXTURES / "documents"


@pytest.mark.parametrize("name", ["xlsx/report-2021.xlsx", "xls/report-2021.xls", "xlsx/report-2019.xlsx"])
def test_spreadsheet_of_the_three_tables_parses_to_its_spec(name: str) -> None:
    version = name.split("-")[1][:4]
    spec = json.loads((DOCUMENTS / "specs" / f"report-{version}.json").read_text(encoding="utf-8"))
    report = parse((DOCUMENTS / name).read_bytes())
    assert (report.agency, report.year, report.format_version) == (None, None, version)
    assert report.to_dict()["tables"] == spec["tables"]
