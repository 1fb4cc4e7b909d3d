"""Researchers' queries over the archive: filter versions, resolve agencies, load records.

Versions, records and documents are read from the views of ``research.views`` (declared
once, by the migrations), so these queries, Datasette users and hand-written SQL all see
the same columns; agencies and cells from the storage tables themselves.

Example::

    with engine.connect() as connection:
        rows = find_versions(connection, parse_filters(agency="二七区", years=["2023"], failed=["R1"]))
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table, and_, func, select, true
from sqlalchemy.sql import Select

from parsers.model import Report
from research.codebook import ACROSS_YEARS
from research.filters import (
    BadFilter,
    Filters,
    matching_agencies,
    require_year,
    resolve_agency,
    unknown_agency_message,
)
from research.rows import CellInfo, DocumentInfo, VersionInfo
from research.views import DOCUMENTS, RECORDS, REPORTS, view
from storage.cells import cell_value
from storage.models import AgencyAliasRow, AgencyRow, CellRow, CheckResultRow, ReportRow, VersionRow


class NotArchived(BadFilter):
    """A report, version or year the archive does not hold."""


def find_versions(
    connection: Connection, filters: Filters, *, all_versions: bool = False, limit: int | None = None
) -> list[VersionInfo]:
    """Versions matching ``filters`` (the latest of each report unless ``all_versions``)."""
    reports = view(connection, REPORTS)
    statement = _filtered(reports, filters, all_versions).order_by(reports.c.agency, reports.c.year, reports.c.version)
    if limit is not None:
        statement = statement.limit(limit)
    return _infos(connection, statement)


def count_versions(connection: Connection, filters: Filters, *, all_versions: bool = False) -> int:
    """How many versions :func:`find_versions` would return without a limit."""
    statement = _filtered(view(connection, REPORTS), filters, all_versions)
    return int(connection.scalar(select(func.count()).select_from(statement.subquery())) or 0)


def _filtered(reports: Table, filters: Filters, all_versions: bool) -> Select:
    columns = reports.c
    conditions = [true() if all_versions else columns.is_latest == 1]
    if filters.agency:
        conditions.append(columns.agency.contains(filters.agency, autoescape=True))
    if filters.region:
        conditions.append(columns.region.contains(filters.region, autoescape=True))
    if filters.years:
        conditions.append(columns.year.in_(filters.years))
    if filters.format_versions:
        conditions.append(columns.format_version.in_(filters.format_versions))
    for rule in filters.failed_rules:
        if rule == ACROSS_YEARS:  # judged by the view itself at read time (migration 0005)
            conditions.append(columns.failed_rules.contains(rule))
            continue
        # Served by the partial index of failures (migration research_0001).
        failing = select(CheckResultRow.version_id).where(CheckResultRow.rule == rule, CheckResultRow.status == "fail")
        conditions.append(columns.version_id.in_(failing))
    return select(reports).where(and_(*conditions))


def _infos(connection: Connection, statement: Select) -> list[VersionInfo]:
    return [VersionInfo.from_view(mapping) for mapping in connection.execute(statement).mappings()]


def agency_names(connection: Connection) -> list[str]:
    """Every agency that has a report (the agency table, not the view: 20,000 names, not 100,000 rows)."""
    has_report = select(ReportRow.id).where(ReportRow.agency_id == AgencyRow.id).exists()
    return list(connection.scalars(select(AgencyRow.name).where(has_report).order_by(AgencyRow.name)))


def resolve(connection: Connection, agency_query: str) -> str:
    """The canonical name ``agency_query`` stands for (a canonical name, a unique part of
    one, or a name the body was printed under); BadFilter with the closest names otherwise."""
    exact = connection.scalar(select(AgencyRow.name).where(AgencyRow.name == agency_query.strip()))
    if exact is not None:
        return exact  # the common case, answered by the unique index without listing every name
    names = agency_names(connection)
    if not matching_agencies(agency_query, names):
        printed_as = _agencies_printed_as(connection, agency_query.strip())
        if len(printed_as) == 1:
            return printed_as[0]
    return resolve_agency(agency_query, names)


def _agencies_printed_as(connection: Connection, alias: str) -> list[str]:
    statement = (
        select(AgencyRow.name)
        .join(AgencyAliasRow, AgencyAliasRow.agency_id == AgencyRow.id)
        .where(AgencyAliasRow.alias == alias)
    )
    return list(connection.scalars(statement.distinct()))


def archived_years(connection: Connection, agency: str) -> list[int]:
    reports = view(connection, REPORTS)
    statement = select(reports.c.year).where(reports.c.agency == agency).distinct()
    return sorted(int(year) for year in connection.scalars(statement))


def versions_of(connection: Connection, agency: str, year: int) -> list[VersionInfo]:
    """Every version of one report, in the order the body published them (the latest last)."""
    require_year(year, archived_years(connection, agency), agency)
    reports = view(connection, REPORTS)
    statement = select(reports).where(reports.c.agency == agency, reports.c.year == year)
    return _infos(connection, statement.order_by(reports.c.version))


def report_versions(connection: Connection, agency_query: str, year: int) -> list[VersionInfo]:
    """:func:`versions_of` the agency ``agency_query`` stands for (see :func:`resolve`)."""
    return versions_of(connection, resolve(connection, agency_query), year)


def version_infos(connection: Connection, version_ids: list[int]) -> dict[int, VersionInfo]:
    """The rows of these versions, by id, in one query."""
    reports = view(connection, REPORTS)
    found = _infos(connection, select(reports).where(reports.c.version_id.in_(version_ids)))
    return {info.version_id: info for info in found}


def version_info(connection: Connection, version_id: int) -> VersionInfo:
    found = version_infos(connection, [version_id])
    if version_id not in found:
        raise NotArchived(f"no version {version_id} in the archive")
    return found[version_id]


def pick_version(versions: list[VersionInfo], number: int | None) -> VersionInfo:
    """VersionRow ``number`` of a report, or its latest."""
    if number is None:
        return versions[-1]
    for version in versions:
        if version.version == number:
            return version
    listed = ", ".join(str(v.version) for v in versions)
    raise NotArchived(f"{versions[0].agency} {versions[0].year} has no version {number}; versions: {listed}")


def load_record(connection: Connection, version_id: int) -> Report:
    records = view(connection, RECORDS)
    record = connection.scalar(select(records.c.record).where(records.c.version_id == version_id))
    if record is None:
        raise NotArchived(f"version {version_id} has no parsed record")
    return Report.from_dict(record)


def documents_of(connection: Connection, version_id: int) -> list[DocumentInfo]:
    documents = view(connection, DOCUMENTS)
    statement = select(documents.c.sha256, documents.c.url, documents.c.media_type, documents.c.size)
    return [DocumentInfo(*row) for row in connection.execute(statement.where(documents.c.version_id == version_id))]


def document_media_type(connection: Connection, sha256: str) -> str | None:
    documents = view(connection, DOCUMENTS)
    return connection.scalar(select(documents.c.media_type).where(documents.c.sha256 == sha256).limit(1))


def year_cells(connection: Connection, year: int, *, table: str | None = None, latest: bool = True) -> list[CellInfo]:
    """Every agency's cells for ``year``: of the latest versions, or of all with ``latest=False``."""
    # Through the reports of the year and their versions: the cell table is keyed by version.
    query = (
        select(
            AgencyRow.name, ReportRow.year, CellRow.version_id, CellRow.table_key, CellRow.row_key, CellRow.column_key
        )
        .add_columns(CellRow.value_exact, CellRow.value_kind, CellRow.raw_text, CellRow.meaning)
        .select_from(ReportRow)
        .join(AgencyRow, AgencyRow.id == ReportRow.agency_id)
        .join(VersionRow, VersionRow.report_id == ReportRow.id)
        .join(CellRow, CellRow.version_id == VersionRow.id)
        .where(ReportRow.year == year)
    )
    if table is not None:
        query = query.where(CellRow.table_key == table)
    if latest:
        query = query.where(VersionRow.is_latest.is_(True))
    return [_cell_info(row) for row in connection.execute(query)]


def _cell_info(row: Any) -> CellInfo:
    agency, year, version_id, table, row_key, column, exact, kind, raw_text, meaning = row
    return CellInfo(agency, year, version_id, table, row_key, column, cell_value(exact, kind), raw_text, meaning)


def find_versions_or_suggest(
    connection: Connection, filters: Filters, *, all_versions: bool = False, limit: int | None = None
) -> list[VersionInfo]:
    """:func:`find_versions`, but an empty answer caused by a name or a year says so."""
    rows = find_versions(connection, filters, all_versions=all_versions, limit=limit)
    if rows:
        return rows
    if filters.agency:
        names = agency_names(connection)
        if not matching_agencies(filters.agency, names):
            raise NotArchived(unknown_agency_message(filters.agency, names))
    if filters.years:
        years = sorted(_all_years(connection))
        if not set(filters.years) & set(years):
            listed = ", ".join(str(year) for year in years) or "none"
            raise NotArchived(f"no report for {_years_label(filters.years)} in the archive; archived years: {listed}")
    return rows


def _all_years(connection: Connection) -> list[int]:
    reports = view(connection, REPORTS)
    return [int(year) for year in connection.scalars(select(reports.c.year).distinct())]


def _years_label(years: tuple[int, ...]) -> str:
    return str(years[0]) if len(years) == 1 else f"{years[0]}-{years[-1]}"
