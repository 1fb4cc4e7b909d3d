"""A tiny HTTP client for the world's tests: no redirects followed, no error raised on 4xx/5xx."""

from __future__ import annotations

import http.client
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name)


def fetch(url: str, *, method: str = "GET", headers: dict[str, str] | None = None, form: dict | None = None) -> Answer:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=15)
    body = urlencode(form).encode() if form is not None else None
    request_headers = dict(headers or {})
    if form is not None:
        request_headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        connection.request(method, parts.path + (f"?{parts.query}" if parts.query else ""), body, request_headers)
        response = connection.getresponse()
        return Answer(response.status, response.headers, response.read())
    finally:
        connection.close()
