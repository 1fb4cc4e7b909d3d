"""Small parsed reports for storage tests, and their stand-in document bytes.

The bytes of a test document are the report's own JSON, so a fake parser for reparse
tests is ``Report.from_dict(json.loads(data))``.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

from parsers.model import Check, RawCell, Region, Report, Section
from parsers.parse_file import NO_HINTS, Hints
from research.export import iter_versions
from research.queries import report_versions, year_cells
from research.rows import CellInfo, ExportedVersion, VersionInfo
from storage.archive import Archive

ERQI = Region("河南省", "郑州市", "二七区")


def make_report(
    agency: str = "二七区统计局",
    year: int = 2023,
    *,
    published_at: date | None = None,
    new: int = 10,
    fees: str = "95.3893",
    region: Region = ERQI,
    note: str = "",
) -> Report:
    tables = {
        "active": {"fees": {"amount": Decimal(fees)}, "licensing": {"decisions": 7}},
        "applications": {"new": {"natural_person": new, "total": new}, "carried_over": {"total": None}},
    }
    raw = {"applications": {"carried_over": {"total": RawCell("—", "na")}}}
    return Report(
        agency=agency,
        agency_canonical=agency,
        region=region,
        year=year,
        published_at=published_at,
        format_version="2021",
        sections=[Section(1, "一、总体情况", f"{year}年，本机关扎实推进政务公开。{note}")],
        tables=tables,
        raw=raw,
        checks=[Check("R1", "uncertain", "applications.total: carried_over is blank")],
        warnings=[],
        text=f"{agency}{year}年政府信息公开工作年度报告 {note}",
    )


def document_bytes(report: Report) -> bytes:
    return json.dumps(report.to_dict(with_text=True), ensure_ascii=False, sort_keys=True).encode("utf-8")


def parse_document(data: bytes, hints: Hints = NO_HINTS) -> Report:
    """The fake parser: the document is the report's JSON."""
    return Report.from_dict(json.loads(data))


def report_history(archive: Archive, agency: str, year: int) -> list[VersionInfo]:
    """The report's versions as researchers read them, in published order."""
    with archive.engine.connect() as connection:
        return report_versions(connection, agency, year)


def year_cells_of(archive: Archive, year: int, **options: Any) -> list[CellInfo]:
    with archive.engine.connect() as connection:
        return year_cells(connection, year, **options)


def exported(archive: Archive) -> list[ExportedVersion]:
    with archive.engine.connect() as connection:
        return list(iter_versions(connection))
