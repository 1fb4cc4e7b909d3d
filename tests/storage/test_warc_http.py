"""The HTTP block of WARC records: what Scrapy-to-WARC plugins get wrong, got right."""

from __future__ import annotations

import base64
import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storage.warc_http import (
    HttpRequest,
    HttpResponse,
    dechunk,
    normalise,
    payload_digest,
    request_headers,
    request_target,
    status_line,
)


def chunked(body: bytes, size: int = 7) -> bytes:
    parts = [body[i : i + size] for i in range(0, len(body), size)]
    return b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in parts) + b"0\r\n\r\n"


def test_the_request_line_keeps_the_query_string_and_drops_the_fragment() -> None:
    url = "http://www.example.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=1&endrecord=45&perpage=15#top"
    assert request_target(url) == "/module/web/jpage/dataproxy.jsp?startrecord=1&endrecord=45&perpage=15"
    assert request_target("http://example.gov.cn") == "/"


def test_host_is_added_only_when_the_crawler_left_it_implicit() -> None:
    assert request_headers(HttpRequest("http://a.gov.cn:8080/x", headers=[("Accept", "*/*")]))[0] == (
        "Host",
        "a.gov.cn:8080",
    )
    assert request_headers(HttpRequest("http://a.gov.cn/", headers=[("host", "b")])) == [("host", "b")]


def test_the_status_line_is_the_real_one() -> None:
    assert status_line(HttpResponse(412)) == "412 Precondition Failed"
    assert status_line(HttpResponse(200, reason="Okay")) == "200 Okay"
    assert status_line(HttpResponse(599)) == "599"


def test_repeated_headers_all_stay_in_order() -> None:
    headers = [("Set-Cookie", "a=1"), ("Server", "TRS"), ("Set-Cookie", "b=2"), ("Content-Length", "2")]
    normal = normalise(HttpResponse(200, headers, b"ok"))
    assert normal.headers == headers and normal.notes == []


def test_transfer_encoding_is_removed_and_the_length_is_the_body_recorded() -> None:
    body = "二七区统计局".encode() * 10
    headers = [("Transfer-Encoding", "chunked"), ("Content-Type", "text/html; charset=utf-8")]
    normal = normalise(HttpResponse(200, headers, body))
    assert normal.headers == [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))]
    assert normal.notes == ["removed Transfer-Encoding: chunked"]


def test_a_wrong_content_length_is_replaced_in_place() -> None:
    normal = normalise(HttpResponse(200, [("Content-Length", "99"), ("Server", "x")], b"abc"))
    assert normal.headers == [("Content-Length", "3"), ("Server", "x")]
    assert normal.notes == ["replaced Content-Length: 99"]


def test_a_body_still_in_chunks_is_dechunked_before_the_digest() -> None:
    body = b"<html>" + "年度报告".encode() * 50 + b"</html>"
    normal = normalise(HttpResponse(200, [("Transfer-Encoding", "chunked")], chunked(body), body_is_chunked=True))
    assert normal.body == body
    assert payload_digest(normal.body) == "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode()


def test_a_304_gets_no_content_length_of_ours() -> None:
    normal = normalise(HttpResponse(304, [("ETag", '"abc"')]))
    assert normal.headers == [("ETag", '"abc"')] and normal.status_line == "304 Not Modified"


@given(st.binary(max_size=300), st.integers(min_value=1, max_value=40))
def test_dechunk_inverts_chunking(body: bytes, size: int) -> None:
    assert dechunk(chunked(body, size)) == body


@pytest.mark.parametrize("broken", [b"", b"5\r\nab", b"zz\r\n", b"3\r\nabcXY0\r\n\r\n"])
def test_broken_chunking_is_an_error(broken: bytes) -> None:
    with pytest.raises(ValueError):
        dechunk(broken)
