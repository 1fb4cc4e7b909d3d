"""Two crawler processes storing the same reports at the same moment make one version each;
a process killed in the middle of a store leaves no half version (both databases)."""

from __future__ import annotations

import hashlib
import multiprocessing
import signal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.archive import Archive
from storage.models import AgencyRow, CellRow, CheckResultRow, DocumentRow, ReportRow, VersionRow
from tests.storage import workers
from tests.storage.conftest import T0
from tests.storage.reports import document_bytes, make_report, report_history

SPAWN = multiprocessing.get_context("spawn")
SAME = [
    {"agency": f"{district}区统计局", "year": year}
    for district in ("二七", "金水", "中原")
    for year in (2021, 2022, 2023)
]


def counts(archive: Archive, *models) -> list[int]:
    with Session(archive.engine) as session:
        return [session.scalar(select(func.count()).select_from(model)) for model in models]


def run_together(db_url: str, archive_dir: Path, specs_per_process: list[list[dict]]) -> list:
    """Daemon children, killed on the way out whatever happened: a child that fails must
    fail this test, not leave its partner waiting and the interpreter joining it for ever."""
    barrier, results = SPAWN.Barrier(len(specs_per_process)), SPAWN.Queue()
    processes = [
        SPAWN.Process(target=workers.store_at_once, args=(db_url, archive_dir, specs, barrier, results), daemon=True)
        for specs in specs_per_process
    ]
    try:
        for process in processes:
            process.start()
        outcomes = [results.get(timeout=60) for _ in processes]
        for process in processes:
            process.join(timeout=60)
            assert process.exitcode == 0
        return outcomes
    finally:
        for process in processes:
            if process.is_alive():
                process.kill()
                process.join()


def test_two_processes_storing_the_same_reports_make_one_version_each(archive: Archive, db_url: str) -> None:
    outcomes = run_together(db_url, archive.raw.root, [SAME, SAME])
    stored = [entry for outcome in outcomes for entry in outcome]
    assert len(stored) == 2 * len(SAME)
    assert all(number == 1 for _, _, number, _ in stored)
    created = sorted((agency, year) for agency, year, _, was_created in stored if was_created)
    assert created == sorted((spec["agency"], spec["year"]) for spec in SAME)
    assert counts(archive, VersionRow, ReportRow, AgencyRow) == [len(SAME), len(SAME), 3]


def test_two_processes_storing_different_bytes_make_two_numbered_versions(archive: Archive, db_url: str) -> None:
    first = [spec | {"new": 10} for spec in SAME]
    second = [spec | {"new": 20} for spec in SAME]
    run_together(db_url, archive.raw.root, [first, second])
    for spec in SAME:
        history = report_history(archive, spec["agency"], spec["year"])
        assert sorted(v.arrival_number for v in history) == [1, 2]
        assert [v.is_latest for v in history] == [False, True]


@pytest.mark.parametrize("phase", ["raw", "transaction"])
def test_a_process_killed_mid_store_leaves_no_half_version(archive: Archive, db_url: str, phase: str) -> None:
    child = SPAWN.Process(target=workers.die_while_storing, args=(db_url, archive.raw.root, phase), daemon=True)
    child.start()
    child.join(timeout=60)
    if child.is_alive():
        child.kill()
    assert child.exitcode == -signal.SIGKILL
    assert counts(archive, AgencyRow, ReportRow, VersionRow, CellRow, CheckResultRow, DocumentRow) == [0] * 6
    report = make_report()
    sha256 = hashlib.sha256(document_bytes(report)).hexdigest()
    assert archive.raw_path(sha256).exists() == (phase == "transaction")  # bytes before rows
    assert archive.raw.sweep_temporary(older_than=0) == (1 if phase == "raw" else 0)
    assert archive.store_bytes(document_bytes(report)) == sha256
    again = archive.store_report(report, sha256=sha256, source_url="http://x/1", fetched_at=T0)
    assert (again.version_number, again.created) == (1, True)
    assert counts(archive, VersionRow, CellRow) == [1, 5]
