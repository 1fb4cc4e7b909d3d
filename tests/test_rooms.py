"""Rooms named for what they hold, and arrows that point down only.

    nianbao (interfaces) -> research -> storage -> parsers
    nianbao (interfaces) -> crawler  -> storage -> parsers

Every import counts, at the top of a module or inside a function. The product never
imports the fixture world, except the commands whose job it is: ``nianbao demo`` and
``nianbao fixtures``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import PROJECT

ROOMS = ("nianbao", "research", "crawler", "storage", "parsers")
MAY_IMPORT = {
    "nianbao": {"nianbao", "research", "crawler", "storage", "parsers"},
    "research": {"research", "storage", "parsers"},
    "crawler": {"crawler", "storage", "parsers"},
    "storage": {"storage", "parsers"},
    "parsers": {"parsers"},
}
FIXTURE_WORLD_COMMANDS = {Path("nianbao/commands/demo.py"), Path("nianbao/commands/fixtures.py")}
PROJECT_PACKAGES = {*ROOMS, "fixtures", "tests", "bench"}


def imported_packages(path: Path) -> set[str]:
    """The project packages a module imports, anywhere in it (relative imports stay in its package)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found & PROJECT_PACKAGES


def modules(room: str) -> list[Path]:
    return sorted(path.relative_to(PROJECT) for path in (PROJECT / room).rglob("*.py"))


@pytest.mark.parametrize("room", ROOMS)
def test_arrows_point_down_only(room: str) -> None:
    wrong = {}
    for path in modules(room):
        allowed = MAY_IMPORT[room] | ({"fixtures"} if path in FIXTURE_WORLD_COMMANDS else set())
        if upward := imported_packages(PROJECT / path) - allowed:
            wrong[str(path)] = sorted(upward)
    assert not wrong, f"{room} may import only {sorted(MAY_IMPORT[room])}: {wrong}"


def test_the_rooms_are_the_packages_the_distribution_ships() -> None:
    import tomllib

    project = tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))
    shipped = {pattern.rstrip("*") for pattern in project["tool"]["setuptools"]["packages"]["find"]["include"]}
    assert shipped == {*ROOMS, "fixtures"}
    assert project["project"]["scripts"] == {"nianbao": "nianbao.cli:main"}


def test_the_checker_sees_an_import_inside_a_function(tmp_path: Path) -> None:
    module = tmp_path / "module.py"
    module.write_text("def f():\n    from research.queries import find_versions\n    import fixtures.world\n")
    assert imported_packages(module) == {"research", "fixtures"}
