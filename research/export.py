"""Exporting every version of every report, one format per writer function.

A format is a function ``(versions, out) -> count`` over binary output, registered in
:data:`FORMATS` (one row per version) and :data:`LONG_FORMATS` (one row per table cell,
:mod:`research.tabular`); the ``nianbao export`` command offers exactly those names.

``jsonl``: one JSON object a line, the parsed record of ``report-schema.md`` plus
``version`` (published order, 1 = first), ``latest``, ``source_url``, ``published_at``,
``fetched_at`` (when first fetched) and ``sha256`` (of the raw document). Money stays an
exact decimal string, as in the record.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, BinaryIO

from research.history import ExportedVersion
from research.tabular import LONG_EXPORTERS, WIDE_EXPORTERS, Exporter


def export_line(version: ExportedVersion) -> dict[str, Any]:
    """The record of one version, with where and when it came from."""
    info = version.info
    return version.record | {
        "version": info.ordinal,
        "latest": info.is_latest,
        "source_url": info.source_url,
        "published_at": info.published_at.isoformat() if info.published_at else None,
        "fetched_at": info.first_seen_at.isoformat(),
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
