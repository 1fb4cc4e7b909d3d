"""Exporting every version of every report, one format per writer function.

:func:`iter_versions` reads the archive a batch at a time, so memory stays flat however
large it is; each format writes as it reads.

A format is a function ``(versions, out) -> count`` over binary output, registered in
:data:`FORMATS` (one row per version) and :data:`LONG_FORMATS` (one row per table cell,
:mod:`research.tabular`); the ``nianbao export`` command offers exactly those names.

``jsonl``: one JSON object a line, the parsed record of ``docs/RECORD.md`` plus
``version`` (published order, 1 = first), ``latest``, ``source_url``, ``published_at``,
``fetched_at`` (when first fetched) and ``sha256`` (of the raw document). Money stays an
exact decimal string, as in the record.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO

from sqlalchemy import Connection, select

from research.rows import ExportedVersion, VersionInfo
from research.tabular import LONG_EXPORTERS, WIDE_EXPORTERS, Exporter
from research.views import RECORDS, REPORTS, view

EXPORT_BATCH = 500


def iter_versions(connection: Connection) -> Iterator[ExportedVersion]:
    """Every version of every report with its parsed record, by agency, year and published order.

    The order is read first as bare ids, then the rows a batch at a time by id: sorting the
    rows with their records made SQLite build the sort of every record in memory (about
    1 GiB of RSS for 100,000 versions), however the rows were then fetched.
    """
    reports, records = view(connection, REPORTS), view(connection, RECORDS)
    ordered = select(reports.c.version_id).order_by(reports.c.agency, reports.c.year, reports.c.version)
    ids = list(connection.scalars(ordered))
    joined = select(reports, records.c.record).join(records, records.c.version_id == reports.c.version_id)
    for start in range(0, len(ids), EXPORT_BATCH):
        batch = ids[start : start + EXPORT_BATCH]
        rows = connection.execute(joined.where(reports.c.version_id.in_(batch))).mappings()
        by_id = {row["version_id"]: row for row in rows}
        for version_id in batch:
            row = by_id[version_id]
            yield ExportedVersion(VersionInfo.from_view(row), row["record"])


def export_line(version: ExportedVersion) -> dict[str, Any]:
    """The record of one version, with where and when it came from."""
    info = version.info
    return version.record | {
        "version": info.version,
        "latest": info.is_latest,
        "source_url": info.source_url,
        "published_at": info.published_at.isoformat() if info.published_at else None,
        "fetched_at": info.first_seen.isoformat(),
        "sha256": info.sha256,
    }


def write_jsonl(versions: Iterable[ExportedVersion], out: BinaryIO) -> int:
    count = 0
    for version in versions:
        line = json.dumps(export_line(version), ensure_ascii=False, separators=(",", ":"))
        out.write(line.encode("utf-8") + b"\n")
        count += 1
    return count


# jsonl is the whole record (the contract other programs read); csv and parquet the wide table.
FORMATS: dict[str, Exporter] = {"jsonl": write_jsonl, **WIDE_EXPORTERS}
LONG_FORMATS: dict[str, Exporter] = LONG_EXPORTERS


def exporter(format_name: str, *, long: bool = False) -> Exporter:
    """The writer of ``format_name``, one row per version or, with ``long``, one per cell."""
    return (LONG_FORMATS if long else FORMATS)[format_name]
