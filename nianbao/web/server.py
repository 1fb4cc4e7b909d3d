"""The web view's routes over an archive, and a threaded server to run them.

Example::

    server = make_server(engine, raw_dir, port=0)   # port 0: any free port
    threading.Thread(target=server.serve_forever, daemon=True).start()
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer
from wsgiref.simple_server import make_server as wsgiref_server

from sqlalchemy import Engine

from nianbao.web import pages
from nianbao.web.app import App, NotFound, Request, Response
from research.alerts import alerts
from research.alerts_render import as_atom
from research.compare import diff_versions, diff_years
from research.filters import BadFilter, parse_filters, parse_year
from research.metrics import body_rows
from research.queries import (
    NotArchived,
    archived_years,
    count_versions,
    document_media_type,
    documents_of,
    find_versions_or_suggest,
    load_record,
    resolve,
    version_info,
    versions_of,
)
from research.search import BadQuery, count_hits, search_versions

LIST_LIMIT = 500
SEARCH_LIMIT = 50
_SHA256 = re.compile(r"[0-9a-f]{64}")


def create_app(
    engine: Engine, raw_dir: Path | None = None, *, list_limit: int = LIST_LIMIT, search_limit: int = SEARCH_LIMIT
) -> App:
    """The routes; a list or search longer than its limit shows the first rows and says how many there are."""
    app = App(pages.error_page)

    @app.route("/")
    def reports(request: Request) -> Response:
        form = {name: request.get(name) for name in ("agency", "region", "year", "format", "failed")}
        try:
            filters = parse_filters(
                agency=form["agency"],
                region=form["region"],
                years=[form["year"]] if form["year"] else [],
                format_versions=[form["format"]] if form["format"] else [],
                failed=[form["failed"]] if form["failed"] else [],
            )
            with engine.connect() as connection:
                rows = find_versions_or_suggest(connection, filters, limit=list_limit)
                total = len(rows) if len(rows) < list_limit else count_versions(connection, filters)
        except BadFilter as bad:
            return Response(pages.list_page([], 0, form, error=str(bad)), status=400)
        return Response(pages.list_page(rows, total, form))

    # Ids are ASCII digits that fit the database's 64-bit integer; anything else is no page.
    @app.route(r"/report/(?P<version_id>[0-9]{1,18})")
    def report(request: Request, version_id: str) -> Response:
        with engine.connect() as connection:
            try:
                row = version_info(connection, int(version_id))
            except NotArchived as missing:
                raise NotFound(str(missing)) from missing
            record = load_record(connection, row.version_id)
            versions = versions_of(connection, row.agency, row.year)
            documents = documents_of(connection, row.version_id)
            years = archived_years(connection, row.agency)
        return Response(pages.report_page(row, record, versions, documents, years))

    @app.route("/agency")
    def agency(request: Request) -> Response:
        if not request.get("name"):
            raise BadFilter("which body? give its name, e.g. /agency?name=郑州市二七区统计局")
        with engine.connect() as connection:
            name = resolve(connection, request.get("name"))
            rows = body_rows(connection, name)
            records = {row.year: load_record(connection, row.version_id) for row in rows}
        return Response(pages.agency_page(name, rows, records))

    @app.route("/diff")
    def diff(request: Request) -> Response:
        agency, year = request.get("agency"), parse_year(request.get("year"))
        numbers = [int(number) for number in request.get_all("version") if number.isascii() and number.isdigit()]
        with engine.connect() as connection:
            if numbers:
                result = diff_versions(connection, agency, year, min(numbers), max(numbers))
            else:
                against = request.get("against")
                result = diff_years(connection, agency, year, parse_year(against) if against else None)
        return Response(pages.diff_page(result))

    @app.route("/search")
    def search(request: Request) -> Response:
        query = request.get("q")
        if not query:
            return Response(pages.search_page("", [], 0))
        try:
            with engine.connect() as connection:
                hits = search_versions(connection, query, limit=search_limit)
                total = len(hits) if len(hits) < search_limit else count_hits(connection, query)
        except BadQuery as bad:
            return Response(pages.search_page(query, [], 0, error=str(bad)), status=400)
        return Response(pages.search_page(query, hits, total))

    @app.route(r"/alerts(?P<suffix>\.atom)?")
    def watched(request: Request, suffix: str | None) -> Response:
        now = datetime.now(UTC)
        with engine.connect() as connection:
            found = alerts(connection, now=now)
        if suffix:
            return Response(as_atom(found, now=now, link="/alerts"), content_type="application/atom+xml; charset=utf-8")
        return Response(pages.alerts_page(found))

    @app.route(r"/raw/(?P<sha256>[0-9a-f]+)")
    def raw(request: Request, sha256: str) -> Response:
        with engine.connect() as connection:
            media_type = document_media_type(connection, sha256)
        return _raw_document(raw_dir, sha256, media_type)

    return app


def _raw_document(raw_dir: Path | None, sha256: str, media_type: str | None) -> Response:
    """The archived bytes as they were fetched; served as a download so no archived script runs here."""
    from storage.errors import ArchiveError
    from storage.rawstore import RawStore  # the archive's content-addressed folder

    if raw_dir is None or not _SHA256.fullmatch(sha256):
        raise NotFound(f"no raw document {sha256} in the archive folder")
    try:
        body = RawStore(raw_dir).read(sha256)
    except ArchiveError:
        raise NotFound(f"no raw document {sha256} in the archive folder") from None
    headers = [
        ("Content-Disposition", f'attachment; filename="{sha256}"'),
        ("Content-Security-Policy", "default-src 'none'; sandbox"),
    ]
    return Response(body, content_type=media_type or "application/octet-stream", headers=headers)


class ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    # The Server header of the errors the handler answers itself (a bad request line); pages set their own.
    server_version, sys_version = "nianbao", ""

    def log_message(self, format: str, *args: object) -> None:
        """Requests are not logged to stderr: the CLI prints the address, tests stay quiet."""


def make_server(engine: Engine, raw_dir: Path | None, host: str = "127.0.0.1", port: int = 0) -> WSGIServer:
    return wsgiref_server(
        host, port, create_app(engine, raw_dir), server_class=ThreadingServer, handler_class=QuietHandler
    )
