"""Storing is idempotent and versioned, and versions are in published order (both databases)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from parsers.model import Region
from storage.archive import Archive
from storage.errors import ArchiveError, UnkeyedReport
from storage.models import (
    AgencyAliasRow,
    AgencyRow,
    CaptureRow,
    CellRow,
    CheckResultRow,
    DocumentRow,
    ReportRow,
    VersionRow,
    VersionSourceRow,
)
from tests.storage.conftest import T0
from tests.storage.reports import ERQI, document_bytes, make_report, report_history, year_cells_of

URL = "https://www.zz27q.gov.cn/zwgk/zfxxgknb/202401/t20240120_1.html"


def store(archive: Archive, report, *, url: str = URL, at=T0, **extra):
    sha256 = archive.store_bytes(document_bytes(report))
    return archive.store_report(report, sha256=sha256, source_url=url, fetched_at=at, region=report.region, **extra)


def vars_of(region: Region) -> tuple:
    return (region.province, region.city, region.district)


def count(archive: Archive, model) -> int:
    with Session(archive.engine) as session:
        return session.scalar(select(func.count()).select_from(model))


def test_a_first_store_makes_version_1(archive: Archive) -> None:
    result = store(archive, make_report(), media_type="application/json")
    assert (result.version_number, result.ordinal, result.created, result.is_latest) == (1, 1, True, True)
    with Session(archive.engine) as session:
        version = session.get(VersionRow, result.version_id)
        document = session.get(DocumentRow, version.content_sha256)
    assert version.parser_version == archive.parser_version
    assert version.record["tables"]["active"]["fees"]["amount"] == "95.3893"
    assert (document.media_type, document.size) == (
        "application/json",
        archive.raw_path(document.sha256).stat().st_size,
    )


def test_the_same_bytes_again_only_record_a_sighting(archive: Archive) -> None:
    first = store(archive, make_report(), at=T0)
    again = store(archive, make_report(), url=URL + "?from=list2", at=T0 + timedelta(days=30))
    assert (again.version_id, again.version_number, again.created) == (first.version_id, 1, False)
    assert count(archive, VersionRow) == 1 and count(archive, CellRow) == 5
    with Session(archive.engine) as session:
        version = session.get(VersionRow, first.version_id)
        sources = session.scalars(select(VersionSourceRow).order_by(VersionSourceRow.id)).all()
    assert (version.first_seen_at, version.last_seen_at) == (T0, T0 + timedelta(days=30))
    assert [source.url for source in sources] == [URL, URL + "?from=list2"]


def test_a_version_names_where_it_was_first_seen_whichever_sighting_is_stored_first(archive: Archive) -> None:
    # A crawl stores the same bytes from two URLs in the order their parses end: the later
    # fetch used to stay the version's source_url while first_seen_at took the earlier
    # one, and a repair (stored in capture order) named the other URL.
    later, earlier = URL + "?from=list2", URL
    first = store(archive, make_report(), url=later, at=T0 + timedelta(seconds=1), list_url="http://list/2")
    store(archive, make_report(), url=earlier, at=T0, list_url="http://list/1", portal_id="zz-erqi")
    with Session(archive.engine) as session:
        version = session.get(VersionRow, first.version_id)
    assert (version.source_url, version.list_url, version.portal_id, version.first_seen_at) == (
        earlier,
        "http://list/1",
        "zz-erqi",
        T0,
    )


@pytest.mark.parametrize("earlier_first", [True, False])
def test_the_same_bytes_dated_by_two_pages_take_the_first_sightings_parse(
    archive: Archive, earlier_first: bool
) -> None:
    # Two pages link one document and date it differently: the record (parsed with what its
    # page said) used to be that of whichever parse was stored first, and reparse told it
    # another page's date.
    sha256 = archive.store_bytes(document_bytes(make_report()))
    sightings = [(URL, T0, date(2024, 1, 20)), (URL + "?from=list2", T0 + timedelta(seconds=1), date(2024, 1, 25))]
    for url, at, published in sightings if earlier_first else sightings[::-1]:
        report = make_report(published_at=published)
        result = archive.store_report(report, sha256=sha256, source_url=url, fetched_at=at, region=ERQI)
    with Session(archive.engine) as session:
        version = session.get(VersionRow, result.version_id)
    assert (version.source_url, version.published_at, version.sort_date) == (URL, date(2024, 1, 20), date(2024, 1, 20))
    assert version.record["published_at"] == "2024-01-20"
    assert (count(archive, VersionRow), count(archive, CellRow), count(archive, CheckResultRow)) == (1, 5, 1)


def test_a_sighting_at_the_same_url_counts_it(archive: Archive) -> None:
    for day in range(3):
        store(archive, make_report(), at=T0 + timedelta(days=day))
    with Session(archive.engine) as session:
        source = session.scalars(select(VersionSourceRow)).one()
    assert (source.seen_count, source.last_seen_at) == (3, T0 + timedelta(days=2))


def test_changed_content_becomes_the_next_version_and_nothing_is_lost(archive: Archive) -> None:
    first = store(archive, make_report(new=10), at=T0)
    second = store(archive, make_report(new=12), at=T0 + timedelta(days=1))
    assert (second.version_number, second.created, second.is_latest) == (2, True, True)
    history = report_history(archive, "郑州市二七区统计局", 2023)
    assert [(v.arrival_number, v.is_latest) for v in history] == [(1, False), (2, True)]
    assert count(archive, VersionRow) == 2 and count(archive, CellRow) == 10 and count(archive, CheckResultRow) == 2
    assert archive.raw_path(history[0].sha256).exists() and archive.raw_path(history[1].sha256).exists()
    assert first.version_id != second.version_id


def test_a_correction_met_first_is_still_the_latest_version(archive: Archive) -> None:
    """更正版 at a new URL, published later, found by the crawl before the original."""
    correction = make_report(published_at=date(2024, 3, 5), new=12, note="（更正版）")
    original = make_report(published_at=date(2024, 1, 20), new=10)
    store(archive, correction, url=URL.replace("_1", "_2"), at=T0)
    store(archive, original, url=URL, at=T0 + timedelta(hours=1))
    history = report_history(archive, "郑州市二七区统计局", 2023)
    assert [(v.arrival_number, v.version, v.published_at, v.is_latest) for v in history] == [
        (2, 1, date(2024, 1, 20), False),
        (1, 2, date(2024, 3, 5), True),
    ]
    cells = year_cells_of(archive, 2023, table="applications")
    assert {cell.value for cell in cells if (cell.row, cell.column) == ("new", "total")} == {12}


def test_without_a_publication_date_first_seen_orders_the_versions(archive: Archive) -> None:
    store(archive, make_report(new=10), at=T0 + timedelta(days=3))
    store(archive, make_report(new=11), at=T0 + timedelta(days=9))
    older_capture = store(archive, make_report(new=9), at=T0)  # an old WARC imported late
    history = report_history(archive, "二七区统计局", 2023)
    assert [v.arrival_number for v in history] == [3, 1, 2]
    assert older_capture.ordinal == 1 and history[-1].is_latest


def test_cells_keep_ints_decimals_and_blanks_exactly(archive: Archive) -> None:
    store(archive, make_report(fees="7730.20"))
    cells = {(c.table, c.row, c.column): c for c in year_cells_of(archive, 2023)}
    fees = cells[("active", "fees", "amount")]
    assert fees.value == Decimal("7730.20") and str(fees.value) == "7730.20"
    assert cells[("active", "licensing", "decisions")].value == 7
    assert type(cells[("active", "licensing", "decisions")].value) is int
    blank = cells[("applications", "carried_over", "total")]
    assert (blank.value, blank.raw_text, blank.meaning) == (None, "—", "na")
    with Session(archive.engine) as session:
        exact = session.scalars(select(CellRow.value_exact).where(CellRow.table_key == "active")).all()
    assert sorted(exact) == ["7", "7730.20"]


def test_check_results_are_stored(archive: Archive) -> None:
    store(archive, make_report())
    with Session(archive.engine) as session:
        check = session.scalars(select(CheckResultRow)).one()
    assert (check.rule, check.status) == ("R1", "uncertain")


def test_agency_is_canonical_and_keeps_its_printed_name(archive: Archive) -> None:
    store(archive, make_report(agency="二七区统计局"))
    store(archive, make_report(agency="郑州市二七区统计局", year=2022))
    with Session(archive.engine) as session:
        agencies = session.scalars(select(AgencyRow)).all()
        aliases = session.scalars(select(AgencyAliasRow.alias)).all()
    assert [(a.name, a.province, a.city, a.district) for a in agencies] == [("郑州市二七区统计局", *vars_of(ERQI))]
    assert aliases == ["二七区统计局"]
    assert [v.year for v in report_history(archive, "二七区统计局", 2022)] == [2022]


def test_a_report_without_agency_or_year_is_refused(archive: Archive) -> None:
    report = make_report()
    report.year = None
    with pytest.raises(UnkeyedReport, match="year"):
        store(archive, report)
    assert count(archive, ReportRow) == 0


def test_rows_never_point_at_bytes_that_are_not_stored(archive: Archive) -> None:
    with pytest.raises(ArchiveError, match="store_bytes"):
        archive.store_report(make_report(), sha256="ab" * 32, source_url=URL, fetched_at=T0)
    assert count(archive, VersionRow) == 0 and count(archive, DocumentRow) == 0


def test_year_cells_cover_every_agency_latest_version_only(archive: Archive) -> None:
    store(archive, make_report(new=10))
    store(archive, make_report(new=11), at=T0 + timedelta(days=1))
    store(archive, make_report(agency="金水区统计局", new=5, region=Region("河南省", "郑州市", "金水区")))
    store(archive, make_report(year=2022, new=1))
    totals = {c.agency: c.value for c in year_cells_of(archive, 2023) if (c.row, c.column) == ("new", "total")}
    assert totals == {"郑州市二七区统计局": 11, "郑州市金水区统计局": 5}
    assert len(year_cells_of(archive, 2023, latest=False)) == 15


def test_capture_links_to_its_version(archive: Archive) -> None:
    report = make_report()
    sha256 = archive.store_bytes(document_bytes(report))
    capture = archive.record_capture(URL, fetched_at=T0, status=200, sha256=sha256)
    result = archive.store_report(report, sha256=sha256, source_url=URL, fetched_at=T0, capture_id=capture)
    with Session(archive.engine) as session:
        assert session.get(CaptureRow, capture).version_id == result.version_id
