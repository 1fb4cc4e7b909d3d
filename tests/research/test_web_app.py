"""The web view's routes without a browser: status codes and what each page holds."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
        ("/", "", 200, "共 12 份报告"),
        ("/", "failed=R1", 200, "共 1 份报告"),
        ("/", "year=20x3", 400, "not a year"),
        ("/", "agency=二七区税务局", 400, "closest: 郑州市二七区"),
        ("/report/999999", "", 404, "no version 999999"),
        ("/nowhere", "", 404, "no page at /nowhere"),
        ("/diff", "agency=二七区统计局&year=2023", 200, "沿用上年文字比例"),
        ("/diff", "agency=二七区税务局&year=2023", 400, "closest"),
        ("/diff", "agency=二七区统计局&year=2030", 400, "archived years"),
        ("/search", f"q={SEARCH_WORD}", 200, f"<mark>{SEARCH_WORD}</mark>"),
        ("/search", "", 200, "全文搜索"),
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
    assert response.content_type == "text/plain"


# --- hostile requests and the headers of every page --------------------------------

SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy")
MANY_TERMS = "+".join("a" * 2000)


def call(app, path: str, query: str = "") -> tuple[int, dict[str, str], str]:
    """The app through its WSGI interface, as the server calls it: status, headers, body."""
    from wsgiref.util import setup_testing_defaults

    environ: dict = {"PATH_INFO": path.encode("utf-8").decode("latin-1"), "QUERY_STRING": query}  # as PEP 3333 has it
    setup_testing_defaults(environ)
    started: dict = {}
    body = b"".join(app(environ, lambda status, headers: started.update(status=status, headers=headers)))
    return int(started["status"].split()[0]), dict(started["headers"]), body.decode("utf-8", errors="replace")


@pytest.mark.parametrize(
    ("path", "query", "status", "text"),
    [
        ("/report/" + "9" * 30, "", 404, "no page at"),
        ("/report/١٢", "", 404, "no page at"),  # digits, but not ASCII ones
        ("/search", "q=%E5%B9%B4%00%E6%8A%A5", 400, "control character"),
        ("/search", "q=" + MANY_TERMS, 400, "at most"),
        ("/search", "q=" + "年" * 1000, 400, "at most"),
        ("/", "agency=%00", 400, "control character"),
        ("/", "agency=" + "局" * 2000, 400, "too long"),
        ("/diff", "agency=二七区统计局&year=2023&version=" + "9" * 30 + "&version=1", 400, "no version"),
        ("/diff", "agency=二七区统计局&year=" + "9" * 30, 400, "not a year"),
        ("/", "&".join(f"x{n}=1" for n in range(500)), 400, "too many"),
    ],
)
def test_a_malformed_request_is_a_client_error(app, path: str, query: str, status: int, text: str) -> None:
    got_status, _, body = call(app, path, query)
    assert (got_status, text in body) == (status, True), body[-300:]


@pytest.mark.parametrize(
    ("path", "query"), [("/", ""), ("/", "year=20x3"), ("/nowhere", ""), ("/search", "q=%00"), ("/report/1", "")]
)
def test_every_page_sends_the_security_headers(app, path: str, query: str) -> None:
    _, headers, _ = call(app, path, query)
    assert [name for name in SECURITY_HEADERS if name not in headers] == []
    assert "default-src 'none'" in headers["Content-Security-Policy"] and headers["X-Frame-Options"] == "DENY"
    assert "Python" not in headers.get("Server", "")


PREFIXES = ("/", "/report/", "/agency", "/diff", "/search", "/alerts", "/alerts.atom", "/raw/", "/nowhere/")
FIELDS = ("agency", "region", "year", "format", "failed", "name", "q", "version", "against")
_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)  # what UTF-8 can carry
_NUMBERS = st.integers(min_value=-(10**30), max_value=10**30).map(str)
_WORDS = st.sampled_from(["二七区统计局", "2023", "R1", "2021", "%", "_", "'", "\\", "0", "-1", "\x00", "年 " * 30])
VALUES = st.one_of(_TEXT, _NUMBERS, _WORDS)


@st.composite
def requests(draw: st.DrawFn) -> tuple[str, str]:
    """A path under one of the routes (or none) and a query of the fields pages read, any values."""
    path = draw(st.sampled_from(PREFIXES)) + draw(st.one_of(_TEXT, _NUMBERS, st.just("")))
    fields = draw(st.dictionaries(st.sampled_from(FIELDS), st.lists(VALUES, min_size=1, max_size=3), max_size=4))
    return quote(path, safe="/"), urlencode(fields, doseq=True)


def answers_every_request_with_a_page(app, path: str, query: str) -> None:
    """Any request: 200, 400 or 404 (never a 500 or an exception), with the security headers."""
    from urllib.parse import unquote

    status, headers, body = call(app, unquote(path), query)
    assert status in (200, 400, 404), body[-300:]
    assert [name for name in SECURITY_HEADERS if name not in headers] == [] and headers["Server"] == "nianbao"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(request=requests())
def test_random_requests_are_answered_with_a_page(app, request: tuple[str, str]) -> None:
    answers_every_request_with_a_page(app, *request)


def test_a_page_that_fails_is_a_500_with_the_headers_and_its_traceback_logged(caplog) -> None:
    from nianbao.web import pages
    from nianbao.web.app import App

    app = App(pages.error_page)

    @app.route("/boom")
    def boom(request: Request) -> None:
        raise RuntimeError("a bug in a page")

    status, headers, body = call(app, "/boom", "x=1")
    assert status == 500 and "a bug, logged" in body
    assert [name for name in SECURITY_HEADERS if name not in headers] == [] and headers["Server"] == "nianbao"
    assert "RuntimeError: a bug in a page" in caplog.text


def test_a_raw_document_may_not_run_anything(app) -> None:
    _, page, _ = get(app, "/report/1")
    sha256 = page.split('href="/raw/')[1].split('"')[0]
    _, headers, _ = call(app, f"/raw/{sha256}")
    assert "sandbox" in headers["Content-Security-Policy"] and headers["X-Content-Type-Options"] == "nosniff"


def test_the_alerts_page_and_its_atom_feed_list_the_same_alerts(app) -> None:
    from xml.etree import ElementTree

    from research.alerts_render import ATOM

    status, page, _ = get(app, "/alerts")
    assert status == 200 and "2023 report changed after publication" in page and 'href="/alerts.atom"' in page
    status, feed, response = get(app, "/alerts.atom")
    entries = ElementTree.fromstring(feed).findall(f"{{{ATOM}}}entry")
    assert status == 200 and response.content_type.startswith("application/atom+xml")
    assert len(entries) == page.count('<li class="alert ') > 0


def test_counts_are_true_when_a_list_is_cut(archive: FilledArchive) -> None:
    engine = archive.engine()
    small = create_app(engine, archive.raw_dir, list_limit=5, search_limit=2)
    _, listed, _ = get(small, "/")
    _, found, _ = get(small, "/search", "q=政府信息公开")
    engine.dispose()
    assert '<p id="count">共 12 份报告</p>' in listed and "仅显示前 5 份（共 12 份）" in listed
    assert listed.count('class="report-link"') == 5
    assert '<p id="hit-count">共 12 条结果</p>' in found and "仅显示前 2 条（共 12 条）" in found


@pytest.mark.parametrize(
    ("query", "status", "text"),
    [
        ("name=郑州市二七区统计局", 200, 'id="chart-review"'),
        ("name=金水区统计局", 200, "郑州市金水区统计局"),  # a unique part of the name will do
        ("name=二七区税务局", 400, "closest"),
        ("", 400, "which body?"),
    ],
)
def test_the_agency_page(app, query: str, status: int, text: str) -> None:
    got_status, body, _ = get(app, "/agency", query)
    assert (got_status, text in body) == (status, True), body[-400:]


_NOT_READ = re.compile(r'<style>.*?</style>|<small class="key">.*?</small>|<ul id="documents">.*?</ul>', re.S)
_FORM_WORDS = re.compile(r'(?:placeholder|aria-label)="([^"]*)"')


def english_words(page: str) -> set[str]:
    """Words in Latin letters a reader sees: the text, placeholders and labels, but not the keys'
    secondary lines, the raw documents' media types and addresses, or rule ids (R1)."""
    shown = _NOT_READ.sub(" ", page)
    text = " ".join([re.sub(r"<[^>]*>", " ", shown), *_FORM_WORDS.findall(shown)])
    return set(re.findall(r"[A-Za-z]{2,}", unescape(text))) - {"UTC", "Atom"}  # names, not words


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/", ""),
        ("/", "year=2023&format=2021&failed=R1"),
        ("/search", ""),
        ("/search", "q=政府信息公开"),
        ("/report/1", ""),
        ("/agency", "name=郑州市二七区统计局"),
        ("/diff", "agency=二七区统计局&year=2023"),
        ("/diff", "agency=洛阳市西工区教育局&year=2023"),  # R1 and R3 stop holding
        ("/alerts", ""),
    ],
)
def test_a_reader_sees_chinese_the_keys_only_on_secondary_lines(app, path: str, query: str) -> None:
    _, page, _ = get(app, path, query)
    if path == "/alerts":  # the alerts' summaries are the library's English, as `nianbao alerts` prints them
        page = re.sub(r'<li class="alert .*?</li></ul></li>', " ", page, flags=re.S)
    assert english_words(page) == set()


def test_the_filter_form_speaks_chinese(app) -> None:
    _, page, _ = get(app, "/", "format=2019&failed=R4")
    form = page.split('<form class="filters"')[1].split("</form>")[0]
    assert '<label for="f-agency">机关</label>' in form and ">筛选</button>" in form
    assert '<option value="2019" selected>2019年格式</option>' in form
    assert '<option value="R4" selected>R4 表四：各项结果之和等于总计</option>' in form
    assert '<option value="">表格格式：不限</option>' in form
