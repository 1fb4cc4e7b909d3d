"""Reading the archive back: a report's versions, one year's cells, every version in turn.

Plain functions over a Session, returning frozen rows, so that the crawler, the
commands and the benchmark read the archive the same way. ``research.queries`` holds the
researchers' filtered queries over the SQL views.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from parsers.model import CellValue
from storage.cells import cell_value
from storage.models import Agency, AgencyAlias, Cell, Report, Version

EXPORT_BATCH = 500


@dataclass(frozen=True, slots=True)
class VersionInfo:
    version_id: int
    agency: str
    year: int
    number: int
    ordinal: int
    is_latest: bool
    published_at: date | None
    first_seen_at: datetime
    last_seen_at: datetime
    source_url: str
    sha256: str
    format_version: str
    parser_version: str


@dataclass(frozen=True, slots=True)
class CellInfo:
    agency: str
    year: int
    version_id: int
    table: str
    row: str
    column: str
    value: CellValue
    raw_text: str | None
    meaning: str | None


@dataclass(frozen=True, slots=True)
class ExportedVersion:
    info: VersionInfo
    record: dict[str, Any]


_INFO_COLUMNS = (
    Version.id,
    Agency.name,
    Report.year,
    Version.number,
    Version.ordinal,
    Version.is_latest,
    Version.published_at,
    Version.first_seen_at,
    Version.last_seen_at,
    Version.source_url,
    Version.content_sha256,
    Version.format_version,
    Version.parser_version,
)


def agency_id(session: Session, name: str) -> int | None:
    """The agency named ``name``, canonically or by one of its printed aliases."""
    aliased = select(AgencyAlias.agency_id).where(AgencyAlias.alias == name)
    found = session.scalars(select(Agency.id).where(or_(Agency.name == name, Agency.id.in_(aliased)))).all()
    return found[0] if len(found) == 1 else None


def report_history(session: Session, agency: str, year: int) -> list[VersionInfo]:
    """The report's versions in published order (the last one is the latest)."""
    found = agency_id(session, agency)
    if found is None:
        return []
    query = _info_query().where(Report.agency_id == found, Report.year == year).order_by(Version.ordinal)
    return [VersionInfo(*row) for row in session.execute(query)]


def year_cells(session: Session, year: int, *, table: str | None = None, latest: bool = True) -> list[CellInfo]:
    """Every agency's cells for ``year``: of the latest versions, or of all with ``latest=False``."""
    # Through the reports of the year and their versions: the cell table is keyed by version.
    query = (
        select(Agency.name, Report.year, Cell.version_id, Cell.table_key, Cell.row_key, Cell.column_key)
        .add_columns(Cell.value_exact, Cell.value_kind, Cell.raw_text, Cell.meaning)
        .select_from(Report)
        .join(Agency, Agency.id == Report.agency_id)
        .join(Version, Version.report_id == Report.id)
        .join(Cell, Cell.version_id == Version.id)
        .where(Report.year == year)
    )
    if table is not None:
        query = query.where(Cell.table_key == table)
    if latest:
        query = query.where(Version.is_latest.is_(True))
    return [_cell_info(row) for row in session.execute(query)]


def iter_versions(session: Session) -> Iterator[ExportedVersion]:
    """Every version of every report with its parsed record, by agency, year and published order.

    The order is read first as bare ids, then the records a batch at a time by id: sorting
    the rows with their records made SQLite build the sort of every record in memory
    (about 1 GiB of RSS for 100,000 versions), however the rows were then fetched.
    """
    ordered = (
        select(Version.id)
        .join(Report, Report.id == Version.report_id)
        .join(Agency, Agency.id == Report.agency_id)
        .order_by(Agency.name, Report.year, Version.ordinal)
    )
    ids = list(session.scalars(ordered))
    for start in range(0, len(ids), EXPORT_BATCH):
        batch = ids[start : start + EXPORT_BATCH]
        rows = session.execute(_info_query().add_columns(Version.record).where(Version.id.in_(batch)))
        by_id = {row[0]: row for row in rows}
        for version_id in batch:
            *info, record = by_id[version_id]
            yield ExportedVersion(VersionInfo(*info), record)


def _info_query():
    return (
        select(*_INFO_COLUMNS).join(Report, Report.id == Version.report_id).join(Agency, Agency.id == Report.agency_id)
    )


def _cell_info(row: Any) -> CellInfo:
    agency, year, version_id, table, row_key, column, exact, kind, raw_text, meaning = row
    return CellInfo(agency, year, version_id, table, row_key, column, cell_value(exact, kind), raw_text, meaning)
