"""Captures, conditional-GET validators, revisit lookups and crawl runs (both databases)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from storage.archive import Archive, capture_columns
from storage.models import CaptureRow, CoverageFindingRow, CrawlRunRow, DocumentRow
from storage.warc import PriorRecord, WarcRef
from tests.storage.conftest import T0

URL = "http://www.zz27q.gov.cn/zwgk/zfxxgknb/202401/P020240120.pdf"
HEADERS = [
    ("Content-Type", "application/pdf"),
    ("ETag", '"5f1-abc"'),
    ("Last-Modified", "Sat, 20 Jan 2024 02:00:00 GMT"),
]


def ref(record_id: str, record_type: str = "response", digest: str = "sha1:AAAA") -> WarcRef:
    return WarcRef("nianbao-1.warc.gz", 1234, 567, record_id, record_type, None, digest, "2024-03-01T08:00:00Z")


def test_a_response_capture_keeps_its_headers_warc_place_and_document(archive: Archive) -> None:
    sha256 = archive.store_bytes(b"%PDF-1.7 report")
    capture_id = archive.record_capture(
        URL, fetched_at=T0, status=200, headers=HEADERS, sha256=sha256, warc=ref("<urn:uuid:1>"), referer="http://list"
    )
    with Session(archive.engine) as session:
        capture = session.get(CaptureRow, capture_id)
        document = session.get(DocumentRow, sha256)
    assert (capture.status, capture.etag, capture.content_type, capture.referer) == (
        200,
        '"5f1-abc"',
        "application/pdf",
        "http://list",
    )
    assert capture.headers == [list(pair) for pair in HEADERS]
    assert (capture.warc_file, capture.warc_offset, capture.warc_record_id) == (
        "nianbao-1.warc.gz",
        1234,
        "<urn:uuid:1>",
    )
    assert (document.media_type, document.size) == ("application/pdf", 15)


def test_a_fault_is_a_capture_with_its_reason(archive: Archive) -> None:
    capture_id = archive.record_capture(URL, fetched_at=T0, fault="timeout", reason="no answer in 180 s")
    with Session(archive.engine) as session:
        capture = session.get(CaptureRow, capture_id)
    assert (capture.status, capture.sha256, capture.fault, capture.fault_reason) == (
        None,
        None,
        "timeout",
        "no answer in 180 s",
    )


def test_a_capture_without_hints_holds_sql_null_not_json_null(archive: Archive) -> None:
    # JSON columns stored None as the JSON text 'null', so "hints IS NOT NULL" (which
    # reparse asks) held for every page, fault and list alike, not only for report documents.
    archive.record_capture(URL, fetched_at=T0, fault="timeout")
    with archive.engine.connect() as connection:
        missing = text("SELECT count(*) FROM capture WHERE hints IS NULL AND unfinished IS NULL")
        assert connection.scalar(missing) == 1


def test_validators_come_from_the_latest_full_response(archive: Archive) -> None:
    assert archive.latest_validators(URL) is None
    old = archive.store_bytes(b"old")
    new = archive.store_bytes(b"new")
    archive.record_capture(URL, fetched_at=T0, status=200, headers=[("ETag", '"1"')], sha256=old, warc=ref("<a>"))
    archive.record_capture(URL, fetched_at=T0 + timedelta(days=1), status=200, headers=[("ETag", '"2"')], sha256=new)
    archive.record_capture(URL, fetched_at=T0 + timedelta(days=2), status=304, headers=[("ETag", '"2"')])
    archive.record_capture(URL, fetched_at=T0 + timedelta(days=3), fault="reset")
    validators = archive.latest_validators(URL)
    assert (validators.etag, validators.sha256, validators.warc) == ('"2"', new, None)


def test_a_revisit_points_at_the_first_full_response_with_that_payload(archive: Archive) -> None:
    sha256 = archive.store_bytes(b"same")
    archive.record_capture(URL, fetched_at=T0, status=200, sha256=sha256, warc=ref("<first>", digest="sha1:SAME"))
    archive.record_capture(
        URL + "?2", fetched_at=T0, status=200, sha256=sha256, warc=ref("<again>", "revisit", "sha1:SAME")
    )
    assert archive.prior_record("sha1:SAME") == PriorRecord(URL, "2024-03-01T08:00:00Z", "<first>", "sha1:SAME")
    assert archive.prior_record("sha1:OTHER") is None
    assert archive.latest_validators(URL + "?2").warc.record_id == "<first>"


def test_validators_of_many_urls_come_in_one_call_each_from_its_own_latest_response(archive: Archive) -> None:
    old, new, same = (archive.store_bytes(data) for data in (b"old", b"new", b"same"))
    archive.record_capture(URL, fetched_at=T0, status=200, headers=[("ETag", '"1"')], sha256=old)
    archive.record_capture(URL, fetched_at=T0 + timedelta(days=1), status=200, headers=[("ETag", '"2"')], sha256=new)
    archive.record_capture(URL + "?1", fetched_at=T0, status=200, sha256=same, warc=ref("<first>", digest="sha1:S"))
    archive.record_capture(URL + "?2", fetched_at=T0, status=200, sha256=same, warc=ref("<again>", "revisit", "sha1:S"))
    archive.record_capture(URL + "?3", fetched_at=T0, status=200, sha256=new, unfinished={"list_url": None})
    found = archive.latest_validators_of([URL, URL + "?2", URL + "?3", URL + "?unknown", URL])
    assert sorted(found) == [URL, URL + "?2"]  # an unfinished capture is no validator
    assert (found[URL].etag, found[URL].sha256) == ('"2"', new)
    assert found[URL + "?2"].warc == PriorRecord(URL + "?1", "2024-03-01T08:00:00Z", "<first>", "sha1:S")


def test_confirmations_are_recorded_together_as_their_own_rows(archive: Archive) -> None:
    sha256 = archive.store_bytes(b"%PDF-1.7 report")
    archive.record_capture(URL, fetched_at=T0, status=200, headers=HEADERS, sha256=sha256, warc=ref("<first>"))
    later = [T0 + timedelta(days=n) for n in (1, 2)]
    warc = WarcRef("nianbao-2.warc.gz", 99, 300, "<seen>", "revisit", "server-not-modified", None, "2024-03-02")
    rows = [capture_columns(URL, fetched_at=at, status=304, headers=HEADERS, sha256=sha256, warc=warc) for at in later]
    archive.record_confirmations(rows)
    with Session(archive.engine) as session:
        seen = session.scalars(select(CaptureRow).where(CaptureRow.status == 304).order_by(CaptureRow.id)).all()
    assert [(c.fetched_at.replace(tzinfo=UTC), c.sha256, c.etag, c.warc_record_type) for c in seen] == [
        (at, sha256, '"5f1-abc"', "revisit") for at in later
    ]
    assert archive.latest_validators(URL).warc.record_id == "<first>"  # a 304 is never a validator


def test_a_crawl_run_keeps_its_portals_and_statistics(archive: Archive) -> None:
    run = archive.start_run(["zz-erqi", "ha-hongze"])
    archive.record_capture(URL, fetched_at=T0, fault="blocked", reason="412 with a script challenge", run_id=run)
    stats = {"nianbao/version/new": 3, "finish_time": datetime(2024, 3, 1, 9, tzinfo=UTC)}
    archive.finish_run(run, stats)
    with Session(archive.engine) as session:
        row = session.get(CrawlRunRow, run)
    assert row.portals == ["zz-erqi", "ha-hongze"] and row.finished_at is not None
    assert row.stats == {"nianbao/version/new": 3, "finish_time": "2024-03-01T09:00:00+00:00"}


def test_what_a_server_sends_never_fails_the_row_it_is_clipped_with_a_mark(archive: Archive) -> None:
    from storage.models import TRUNCATED

    sha256 = archive.store_bytes(b"<html>report</html>")
    content_type = "text/html; charset=utf-8; x-note=" + "a" * 5000
    capture_id = archive.record_capture(
        URL, fetched_at=T0, status=200, headers=[("Content-Type", content_type)], sha256=sha256, fault="x" * 300
    )
    with Session(archive.engine) as session:
        capture = session.get(CaptureRow, capture_id)
        document = session.get(DocumentRow, sha256)
    assert capture.content_type == content_type  # a Text column: kept whole
    assert len(document.media_type) == 200 and document.media_type.endswith(TRUNCATED)
    assert len(capture.fault) == 40 and capture.fault.endswith(TRUNCATED)


def test_an_unfinished_capture_is_no_validator_until_its_outcome_is_stored(archive: Archive) -> None:
    sha256 = archive.store_bytes(b"%PDF-1.7 report")
    hints = {"title": "2023年报告", "published": None, "list_url": "http://list", "region": None}
    archive.record_capture(URL, fetched_at=T0, status=200, headers=HEADERS, sha256=sha256, unfinished=hints)
    assert archive.latest_validators(URL) is None
    assert [(c.url, c.hints) for c in archive.unfinished_captures()] == [(URL, hints)]
    archive.record_capture(URL, fetched_at=T0, sha256=sha256, fault="parse_truncated", finishes=True)
    assert archive.unfinished_captures() == []
    assert archive.latest_validators(URL).etag == '"5f1-abc"'


def test_a_runs_coverage_findings_are_kept_with_both_numbers(archive: Archive) -> None:
    run = archive.start_run(["zz-erqi"])
    list_url = "http://www.zz27q.gov.cn/zwgk/zfxxgknb/"
    row = CoverageFindingRow(crawl_run_id=run, portal_id="zz-erqi", list_url=list_url, stated=19, reached=10)
    archive.record_coverage([row])
    with Session(archive.engine) as session:
        kept = session.scalars(select(CoverageFindingRow)).all()
    assert [(f.crawl_run_id, f.portal_id, f.list_url, f.stated, f.reached) for f in kept] == [
        (run, "zz-erqi", list_url, 19, 10)
    ]
