"""The WARC middleware on Scrapy requests and answers, with a real archive in a temporary folder."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.utils.misc import build_from_crawler
from warcio.archiveiterator import ArchiveIterator

from crawler.extensions import ArchiveExtension
from crawler.items import WARC_REF, capture_fields
from crawler.warcrecords import WARC_HEADERS, WarcRecordMiddleware
from storage.warc import PriorRecord
from tests.crawler.conftest import crawler_with, engine_for, page, run

pytestmark = pytest.mark.usefixtures("asyncio_reactor")
URL = "http://127.0.0.1/zwgk/show/a.html"
BODY = "<html><title>郑州市二七区统计局2023年政府信息公开工作年度报告</title></html>"


@pytest.fixture
def archived(tmp_archive: dict[str, str]) -> Any:
    crawler = engine_for(crawler_with({**tmp_archive, "EXTENSIONS": {ArchiveExtension: 10}}))
    extension = crawler.get_extension(ArchiveExtension)
    extension.open()
    yield crawler
    extension.close()


def answer(crawler: Any, response: Any) -> Any:
    """The response after the middleware, as the middlewares above it receive it."""
    middleware = build_from_crawler(WarcRecordMiddleware, crawler)
    middleware.process_request(response.request)
    return run(middleware.process_response(response.request, response))


def written(crawler: Any) -> list[tuple[str, str, Any, bytes]]:
    """(type, target URI, record, payload) of every record in the crawl's open WARC file."""
    (path,) = Path(crawler.get_extension(ArchiveExtension).archive.warc_dir).glob("*.warc.gz.open")
    with path.open("rb") as stream:
        return [
            (r.rec_type, r.rec_headers.get_header("WARC-Target-URI"), r, r.content_stream().read())
            for r in ArchiveIterator(stream)
            if r.rec_type != "warcinfo"
        ]


def test_a_redirect_is_written_with_its_location_before_it_is_followed(archived: Any) -> None:
    redirect = page(URL, b"", status=302, headers={"Location": "http://127.0.0.1/files/a.pdf"})
    assert answer(archived, redirect) is redirect
    (response, _, record, _), (request, uri, sent, _) = written(archived)
    assert (response, record.http_headers.get_statuscode()) == ("response", "302")
    assert record.http_headers.get_header("Location") == "http://127.0.0.1/files/a.pdf"
    assert (request, uri) == ("request", URL)
    assert sent.rec_headers.get_header("WARC-Concurrent-To") == record.rec_headers.get_header("WARC-Record-ID")
    assert redirect.meta[WARC_REF]["record_id"] == record.rec_headers.get_header("WARC-Record-ID")


@pytest.mark.parametrize("status", [404, 500, 412])
def test_an_error_or_a_block_page_is_written_as_it_came(archived: Any, status: int) -> None:
    answer(archived, page(URL, "<html>出错了</html>", status=status))
    ((kind, uri, record, payload), _) = written(archived)
    assert (kind, uri, record.http_headers.get_statuscode(), payload) == (
        "response",
        URL,
        str(status),
        "<html>出错了</html>".encode(),
    )


def test_the_capture_of_the_answer_carries_where_it_was_written(archived: Any) -> None:
    response = answer(archived, page(URL, BODY))
    ((_, _, record, _), _) = written(archived)
    fields = capture_fields(response, "erqi", None)
    assert fields["warc"]["record_id"] == record.rec_headers.get_header("WARC-Record-ID")
    assert fields["warc"]["record_type"] == "response"


def test_the_same_payload_at_another_url_is_an_identical_payload_revisit(archived: Any) -> None:
    answer(archived, page(URL, BODY))
    answer(archived, page(URL.replace("a.html", "b.html"), BODY))
    kinds = [(kind, record.rec_headers.get_header("WARC-Profile")) for kind, _, record, _ in written(archived)]
    assert kinds[2] == ("revisit", "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest")


def test_a_304_is_a_revisit_of_the_record_it_confirms(archived: Any) -> None:
    prior = PriorRecord(URL, "2025-04-01T00:00:00Z", "<urn:uuid:1>", "sha1:AB")
    validated = {"sha256": "ab" * 32, "warc": asdict(prior)}
    answer(archived, page(URL, b"", status=304, meta={"nianbao_validated": validated}))
    ((kind, _, record, payload), _) = written(archived)
    assert (kind, record.rec_headers.get_header("WARC-Refers-To"), payload) == ("revisit", "<urn:uuid:1>", b"")
    assert record.rec_headers.get_header("WARC-Profile").endswith("/server-not-modified")


def test_a_browser_request_carries_its_page_and_resource_type_on_both_records(archived: Any) -> None:
    extra = {"WARC-Page-ID": "p-1", "WARC-Resource-Type": "xhr"}
    answer(archived, page(URL, BODY, meta={WARC_HEADERS: extra}))
    for _, _, record, _ in written(archived):
        assert record.rec_headers.get_header("WARC-Page-ID") == "p-1"
        assert record.rec_headers.get_header("WARC-Resource-Type") == "xhr"


def test_a_rendered_page_is_not_an_http_answer_and_is_not_written(archived: Any) -> None:
    answer(archived, page(URL, BODY))  # opens the file
    rendered = answer(archived, page(URL, BODY, meta={"playwright": True}))
    assert WARC_REF not in rendered.meta and len(written(archived)) == 2


def test_a_followed_redirect_starts_without_the_record_of_the_redirect(archived: Any) -> None:
    middleware = build_from_crawler(WarcRecordMiddleware, archived)
    followed = Request("http://127.0.0.1/files/a.pdf", meta={WARC_REF: {"record_id": "<urn:uuid:302>"}})
    middleware.process_request(followed)
    assert WARC_REF not in followed.meta


def test_no_middleware_without_warc_files(tmp_archive: dict[str, str]) -> None:
    crawler = crawler_with({**tmp_archive, "EXTENSIONS": {ArchiveExtension: 10}, "NIANBAO_WARC": False})
    with pytest.raises(NotConfigured):
        build_from_crawler(WarcRecordMiddleware, crawler)
