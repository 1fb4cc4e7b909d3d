"""``nianbao db upgrade`` and the archive commands' bad-input rule: one line, exit status 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from nianbao.cli import main
from storage.engine import open_engine
from storage.migrate import check, head_revision


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_db_upgrade_creates_the_schema_and_is_idempotent(db_url: str) -> None:
    first = run("db", "upgrade", "--db", db_url)
    assert first.exit_code == 0, first.output
    assert first.output == f"database at revision {head_revision()} (was empty)\n"
    check(open_engine(db_url))
    again = run("db", "upgrade", "--db", db_url)
    assert again.output == f"database at revision {head_revision()}\n"


def test_db_upgrade_makes_the_folder_of_a_sqlite_file(tmp_path: Path) -> None:
    result = run("db", "upgrade", "--db", f"sqlite:///{tmp_path / 'new' / 'archive.sqlite'}")
    assert result.exit_code == 0 and (tmp_path / "new" / "archive.sqlite").exists()


@pytest.mark.parametrize(
    "args",
    [
        ("db", "upgrade", "--db", "nosuchdb://x"),
        ("db", "upgrade", "--db", "postgresql+psycopg://postgres@127.0.0.1:1/x?connect_timeout=2"),
        ("export", "--db", "nosuchdb://x"),
    ],
)
def test_an_unopenable_database_is_one_line_and_exit_2(args: tuple[str, ...]) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert result.output.startswith("Error: ") and result.output.count("\n") == 1


def test_export_of_an_archive_without_schema_says_what_to_run(tmp_path: Path) -> None:
    (tmp_path / "empty.sqlite").touch()
    result = run("export", "--db", f"sqlite:///{tmp_path / 'empty.sqlite'}", "--archive-dir", str(tmp_path / "a"))
    assert result.exit_code == 2 and "nianbao db upgrade" in result.output


@pytest.mark.parametrize("name", [("db",), ("db", "upgrade"), ("export",), ("reparse",), ("repair",)])
def test_help_has_an_example(name: tuple[str, ...]) -> None:
    result = run(*name, "--help")
    assert result.exit_code == 0 and "Example" in result.output
