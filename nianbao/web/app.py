"""A small read-only WSGI application over the archive: routes, requests, responses.

Standard library only (wsgiref): the web view has four pages and no forms that write,
so a framework would add more than it saves. Pages are in :mod:`nianbao.web.pages`.

Every answer carries :data:`SECURITY_HEADERS`: the pages hold no script and load nothing
from elsewhere, so the policy allows only their inline style and their own forms. So does
the 500 of a bug, logged with its traceback: left to wsgiref it went out bare, its Server
header naming the Python version. A
request is refused (400) before any route sees it when it has more than
:data:`MAX_FIELDS` query fields, a value longer than :data:`MAX_VALUE_CHARS`, or a control
character: no filter, name or search word of an archive needs one.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from urllib.parse import parse_qs

MAX_FIELDS = 40
MAX_VALUE_CHARS = 500
SECURITY_HEADERS = (
    (
        "Content-Security-Policy",
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    ),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
    ("Server", "nianbao"),  # wsgiref's default names the Python version
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # tabs and line breaks are whitespace

logger = logging.getLogger(__name__)
Environ = dict[str, object]
StartResponse = Callable[..., object]


@dataclass(frozen=True, slots=True)
class Request:
    path: str
    query: dict[str, list[str]]

    def get(self, name: str, default: str = "") -> str:
        values = self.query.get(name)
        return values[0].strip() if values else default

    def get_all(self, name: str) -> list[str]:
        return [value.strip() for value in self.query.get(name, []) if value.strip()]

    def malformed(self) -> str | None:
        """Why no page can answer this request, or None."""
        values = [value for values in self.query.values() for value in values]
        if len(values) > MAX_FIELDS:
            return f"too many query fields: {len(values)} (at most {MAX_FIELDS})"
        for value in [self.path, *self.query, *values]:
            if _CONTROL.search(value):
                return "a control character in the request, which no page takes"
            if len(value) > MAX_VALUE_CHARS:
                return f"a query value too long: {len(value)} characters (at most {MAX_VALUE_CHARS})"
        return None


@dataclass(slots=True)
class Response:
    body: bytes | str
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)

    def encoded(self) -> bytes:
        return self.body.encode("utf-8") if isinstance(self.body, str) else self.body


class NotFound(LookupError):
    """The page asked for does not exist; the message says what was missing."""


Handler = Callable[..., Response]


class App:
    """Routes are regular expressions over the path; named groups become handler arguments."""

    def __init__(self, error_page: Callable[[int, str], str]) -> None:
        self._routes: list[tuple[re.Pattern[str], Handler]] = []
        self._error_page = error_page

    def route(self, pattern: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self._routes.append((re.compile(pattern + r"\Z"), handler))
            return handler

        return register

    def respond(self, request: Request) -> Response:
        malformed = request.malformed()
        if malformed:
            return self._error(HTTPStatus.BAD_REQUEST, malformed)
        for pattern, handler in self._routes:
            match = pattern.match(request.path)
            if match:
                try:
                    return handler(request, **match.groupdict())
                except NotFound as missing:
                    return self._error(HTTPStatus.NOT_FOUND, str(missing))
                except ValueError as bad:  # a filter or query the library rejected
                    return self._error(HTTPStatus.BAD_REQUEST, str(bad))
        return self._error(HTTPStatus.NOT_FOUND, f"no page at {request.path}")

    def _error(self, status: HTTPStatus, message: str) -> Response:
        return Response(self._error_page(status.value, message), status=status.value)

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO", "/")).encode("latin-1").decode("utf-8", errors="replace")
        # The server caps the request line (64 KiB), so parsing it whole is cheap; Request.malformed counts.
        query = parse_qs(str(environ.get("QUERY_STRING", "")))
        try:
            response = self.respond(Request(path or "/", query))
        except Exception:  # a bug in a page: told in the log, answered as every page is
            logger.exception("%s?%s", path, environ.get("QUERY_STRING", ""))
            response = self._error(HTTPStatus.INTERNAL_SERVER_ERROR, "the page failed (a bug, logged by the server)")
        body = response.encoded()
        own = {name.lower() for name, _ in response.headers}
        security = [(name, value) for name, value in SECURITY_HEADERS if name.lower() not in own]
        headers = [("Content-Type", response.content_type), ("Content-Length", str(len(body)))]
        headers += [*security, *response.headers]
        start_response(f"{response.status} {HTTPStatus(response.status).phrase}", headers)
        return [body]
