"""The three pipeline stages on items, with a real archive in a temporary folder."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.misc import build_from_crawler
from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.extensions import ArchiveExtension
from crawler.items import Attachment, Fault, ReportPage
from crawler.pipelines import ParseReportPipeline, StoreCapturePipeline, StoreReportPipeline, carries_report
from crawler.spiders.portal import PortalSpider
from fixtures.world import build_world
from storage.models import CaptureRow
from storage.warc import WarcRef
from tests.crawler.conftest import crawler_with, engine_for, run

pytestmark = pytest.mark.usefixtures("asyncio_reactor")
LIST = "http://127.0.0.1/zwgk/zfxxgk/zfxxgknb/index.html"


@pytest.fixture(scope="module")
def world_pages() -> dict[str, tuple[str, bytes]]:
    """Rendered pages of the fixture world (no server): an HTML report and a noise page."""
    world = build_world(seed=0, scale=1)
    report = next(r for r in world.reports.values() if r.portal_id == "static-chuanshan" and not r.variant)
    noise = next(n for n in world.noise if n.portal_id == "static-chuanshan" and n.kind == "bulletin")

    def render(path: str) -> bytes:
        page = world.lookup("static-chuanshan", path)
        return world.render("static-chuanshan", page, "http://127.0.0.1", {}, {})

    return {"report": (report.title, render(report.page_path)), "noise": (noise.title, render(noise.path))}


@pytest.fixture
def crawler(tmp_archive: dict[str, str], tmp_path: Path) -> Any:
    registry = tmp_path / "portals.yaml"
    registry.write_text(
        "portals:\n- id: static-chuanshan\n  name: 遂宁市船山区人民政府\n"
        "  region: {province: 四川省, city: 遂宁市, district: 船山区}\n"
        "  start_urls: ['http://127.0.0.1/index.html']\n  allowed_domains: [127.0.0.1]\n",
        encoding="utf-8",
    )
    settings = {**tmp_archive, "EXTENSIONS": {ArchiveExtension: 10}, "NIANBAO_PORTALS": str(registry)}
    crawler = engine_for(crawler_with(settings, PortalSpider))
    extension = crawler.get_extension(ArchiveExtension)
    extension.open()
    yield crawler
    extension.close()


def report_page(url: str, body: bytes, title: str, **fields: Any) -> ReportPage:
    return ReportPage(
        portal_id="static-chuanshan",
        url=url,
        referer=LIST,
        status=fields.pop("status", 200),
        headers=[("Content-Type", "text/html; charset=utf-8"), ("ETag", '"e1"')],
        body=body,
        fetched_at=datetime(2025, 4, 1, tzinfo=UTC),
        title=title,
        published_at=None,
        **fields,
    )


def stages(crawler: Any) -> list[Any]:
    return [
        build_from_crawler(cls, crawler) for cls in (StoreCapturePipeline, ParseReportPipeline, StoreReportPipeline)
    ]


def through(crawler: Any, item: Any) -> Any:
    pipelines = stages(crawler)
    pipelines[1].open_spider()
    try:
        for pipeline in pipelines:
            item = run(pipeline.process_item(item))
    finally:
        pipelines[1].close_spider()
    return item


def captures(crawler: Any) -> list[CaptureRow]:
    archive = crawler.get_extension(ArchiveExtension).archive
    with Session(archive.engine) as session:
        return list(session.scalars(select(CaptureRow).order_by(CaptureRow.id)))


def test_a_report_page_is_stored_parsed_and_versioned(crawler: Any, world_pages: dict[str, Any]) -> None:
    title, body = world_pages["report"]
    item = through(crawler, report_page("http://127.0.0.1/gongkai/show/a.html", body, title))
    assert item.sha256 and item.capture_id
    assert item.report is not None and item.report.year is not None
    (capture,) = captures(crawler)
    assert (capture.status, capture.etag, capture.referer, capture.portal_id) == (200, '"e1"', LIST, "static-chuanshan")
    assert crawler.stats.get_value("nianbao/version/new") == 1


def test_the_capture_row_points_at_the_records_written_as_the_answer_came_in(
    crawler: Any, world_pages: dict[str, Any]
) -> None:
    title, body = world_pages["report"]
    ref = WarcRef("nianbao-1.warc.gz", 1234, 567, "<urn:uuid:1>", "response", None, "sha1:AB", "2025-04-01T00:00:00Z")
    through(crawler, report_page("http://127.0.0.1/gongkai/show/a.html", body, title, warc=asdict(ref)))
    (capture,) = captures(crawler)
    row = (capture.warc_file, capture.warc_offset, capture.warc_record_id, capture.warc_record_type)
    assert row == ("nianbao-1.warc.gz", 1234, "<urn:uuid:1>", "response")
    assert (capture.payload_digest, capture.warc_date) == ("sha1:AB", "2025-04-01T00:00:00Z")


def test_the_same_bytes_again_make_no_new_version(crawler: Any, world_pages: dict[str, Any]) -> None:
    title, body = world_pages["report"]
    through(crawler, report_page("http://127.0.0.1/gongkai/show/a.html", body, title))
    through(crawler, report_page("http://127.0.0.1/gongkai/show/b.html", body, title))
    assert crawler.stats.get_value("nianbao/version/new") == 1
    assert crawler.stats.get_value("nianbao/version/seen") == 1


def test_noise_is_counted_not_archived_as_a_report(crawler: Any, world_pages: dict[str, Any]) -> None:
    title, body = world_pages["noise"]
    item = through(crawler, report_page("http://127.0.0.1/gongkai/show/n.html", body, title))
    assert item.report is None and item.parsed.fault == "not_annual_report"
    assert crawler.stats.get_value("nianbao/parse/noise") == 1
    assert crawler.stats.get_value("nianbao/version/new") is None
    assert [(capture.fault, capture.unfinished) for capture in captures(crawler)] == [(None, None)]


def pdf_attachment(url: str, body: bytes) -> Attachment:
    return Attachment(
        portal_id="static-chuanshan",
        url=url,
        referer="http://127.0.0.1/gongkai/show/a.html",
        status=200,
        headers=[("Content-Type", "application/pdf")],
        body=body,
        fetched_at=datetime.now(UTC),
        report_url="http://127.0.0.1/gongkai/show/a.html",
        list_url=LIST,
        name="某局2023年政府信息公开工作年度报告.pdf",
    )


def test_an_unreadable_document_is_a_fault_row(crawler: Any) -> None:
    attachment = pdf_attachment("http://127.0.0.1/a.pdf", b"%PDF-1.7\n1 0 obj <<")
    item = through(crawler, attachment)
    assert item.parsed.fault == "truncated"
    fault_rows = [(c.fault, c.status, c.sha256 == item.sha256) for c in captures(crawler) if c.fault]
    assert fault_rows == [("parse_truncated", None, True)]
    assert [c.unfinished for c in captures(crawler)] == [None, None]  # a ParseError is the bytes' last word


def archive_of(crawler: Any) -> Any:
    return crawler.get_extension(ArchiveExtension).archive


def test_a_capture_whose_report_was_never_stored_is_no_validator(crawler: Any, world_pages: dict[str, Any]) -> None:
    title, body = world_pages["report"]
    item = report_page("http://127.0.0.1/gongkai/show/a.html", body, title)
    run(stages(crawler)[0].process_item(item))  # the crawl dies here, before the report is stored
    (capture,) = captures(crawler)
    assert capture.unfinished == {"list_url": LIST}
    assert capture.hints == {
        "region": {"province": "四川省", "city": "遂宁市", "district": "船山区"},
        "title": title,
        "published": None,
    }
    assert archive_of(crawler).latest_validators(item.url) is None
    through(crawler, report_page(item.url, body, title))
    assert [c.unfinished for c in captures(crawler)] == [None, None]
    assert archive_of(crawler).latest_validators(item.url).etag == '"e1"'


def test_an_unexpected_error_of_a_reader_is_a_fault_and_parsed_again(
    crawler: Any, world_pages: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_reader(data: bytes) -> Any:
        raise TypeError("'NoneType' object is not subscriptable")

    monkeypatch.setattr("parsers.worker.WorkerPool.parse", lambda pool, data, hints: broken_reader(data))
    title, body = world_pages["report"]
    item = through(crawler, report_page("http://127.0.0.1/gongkai/show/a.html", body, title))
    capture, fault = captures(crawler)
    assert (fault.fault, fault.sha256) == ("parse_unexpected", item.sha256)
    assert fault.fault_reason.startswith("TypeError: 'NoneType' object is not subscriptable (test_pipelines.py:")
    assert crawler.stats.get_value("nianbao/parse/error") == 1
    assert capture.unfinished is not None and archive_of(crawler).latest_validators(item.url) is None


def test_an_absurd_content_type_is_kept_as_far_as_it_fits(crawler: Any, world_pages: dict[str, Any]) -> None:
    from storage.models import TRUNCATED, DocumentRow

    title, body = world_pages["report"]
    item = report_page("http://127.0.0.1/gongkai/show/a.html", body, title)
    item.headers = [("Content-Type", "text/html; " + "x" * 5000)]
    through(crawler, item)
    with Session(archive_of(crawler).engine) as session:
        (document,) = session.scalars(select(DocumentRow))
    assert len(document.media_type) == 200 and document.media_type.endswith(TRUNCATED)
    assert captures(crawler)[0].content_type == "text/html; " + "x" * 5000  # a Text column keeps it whole
    assert crawler.stats.get_value("nianbao/version/new") == 1


def test_a_not_modified_page_is_recorded_as_a_304_and_is_not_parsed(crawler: Any, world_pages: dict[str, Any]) -> None:
    title, body = world_pages["report"]
    first = through(crawler, report_page("http://127.0.0.1/gongkai/show/a.html", body, title))
    validated = {"sha256": first.sha256, "warc": None}
    again = through(crawler, report_page(first.url, body, title, status=304, not_modified=True, validated=validated))
    assert again.report is None and again.sha256 == first.sha256
    extension = crawler.get_extension(ArchiveExtension)
    engine = extension.archive.engine
    extension.close()  # the crawl ends: the rows of 304s still waiting for their batch are committed
    with Session(engine) as session:
        last = session.scalars(select(CaptureRow).order_by(CaptureRow.id.desc())).first()
    assert (last.status, last.sha256) == (304, first.sha256)


def test_a_fault_item_is_a_fault_row(crawler: Any) -> None:
    fault = Fault(
        portal_id="static-chuanshan", url="http://127.0.0.1/x.html", referer=LIST, reason="blocked_412", status=412
    )
    run(build_from_crawler(StoreCapturePipeline, crawler).process_item(fault))
    (capture,) = captures(crawler)
    assert (capture.fault, capture.status, capture.sha256) == ("blocked_412", 412, None)


def test_only_the_document_that_carries_the_report_is_parsed(world_pages: dict[str, Any]) -> None:
    title, body = world_pages["report"]
    assert carries_report(report_page("http://x/a.html", body, title))
    assert not carries_report(report_page("http://x/a.html", body, title, attachment_urls=["http://x/a.pdf"]))


def test_parsing_can_be_switched_off() -> None:
    with pytest.raises(NotConfigured):
        build_from_crawler(ParseReportPipeline, crawler_with({"NIANBAO_PARSE": False}))


def test_a_hostile_attachment_is_a_fault_and_the_crawl_goes_on(
    crawler: Any, world_pages: dict[str, Any], tmp_path: Path
) -> None:
    from fixtures.hostile import build

    (bomb,) = build(tmp_path, ["pdf-pages.pdf"])  # 20,000 pages
    attachment = pdf_attachment("http://127.0.0.1/bomb.pdf", bomb.read_bytes())
    title, body = world_pages["report"]
    pipelines = stages(crawler)
    pipelines[1].open_spider()
    try:
        for item in (attachment, report_page("http://127.0.0.1/gongkai/show/a.html", body, title)):
            for pipeline in pipelines:
                item = run(pipeline.process_item(item))
    finally:
        pipelines[1].close_spider()
    assert [c.fault for c in captures(crawler) if c.fault] == ["parse_too_large"]
    assert crawler.stats.get_value("nianbao/version/new") == 1


def test_a_document_over_the_parse_time_is_a_timeout_fault(tmp_archive: dict[str, str]) -> None:
    scanned = Path(__file__).parents[2] / "fixtures" / "documents" / "pdf" / "report-2021-scanned.pdf"  # OCR
    settings = {**tmp_archive, "NIANBAO_PARSE_TIMEOUT": 0.5, "NIANBAO_PARSE_WORKERS": 1}
    pipeline = build_from_crawler(ParseReportPipeline, engine_for(crawler_with(settings, PortalSpider)))
    attachment = Attachment(
        portal_id="static-chuanshan",
        url="http://127.0.0.1/scan.pdf",
        referer=None,
        status=200,
        headers=[],
        body=scanned.read_bytes(),
        fetched_at=datetime.now(UTC),
        report_url="http://127.0.0.1/gongkai/show/a.html",
        list_url=LIST,
        name="scan.pdf",
    )
    pipeline.open_spider()
    try:
        item = run(pipeline.process_item(attachment))
    finally:
        pipeline.close_spider()
    assert (item.parsed.kind, item.parsed.fault) == ("fault", "timeout")
