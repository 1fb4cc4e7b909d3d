"""Bad input and faults: a clear one-line error, and never half a version."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage import rawstore
from storage.archive import Archive
from storage.errors import ArchiveError
from storage.models import DocumentRow, VersionRow
from tests.storage.conftest import T0
from tests.storage.reports import document_bytes, make_report


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("nosuchdb://somewhere/x", "not a database URL"),
        ("not a url at all", "not a database URL"),
        ("postgresql+psycopg://postgres@127.0.0.1:1/test?connect_timeout=2", "cannot open database"),
    ],
)
def test_a_database_that_cannot_be_opened(tmp_path: Path, url: str, said: str) -> None:
    with pytest.raises(ArchiveError, match=said) as raised:
        Archive.open(url, tmp_path / "archive")
    assert "\n" not in str(raised.value)


def test_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(os.urandom(4096))
    with pytest.raises(ArchiveError, match=r"cannot open database .*garbage\.sqlite: file is not a database"):
        Archive.open(f"sqlite:///{garbage}", tmp_path / "archive")


def test_a_database_folder_that_cannot_be_made(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(ArchiveError, match="cannot create the folder"):
        Archive.open(f"sqlite:///{tmp_path / 'file' / 'a.sqlite'}", tmp_path / "archive")


def test_a_password_never_appears_in_the_error(tmp_path: Path) -> None:
    with pytest.raises(ArchiveError) as raised:
        Archive.open("postgresql+psycopg://nianbao:s3cret@127.0.0.1:1/x?connect_timeout=2", tmp_path / "archive")
    assert "s3cret" not in str(raised.value)


def test_a_full_archive_folder_stores_no_row(archive: Archive, monkeypatch) -> None:
    def full(_stream, descriptor):
        os.close(descriptor)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(rawstore, "_copy_hashing", full)
    with pytest.raises(ArchiveError, match="the disk is full"):
        archive.store_bytes(document_bytes(make_report()))
    with Session(archive.engine) as session:
        assert session.scalar(select(func.count()).select_from(DocumentRow)) == 0


def test_a_failure_inside_the_transaction_leaves_no_half_version(archive: Archive, monkeypatch) -> None:
    from storage import versions

    report = make_report()
    sha256 = archive.store_bytes(document_bytes(report))

    def broken_cells(*_args, **_kwargs):
        raise ArchiveError("cells could not be written")

    monkeypatch.setattr(versions, "replace_derived_rows", broken_cells)
    with pytest.raises(ArchiveError, match="cells could not be written"):
        archive.store_report(report, sha256=sha256, source_url="http://x/1", fetched_at=T0)
    with Session(archive.engine) as session:
        assert session.scalar(select(func.count()).select_from(VersionRow)) == 0
        assert session.scalar(select(func.count()).select_from(DocumentRow)) == 0
    monkeypatch.undo()
    assert archive.store_report(report, sha256=sha256, source_url="http://x/1", fetched_at=T0).version_number == 1
