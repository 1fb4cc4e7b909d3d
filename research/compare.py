"""Diffs over the archive: one agency's report against another year's, or two versions of it.

Example::

    with engine.connect() as connection:
        diff = diff_years(connection, "二七区统计局", 2023)            # against the nearest earlier year
        diff = diff_versions(connection, "二七区统计局", 2023, 1, 2)   # version 1 -> 2
"""

from __future__ import annotations

from sqlalchemy import Connection

from research.diff import ReportDiff, diff_reports
from research.queries import NotArchived, archived_years, load_record, pick_version, resolve, versions_of
from research.rows import VersionInfo


def diff_years(connection: Connection, agency_query: str, year: int, against: int | None = None) -> ReportDiff:
    """The latest version of ``year`` against the latest of ``against`` (default: the nearest
    earlier year the archive holds, since a body's report of some year may be missing)."""
    agency = resolve(connection, agency_query)
    new = versions_of(connection, agency, year)[-1]
    old = versions_of(connection, agency, _earlier_year(connection, agency, year) if against is None else against)[-1]
    return diff_reports(
        load_record(connection, old.version_id),
        load_record(connection, new.version_id),
        old_label=f"{old.year} v{old.version}",
        new_label=f"{new.year} v{new.version}",
    )


def _earlier_year(connection: Connection, agency: str, year: int) -> int:
    years = archived_years(connection, agency)
    earlier = [archived for archived in years if archived < year]
    if not earlier:
        listed = ", ".join(str(archived) for archived in years)
        raise NotArchived(f"{agency} has no report before {year} to compare with; archived years: {listed}")
    return earlier[-1]


def diff_versions(
    connection: Connection, agency_query: str, year: int, old_number: int | None, new_number: int | None
) -> ReportDiff:
    """Two versions of one report; ``None`` for ``new_number`` is the latest, for ``old_number`` the one before it."""
    agency = resolve(connection, agency_query)
    versions = versions_of(connection, agency, year)
    new = pick_version(versions, new_number)
    old = pick_version(versions, old_number) if old_number is not None else _before(versions, new)
    return diff_reports(
        load_record(connection, old.version_id),
        load_record(connection, new.version_id),
        old_label=f"{year} v{old.version}",
        new_label=f"{year} v{new.version}",
    )


def _before(versions: list[VersionInfo], new: VersionInfo) -> VersionInfo:
    """The version published just before ``new`` (``new`` itself when it is the only one)."""
    position = versions.index(new)
    return versions[position - 1] if position > 0 else new
