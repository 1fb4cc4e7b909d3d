"""Rebuilding the parsed data of every version from its raw bytes, with the current parser.

Parsed data is derived: the raw bytes are the archive. ``reparse`` reads each version's
document from the content-addressed folder, parses it again with the hints the crawl
stored with its capture (an archive older than ``capture.hints`` gives only the agency's
region), and replaces the version's
record, text, cells and check results in one transaction per version, recording the
parser version that made them. The version keeps its agency and year even when the new
parse reads them differently: such versions are listed, never moved. A document the
parser now rejects keeps its previous parse and is listed with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from parsers.model import Region, Report
from parsers.parse_file import Hints
from storage.archive import Archive
from storage.errors import UnkeyedReport
from storage.models import AgencyRow, CaptureRow, ReportRow, VersionRow
from storage.versions import Prepared, ReportKey, prepare, reorder, replace_parse, report_key

Parse = Callable[[bytes, Hints], Report]


@dataclass(slots=True)
class ReparseStats:
    versions: int = 0
    reparsed: int = 0
    failed: list[tuple[int, str]] = field(default_factory=list)  # version id, reason
    key_changed: list[tuple[int, str]] = field(default_factory=list)  # version id, what the parser read now


@dataclass(frozen=True, slots=True)
class _Target:
    version_id: int
    report_id: int
    agency_id: int
    agency: str
    year: int
    sha256: str
    first_seen_at: datetime
    region: Region
    hints: Hints


def reparse_all(
    archive: Archive, *, parse: Parse | None = None, parser_version: str | None = None, only_outdated: bool = False
) -> ReparseStats:
    """Reparse every version (or only those another parser version made); what happened."""
    from parsers.errors import ParseError
    from parsers.parse_file import parse as current_parser

    parse = parse or current_parser
    version = parser_version or archive.parser_version
    stats = ReparseStats()
    for target in _targets(archive, version if only_outdated else None):
        stats.versions += 1
        try:
            report = parse(archive.read_bytes(target.sha256), target.hints)
        except ParseError as error:
            stats.failed.append((target.version_id, f"{error.reason}: {error.message}"))
            continue
        _note_key_change(stats, target, report)
        # Cells keep the version's stored key, whatever the new parse reads.
        key = ReportKey(target.agency, target.year, report.agency or target.agency, target.region)
        prepared = prepare(report, key, parser_version=version, now=archive.clock())
        archive.transact(f"reparse version {target.version_id}", partial(_replace, target=target, prepared=prepared))
        stats.reparsed += 1
    return stats


def _targets(archive: Archive, skip_version: str | None) -> list[_Target]:
    first_hints = (
        select(CaptureRow.hints)
        .where(CaptureRow.version_id == VersionRow.id, CaptureRow.hints.is_not(None))
        .order_by(CaptureRow.fetched_at, CaptureRow.id)  # the version's first sighting, as storing keeps it
        .limit(1)
        .scalar_subquery()
    )
    query = (
        select(
            VersionRow.id, VersionRow.report_id, AgencyRow.id, AgencyRow.name, ReportRow.year, VersionRow.content_sha256
        )
        .add_columns(VersionRow.first_seen_at, first_hints, AgencyRow.province, AgencyRow.city, AgencyRow.district)
        .join(ReportRow, ReportRow.id == VersionRow.report_id)
        .join(AgencyRow, AgencyRow.id == ReportRow.agency_id)
        .order_by(VersionRow.id)
    )
    if skip_version is not None:
        query = query.where(VersionRow.parser_version != skip_version)
    with Session(archive.engine) as session:
        rows = session.execute(query).all()
    return [_target(*row) for row in rows]


def _target(
    version: int, report: int, agency_id: int, agency: str, year: int, sha256: str, seen: datetime, *rest: Any
) -> _Target:
    hints, province, city, district = rest
    region = Region(province, city, district)
    return _Target(
        version,
        report,
        agency_id,
        agency,
        year,
        sha256,
        seen,
        region,
        Hints.from_json(hints) if hints else Hints(region=region),
    )


def _note_key_change(stats: ReparseStats, target: _Target, report: Report) -> None:
    try:
        key = report_key(report, target.region)
    except UnkeyedReport as error:
        stats.key_changed.append((target.version_id, str(error)))
        return
    if (key.agency, key.year) != (target.agency, target.year):
        stats.key_changed.append((target.version_id, f"{key.agency} {key.year}"))


def _replace(session: Session, *, target: _Target, prepared: Prepared) -> None:
    connection = session.connection()
    replace_parse(connection, target.version_id, target.agency_id, prepared, target.first_seen_at)
    reorder(connection, target.report_id)
