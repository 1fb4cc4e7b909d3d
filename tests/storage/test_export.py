"""``nianbao export``: every version of every report, one JSON object a line (both databases)."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta

from click.testing import CliRunner

from nianbao.cli import main
from nianbao.commands.export import FORMAT_NAMES
from parsers.model import Report
from research.export import FORMATS, iter_versions, write_jsonl
from storage.archive import Archive
from tests.storage.conftest import T0
from tests.storage.reports import document_bytes, make_report

ADDED = ("version", "latest", "source_url", "published_at", "fetched_at", "sha256")


def fill(archive: Archive) -> list[Report]:
    reports = [
        make_report(published_at=date(2024, 3, 5), new=12, note="（更正版）"),
        make_report(published_at=date(2024, 1, 20), new=10),
        make_report(year=2022, new=4),
    ]
    for hours, report in enumerate(reports):
        sha256 = archive.store_bytes(document_bytes(report))
        url = f"http://www.zz27q.gov.cn/nb/{hours}.html"
        archive.store_report(report, sha256=sha256, source_url=url, fetched_at=T0 + timedelta(hours=hours))
    return reports


def exported(archive: Archive) -> list[dict]:
    out = io.BytesIO()
    with archive.engine.connect() as connection:
        count = write_jsonl(iter_versions(connection), out)
    lines = out.getvalue().decode("utf-8").splitlines()
    assert count == len(lines)
    return [json.loads(line) for line in lines]


def test_every_version_is_one_line_with_its_provenance(archive: Archive) -> None:
    correction, original, older_year = fill(archive)
    lines = exported(archive)
    assert [(line["year"], line["version"], line["latest"]) for line in lines] == [
        (2022, 1, True),
        (2023, 1, False),
        (2023, 2, True),
    ]
    assert lines[2]["source_url"] == "http://www.zz27q.gov.cn/nb/0.html"
    assert (lines[2]["published_at"], lines[2]["fetched_at"]) == ("2024-03-05", "2024-03-01T08:00:00+00:00")
    assert lines[1]["sha256"] == archive.store_bytes(document_bytes(original))
    for line, report in zip(lines, [older_year, original, correction], strict=True):
        record = {key: value for key, value in line.items() if key not in ADDED or key == "published_at"}
        assert record == report.to_dict() | {"agency_canonical": "郑州市二七区统计局"}  # the archive's name


def test_money_stays_an_exact_decimal_string(archive: Archive) -> None:
    report = make_report(fees="7730.20")
    sha256 = archive.store_bytes(document_bytes(report))
    archive.store_report(report, sha256=sha256, source_url="http://x", fetched_at=T0)
    assert exported(archive)[0]["tables"]["active"]["fees"]["amount"] == "7730.20"


def test_the_command_offers_exactly_the_library_formats() -> None:
    assert tuple(FORMATS) == FORMAT_NAMES


def test_the_command_writes_jsonl(archive: Archive, db_url: str) -> None:
    fill(archive)
    result = CliRunner().invoke(main, ["export", "--db", db_url, "--archive-dir", str(archive.raw.root)])
    assert result.exit_code == 0, result.output
    assert len(result.stdout.splitlines()) == 3
    assert "3 versions exported" in result.stderr
