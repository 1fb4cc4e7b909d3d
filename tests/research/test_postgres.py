"""The same researchers' queries on PostgreSQL (pg_trgm search), in a schema of their own.

Skipped with a message when no PostgreSQL listens at 127.0.0.1:5432 (database ``test``),
except under CI.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from nianbao.web.server import create_app
from research.compare import diff_years
from research.filters import parse_filters
from research.queries import find_versions
from research.search import search_versions
from storage.engine import open_engine
from tests.conftest import skip_or_fail
from tests.research.archive import CARRIED_OVER_2023, SEARCH_WORD, fill
from tests.research.test_web_app import answers_every_request_with_a_page, requests

SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SCHEMA = "nianbao_research_test"


@pytest.fixture(scope="module")
def pg_engine(tmp_path_factory: pytest.TempPathFactory):
    try:
        admin = open_engine(SERVER + "?connect_timeout=3")
        with admin.begin() as connection:
            # In public, so that dropping the test schema never takes the extension with it.
            connection.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
            connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            connection.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    except OperationalError as error:
        skip_or_fail(f"no PostgreSQL at 127.0.0.1:5432: {str(error).splitlines()[0]}")
    url = f"{SERVER}?options=-csearch_path%3D{SCHEMA},public"
    fill(url, tmp_path_factory.mktemp("pg-raw"))
    engine = open_engine(url)
    yield engine
    engine.dispose()
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
    admin.dispose()


def test_trigram_search_and_short_terms(pg_engine) -> None:
    with pg_engine.connect() as connection:
        hits = search_versions(connection, SEARCH_WORD)
        assert [(row.agency, row.year) for row, _ in hits] == [("郑州市金水区统计局", 2022)]
        assert f"\x02{SEARCH_WORD}\x03" in hits[0][1]
        assert [(row.year) for row, _ in search_versions(connection, "培训")] == [2022]
        assert [(row.year) for row, _ in search_versions(connection, "专题会议 及时")] == [2023]


def test_trigram_index_exists(pg_engine) -> None:
    with pg_engine.connect() as connection:
        indexes = connection.execute(
            text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_version_text_trgm' AND schemaname = :schema"),
            {"schema": SCHEMA},
        )
        assert "gin_trgm_ops" in indexes.scalar_one()


def test_query_and_diff(pg_engine) -> None:
    with pg_engine.connect() as connection:
        failing = find_versions(connection, parse_filters(failed=["R1"]))
        assert [(row.agency, row.year, row.failed_rules) for row in failing] == [
            ("洛阳市西工区教育局", 2023, ("R1", "R3"))
        ]
        assert diff_years(connection, "二七区统计局", 2023).sections[4].carried_over == CARRIED_OVER_2023


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(request=requests())
def test_random_requests_are_answered_with_a_page(pg_engine, request: tuple[str, str]) -> None:
    answers_every_request_with_a_page(create_app(pg_engine), *request)
