"""The archive's schema, moved only by Alembic, run from code.

``upgrade`` brings a database to the newest revision; ``check`` says whether a database
is at it. The migration scripts ship inside the package (``storage/migrations``), so
this works from an installed wheel as well as from a checkout.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from storage.engine import writer
from storage.errors import SchemaMismatch

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def include_name(name: str | None, type_: str, _parents: object) -> bool:
    """Autogenerate's filter: tables and indexes no model declares (the full-text index
    and its shadow tables, made by hand-written migrations) are not ours to drop."""
    from storage.models import Base

    if type_ == "table":
        return name in Base.metadata.tables
    if type_ == "index":
        return name in {index.name for table in Base.metadata.tables.values() for index in table.indexes}
    return True


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise SchemaMismatch(f"no migrations found in {MIGRATIONS}")
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Run every migration the database lacks, in one transaction where the database allows."""
    _refuse_unknown(current_revision(engine))
    config = alembic_config()
    with writer(engine).connect() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        connection.commit()


def check(engine: Engine) -> None:
    """SchemaMismatch unless the database is at the newest revision."""
    current, head = current_revision(engine), head_revision()
    if current == head:
        return
    if current is None:
        raise SchemaMismatch("the database has no archive schema yet: run `nianbao db upgrade --db URL`")
    _refuse_unknown(current)
    raise SchemaMismatch(f"the database is at revision {current}, not {head}: run `nianbao db upgrade --db URL`")


def _refuse_unknown(current: str | None) -> None:
    known = {script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
    if current is not None and current not in known:
        raise SchemaMismatch(f"the database is at revision {current}, unknown to this nianbao: upgrade nianbao")
