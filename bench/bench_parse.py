"""Reports per second of the text parser (extraction of text + parse), per core.

Parsing must never be what limits a crawl: the aim is at least 200 reports/s per core.
The baseline measured in the same run is the bare text reader, so the ratio shows what
the report parser adds on top of reading the bytes.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from parsers.extract.text import read
from parsers.report import parse

REPORTS = Path(__file__).resolve().parents[1] / "fixtures" / "reports"
TARGET_PER_CORE = 200


def _inputs() -> list[bytes]:
    paths = [p for p in REPORTS.glob("*/*") if p.suffix in {".txt", ".md"} and p.parent.name != "invalid"]
    return [path.read_bytes() for path in sorted(paths)]


def _rate(work, inputs: list[bytes], seconds: float = 3.0) -> float:
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for data in inputs:
            work(data)
        done += len(inputs)
    return done / (time.perf_counter() - start)


def main() -> None:
    inputs = _inputs()
    read_rate = _rate(read, inputs)
    parse_rate = _rate(lambda data: parse(read(data)), inputs)
    cores = os.cpu_count() or 1
    print(f"inputs: {len(inputs)} text reports; cores: {cores}; measured on one core")
    print(f"baseline  text reader only:  {read_rate:8.1f} reports/s")
    print(
        f"parser    read + parse:      {parse_rate:8.1f} reports/s  (ratio to baseline {read_rate / parse_rate:.1f}x)"
    )
    verdict = "meets" if parse_rate >= TARGET_PER_CORE else "MISSES"
    print(f"target    {TARGET_PER_CORE} reports/s per core: {verdict} ({parse_rate / TARGET_PER_CORE:.1f}x the target)")


if __name__ == "__main__":
    main()
