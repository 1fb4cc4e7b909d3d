"""One SQLAlchemy engine per database URL, set up the way the archive needs it.

SQLite (the embedded default) runs in WAL mode so that readers never wait for the one
writer, with foreign keys on and a busy timeout so that a second crawler process waits
its turn instead of failing. Each write transaction starts with ``BEGIN IMMEDIATE``: a
deferred transaction that reads and then writes can fail at once when another process
wrote in between, which no busy timeout helps with. The driver is pysqlite3 (a recent
SQLite) where it is installed, because the system SQLite 3.40 drops rows in short CJK
``LIKE`` queries on trigram tables.

PostgreSQL goes through psycopg 3 with the same models.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from storage.errors import ArchiveError

BUSY_TIMEOUT_MS = 60_000
WRITE = {"nianbao_write": True}  # execution option of a write transaction


def open_engine(url: str, *, create_folder: bool = False) -> Engine:
    """An engine for ``url``; ArchiveError with one line when the URL itself is wrong.

    ``create_folder``: make the folder of a SQLite file if it is missing.
    """
    try:
        parsed = make_url(url)
        options = _sqlite_options(parsed) if parsed.get_backend_name() == "sqlite" else {}
        engine = create_engine(parsed, json_serializer=_json_dumps, **options)
    except (ArgumentError, NoSuchModuleError, ValueError) as error:
        raise ArchiveError(f"not a database URL: {url!r} ({error})") from error
    if engine.dialect.name == "sqlite":
        _set_up_sqlite(engine)
        if create_folder:
            _create_sqlite_folder(parsed)
    return engine


def writer(engine: Engine) -> Engine:
    """The same engine, whose transactions take the write lock at once on SQLite."""
    return engine.execution_options(**WRITE)


def _json_dumps(value: Any) -> str:
    # Chinese stays readable in the database (and half the size of \\u escapes).
    return json.dumps(value, ensure_ascii=False)


def _sqlite_options(url: URL) -> dict[str, Any]:
    options: dict[str, Any] = {"connect_args": {"timeout": BUSY_TIMEOUT_MS / 1000}}
    try:
        from pysqlite3 import dbapi2
    except ImportError:
        return options
    return options | {"module": dbapi2}


def _create_sqlite_folder(url: URL) -> None:
    database = url.database
    if database in (None, "", ":memory:") or database.startswith("file:"):
        return
    try:
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ArchiveError(f"cannot create the folder of {database}: {error.strerror}") from error


def _set_up_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Hand transaction control to SQLAlchemy (the "begin" hook below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            # In WAL mode NORMAL loses nothing when a process dies, only on power loss.
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        write = connection.get_execution_options().get("nianbao_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
