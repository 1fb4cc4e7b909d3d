"""The views are declared once, by the migrations; the read model is one row of reports_view."""

from __future__ import annotations

from dataclasses import fields

from sqlalchemy import inspect

from research.rows import VersionInfo
from research.views import NAMES, REPORTS, view
from tests.research.archive import FilledArchive


def test_the_read_model_is_a_row_of_reports_view(archive: FilledArchive) -> None:
    engine = archive.engine()
    with engine.connect() as connection:
        columns = [column.name for column in view(connection, REPORTS).columns]
    engine.dispose()
    assert [field.name for field in fields(VersionInfo)] == columns


def test_every_view_the_queries_read_is_one_the_migrations_made(archive: FilledArchive) -> None:
    engine = archive.engine()
    with engine.connect() as connection:
        assert set(NAMES) <= set(inspect(connection).get_view_names())
        reflected = {name: [column.name for column in view(connection, name).columns] for name in NAMES}
    engine.dispose()
    assert all(reflected.values())
