"""Every storage test runs on both databases: a SQLite file and a PostgreSQL schema.

PostgreSQL is the server at 127.0.0.1:5432, database ``test`` (override with
``NIANBAO_TEST_POSTGRES``); each test gets a fresh schema of its own and the real
migrations. Without a server the PostgreSQL half is skipped with a message, except
under CI, where it fails.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from storage.archive import Archive
from storage.engine import open_engine
from tests.conftest import skip_or_fail

POSTGRES = os.environ.get("NIANBAO_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
T0 = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def postgres_admin():
    engine = open_engine(POSTGRES + "?connect_timeout=3")
    try:
        with engine.begin() as connection:
            # In public, so that dropping a test schema never takes the extension with it.
            connection.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
    except OperationalError as error:
        engine.dispose()
        skip_or_fail(f"no PostgreSQL at {POSTGRES}: {str(error).splitlines()[0]}")
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database URL with nothing in it yet."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'archive.sqlite'}"
        return
    admin = request.getfixturevalue("postgres_admin")
    schema = f"nianbao_test_{uuid.uuid4().hex[:12]}"
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    yield f"{POSTGRES}?options=-csearch_path%3D{schema},public"
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))


@pytest.fixture
def clock():
    """A clock that moves one second a call, from T0."""
    ticks = iter(range(1_000_000))
    return lambda: T0 + timedelta(seconds=next(ticks))


@pytest.fixture
def archive(db_url: str, tmp_path: Path, clock) -> Iterator[Archive]:
    with Archive.open(db_url, tmp_path / "archive", upgrade=True, clock=clock) as opened:
        yield opened
