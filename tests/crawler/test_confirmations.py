"""The capture rows of 304 answers wait for their batch: committed by count, by age, never lost in between."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crawler.confirmations import Confirmations
from storage.archive import Archive, capture_columns
from storage.models import CaptureRow

URL = "http://127.0.0.1/gongkai/show/a.html"
T0 = datetime(2025, 4, 1, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def archive(tmp_path: Path) -> Archive:
    """An archive holding the copy that the 304s confirm, with its 200 capture."""
    archive = Archive.open(f"sqlite:///{tmp_path / 'archive.sqlite'}", tmp_path / "raw")
    sha256 = archive.store_bytes(b"<html>report</html>")
    archive.record_capture(URL, fetched_at=T0, status=200, headers=[("ETag", '"e1"')], sha256=sha256)
    yield archive
    archive.close()


def confirmation(archive: Archive) -> dict[str, object]:
    (sha256,) = {c.sha256 for c in rows(archive) if c.status == 200}
    return capture_columns(URL, fetched_at=T0, status=304, headers=[("ETag", '"e1"')], sha256=sha256)


def rows(archive: Archive) -> list[CaptureRow]:
    with Session(archive.engine) as session:
        return list(session.scalars(select(CaptureRow)))


def committed(archive: Archive) -> int:
    with Session(archive.engine) as session:
        return session.scalar(select(func.count()).where(CaptureRow.status == 304)) or 0


def test_rows_are_committed_together_once_a_batch_is_full(archive: Archive) -> None:
    pending = Confirmations(3, 1.0, Clock())
    for _ in range(2):
        pending.add(archive, confirmation(archive))
    assert committed(archive) == 0
    pending.add(archive, confirmation(archive))
    assert committed(archive) == 3


def test_a_row_waits_no_longer_than_the_interval(archive: Archive) -> None:
    clock = Clock()
    pending = Confirmations(100, 1.0, clock)
    pending.add(archive, confirmation(archive))
    clock.now = 0.5
    pending.flush_due(archive)  # what the extension's timer calls
    assert committed(archive) == 0
    clock.now = 1.0
    pending.flush_due(archive)
    assert committed(archive) == 1


def test_the_rows_still_waiting_are_committed_at_the_end(archive: Archive) -> None:
    pending = Confirmations(100, 1.0, Clock())
    pending.add(archive, confirmation(archive))
    pending.flush(archive)
    pending.flush(archive)  # nothing left: no empty transaction, no second row
    assert committed(archive) == 1
