"""Alembic environment of the archive.

Run from code (``storage.migrate``), which hands over an open connection in
``config.attributes["connection"]``, or from the command line for developers::

    alembic -c storage/alembic.ini revision --autogenerate -m "what changed"
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, text

from storage.engine import open_engine, writer
from storage.migrate import include_name
from storage.models import Base

POSTGRES_MIGRATION_LOCK = 0x6E69616E  # "nian": one migrating process at a time


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": POSTGRES_MIGRATION_LOCK})
        context.run_migrations()


def run_offline() -> None:
    context.configure(url=context.config.get_main_option("sqlalchemy.url"), target_metadata=Base.metadata)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        run_migrations(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("the Alembic configuration names no sqlalchemy.url and passes no connection")
    engine = writer(open_engine(url))
    with engine.connect() as own_connection:
        run_migrations(own_connection)
    engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
