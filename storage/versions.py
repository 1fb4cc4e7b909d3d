"""Storing a parsed report as a version: the one write transaction of the archive.

Everything that needs no database (the key, the record, the cells) is prepared before
the transaction, which then, on one connection (``Archive.store_report`` runs it,
retrying on collisions):

1. finds or creates the agency, by its canonical name, keeping the printed name as an
   alias;
2. finds or creates the report, by (agency, year), locked so that concurrent writers of
   the same report take turns (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's write
   lock is taken at ``BEGIN IMMEDIATE``);
3. either records that the version with the same bytes was seen again, or adds a new
   version with its cells and check results;
4. keeps the report's versions in published order (``ordinal``, ``is_latest``).

Versions are ordered by ``sort_date`` (the publication date the page shows, else the
day first seen), then by when first seen, then by number: a correction (更正版)
republished later at a new URL is the latest version whatever order the crawl met
the two in.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any, cast

from sqlalchemy import Connection, Table, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from parsers.agency import canonical_agency
from parsers.model import Region, Report
from storage.cells import cell_rows, check_rows
from storage.errors import UnkeyedReport
from storage.models import (
    AgencyAliasRow,
    AgencyRow,
    CaptureRow,
    CellRow,
    CheckResultRow,
    DocumentRow,
    ReportRow,
    VersionRow,
    VersionSourceRow,
    clip,
)

# Core tables of the mapped classes: the write path inserts rows in bulk, below the ORM.
AGENCY, ALIAS, REPORT, VERSION = (
    cast(Table, AgencyRow.__table__),
    cast(Table, AgencyAliasRow.__table__),
    cast(Table, ReportRow.__table__),
    cast(Table, VersionRow.__table__),
)
SOURCE, CHECK = cast(Table, VersionSourceRow.__table__), cast(Table, CheckResultRow.__table__)
_INSERT_VERSION = insert(VERSION).returning(VERSION.c.id)  # values bound at execution, not built in


@dataclass(frozen=True, slots=True)
class Sighting:
    """Where and when a document was fetched."""

    sha256: str
    source_url: str
    fetched_at: datetime
    list_url: str | None = None
    portal_id: str | None = None
    capture_id: int | None = None


@dataclass(frozen=True, slots=True)
class StoreResult:
    agency_id: int
    report_id: int
    version_id: int
    version_number: int  # the order the archive met the versions in; never changes
    ordinal: int  # the order the body published them in, 1 = first
    created: bool  # False: the same bytes were already a version; only the sighting is new
    is_latest: bool


@dataclass(frozen=True, slots=True)
class ReportKey:
    agency: str
    year: int
    printed: str
    region: Region


@dataclass(frozen=True, slots=True)
class Prepared:
    """A report made ready for the transaction: its key and its rows, minus ids."""

    key: ReportKey
    columns: dict[str, Any]
    cells: list[dict[str, Any]]
    checks: list[dict[str, Any]]


def report_key(report: Report, region: Region | None) -> ReportKey:
    """(canonical agency, year) of a parsed report; UnkeyedReport if either is missing."""
    printed = (report.agency or report.agency_canonical or "").strip()
    if not printed or report.year is None:
        raise UnkeyedReport(f"the report names no {'agency' if not printed else 'year'}: nothing to store it under")
    place = region or report.region
    canonical = canonical_agency(report.agency_canonical or printed, place) or printed
    return ReportKey(canonical, report.year, printed, place)


def prepare(report: Report, key: ReportKey, *, parser_version: str, now: datetime) -> Prepared:
    """The rows of ``report`` under ``key``; its stored record names the agency as the key does,
    so that the record, the archive and every export call one body by one name."""
    keyed = replace(report, agency_canonical=key.agency)
    return Prepared(key, parsed_columns(keyed, parser_version, now), cell_rows(keyed), check_rows(keyed))


def parsed_columns(report: Report, parser_version: str, now: datetime) -> dict[str, Any]:
    """The version's columns that come from the parser (and so change on reparse)."""
    return {
        "published_at": report.published_at,
        "agency_printed": report.agency,
        "format_version": report.format_version,
        "parser_version": parser_version,
        "parsed_at": now,
        "record": report.to_dict(),
        "text": report.text,
    }


def sort_date(published_at: date | None, first_seen: datetime) -> date:
    return published_at or first_seen.date()


def store_version(connection: Connection, prepared: Prepared, sighting: Sighting, agency_id: int) -> StoreResult:
    """Steps 2-4 of the module docstring, for an agency already found or created."""
    report_id = _locked_report_id(connection, agency_id, prepared.key.year, prepared.columns["parsed_at"])
    siblings = _versions_of(connection, report_id)
    same = next((row for row in siblings if row["content_sha256"] == sighting.sha256), None)
    if same is None:
        same = _add_version(connection, prepared, sighting, report_id, agency_id, siblings)
        siblings.append(same)
        _add_source(connection, same["id"], sighting)
    else:
        _record_seen(connection, same, sighting, prepared, agency_id)
    if sighting.capture_id is not None:
        connection.execute(update(CaptureRow).where(CaptureRow.id == sighting.capture_id).values(version_id=same["id"]))
    finish_captures(connection, sighting.source_url, sighting.sha256)
    number, ordinal, is_latest = reorder(connection, report_id, siblings)[same["id"]]
    return StoreResult(agency_id, report_id, same["id"], number, ordinal, same["created"], is_latest)


def finish_captures(connection: Connection, url: str, sha256: str) -> None:
    """The unfinished captures of these bytes at this URL have their outcome stored now."""
    unfinished = (CaptureRow.url == url, CaptureRow.sha256 == sha256, CaptureRow.unfinished.is_not(None))
    connection.execute(update(CaptureRow).where(*unfinished).values(unfinished=None))


def agency_id_for(connection: Connection, key: ReportKey, portal_id: str | None, now: datetime) -> int:
    found: int | None = connection.scalar(select(AGENCY.c.id).where(AGENCY.c.name == key.agency))
    if found is not None:
        return found
    region = key.region
    values = {"province": region.province, "city": region.city, "district": region.district}
    inserted = insert(AGENCY).values(name=key.agency, portal_id=portal_id, created_at=now, **values)
    agency_id: int = connection.execute(inserted.returning(AGENCY.c.id)).scalar_one()
    return agency_id


def ensure_alias(connection: Connection, agency_id: int, alias: str, portal_id: str | None, now: datetime) -> None:
    known = select(ALIAS.c.id).where(ALIAS.c.agency_id == agency_id, ALIAS.c.alias == alias)
    if connection.scalar(known) is None:
        values = {"agency_id": agency_id, "alias": alias, "portal_id": portal_id, "first_seen_at": now}
        connection.execute(insert(ALIAS).values(**values))


def ensure_document(
    connection: Connection, sha256: str, media_type: str | None, size: int, path: str, now: datetime
) -> None:
    """The document row of stored raw bytes; a second writer of the same bytes adds nothing."""
    media_type = clip(media_type, DocumentRow.media_type)
    values = {"sha256": sha256, "media_type": media_type, "size": size, "path": path, "stored_at": now}
    connection.execute(_insert_document(connection.dialect.name), values)


@cache
def _insert_document(dialect_name: str) -> Any:
    # Built once, values bound at execution: building a statement around each row's values
    # cost more than running it (every capture and every version ensures its document).
    dialect = sqlite if dialect_name == "sqlite" else postgresql
    return dialect.insert(DocumentRow.__table__).on_conflict_do_nothing()


def reorder(
    connection: Connection, report_id: int, rows: list[dict[str, Any]] | None = None
) -> dict[int, tuple[int, int, bool]]:
    """Renumber the report's versions by published order; version id -> (number, ordinal, latest).

    ``rows``: the versions as this transaction already knows them, to spare a query.
    """
    rows = _versions_of(connection, report_id) if rows is None else rows
    placed = _published_order(rows)
    for row in rows:
        _, ordinal, is_latest = placed[row["id"]]
        if (row["ordinal"], row["is_latest"]) != (ordinal, is_latest):
            values = {"ordinal": ordinal, "is_latest": is_latest}
            connection.execute(update(VERSION).where(VERSION.c.id == row["id"]).values(**values))
    return placed


def replace_parse(
    connection: Connection, version_id: int, agency_id: int, prepared: Prepared, first_seen_at: datetime
) -> None:
    """The version's parsed columns, cells and check results as ``prepared`` has them."""
    columns = prepared.columns | {"sort_date": sort_date(prepared.columns["published_at"], first_seen_at)}
    connection.execute(update(VERSION).where(VERSION.c.id == version_id).values(**columns))
    connection.execute(delete(CellRow).where(CellRow.version_id == version_id))
    connection.execute(delete(CHECK).where(CHECK.c.version_id == version_id))
    replace_derived_rows(connection, version_id, agency_id, prepared)


def replace_derived_rows(connection: Connection, version_id: int, agency_id: int, prepared: Prepared) -> None:
    """The version's cells and check results, as the prepared report has them."""
    if prepared.cells:
        _insert_cells(connection, (version_id, agency_id, prepared.key.year), prepared.cells)
    if prepared.checks:
        connection.execute(insert(CHECK), [{"version_id": version_id} | row for row in prepared.checks])


_CELL_COLUMNS = ("table_key", "row_key", "column_key", "value", "value_exact", "value_kind", "raw_text", "meaning")


def _insert_cells(connection: Connection, ids: tuple[int, int, int], cells: list[dict[str, Any]]) -> None:
    # About 200 rows a version: straight to the driver's executemany, which is half the
    # cost of the whole store when SQLAlchemy processes each row's parameters.
    names = ("version_id", "agency_id", "year", *_CELL_COLUMNS)
    marker = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    statement = f"INSERT INTO cell ({', '.join(names)}) VALUES ({', '.join([marker] * len(names))})"
    exact_numbers = connection.dialect.name != "sqlite"  # the sqlite3 module cannot bind a Decimal
    rows = [ids + tuple(_bindable(cell, exact_numbers)) for cell in cells]
    connection.exec_driver_sql(statement, rows)


def _bindable(cell: dict[str, Any], exact_numbers: bool) -> list[Any]:
    values = [cell[name] for name in _CELL_COLUMNS]
    if not exact_numbers and isinstance(values[3], Decimal):
        values[3] = float(values[3])  # value_exact keeps the exact number
    return values


def _published_order(rows: list[dict[str, Any]]) -> dict[int, tuple[int, int, bool]]:
    ordered = sorted(rows, key=lambda row: (row["sort_date"], row["first_seen_at"], row["number"]))
    last = len(ordered)
    return {row["id"]: (row["number"], ordinal, ordinal == last) for ordinal, row in enumerate(ordered, start=1)}


_SIBLING_COLUMNS = ("id", "number", "content_sha256", "sort_date", "first_seen_at", "last_seen_at", "published_at")


def _versions_of(connection: Connection, report_id: int) -> list[dict[str, Any]]:
    columns = [VERSION.c[name] for name in (*_SIBLING_COLUMNS, "ordinal", "is_latest")]
    found = connection.execute(select(*columns).where(VERSION.c.report_id == report_id))
    return [dict(row._mapping, created=False) for row in found]


def _locked_report_id(connection: Connection, agency_id: int, year: int, now: datetime) -> int:
    where = (REPORT.c.agency_id == agency_id, REPORT.c.year == year)
    report_id: int | None = connection.scalar(select(REPORT.c.id).where(*where).with_for_update())
    if report_id is None:
        # A concurrent creator makes this a unique violation, and the transaction is retried.
        inserted = insert(REPORT).values(agency_id=agency_id, year=year, created_at=now)
        report_id = connection.execute(inserted.returning(REPORT.c.id)).scalar_one()
    return report_id


def _add_version(
    connection: Connection,
    prepared: Prepared,
    sighting: Sighting,
    report_id: int,
    agency_id: int,
    siblings: list[dict[str, Any]],
) -> dict[str, Any]:
    """Insert the version with its cells and checks; its row as ``_versions_of`` has them."""
    number = max((row["number"] for row in siblings), default=0) + 1
    seen = sighting.fetched_at
    values = prepared.columns | {
        "report_id": report_id, "number": number, "content_sha256": sighting.sha256, "ordinal": number,
        "is_latest": False, "sort_date": sort_date(prepared.columns["published_at"], seen), "first_seen_at": seen,
        "last_seen_at": seen, "source_url": sighting.source_url, "list_url": sighting.list_url,
        "portal_id": sighting.portal_id,
    }  # fmt: skip
    version_id = connection.execute(_INSERT_VERSION, values).scalar_one()
    replace_derived_rows(connection, version_id, agency_id, prepared)
    return {"id": version_id, "created": True} | {
        name: values[name] for name in (*_SIBLING_COLUMNS[1:], "ordinal", "is_latest")
    }


def _record_seen(
    connection: Connection, version: dict[str, Any], sighting: Sighting, prepared: Prepared, agency_id: int
) -> None:
    """The same bytes again: widen the seen interval and count the URL, nothing else.

    Unless the capture is older than the version's first sighting (an imported WARC; a
    crawl's parses ending out of fetch order; a repair): it becomes the first sighting,
    where and when, and the version's parse is the one made with what that page said of
    the document (its date, its title), as ``reparse`` makes it. So the version is the
    same whatever order its sightings were stored in."""
    seen = sighting.fetched_at
    values: dict[str, Any] = {"last_seen_at": max(version["last_seen_at"], seen)}
    earliest = seen < version["first_seen_at"]
    if earliest:
        values |= {"first_seen_at": seen, "source_url": sighting.source_url, "list_url": sighting.list_url}
        values |= {"portal_id": sighting.portal_id}
    connection.execute(update(VERSION).where(VERSION.c.id == version["id"]).values(**values))
    version.update(values)
    if earliest:
        replace_parse(connection, version["id"], agency_id, prepared, seen)
        published_at = prepared.columns["published_at"]
        version.update(published_at=published_at, sort_date=sort_date(published_at, seen))
    where = (SOURCE.c.version_id == version["id"], SOURCE.c.url == sighting.source_url)
    source = connection.execute(
        select(SOURCE.c.id, SOURCE.c.first_seen_at, SOURCE.c.last_seen_at).where(*where)
    ).first()
    if source is None:
        _add_source(connection, version["id"], sighting)
        return
    widened = {"first_seen_at": min(source.first_seen_at, seen), "last_seen_at": max(source.last_seen_at, seen)}
    connection.execute(
        update(SOURCE).where(SOURCE.c.id == source.id).values(seen_count=SOURCE.c.seen_count + 1, **widened)
    )


def _add_source(connection: Connection, version_id: int, sighting: Sighting) -> None:
    seen = sighting.fetched_at
    values = {"version_id": version_id, "url": sighting.source_url, "list_url": sighting.list_url}
    connection.execute(insert(SOURCE), values | {"first_seen_at": seen, "last_seen_at": seen, "seen_count": 1})
