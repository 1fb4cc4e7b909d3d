"""Collisions with other writers are retried; anything else is raised at once."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

from storage.errors import ArchiveError, VersionConflict
from storage.retry import is_conflict, run_retrying


class PgError(Exception):
    def __init__(self, sqlstate: str, message: str) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


def wrapped(kind, orig: Exception):
    return kind("INSERT ...", {}, orig)


UNIQUE_PG = wrapped(IntegrityError, PgError("23505", 'duplicate key value violates unique constraint "uq_report"'))
UNIQUE_SQLITE = wrapped(IntegrityError, sqlite3.IntegrityError("UNIQUE constraint failed: report.agency_id"))
BUSY = wrapped(OperationalError, sqlite3.OperationalError("database is locked"))
DEADLOCK = wrapped(OperationalError, PgError("40P01", "deadlock detected"))
FOREIGN_KEY = wrapped(IntegrityError, sqlite3.IntegrityError("FOREIGN KEY constraint failed"))
SYNTAX = wrapped(ProgrammingError, PgError("42601", "syntax error"))


@pytest.mark.parametrize("error", [UNIQUE_PG, UNIQUE_SQLITE, BUSY, DEADLOCK])
def test_collisions_are_retried_until_they_pass(error) -> None:
    calls = []

    def operation():
        calls.append(1)
        if len(calls) < 3:
            raise error
        return "stored"

    assert is_conflict(error)
    assert run_retrying(operation, what="store") == "stored" and len(calls) == 3


@pytest.mark.parametrize("error", [FOREIGN_KEY, SYNTAX])
def test_other_database_errors_are_not_retried(error) -> None:
    calls = []

    def operation():
        calls.append(1)
        raise error

    with pytest.raises(ArchiveError, match="store: ") as raised:
        run_retrying(operation, what="store")
    assert len(calls) == 1 and not isinstance(raised.value, VersionConflict)


def test_endless_collisions_end_as_version_conflict() -> None:
    def operation():
        raise UNIQUE_PG

    with pytest.raises(VersionConflict, match="after 3 tries"):
        run_retrying(operation, what="store", attempts=3)
