"""The SQL views researchers read, as the archive's migrations made them.

Each view is declared once: in the migration that creates it (``research_0001`` for all
four today), which stays a frozen record of what it made. This module restates none of
their SQL or columns; it reflects each view from the database it reads, which
``storage.migrate.check`` has found at the newest revision. A later migration that
changes a view changes what every query here sees, and a query that names a column the
view lacks fails at once, naming the view.

- ``reports_view``: one row per report version (the read model, ``research.rows.VersionInfo``);
- ``cells_view``: every table cell in long form;
- ``records_view``: each version's parsed record;
- ``documents_view``: each version's raw documents.
"""

from __future__ import annotations

from weakref import WeakKeyDictionary

from sqlalchemy import Connection, DateTime, Engine, MetaData, Table, event

from storage.models import UTCDateTime

REPORTS, CELLS, RECORDS, DOCUMENTS = "reports_view", "cells_view", "records_view", "documents_view"
NAMES = (REPORTS, CELLS, RECORDS, DOCUMENTS)

_reflected: WeakKeyDictionary[Engine, MetaData] = WeakKeyDictionary()


def view(connection: Connection, name: str) -> Table:
    """The view ``name`` of the database ``connection`` reads, reflected once per engine."""
    metadata = _reflected.get(connection.engine)
    if metadata is None:
        metadata = _reflected[connection.engine] = MetaData()
        event.listen(metadata, "column_reflect", _moments_in_utc)
    if name not in metadata.tables:
        Table(name, metadata, autoload_with=connection)
    return metadata.tables[name]


def _moments_in_utc(_inspector: object, _table: Table, column: dict) -> None:
    # A view's moment reads as the table's does: aware, in UTC (SQLite keeps no zone).
    if isinstance(column["type"], DateTime):
        column["type"] = UTCDateTime()
