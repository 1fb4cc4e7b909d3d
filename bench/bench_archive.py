"""Throughput of the archive's store path, its size, and the latency of two reads.

Stores ``--versions`` generated report versions (default 100,000) through the real
``Archive.store_bytes`` + ``Archive.store_report``: raw bytes synced to the
content-addressed folder, then one transaction per version with its ~200 cells and its
checks. Agencies report ten years each, and every report is stored twice with different
content (an original and a correction published later), so half of the stores add a
second version to an existing report. Then it prints:

- throughput (versions/s and cells/s), against a baseline measured in the same run: the
  same rows inserted with the bare sqlite3 module, one transaction per version, no
  ORM, no raw file (what the archive's bookkeeping and durability cost on top);
- the database size and the raw folder size;
- the latency of one report's history (all its versions, in published order);
- the latency of one year's cells for all agencies (latest versions), whole and for one
  row of one table.

    python bench/bench_archive.py [--versions 100000] [--db URL] [--workers 2]

``--workers`` stores from that many processes at once (SQLite serialises the writes;
the rest runs in parallel). The default SQLite database and raw folder live in a
temporary folder that is removed afterwards unless ``--keep`` names one.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from parsers import tables as keys
from parsers.model import Check, RawCell, Region, Report, Section
from research.queries import report_versions, year_cells
from storage.archive import Archive
from storage.cells import cell_rows

YEARS = tuple(range(2014, 2024))
VERSIONS_PER_REPORT = 2
T0 = datetime(2024, 1, 1, tzinfo=UTC)
TEXT = "本机关认真贯彻落实《中华人民共和国政府信息公开条例》，扎实推进政务公开工作。" * 40  # ~1.5k characters


def agency_name(index: int) -> tuple[str, Region]:
    city, district = f"第{index // 40}市", f"第{index % 40}区"
    return f"{city}{district}统计局", Region("河南省", city, district)


def make_report(agency_index: int, year: int, version: int) -> Report:
    """A 2021-format report with the three tables full (about 200 cells), a few blanks."""
    rng = random.Random(agency_index * 100_000 + year * 10 + version)
    name, region = agency_name(agency_index)
    applications = {
        row: {column: rng.randint(0, 40) for column in keys.APPLICANT_COLUMNS} for row in keys.APPLICATION_ROWS_2021
    }
    applications["carried_over"]["research"] = None
    active = {
        row: {"issued": rng.randint(0, 9), "repealed": 0, "in_force": rng.randint(0, 99)}
        for row in ("rules", "normative_documents")
    }
    active |= {row: {"decisions": rng.randint(0, 500)} for row in ("licensing", "penalty", "coercion")}
    active["fees"] = {"amount": Decimal(rng.randint(0, 99_999)) / 100}
    review = {"all": {column: rng.randint(0, 3) for column in keys.REVIEW_COLUMNS}}
    published = date(year + 1, 1, 20) + timedelta(days=40 * version)
    return Report(
        agency=name, agency_canonical=name, region=region, year=year, published_at=published, format_version="2021",
        sections=[Section(1, "一、总体情况", TEXT[:600])],
        tables={"active": active, "applications": applications, "review_litigation": review},
        raw={"applications": {"carried_over": {"research": RawCell("—", "na")}}},
        checks=[Check(rule, "pass", "") for rule in ("R1", "R2", "R3", "R4", "R5")],
        warnings=[], text=f"{name}{year}年政府信息公开工作年度报告\n{TEXT}",
    )  # fmt: skip


def plan(versions: int) -> list[tuple[int, int, int]]:
    """(agency, year, version) in the order a crawl might meet them: corrections last."""
    reports = -(-versions // VERSIONS_PER_REPORT)
    keys_ = [(index // len(YEARS), YEARS[index % len(YEARS)]) for index in range(reports)]
    return [(agency, year, version) for version in range(VERSIONS_PER_REPORT) for agency, year in keys_][:versions]


def store_slice(db_url: str, raw_dir: str, work: list[tuple[int, int, int]]) -> int:
    with Archive.open(db_url, Path(raw_dir), upgrade=False) as archive:
        for agency, year, version in work:
            report = make_report(agency, year, version)
            data = json.dumps(report.to_dict(with_text=True), ensure_ascii=False).encode("utf-8")
            sha256 = archive.store_bytes(data)
            url = f"http://portal-{agency % 50}.example/nb/{year}/{version}.html"
            archive.store_report(report, sha256=sha256, source_url=url, fetched_at=T0, media_type="text/html")
    return len(work)


def store_all(db_url: str, raw_dir: Path, work: list, workers: int, progress: Callable[[int], None]) -> float:
    start = time.perf_counter()
    if workers == 1:
        batch = 5_000
        for offset in range(0, len(work), batch):
            store_slice(db_url, str(raw_dir), work[offset : offset + batch])
            progress(offset + min(batch, len(work) - offset))
        return time.perf_counter() - start
    # Interleave so that each worker's reports overlap the others' in time, as crawlers would.
    slices = [work[index::workers] for index in range(workers)]
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        pool.starmap(store_slice, [(db_url, str(raw_dir), part) for part in slices])
    return time.perf_counter() - start


def baseline(count: int) -> float:
    """Seconds a version for the same rows in the same table layout with bare sqlite3: no
    ORM, no lookups, no raw file, no ordering, no search index (what those cost on top)."""
    folder = tempfile.mkdtemp(prefix="nianbao-bench-baseline-")
    connection = sqlite3.connect(Path(folder) / "b.sqlite", isolation_level=None)
    for statement in BASELINE_SCHEMA:
        connection.execute(statement)
    reports = [make_report(agency, 2020, 0) for agency in range(count)]
    start = time.perf_counter()
    for report in reports:
        connection.execute("BEGIN IMMEDIATE")
        record = json.dumps(report.to_dict(), ensure_ascii=False)
        cursor = connection.execute("INSERT INTO version (record, text) VALUES (?, ?)", (record, report.text))
        cells = [(cursor.lastrowid, report.year, *_baseline_cell(cell)) for cell in cell_rows(report)]
        connection.executemany("INSERT INTO cell VALUES (?, ?, ?, ?, ?, ?, ?)", cells)
        connection.execute("COMMIT")
    elapsed = time.perf_counter() - start
    connection.close()
    shutil.rmtree(folder)
    return elapsed / count


BASELINE_SCHEMA = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "CREATE TABLE version (id INTEGER PRIMARY KEY, record TEXT, text TEXT)",
    "CREATE TABLE cell (version_id INT, year INT, t TEXT, r TEXT, c TEXT, value NUMERIC, exact TEXT,"
    " PRIMARY KEY (version_id, t, r, c)) WITHOUT ROWID",
)


def _baseline_cell(cell: dict) -> tuple:
    value = cell["value"]
    return (
        cell["table_key"],
        cell["row_key"],
        cell["column_key"],
        value if value is None else float(value),
        cell["value_exact"],
    )


def latency(operation: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median and worst milliseconds of ``repeat`` runs."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        operation()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), max(times)


def folder_size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def database_size(archive: Archive, db_path: Path | None) -> str:
    if db_path is not None:
        with archive.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        return f"{db_path.stat().st_size / 1e6:,.0f} MB (SQLite file)"
    with archive.engine.connect() as connection:
        size = connection.exec_driver_sql("SELECT pg_database_size(current_database())").scalar()
    return f"{size / 1e6:,.0f} MB (PostgreSQL database)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--versions", type=int, default=100_000)
    parser.add_argument("--db", help="database URL; default: SQLite in the work folder")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="work folder to keep (default: a temporary one, removed)")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="nianbao-bench-archive-"))
    folder.mkdir(parents=True, exist_ok=True)
    db_path = None if args.db else folder / "archive.sqlite"
    db_url = args.db or f"sqlite:///{db_path}"
    try:
        run(db_url, db_path, folder / "raw", args.versions, args.workers)
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


def run(db_url: str, db_path: Path | None, raw_dir: Path, versions: int, workers: int) -> None:
    Archive.open(db_url, raw_dir).close()  # schema first, so workers only open it
    work = plan(versions)
    agencies = len({agency for agency, _, _ in work})
    shape = f"{agencies:,} agencies x {len(YEARS)} years x {VERSIONS_PER_REPORT} versions"
    cells = len(cell_rows(make_report(0, 2020, 0)))
    print(f"storing {len(work):,} versions ({shape}), ~{cells} cells each, {workers} worker(s), {db_url.split(':')[0]}")
    elapsed = store_all(db_url, raw_dir, work, workers, lambda done: print(f"  {done:,} stored", file=sys.stderr))
    per_version = elapsed / len(work)
    base = baseline(min(2_000, len(work)))
    print(f"throughput       {len(work) / elapsed:,.0f} versions/s, {len(work) * cells / elapsed:,.0f} cells/s "
          f"({elapsed:.1f} s; {per_version * 1000:.2f} ms a version)")  # fmt: skip
    print(f"baseline         bare sqlite3, same rows: {base * 1000:.2f} ms a version "
          f"(the archive takes {per_version / base:.1f}x)")  # fmt: skip
    with Archive.open(db_url, raw_dir, upgrade=False) as archive, archive.engine.connect() as connection:
        print(f"database size    {database_size(archive, db_path)}; raw folder {folder_size(raw_dir) / 1e6:,.0f} MB")
        name = agency_name(agencies // 2)[0]
        median, worst = latency(lambda: report_versions(connection, name, 2020), 200)
        print(f"report history   {median:.2f} ms median, {worst:.2f} ms worst (one agency and year, all versions)")
        cell_count = len(year_cells(connection, 2020))
        median, worst = latency(lambda: year_cells(connection, 2020), 3)
        shown = f"{median:,.0f} ms median, {worst:,.0f} ms worst"
        print(f"year's cells     {shown} ({cell_count:,} cells of {agencies:,} agencies)")
        median, worst = latency(lambda: year_cells(connection, 2020, table="review_litigation"), 10)
        print(f"year's one table {median:,.0f} ms median, {worst:,.0f} ms worst (review_litigation, all agencies)")


if __name__ == "__main__":
    if os.environ.get("NIANBAO_BENCH_PROFILE"):
        import cProfile

        cProfile.run("main()", sort="cumulative")
    else:
        main()
