"""Researchers' latency on a large archive: a diff, a search, a query and an export of all cells.

Generates (once, then reuses) an SQLite archive of ``--versions`` report versions
(default 100,000: 20,000 agencies x 5 years) through the real schema and migrations, by
bulk inserts of records parsed from rendered specs, then measures each operation
against a baseline measured in the same run:

- diff: one agency's year against the year before (load two records + diff) vs the
  diff of two records already in memory;
- search: a trigram MATCH vs a full scan of the same text (what the index saves), and
  a two-character word (which must scan);
- query: reports failing R1 in one year, vs all reports of that year;
- export: every cell in long form as CSV (rows/s, peak memory) vs reading the same cells
  without writing them.

    python bench/bench_query.py [--versions 100000] [--db /tmp/nianbao-bench-query/query.sqlite]
"""

from __future__ import annotations

import argparse
import io
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from query_archive import RARE_WORD, generate

from research.compare import diff_years
from research.diff import diff_reports
from research.export import iter_versions
from research.filters import parse_filters
from research.queries import find_versions, load_record
from research.search import search
from research.tabular import LONG_EXPORTERS
from storage.archive import Archive


def timed(work: Callable[[], object], repeat: int = 5) -> tuple[float, object]:
    """Median seconds of ``repeat`` runs, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


class Discard(io.RawIOBase):
    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        return len(data)


def report(name: str, seconds: float, baseline_name: str, baseline: float, extra: str = "") -> None:
    ratio = seconds / baseline if baseline else float("inf")
    timing = f"{seconds * 1000:10.1f} ms   {baseline_name} {baseline * 1000:9.1f} ms"
    print(f"{name:<34} {timing}   ratio {ratio:7.2f}  {extra}")


def bench_diff(connection, agency: str) -> None:
    seconds, _ = timed(lambda: diff_years(connection, agency, 2023))
    ids = [row.version_id for row in find_versions(connection, parse_filters(agency=agency, years=["2022-2023"]))]
    old, new = (load_record(connection, version_id) for version_id in ids)
    baseline, _ = timed(lambda: diff_reports(old, new))
    report("diff (agency, 2023 vs 2022)", seconds, "in-memory diff", baseline)


def bench_search(connection) -> None:
    seconds, hits = timed(lambda: search(connection, RARE_WORD, limit=20))
    scan, _ = timed(
        lambda: connection.exec_driver_sql(
            f"SELECT count(*) FROM version WHERE instr(text, '{RARE_WORD}') > 0"
        ).scalar(),
        3,
    )
    report(f"search {RARE_WORD} (trigram)", seconds, "full scan", scan, f"{len(hits)} hits")
    common, hits = timed(lambda: search(connection, "政府信息公开", limit=20))
    report("search 政府信息公开 (top 20)", common, "full scan", scan, f"{len(hits)} hits")
    short, hits = timed(lambda: search(connection, "复议", limit=20), 3)
    report("search 复议 (2 chars: scan)", short, "full scan", scan, f"{len(hits)} hits")


def bench_query(connection) -> None:
    seconds, rows = timed(lambda: find_versions(connection, parse_filters(years=["2023"], failed=["R1"])), 3)
    baseline, every = timed(lambda: find_versions(connection, parse_filters(years=["2023"])), 3)
    report("query --year 2023 --failed R1", seconds, "--year 2023", baseline, f"{len(rows)} of {len(every)} rows")


def bench_export(url: str, raw_dir: Path) -> None:
    with Archive.open(url, raw_dir, upgrade=False) as archive:
        start = time.perf_counter()
        with archive.engine.connect() as connection:
            cells = sum(1 for _ in connection.exec_driver_sql("SELECT * FROM cell"))
        baseline = time.perf_counter() - start
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        start = time.perf_counter()
        with archive.engine.connect() as connection:
            rows = LONG_EXPORTERS["csv"](iter_versions(connection), Discard())
        seconds = time.perf_counter() - start
        grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    report(
        "export --long csv (all cells)",
        seconds,
        "read cells",
        baseline,
        f"{rows:,} rows, {rows / seconds:,.0f} rows/s, peak RSS +{grown / 1024:.0f} MiB ({cells:,} cells)",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--versions", type=int, default=100_000)
    parser.add_argument("--db", type=Path, default=Path(tempfile.gettempdir()) / "nianbao-bench-query" / "query.sqlite")
    options = parser.parse_args()
    url = f"sqlite:///{options.db}"
    generated, agency = generate(options.db, options.versions)
    print(
        f"archive: {options.db} ({options.db.stat().st_size / 2**20:,.0f} MiB), {options.versions:,} versions, "
        f"{'generated in ' + format(generated, '.0f') + ' s' if generated else 'reused'}"
    )
    with Archive.open(url, options.db.parent / "raw", upgrade=False) as archive, archive.engine.connect() as connection:
        bench_diff(connection, agency)
        bench_search(connection)
        bench_query(connection)
    bench_export(url, options.db.parent / "raw")


if __name__ == "__main__":
    main()
