"""The HTTP side of a WARC record: request line, status line, headers, payload digest.

What a crawler hands over is not the bytes on the wire: Scrapy (Twisted) has already
removed the chunked transfer coding. A faithful record therefore states what the body
really is: ``Transfer-Encoding`` is removed and ``Content-Length`` is the length of the
body as recorded; everything else stays as received, in order, with every repeated
header (two ``Set-Cookie`` lines stay two). The request line keeps its query string.
The payload digest (sha1, base32, as WARC readers expect) is over the de-chunked body
(iipc/warc-specifications#22).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from urllib.parse import urlsplit

Headers = Sequence[tuple[str, str]]

# No body, so no Content-Length of ours either (RFC 9110 §8.6, §15.3.5, §15.4.5).
_BODILESS_STATUSES = frozenset({204, 304})


@dataclass(frozen=True, slots=True)
class HttpRequest:
    url: str
    method: str = "GET"
    headers: Headers = ()
    body: bytes = b""
    protocol: str = "HTTP/1.1"


@dataclass(frozen=True, slots=True)
class HttpResponse:
    status: int
    headers: Headers = ()
    body: bytes = b""
    reason: str | None = None  # the server's reason phrase; the standard one if None
    protocol: str = "HTTP/1.1"
    body_is_chunked: bool = False  # True when the body still carries its chunk framing


@dataclass(frozen=True, slots=True)
class NormalisedResponse:
    status_line: str
    headers: list[tuple[str, str]]
    body: bytes
    notes: list[str] = field(default_factory=list)  # what was changed, for a metadata record


def header_value(headers: Sequence[tuple[str, str]], name: str) -> str | None:
    """The first value of header ``name`` (any case), or None."""
    wanted = name.lower()
    return next((value for key, value in headers if key.lower() == wanted), None)


def request_target(url: str) -> str:
    """``/path?query`` of ``url``, as a request line carries it (never the fragment)."""
    parts = urlsplit(url)
    path = parts.path or "/"
    return f"{path}?{parts.query}" if parts.query else path


def request_headers(request: HttpRequest) -> list[tuple[str, str]]:
    """The headers as sent, with ``Host`` first if the crawler left it implicit."""
    headers = [(name, value) for name, value in request.headers]
    if not any(name.lower() == "host" for name, _ in headers):
        headers.insert(0, ("Host", urlsplit(request.url).netloc))
    return headers


def status_line(response: HttpResponse) -> str:
    reason = response.reason if response.reason is not None else _standard_reason(response.status)
    return f"{response.status} {reason}".rstrip()


def normalise(response: HttpResponse) -> NormalisedResponse:
    """The response as it should stand in the WARC: de-chunked, lengths that are true."""
    body = dechunk(response.body) if response.body_is_chunked else response.body
    length = str(len(body)) if _has_body(response.status) else None
    headers: list[tuple[str, str]] = []
    notes: list[str] = []
    for name, value in response.headers:
        kept = _normalised_header(name, value, length, placed=any(_is_length(n) for n, _ in headers))
        headers.extend([kept] if kept else [])
        if kept != (name, value):
            notes.append(f"{'replaced' if kept else 'removed'} {name}: {value}")
    if length is not None and not any(_is_length(name) for name, _ in headers):
        headers.append(("Content-Length", length))
    return NormalisedResponse(status_line(response), headers, body, notes)


def _normalised_header(name: str, value: str, length: str | None, *, placed: bool) -> tuple[str, str] | None:
    """The header as recorded, in its place; None to leave it out."""
    if name.lower() == "transfer-encoding":
        return None
    if not _is_length(name) or length is None:
        return (name, value)
    return None if placed else (name, length)


def _is_length(name: str) -> bool:
    return name.lower() == "content-length"


def payload_digest(body: bytes) -> str:
    """``sha1:BASE32`` of the entity body, the form WARC-Payload-Digest takes."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


def dechunk(data: bytes) -> bytes:
    """The body inside HTTP/1.1 chunked framing; ValueError if the framing is broken."""
    out, position = bytearray(), 0
    while True:
        line_end = data.find(b"\r\n", position)
        if line_end < 0:
            raise ValueError("chunked body: a chunk size line has no CRLF")
        size = int(data[position:line_end].split(b";", 1)[0].strip() or b"x", 16)
        start = line_end + 2
        if size == 0:
            return bytes(out)  # trailers, if any, are headers, not payload
        if data[start + size : start + size + 2] != b"\r\n":
            raise ValueError("chunked body: a chunk is shorter than its size")
        out += data[start : start + size]
        position = start + size + 2


def _has_body(status: int) -> bool:
    return status >= 200 and status not in _BODILESS_STATUSES


def _standard_reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""
