"""The content-addressed folder: streaming, atomic, idempotent, and loud when it cannot write."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import os
import stat
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage import rawstore
from storage.errors import ArchiveError
from storage.rawstore import CHUNK, RawStore


def test_bytes_are_named_by_their_sha256_in_a_fan_out(tmp_path: Path) -> None:
    store = RawStore.open(tmp_path)
    blob = store.put(b"report")
    digest = hashlib.sha256(b"report").hexdigest()
    assert (blob.sha256, blob.size, blob.path) == (digest, 6, f"{digest[:2]}/{digest[2:4]}/{digest}")
    assert store.read(digest) == b"report" and store.verify(digest)
    assert not stat.S_IMODE(store.path(digest).stat().st_mode) & 0o222  # read-only


def test_a_stream_larger_than_a_chunk_is_hashed_as_it_is_written(tmp_path: Path) -> None:
    data = os.urandom(CHUNK * 2 + 123)
    blob = RawStore.open(tmp_path).put(io.BytesIO(data))
    assert blob.sha256 == hashlib.sha256(data).hexdigest() and blob.size == len(data)


def test_storing_the_same_bytes_again_changes_nothing(tmp_path: Path) -> None:
    store = RawStore.open(tmp_path)
    first = store.put(b"same")
    before = store.path(first.sha256).stat()
    assert store.put(b"same") == first
    after = store.path(first.sha256).stat()
    assert (before.st_ino, before.st_mtime_ns) == (after.st_ino, after.st_mtime_ns)
    assert list(store.temp_dir.iterdir()) == []


def test_bytes_already_stored_are_not_written_or_synced_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = RawStore.open(tmp_path)
    first = store.put(b"same")
    synced: list[int] = []
    monkeypatch.setattr(rawstore.os, "fsync", synced.append)
    monkeypatch.setattr(rawstore.tempfile, "mkstemp", lambda **_: pytest.fail("a temporary file was written"))
    assert store.put(b"same") == first
    assert synced == []


def test_a_folder_that_cannot_be_created_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(ArchiveError, match=r"cannot open archive folder .*file/archive"):
        RawStore.open(tmp_path / "file" / "archive")


@contextlib.contextmanager
def small_filesystem(folder: Path, options: str) -> Iterator[Path]:
    """A real tmpfs of 64 KiB at ``folder`` (root only; skipped where mounting is not allowed)."""
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size=64k,{options}", "tmpfs", str(folder)], check=False)
    if mounted.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here; the injected-error test covers this case")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def test_a_read_only_folder_is_a_clear_error(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        tmp_path.chmod(0o500)
        with pytest.raises(ArchiveError, match="read-only"):
            RawStore.open(tmp_path / "archive")
        tmp_path.chmod(0o700)
        return
    with small_filesystem(tmp_path / "ro", "ro"), pytest.raises(ArchiveError, match="read-only"):
        RawStore.open(tmp_path / "ro")


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small filesystem needs root")
def test_a_full_disk_is_a_clear_error_and_leaves_no_file(tmp_path: Path) -> None:
    with small_filesystem(tmp_path / "small", "rw") as folder:
        store = RawStore.open(folder)
        with pytest.raises(ArchiveError, match="the disk is full"):
            store.put(os.urandom(256 * 1024))
        assert [path for path in folder.rglob("*") if path.is_file()] == []
        assert store.put(b"small enough").size == 12


@pytest.mark.parametrize(
    ("code", "said"), [(errno.ENOSPC, "the disk is full"), (errno.EROFS, "read-only"), (errno.EACCES, "read-only")]
)
def test_a_failing_disk_is_a_clear_error_and_leaves_no_file(tmp_path: Path, monkeypatch, code, said) -> None:
    store = RawStore.open(tmp_path)

    def failing_copy(stream, descriptor):
        os.close(descriptor)
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(rawstore, "_copy_hashing", failing_copy)
    with pytest.raises(ArchiveError, match=said):
        store.put(b"x" * 100)
    assert [path for path in tmp_path.rglob("*") if path.is_file()] == []


def test_temporary_files_of_killed_writers_are_swept(tmp_path: Path) -> None:
    store = RawStore.open(tmp_path)
    stale, fresh = store.temp_dir / "old.part", store.temp_dir / "new.part"
    stale.write_bytes(b"half")
    fresh.write_bytes(b"being written")
    an_hour_ago = time.time() - 2 * rawstore.STALE_TEMP_SECONDS
    os.utime(stale, (an_hour_ago, an_hour_ago))
    RawStore.open(tmp_path)
    assert not stale.exists() and fresh.exists()


def test_a_temporary_file_another_writer_publishes_during_the_sweep_is_passed_over(tmp_path: Path, monkeypatch) -> None:
    """Two crawlers share one archive: while one opens it, the other renames its finished
    temporary file into place, between the sweep's listing and its look at the file."""
    store = RawStore.open(tmp_path)
    published = store.temp_dir / "published.part"
    listed = [published]
    monkeypatch.setattr(Path, "glob", lambda self, pattern: iter(listed))
    assert store.sweep_temporary(older_than=0) == 0


def test_a_name_that_is_not_a_sha256_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ArchiveError, match="not a sha256"):
        RawStore.open(tmp_path).path("../../etc/passwd")
