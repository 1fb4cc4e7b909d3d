"""``nianbao reparse``: parsed data rebuilt from the raw bytes, with the parser version recorded."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from nianbao.cli import main
from parsers.errors import ExtractionError
from parsers.parse_file import Hints
from storage.archive import Archive
from storage.models import CellRow, CheckResultRow, VersionRow
from storage.reparse import reparse_all
from tests.conftest import FIXTURES
from tests.storage.conftest import T0
from tests.storage.reports import document_bytes, make_report, parse_document, report_history

LAYOUT = FIXTURES / "reports" / "layouts" / "inconsistent-2021__tabs.txt"


def store_old(archive: Archive, report, *, hours: int = 0, data: bytes | None = None):
    sha256 = archive.store_bytes(data or document_bytes(report))
    return archive.store_report(
        report,
        sha256=sha256,
        source_url=f"http://x/{hours}",
        fetched_at=T0 + timedelta(hours=hours),
        parser_version="0.0.1",
    )


def versions(archive: Archive) -> list[VersionRow]:
    with Session(archive.engine) as session:
        return session.scalars(select(VersionRow).order_by(VersionRow.id)).all()


def test_every_version_is_rebuilt_and_records_the_parser_version(archive: Archive) -> None:
    store_old(archive, make_report(new=10))
    store_old(archive, make_report(new=11), hours=1)

    def newer_parser(data, hints):
        return replace(parse_document(data, hints), warnings=["read by the new parser"])

    stats = reparse_all(archive, parse=newer_parser, parser_version="0.2.0")
    assert (stats.versions, stats.reparsed, stats.failed, stats.key_changed) == (2, 2, [], [])
    assert [(v.parser_version, v.record["warnings"]) for v in versions(archive)] == [
        ("0.2.0", ["read by the new parser"])
    ] * 2


def test_a_version_is_reparsed_with_what_its_first_sighting_said(archive: Archive) -> None:
    # The page fetched first dated the document 20 January, a page fetched after it 25
    # January; the later fetch was captured (and stored) first.
    sha256 = archive.store_bytes(document_bytes(make_report()))
    for at, published in ((T0 + timedelta(seconds=1), date(2024, 1, 25)), (T0, date(2024, 1, 20))):
        url = f"http://x/{published}"
        hints = Hints(published=published).to_json()
        capture_id = archive.record_capture(url, fetched_at=at, status=200, sha256=sha256, hints=hints)
        report = make_report(published_at=published)
        archive.store_report(report, sha256=sha256, source_url=url, fetched_at=at, capture_id=capture_id)

    def dated_by_its_page(data, hints):
        return replace(parse_document(data, hints), published_at=hints.published)

    assert reparse_all(archive, parse=dated_by_its_page).reparsed == 1
    assert [(v.published_at, v.record["published_at"]) for v in versions(archive)] == [
        (date(2024, 1, 20), "2024-01-20")
    ]


def test_cells_checks_and_order_follow_the_new_parse(archive: Archive) -> None:
    first = store_old(archive, make_report(new=10))
    store_old(archive, make_report(new=11), hours=1)

    def reads_dates_now(data, hints):
        report = parse_document(data, hints)
        new = report.tables["applications"]["new"]["total"]
        # The new parser finds the publication dates: the first stored is the correction.
        published = date(2024, 3, 5) if new == 10 else date(2024, 1, 20)
        return replace(report, published_at=published, checks=[])

    reparse_all(archive, parse=reads_dates_now, parser_version="0.2.0")
    history = report_history(archive, "二七区统计局", 2023)
    assert [(v.version_id, v.is_latest) for v in history][-1] == (first.version_id, True)
    with Session(archive.engine) as session:
        assert session.scalars(select(CheckResultRow)).all() == []
        assert len(session.scalars(select(CellRow)).all()) == 10


def test_a_document_the_parser_now_rejects_keeps_its_previous_parse(archive: Archive) -> None:
    store_old(archive, make_report())

    def rejecting(data, hints):
        raise ExtractionError("corrupt", "the file is damaged")

    stats = reparse_all(archive, parse=rejecting)
    assert stats.reparsed == 0 and stats.failed[0][1] == "corrupt: the file is damaged"
    assert versions(archive)[0].parser_version == "0.0.1"


def test_a_version_the_parser_now_keys_differently_is_listed_not_moved(archive: Archive) -> None:
    stored = store_old(archive, make_report(year=2023))
    stats = reparse_all(archive, parse=lambda data, hints: replace(parse_document(data), year=2022))
    assert stats.key_changed == [(stored.version_id, "郑州市二七区统计局 2022")]
    assert [v.year for v in report_history(archive, "二七区统计局", 2023)] == [2023]


def test_only_outdated_skips_what_the_current_parser_made(archive: Archive) -> None:
    store_old(archive, make_report(new=1))
    reparse_all(archive, parse=parse_document, parser_version="0.2.0")
    assert reparse_all(archive, parse=parse_document, parser_version="0.2.0", only_outdated=True).versions == 0


def test_the_real_parser_rebuilds_a_real_document(archive: Archive, db_url: str) -> None:
    from parsers import PARSER_VERSION
    from parsers.parse_file import parse

    data = LAYOUT.read_bytes()
    report = parse(data)
    store_old(archive, replace(report, warnings=["stale"]), data=data)
    result = CliRunner().invoke(main, ["reparse", "--db", db_url, "--archive-dir", str(archive.raw.root)])
    assert result.exit_code == 0, result.output
    assert f"1 of 1 versions reparsed with parser {PARSER_VERSION}" in result.output
    version = versions(archive)[0]
    assert version.parser_version == PARSER_VERSION and version.record == report.to_dict()


def test_reparse_of_a_missing_database_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["reparse", "--db", "nosuch://x", "--archive-dir", str(tmp_path)])
    assert result.exit_code == 2 and result.output.count("\n") == 1
