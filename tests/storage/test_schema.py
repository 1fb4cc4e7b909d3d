"""Alembic is the only way the schema changes: the migrations build exactly the models."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from storage.archive import Archive
from storage.engine import open_engine
from storage.errors import SchemaMismatch
from storage.migrate import alembic_config, check, current_revision, head_revision, include_name, upgrade
from storage.models import Base


def test_migrations_build_exactly_the_models(db_url: str) -> None:
    engine = open_engine(db_url)
    upgrade(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": include_name, "target_metadata": Base.metadata}
        )
        assert compare_metadata(context, Base.metadata) == []
        assert set(Base.metadata.tables) <= set(inspect(connection).get_table_names())
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_downgrade_to_nothing_and_up_again(db_url: str) -> None:
    engine = open_engine(db_url)
    upgrade(engine)
    config = alembic_config()
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
        connection.commit()
        assert "version" not in inspect(connection).get_table_names()
    upgrade(engine)
    check(engine)
    engine.dispose()


def test_an_empty_database_without_upgrade_says_what_to_run(db_url: str, tmp_path: Path) -> None:
    with pytest.raises(SchemaMismatch, match="nianbao db upgrade"):
        Archive.open(db_url, tmp_path / "archive", upgrade=False)


def test_a_schema_from_a_newer_nianbao_is_refused(db_url: str, tmp_path: Path) -> None:
    engine = open_engine(db_url)
    upgrade(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'from_the_future'"))
    engine.dispose()
    with pytest.raises(SchemaMismatch, match="unknown to this nianbao"):
        Archive.open(db_url, tmp_path / "archive")


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    archive = Archive.open(f"sqlite:///{tmp_path / 'a.sqlite'}", tmp_path / "archive")
    with archive, archive.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        version = connection.exec_driver_sql("select sqlite_version()").scalar()
    assert tuple(int(part) for part in version.split(".")) >= (3, 44)  # not the system 3.40 (CJK LIKE bug)
