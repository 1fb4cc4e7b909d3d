"""R6, across years: what a body carried forward is what it carries over the next year.

The archive judges it when it is read (reports_view), against the latest version of the
previous year, so a correction of either year changes the verdict at once.
"""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path

from research.filters import parse_filters
from research.queries import find_versions
from storage.archive import Archive
from tests.research.archive import AGENCIES, R6_BREAK, FilledArchive, _store, fill


def failing_r6(url: str) -> list[tuple[str, int]]:
    archive = FilledArchive(url, Path())
    engine = archive.engine()
    with engine.connect() as connection:
        rows = find_versions(connection, parse_filters(failed=["R6"]))
    engine.dispose()
    return [(row.agency, row.year) for row in rows]


def test_only_the_year_that_does_not_follow_on_fails_r6(archive: FilledArchive) -> None:
    agency_index, year = R6_BREAK
    assert failing_r6(archive.url) == [(AGENCIES[agency_index][0], year)]
    engine = archive.engine()
    with engine.connect() as connection:
        latest = find_versions(connection, parse_filters())
    engine.dispose()
    flagged = {(row.agency, row.year) for row in latest if "R6" in row.failed_rules}
    assert flagged == {(AGENCIES[agency_index][0], year)}


def test_a_correction_of_the_earlier_year_clears_r6_when_read(tmp_path: Path) -> None:
    agency_index, year = R6_BREAK
    filled = fill(
        f"sqlite:///{tmp_path / 'a.sqlite'}", tmp_path / "raw", agencies=agency_index + 1, years=(year - 1, year)
    )
    name = AGENCIES[agency_index][0]
    assert failing_r6(filled.url) == [(name, year)]
    earlier, later = filled.spec(name, year - 1), filled.spec(name, year)
    corrected = copy.deepcopy(earlier)  # carries forward what the later year says it carried over
    table = corrected["tables"]["applications"]
    for column in table["carried_forward"]:
        table["carried_forward"][column] = later["tables"]["applications"]["carried_over"][column]
        if column != "total":
            table["total"][column] = (
                table["new"][column] + table["carried_over"][column] - table["carried_forward"][column]
            )
    with Archive.open(filled.url, filled.raw_dir) as opened:
        _store(opened, filled, corrected, 2, date(year, 3, 1))
    assert failing_r6(filled.url) == []


def test_the_report_page_names_r6_among_its_failed_rules(archive: FilledArchive) -> None:
    from nianbao.web.app import Request
    from nianbao.web.server import create_app

    agency_index, year = R6_BREAK
    engine = archive.engine()
    with engine.connect() as connection:
        (row,) = find_versions(connection, parse_filters(agency=AGENCIES[agency_index][0], years=[str(year)]))
    app = create_app(engine, archive.raw_dir)
    page = app.respond(Request(f"/report/{row.version_id}", {})).body
    engine.dispose()
    page = page.decode("utf-8") if isinstance(page, bytes) else page
    assert "未通过的勾稽关系" in page and "R6 跨年：上年报告的结转下年度继续办理等于本年报告的上年结转" in page
