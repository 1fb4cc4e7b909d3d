"""A WARC written by a test crawl reads back with warcio, record for record (ids and dates pinned)."""

from __future__ import annotations

import gzip
import os
from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from storage.warc import PriorRecord, WarcWriter
from storage.warc_http import HttpRequest, HttpResponse, payload_digest

T0 = datetime(2024, 3, 1, 8, 0, 0, 123456, tzinfo=UTC)
LIST = "http://www.zz27q.gov.cn/zwgk/zfxxgknb/index_2.html?page=2&size=15"
REPORT = "http://www.zz27q.gov.cn/zwgk/zfxxgknb/202401/t20240120_1.html"
MIRROR = "http://www.zz27q.gov.cn/xxgk/nb/t20240120_1.html"
BODY = ("<html><body>郑州市二七区统计局2023年政府信息公开工作年度报告" + "。" * 300 + "</body></html>").encode()


def pinned_writer(folder: Path, **options) -> WarcWriter:
    ids, ticks = count(1), count(0)
    return WarcWriter(
        folder,
        clock=lambda: T0 + timedelta(seconds=next(ticks)),
        make_id=lambda: f"<urn:uuid:00000000-0000-0000-0000-{next(ids):012d}>",
        info={"operator": "nianbao tests", "isPartOf": "test-crawl"},
        **options,
    )


def uuid(number: int) -> str:
    return f"<urn:uuid:00000000-0000-0000-0000-{number:012d}>"


def chunked(body: bytes) -> bytes:
    return b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)


def request(url: str, referer: str | None = None) -> HttpRequest:
    headers = [("User-Agent", "nianbao/0.1 (+https://example.org/contact)")]
    return HttpRequest(url, headers=headers + ([("Referer", referer)] if referer else []))


def records(path: Path) -> list:
    out = []
    with path.open("rb") as stream:
        for record in ArchiveIterator(stream, check_digests=True):
            payload = record.raw_stream.read()
            assert record.digest_checker.passed is not False, record.digest_checker.problems
            out.append((record, payload))
    return out


@pytest.fixture
def crawl(tmp_path: Path):
    """Three exchanges: a chunked 200, the same body at another URL, and a 304."""
    with pinned_writer(tmp_path) as warc:
        headers = [
            ("Server", "TRS WCM"),
            ("Set-Cookie", "JSESSIONID=abc; Path=/"),
            ("Transfer-Encoding", "chunked"),
            ("Set-Cookie", "route=7; Path=/"),
            ("Content-Type", "text/html; charset=utf-8"),
        ]
        first = warc.write_exchange(
            request(REPORT, referer=LIST),
            HttpResponse(200, headers, chunked(BODY), body_is_chunked=True),
            ip="127.0.0.1",
        )
        mirror = warc.write_exchange(request(MIRROR), HttpResponse(200, [("Content-Length", str(len(BODY)))], BODY))
        not_modified = warc.write_exchange(
            request(REPORT), HttpResponse(304, [("ETag", '"5f1-abc"')]), prior=warc_prior(first)
        )
    return tmp_path / first.filename, (first, mirror, not_modified)


def warc_prior(ref):
    return PriorRecord(REPORT, ref.date, ref.record_id, ref.payload_digest)


def test_records_in_order_with_pinned_ids_and_dates(crawl) -> None:
    path, _ = crawl
    kinds = [
        (r.rec_type, r.rec_headers["WARC-Record-ID"], r.rec_headers["WARC-Date"], r.rec_headers["WARC-Target-URI"])
        for r, _ in records(path)
    ]
    assert kinds == [
        ("warcinfo", uuid(1), "2024-03-01T08:00:00.123456Z", None),
        ("response", uuid(2), "2024-03-01T08:00:01.123456Z", REPORT),
        ("request", uuid(3), "2024-03-01T08:00:01.123456Z", REPORT),
        ("metadata", uuid(4), "2024-03-01T08:00:01.123456Z", REPORT),
        ("revisit", uuid(5), "2024-03-01T08:00:02.123456Z", MIRROR),
        ("request", uuid(6), "2024-03-01T08:00:02.123456Z", MIRROR),
        ("revisit", uuid(7), "2024-03-01T08:00:03.123456Z", REPORT),
        ("request", uuid(8), "2024-03-01T08:00:03.123456Z", REPORT),
    ]
    assert all(r.rec_headers.protocol == "WARC/1.1" for r, _ in records(path))
    assert path.name.endswith(".warc.gz") and not list(path.parent.glob("*.open"))


def test_the_response_is_the_real_status_every_header_and_the_dechunked_body(crawl) -> None:
    path, (first, _, _) = crawl
    response, payload = records(path)[1]
    http = response.http_headers
    assert (http.protocol, http.statusline) == ("HTTP/1.1", "200 OK")
    assert http.headers == [
        ("Server", "TRS WCM"),
        ("Set-Cookie", "JSESSIONID=abc; Path=/"),
        ("Set-Cookie", "route=7; Path=/"),
        ("Content-Type", "text/html; charset=utf-8"),
        ("Content-Length", str(len(BODY))),
    ]
    assert payload == BODY
    assert response.rec_headers["WARC-Payload-Digest"] == payload_digest(BODY) == first.payload_digest
    assert response.rec_headers["WARC-IP-Address"] == "127.0.0.1"


def test_the_request_has_its_full_line_and_points_at_its_response(crawl) -> None:
    path, _ = crawl
    request_record, _ = records(path)[2]
    http = request_record.http_headers
    assert (http.protocol, http.statusline) == ("GET", "/zwgk/zfxxgknb/202401/t20240120_1.html HTTP/1.1")
    assert http.headers[0] == ("Host", "www.zz27q.gov.cn")
    assert ("Referer", LIST) in http.headers
    assert request_record.rec_headers["WARC-Concurrent-To"] == uuid(2)


def test_the_metadata_record_says_what_was_normalised(crawl) -> None:
    path, _ = crawl
    metadata, payload = records(path)[3]
    assert metadata.rec_headers["WARC-Refers-To"] == uuid(2)
    assert payload == b"nianbao-normalised: removed Transfer-Encoding: chunked\r\n"


def test_an_identical_payload_is_a_revisit_to_the_first_response(crawl) -> None:
    path, (first, mirror, _) = crawl
    revisit, payload = records(path)[4]
    headers = revisit.rec_headers
    assert headers["WARC-Profile"] == "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
    assert (headers["WARC-Refers-To"], headers["WARC-Refers-To-Target-URI"]) == (uuid(2), REPORT)
    assert headers["WARC-Refers-To-Date"] == first.date
    assert headers["WARC-Payload-Digest"] == first.payload_digest
    assert payload == b"" and revisit.http_headers.statusline == "200 OK"
    assert (mirror.record_type, mirror.profile, mirror.refers_to) == ("revisit", "identical-payload-digest", uuid(2))


def test_a_304_is_a_server_not_modified_revisit(crawl) -> None:
    path, (_, _, not_modified) = crawl
    revisit, _ = records(path)[6]
    headers = revisit.rec_headers
    assert headers["WARC-Profile"] == "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
    assert (headers["WARC-Refers-To"], headers["WARC-Refers-To-Target-URI"]) == (uuid(2), REPORT)
    assert revisit.http_headers.statusline == "304 Not Modified"
    assert ("ETag", '"5f1-abc"') in revisit.http_headers.headers
    assert (not_modified.profile, not_modified.payload_digest) == ("server-not-modified", None)


def test_each_offset_opens_its_own_record(crawl) -> None:
    path, refs = crawl
    for ref in refs:
        with path.open("rb") as stream:
            stream.seek(ref.offset)
            record = next(iter(ArchiveIterator(stream)))
            assert record.rec_headers["WARC-Record-ID"] == ref.record_id
        member = path.read_bytes()[ref.offset : ref.offset + ref.length]
        assert gzip.decompress(member).startswith(b"WARC/1.1\r\n")


def test_a_prior_from_the_database_makes_a_revisit_across_runs(tmp_path: Path) -> None:
    with pinned_writer(tmp_path / "run1") as warc:
        original = warc.write_exchange(request(REPORT), HttpResponse(200, [], BODY))
    with pinned_writer(tmp_path / "run2") as warc:
        again = warc.write_exchange(request(REPORT), HttpResponse(200, [], BODY), prior=warc_prior(original))
        changed = warc.write_exchange(request(MIRROR), HttpResponse(200, [], BODY + b"!"), prior=warc_prior(original))
    assert (again.record_type, again.refers_to) == ("revisit", original.record_id)
    assert (changed.record_type, changed.refers_to) == ("response", None)


def test_files_roll_at_the_size_limit_between_exchanges(tmp_path: Path) -> None:
    with pinned_writer(tmp_path, max_bytes=1) as warc:
        refs = [
            warc.write_exchange(request(f"{REPORT}?n={n}"), HttpResponse(200, [], BODY + bytes([n]))) for n in range(4)
        ]
    names = warc.closed_files
    assert [ref.filename for ref in refs] == names and len(set(names)) == 4
    for name in names:
        kinds = [record.rec_type for record, _ in records(tmp_path / name)]
        assert kinds == ["warcinfo", "response", "request"]


def test_a_browsers_exchange_carries_its_page_and_resource_type_on_both_records(tmp_path: Path) -> None:
    api = "http://www.zz27q.gov.cn/api/list?p=2"
    extra = {"WARC-Page-ID": "5d1e2c4a-0000-4000-8000-000000000001", "WARC-Resource-Type": "xhr"}
    with pinned_writer(tmp_path) as warc:
        warc.write_exchange(
            request(api, LIST), HttpResponse(200, [("Content-Type", "application/json")], b"{}"), extra=extra
        )
    (path,) = tmp_path.glob("*.warc.gz")
    written = [record for record, _ in records(path) if record.rec_type in {"response", "request"}]
    assert [record.rec_type for record in written] == ["response", "request"]
    for record in written:
        assert {name: record.rec_headers.get_header(name) for name in extra} == extra


@pytest.mark.parametrize("cut", [0, 1, 7, 100])
def test_a_file_a_killed_writer_left_open_is_cut_after_its_last_whole_record(tmp_path: Path, cut: int) -> None:
    from storage.warc import recover_open_files

    warc = pinned_writer(tmp_path)
    first = warc.write_exchange(request(REPORT), HttpResponse(200, [("Content-Length", str(len(BODY)))], BODY))
    second = warc.write_exchange(request(MIRROR), HttpResponse(200, [], BODY + b"!"))
    # the process dies here: no close(), the .open file stays (its records are flushed)
    left = tmp_path / (first.filename + ".open")
    dead = left.with_name(left.name.replace(f"-{os.getpid()}-", "-999999999-"))
    left.rename(dead)
    whole = second.offset + second.length  # the end of the second response (its request record follows)
    with dead.open("r+b") as handle:
        handle.truncate(whole - cut)
    assert recover_open_files(tmp_path) == [dead.name.removesuffix(".open")]
    closed = dead.with_name(dead.name.removesuffix(".open"))
    kept = [record.rec_headers.get_header("WARC-Target-URI") for record, _ in records(closed)]
    assert kept == [None, REPORT, REPORT, *([MIRROR] if cut == 0 else [])]  # warcinfo, response, request
    assert closed.stat().st_size == (whole if cut == 0 else second.offset)


def test_a_file_whose_writer_still_runs_is_left_open(tmp_path: Path) -> None:
    from storage.warc import recover_open_files

    warc = pinned_writer(tmp_path)
    ref = warc.write_exchange(request(REPORT), HttpResponse(200, [], BODY))
    running = tmp_path / (ref.filename + ".open")
    other = running.with_name(running.name.replace(f"-{os.getpid()}-", f"-{os.getppid()}-"))
    running.rename(other)
    assert recover_open_files(tmp_path) == []
    assert other.exists()
