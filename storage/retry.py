"""Retrying a write transaction that collided with another writer.

Two crawler processes storing the same report at the same moment both try to create
its agency, report or version; the unique constraints let one win, and the loser's
transaction fails with a unique violation. Run again, it finds the winner's rows and
records a sighting instead. A busy SQLite (past its busy timeout) and PostgreSQL's
serialization failures and deadlocks are retried the same way. Any other database
error is not a collision and is raised at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, SQLAlchemyError
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_random_exponential

from storage.errors import ArchiveError, ArchiveUnwritable, VersionConflict

T = TypeVar("T")
ATTEMPTS = 8
_UNIQUE_VIOLATION = "23505"
_TRANSIENT_SQLSTATES = frozenset({"40001", "40P01"})  # serialization failure, deadlock
_UNWRITABLE = ("disk is full", "readonly database", "read-only", "no space left", "disk i/o error", "quota")
_SQLITE_BUSY = ("database is locked", "database is busy", "database table is locked")


def is_conflict(error: BaseException) -> bool:
    """Whether ``error`` is a collision with another writer, worth a retry."""
    if not isinstance(error, DBAPIError):
        return False
    sqlstate = getattr(error.orig, "sqlstate", None)
    message = str(error.orig).lower()
    if isinstance(error, IntegrityError):
        return sqlstate == _UNIQUE_VIOLATION or "unique constraint failed" in message
    if isinstance(error, OperationalError):
        return sqlstate in _TRANSIENT_SQLSTATES or any(text in message for text in _SQLITE_BUSY)
    return False


def run_retrying(operation: Callable[[], T], *, what: str, attempts: int = ATTEMPTS) -> T:
    """``operation()``, retried on collisions; VersionConflict or ArchiveError when it fails for good."""
    retrying = Retrying(
        retry=retry_if_exception(is_conflict),
        stop=stop_after_attempt(attempts),
        wait=wait_random_exponential(multiplier=0.02, max=1.0),
        reraise=True,
    )
    try:
        return retrying(operation)
    except SQLAlchemyError as error:
        if is_conflict(error):
            raise VersionConflict(f"{what}: still colliding with other writers after {attempts} tries") from error
        if is_unwritable(error):
            raise ArchiveUnwritable(f"{what}: the database cannot be written: {one_line(error)}") from error
        raise ArchiveError(f"{what}: {one_line(error)}") from error


def is_unwritable(error: BaseException) -> bool:
    """A database that can take no more writes: a full disk or quota, a read-only file or folder."""
    message = str(getattr(error, "orig", error)).lower()
    return isinstance(error, OperationalError) and any(text in message for text in _UNWRITABLE)


def one_line(error: BaseException) -> str:
    """The first line of a database error, without SQLAlchemy's statement dump."""
    original = getattr(error, "orig", None) or error
    return (str(original).strip().splitlines() or [type(original).__name__])[0]
