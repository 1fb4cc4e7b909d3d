"""What the child processes of the concurrency and crash tests run (imported by spawn)."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from storage import rawstore, versions
from storage.archive import Archive
from tests.storage.conftest import T0
from tests.storage.reports import document_bytes, make_report


def store_at_once(db_url: str, archive_dir: Path, specs: list[dict], barrier, results) -> None:
    """Wait for the other process, then store the same reports as it, as fast as possible."""
    with Archive.open(db_url, archive_dir, upgrade=False) as archive:
        barrier.wait(timeout=60)  # a partner that died must not hold this one for ever
        outcome = []
        for spec in specs:
            report = make_report(**spec)
            sha256 = archive.store_bytes(document_bytes(report))
            stored = archive.store_report(report, sha256=sha256, source_url=f"http://x/{os.getpid()}", fetched_at=T0)
            outcome.append((report.agency, report.year, stored.version_number, stored.created))
        results.put(outcome)


def die_while_storing(db_url: str, archive_dir: Path, phase: str) -> None:
    """Store one report and be killed (SIGKILL) in the middle: while writing the raw
    bytes, or after the version's rows are written but before the commit."""
    if phase == "raw":
        rawstore.RawStore._publish = _kill_self
    else:
        original = versions.replace_derived_rows

        def write_then_die(connection, *args, **kwargs):
            original(connection, *args, **kwargs)  # the version, cells and checks are written
            _kill_self()

        versions.replace_derived_rows = write_then_die
    with Archive.open(db_url, archive_dir, upgrade=False) as archive:
        report = make_report()
        sha256 = archive.store_bytes(document_bytes(report))
        archive.store_report(report, sha256=sha256, source_url="http://x/1", fetched_at=T0)


def _kill_self(*_args, **_kwargs) -> None:
    os.kill(os.getpid(), signal.SIGKILL)
