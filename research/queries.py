"""Researchers' queries over the archive: filter versions, resolve agencies, load records.

All of it reads three views that a migration of ours defines over the storage tables
(``reports_view``, one row per report version with readable columns; ``cells_view``, the
long form of every table cell; ``records_view``, each version's parsed record as JSON),
so these queries, Datasette users and hand-written SQL all see the same columns.

Example::

    with engine.connect() as connection:
        rows = find_versions(connection, parse_filters(agency="二七区", years=["2023"], failed=["R1"]))
"""

from __future__ import annotations

import json
from datetime import date, datetime

from sqlalchemy import Connection, and_, column, select, table, true
from sqlalchemy.sql import Select

from parsers.model import Report
from research.filters import (
    BadFilter,
    Filters,
    matching_agencies,
    require_year,
    resolve_agency,
    unknown_agency_message,
)
from research.rows import DocumentRow, VersionRow

REPORT_COLUMNS = (
    "version_id",
    "report_id",
    "agency",
    "region",
    "province",
    "city",
    "district",
    "year",
    "version",
    "arrival_number",
    "format_version",
    "failed_rules",
    "published_at",
    "first_seen",
    "source_url",
    "sha256",
    "is_latest",
)
reports_view = table("reports_view", *(column(name) for name in REPORT_COLUMNS))
records_view = table("records_view", column("version_id"), column("record"))
agency = table("agency", column("id"), column("name"))
report = table("report", column("id"), column("agency_id"))
agency_alias = table("agency_alias", column("agency_id"), column("alias"))
check_result = table("check_result", column("version_id"), column("rule"), column("status"))
documents_view = table(
    "documents_view", column("version_id"), column("sha256"), column("url"), column("media_type"), column("size")
)


class NotArchived(BadFilter):
    """A report, version or year the archive does not hold."""


def find_versions(
    connection: Connection, filters: Filters, *, all_versions: bool = False, limit: int | None = None
) -> list[VersionRow]:
    """Versions matching ``filters`` (the latest of each report unless ``all_versions``)."""
    statement = _filtered(filters, all_versions).order_by(
        reports_view.c.agency, reports_view.c.year, reports_view.c.version
    )
    if limit is not None:
        statement = statement.limit(limit)
    return [_row(mapping) for mapping in connection.execute(statement).mappings()]


def _filtered(filters: Filters, all_versions: bool) -> Select:
    view = reports_view.c
    conditions = [true() if all_versions else view.is_latest == 1]
    if filters.agency:
        conditions.append(view.agency.contains(filters.agency, autoescape=True))
    if filters.region:
        conditions.append(view.region.contains(filters.region, autoescape=True))
    if filters.years:
        conditions.append(view.year.in_(filters.years))
    if filters.format_versions:
        conditions.append(view.format_version.in_(filters.format_versions))
    for rule in filters.failed_rules:
        # Served by the partial index of failures (migration research_0001).
        checks = check_result.c
        failing = select(checks.version_id).where(checks.rule == rule, checks.status == "fail")
        conditions.append(view.version_id.in_(failing))
    return select(reports_view).where(and_(*conditions))


def _row(mapping) -> VersionRow:
    return VersionRow(
        version_id=int(mapping["version_id"]),
        report_id=int(mapping["report_id"]),
        agency=mapping["agency"],
        region=mapping["region"] or "",
        year=int(mapping["year"]),
        version=int(mapping["version"]),
        format_version=mapping["format_version"] or "unknown",
        failed_rules=tuple(rule for rule in (mapping["failed_rules"] or "").split(",") if rule),
        published_at=_as_date(mapping["published_at"]),
        first_seen=_as_datetime(mapping["first_seen"]),
        source_url=mapping["source_url"],
        sha256=mapping["sha256"],
        is_latest=bool(mapping["is_latest"]),
    )


def _as_date(value: object) -> date | None:
    if value is None or isinstance(value, date):
        return value  # type: ignore[return-value]
    return date.fromisoformat(str(value)[:10])


def _as_datetime(value: object) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value  # type: ignore[return-value]
    return datetime.fromisoformat(str(value))


def agency_names(connection: Connection) -> list[str]:
    """Every agency that has a report (the agency table, not the view: 20,000 names, not 100,000 rows)."""
    statement = select(agency.c.name).where(select(report.c.id).where(report.c.agency_id == agency.c.id).exists())
    return [name for (name,) in connection.execute(statement.order_by(agency.c.name))]


def resolve(connection: Connection, agency_query: str) -> str:
    """The canonical name ``agency_query`` stands for (a canonical name, a unique part of
    one, or a name the body was printed under); BadFilter with the closest names otherwise."""
    exact = connection.execute(select(agency.c.name).where(agency.c.name == agency_query.strip())).scalar()
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
        select(agency.c.name)
        .join(agency_alias, agency_alias.c.agency_id == agency.c.id)
        .where(agency_alias.c.alias == alias)
        .distinct()
    )
    return [name for (name,) in connection.execute(statement)]


def archived_years(connection: Connection, agency: str) -> list[int]:
    statement = select(reports_view.c.year).where(reports_view.c.agency == agency).distinct()
    return sorted(int(year) for (year,) in connection.execute(statement))


def versions_of(connection: Connection, agency: str, year: int) -> list[VersionRow]:
    """Every version of one report, in the order the body published them (the latest last)."""
    require_year(year, archived_years(connection, agency), agency)
    statement = (
        select(reports_view)
        .where(reports_view.c.agency == agency, reports_view.c.year == year)
        .order_by(reports_view.c.version)
    )
    return [_row(mapping) for mapping in connection.execute(statement).mappings()]


def version_rows(connection: Connection, version_ids: list[int]) -> dict[int, VersionRow]:
    """The rows of these versions, by id, in one query."""
    statement = select(reports_view).where(reports_view.c.version_id.in_(version_ids))
    return {row.version_id: row for row in map(_row, connection.execute(statement).mappings())}


def version_row(connection: Connection, version_id: int) -> VersionRow:
    mapping = connection.execute(select(reports_view).where(reports_view.c.version_id == version_id)).mappings().first()
    if mapping is None:
        raise NotArchived(f"no version {version_id} in the archive")
    return _row(mapping)


def pick_version(versions: list[VersionRow], number: int | None) -> VersionRow:
    """Version ``number`` of a report, or its latest."""
    if number is None:
        return versions[-1]
    for version in versions:
        if version.version == number:
            return version
    listed = ", ".join(str(v.version) for v in versions)
    raise NotArchived(f"{versions[0].agency} {versions[0].year} has no version {number}; versions: {listed}")


def load_record(connection: Connection, version_id: int) -> Report:
    statement = select(records_view.c.record).where(records_view.c.version_id == version_id)
    record = connection.execute(statement).scalar_one_or_none()
    if record is None:
        raise NotArchived(f"version {version_id} has no parsed record")
    return Report.from_dict(json.loads(record) if isinstance(record, str | bytes) else record)


def documents_of(connection: Connection, version_id: int) -> list[DocumentRow]:
    statement = select(documents_view).where(documents_view.c.version_id == version_id)
    return [
        DocumentRow(m["sha256"], m["url"], m["media_type"], m["size"]) for m in connection.execute(statement).mappings()
    ]


def document_media_type(connection: Connection, sha256: str) -> str | None:
    statement = select(documents_view.c.media_type).where(documents_view.c.sha256 == sha256).limit(1)
    return connection.execute(statement).scalar_one_or_none()


def find_versions_or_suggest(
    connection: Connection, filters: Filters, *, all_versions: bool = False, limit: int | None = None
) -> list[VersionRow]:
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
    return [int(year) for (year,) in connection.execute(select(reports_view.c.year).distinct())]


def _years_label(years: tuple[int, ...]) -> str:
    return str(years[0]) if len(years) == 1 else f"{years[0]}-{years[-1]}"
