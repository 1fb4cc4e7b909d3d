"""The SQLite archive in Datasette: readable views, full-text search, the short-word query."""

from __future__ import annotations

import asyncio
from pathlib import Path

from research.datasette import metadata
from tests.conftest import skip_or_fail
from tests.research.archive import SEARCH_WORD, FilledArchive


def get_json(archive: FilledArchive, path: str):
    try:
        from datasette.app import Datasette
    except ImportError:
        skip_or_fail("datasette is not installed (pip install datasette)")
    database = Path(archive.url.removeprefix("sqlite:///"))

    async def fetch():
        datasette = Datasette([str(database)], metadata=metadata(database.stem))
        response = await datasette.client.get(f"/{database.stem}{path}")
        assert response.status_code == 200, response.text
        return response.json()

    return asyncio.run(fetch())


def test_views_are_readable(archive: FilledArchive) -> None:
    rows = get_json(archive, "/reports_view.json?_shape=array&year=2023&is_latest=1")
    assert {row["agency"] for row in rows} == {name for name, year, _ in archive.specs if year == 2023}
    assert {"region", "format_version", "failed_rules", "source_url"} <= set(rows[0])
    cells = get_json(archive, "/cells_view.json?_shape=array&row_key=new&column_key=total&year=2022")
    assert len(cells) == 4 and {"agency", "table_key", "value", "value_exact"} <= set(cells[0])


def test_full_text_search_on_the_table_and_the_view(archive: FilledArchive) -> None:
    on_table = get_json(archive, f"/version.json?_search={SEARCH_WORD}&_shape=array&_col=id")
    assert len(on_table) == 1
    on_view = get_json(archive, f"/reports_view.json?_search={SEARCH_WORD}&_shape=array")
    assert [(row["agency"], row["year"]) for row in on_view] == [("郑州市金水区统计局", 2022)]


def test_canned_query_for_short_words(archive: FilledArchive) -> None:
    rows = get_json(archive, "/search_short_word.json?word=培训&_shape=array")
    assert [(row["agency"], row["year"]) for row in rows] == [("郑州市二七区统计局", 2022)]


def test_canned_query_more_applications_than_last_year(archive: FilledArchive) -> None:
    rows = get_json(archive, "/more_applications_than_last_year.json?year=2023&_shape=array")
    expected = set()
    for (agency, year, version), spec in archive.specs.items():
        latest = max(v for a, y, v in archive.specs if (a, y) == (agency, year))
        if year == 2023 and version == latest:
            this = spec["tables"]["applications"]["new"]["total"]
            if this > archive.spec(agency, 2022)["tables"]["applications"]["new"]["total"]:
                expected.add(agency)
    assert expected and {row["agency"] for row in rows} == expected
    assert all(row["change"] == row["this_year"] - row["last_year"] > 0 for row in rows)
