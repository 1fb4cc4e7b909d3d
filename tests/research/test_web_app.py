"""The web view's routes without a browser: status codes and what each page holds."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest

from nianbao.web.app import Request
from nianbao.web.server import create_app
from tests.research.archive import SEARCH_WORD, FilledArchive


@pytest.fixture(scope="module")
def app(archive: FilledArchive):
    engine = archive.engine()
    yield create_app(engine, archive.raw_dir)
    engine.dispose()


def get(app, path: str, query: str = ""):
    response = app.respond(Request(path, parse_qs(query)))
    body = response.body if isinstance(response.body, bytes) else response.body.encode("utf-8")
    return response.status, body.decode("utf-8", errors="replace"), response


@pytest.mark.parametrize(
    ("path", "query", "status", "text"),
    [
        ("/", "", 200, "12 reports"),
        ("/", "failed=R1", 200, "1 reports"),
        ("/", "year=20x3", 400, "not a year"),
        ("/", "agency=二七区税务局", 400, "closest: 郑州市二七区"),
        ("/report/999999", "", 404, "no version 999999"),
        ("/nowhere", "", 404, "no page at /nowhere"),
        ("/diff", "agency=二七区统计局&year=2023", 200, "carried over"),
        ("/diff", "agency=二七区税务局&year=2023", 400, "closest"),
        ("/diff", "agency=二七区统计局&year=2030", 400, "archived years"),
        ("/search", f"q={SEARCH_WORD}", 200, f"<mark>{SEARCH_WORD}</mark>"),
        ("/search", "", 200, "Search"),
        ("/raw/" + "0" * 64, "", 404, "no raw document"),
    ],
)
def test_routes(app, path: str, query: str, status: int, text: str) -> None:
    got_status, body, _ = get(app, path, query)
    assert got_status == status and text in body


def test_page_text_is_escaped(app) -> None:
    _, body, _ = get(app, "/", "region=<script>")
    assert "<script>" not in body and "&lt;script&gt;" in body


def test_raw_document_is_served_as_a_download(app, archive: FilledArchive) -> None:
    _, page, _ = get(app, "/report/1")
    sha256 = page.split('href="/raw/')[1].split('"')[0]
    status, body, response = get(app, f"/raw/{sha256}")
    assert status == 200 and "政府信息公开工作年度报告" in body
    assert response.content_type == "text/plain" and ("X-Content-Type-Options", "nosniff") in response.headers
