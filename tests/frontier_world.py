"""Workers of a shared frontier against the fixture world: real Redis, PostgreSQL and processes.

Each test gets its own Redis key prefix (database 11) and its own PostgreSQL database;
both are removed afterwards. Without the services the tests skip, except under CI.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from crawler.local import LOCAL_SETTINGS
from fixtures.world.server import WorldServer
from storage.engine import open_engine
from tests.conftest import PROJECT, skip_or_fail

REDIS = os.environ.get("NIANBAO_TEST_REDIS", "redis://127.0.0.1:6379/11")
POSTGRES = os.environ.get("NIANBAO_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
NIANBAO = [sys.executable, "-c", "from nianbao.cli import main; main()"]


def redis_or_skip():
    from redis import Redis
    from redis.exceptions import RedisError

    server = Redis.from_url(REDIS, socket_connect_timeout=3)
    try:
        server.ping()
    except RedisError as error:
        skip_or_fail(f"no Redis at {REDIS}: {error}")
    return server


@pytest.fixture
def frontier_key() -> Iterator[str]:
    """A key prefix of this test's own in the test Redis database; its keys go afterwards."""
    server = redis_or_skip()
    prefix = f"nianbao-test-{uuid.uuid4().hex[:10]}"
    yield prefix
    for key in server.scan_iter(f"{prefix}:*"):
        server.delete(key)


@pytest.fixture
def postgres_db() -> Iterator[str]:
    """A PostgreSQL database of this test's own, dropped afterwards."""
    admin = open_engine(POSTGRES + "?connect_timeout=3").execution_options(isolation_level="AUTOCOMMIT")
    name = f"nianbao_frontier_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {name}"))
    except OperationalError as error:
        admin.dispose()
        skip_or_fail(f"no PostgreSQL at {POSTGRES}: {str(error).splitlines()[0]}")
    yield POSTGRES.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
    admin.dispose()


@dataclass
class Frontier:
    """One frontier (Redis prefix), one archive (database and folder), one world."""

    world: WorldServer
    key: str
    db_url: str
    folder: Path

    def options(self) -> list[str]:
        settings = {**LOCAL_SETTINGS, "NIANBAO_FRONTIER_KEY": self.key, "LOG_LEVEL": "WARNING"}
        archive = ["--db", self.db_url, "--archive-dir", str(self.folder / "raw")]
        return [*archive, "--portals", str(self.world.registry), *(f"-s{n}={v}" for n, v in settings.items())]

    def schedule(self, *extra: str) -> str:
        done = self._run(["schedule", "--frontier", REDIS, *self.options(), *extra])
        return done.stdout

    def worker(self, *extra: str) -> subprocess.Popen[str]:
        command = [*NIANBAO, "crawl", "--frontier", REDIS, "--progress", "0", *self.options(), *extra]
        return subprocess.Popen(
            command, cwd=PROJECT, env=_environment(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )

    def _run(self, arguments: list[str]) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [*NIANBAO, *arguments], cwd=PROJECT, env=_environment(), capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done


def _environment() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(PROJECT)}


def finish(workers: list[subprocess.Popen[str]], timeout: float = 900) -> list[str]:
    """Wait for every worker to end by itself (bounded); their outputs."""
    outputs = []
    for worker in workers:
        out, err = worker.communicate(timeout=timeout)
        assert worker.returncode == 0, err[-3000:]
        assert "Traceback" not in err, err[-3000:]
        outputs.append(out)
    return outputs
