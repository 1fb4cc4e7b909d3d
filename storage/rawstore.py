"""Raw bytes in a content-addressed folder, named by their sha256.

``ab/cd/abcdef…`` fans the files out so no folder grows past a few thousand entries.
A write streams the bytes in chunks through the hash into a temporary file under
``tmp/`` (same filesystem), syncs it to disk, and then hard-links it under its final
name: the link either appears whole or not at all, and it never replaces a file that is
already there. Storing the same bytes twice is a no-op. Files are made read-only.

A process killed in the middle of a write leaves at most a temporary file, which the
next ``RawStore.open`` sweeps away once it is old enough not to be another writer's.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from storage.errors import ArchiveError, ArchiveUnwritable

CHUNK = 1 << 20
STALE_TEMP_SECONDS = 3600
_HEX = frozenset("0123456789abcdef")


@dataclass(frozen=True, slots=True)
class StoredBlob:
    sha256: str
    size: int
    path: str  # relative to the archive folder


class RawStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.temp_dir = root / "tmp"

    @classmethod
    def open(cls, root: Path) -> RawStore:
        """The store at ``root``, created if missing; ArchiveError if it cannot be written."""
        store = cls(Path(root))
        with _os_errors(store.root, "open"):
            store.temp_dir.mkdir(parents=True, exist_ok=True)
            _probe_writable(store.temp_dir)
            store.sweep_temporary()
        return store

    def put(self, data: bytes | BinaryIO) -> StoredBlob:
        """Store ``data`` (bytes or a readable binary stream) and name it by its sha256."""
        with _os_errors(self.root, "write to"):
            stream: BinaryIO
            if isinstance(data, bytes | bytearray | memoryview):
                known = self._stored(hashlib.sha256(data).hexdigest())
                if known is not None:  # the same bytes again: nothing to write, sync and throw away
                    return known
                stream = io.BytesIO(data)
            else:
                stream = data
            temp_path, sha256, size = self._write_temporary(stream)
            try:
                self._publish(temp_path, sha256)
            finally:
                temp_path.unlink(missing_ok=True)
        return StoredBlob(sha256, size, self.relative_path(sha256))

    def _stored(self, sha256: str) -> StoredBlob | None:
        try:
            size = self.path(sha256).stat().st_size
        except FileNotFoundError:
            return None
        return StoredBlob(sha256, size, self.relative_path(sha256))

    def relative_path(self, sha256: str) -> str:
        _require_sha256(sha256)
        return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"

    def path(self, sha256: str) -> Path:
        return self.root / self.relative_path(sha256)

    def read(self, sha256: str) -> bytes:
        try:
            return self.path(sha256).read_bytes()
        except FileNotFoundError as error:
            raise ArchiveError(f"raw bytes {sha256} are missing from {self.root}") from error

    def iter_chunks(self, sha256: str) -> Iterator[bytes]:
        with self.path(sha256).open("rb") as handle:
            while chunk := handle.read(CHUNK):
                yield chunk

    def verify(self, sha256: str) -> bool:
        """Whether the file still hashes to its name (bit rot, a hand edit)."""
        digest = hashlib.sha256()
        for chunk in self.iter_chunks(sha256):
            digest.update(chunk)
        return digest.hexdigest() == sha256

    def sweep_temporary(self, older_than: float = STALE_TEMP_SECONDS) -> int:
        """Remove temporary files left by killed writers; returns how many."""
        cutoff = time.time() - older_than
        swept = 0
        for path in self.temp_dir.glob("*.part"):
            try:
                stale = path.stat().st_mtime < cutoff
            except FileNotFoundError:
                continue  # another writer sharing the archive published or swept it meanwhile
            if stale:
                path.unlink(missing_ok=True)
                swept += 1
        return swept

    def _write_temporary(self, stream: BinaryIO) -> tuple[Path, str, int]:
        descriptor, name = tempfile.mkstemp(dir=self.temp_dir, suffix=".part")
        temp_path = Path(name)
        try:
            sha256, size = _copy_hashing(stream, descriptor)
        except BaseException:
            temp_path.unlink(missing_ok=True)
            raise
        return temp_path, sha256, size

    def _publish(self, temp_path: Path, sha256: str) -> None:
        final = self.path(sha256)
        if final.exists():
            return
        final.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(temp_path, 0o444)
        # A hard link never replaces an existing name: a concurrent writer of the same
        # bytes wins the race and this one simply finds the file there.
        with contextlib.suppress(FileExistsError):
            os.link(temp_path, final)
        _fsync_directory(final.parent)


def _copy_hashing(stream: BinaryIO, descriptor: int) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with os.fdopen(descriptor, "wb") as handle:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
            handle.write(chunk)
            size += len(chunk)
        handle.flush()
        os.fsync(handle.fileno())
    return digest.hexdigest(), size


def _probe_writable(folder: Path) -> None:
    # Root ignores permission bits, and a read-only mount says nothing until a write.
    descriptor, name = tempfile.mkstemp(dir=folder, suffix=".part")
    os.close(descriptor)
    os.unlink(name)


def _fsync_directory(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _require_sha256(sha256: str) -> None:
    if len(sha256) != 64 or not _HEX.issuperset(sha256):
        raise ArchiveError(f"not a sha256 hex digest: {sha256!r}")


@contextlib.contextmanager
def _os_errors(root: Path, action: str) -> Iterator[None]:
    try:
        yield
    except OSError as error:
        raise ArchiveUnwritable(f"cannot {action} archive folder {root}: {describe_os_error(error)}") from error


def describe_os_error(error: OSError) -> str:
    if error.errno == errno.ENOSPC or error.errno == errno.EDQUOT:
        return "the disk is full"
    if error.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return f"it is read-only ({error.strerror})"
    return error.strerror or str(error)
