"""The README and the help texts run as written: every example, in order, as a user types it
in a fresh folder (the README's first, then each command's ``--help`` examples on the demo
archive they built), except the few in :data:`NOT_RUN`, each with the reason.

The examples are the lines of its ``sh`` blocks and the example column of its commands
table. They run in a shell in one folder (where ``fixtures`` links to the project's, as
in a clone), so each sees what the ones before it wrote under ``demo/``, on 127.0.0.1
only. Servers (``nianbao fixtures serve``, ``nianbao serve``) run until they have
answered, then stop; a port an example names is swapped for a free one, since another
run may hold it. ``make`` examples are dry runs (``make -n``): ``make test`` cannot run
inside itself, and ``make demo`` is ``nianbao demo``, which runs here in full. The YAML
registry example must load as a registry. Nothing in the README or in any help text may
send a user outside the repository.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path
from urllib.request import urlopen

import click
import pytest
from click.testing import CliRunner

from crawler.portals import parse_registry
from nianbao.cli import SUBCOMMANDS, main
from tests.conftest import PROJECT, skip_or_fail

README = (PROJECT / "README.md").read_text(encoding="utf-8")
SERVERS = {"nianbao fixtures serve": "registry: ", "nianbao serve": "serving the archive at "}
NOT_RUN = {
    "nianbao crawl --portal zz-erqi -s NIANBAO_CONTACT_URL=https://example.org/who-we-are": "crawls a real portal",
    "nianbao crawl --portals crawler/portals.yaml --db sqlite:///demo/archive.db --jobdir demo/jobs/erqi": (
        "crawls the real portals of the project's registry"
    ),
    "nianbao schedule --db postgresql+psycopg://crawler@db/nianbao --dry-run": "needs a PostgreSQL server named db",
    "nianbao crawl --frontier redis://127.0.0.1:6379/3 --idle-exit 30 --db postgresql+psycopg://crawler@db/nianbao": (
        "needs a PostgreSQL server named db"
    ),
    "nianbao schedule --frontier redis://127.0.0.1:6379/3 --db postgresql+psycopg://crawler@db/nianbao": (
        "needs a PostgreSQL server named db"
    ),
    "nianbao fixtures truth --control http://127.0.0.1:8700": "asks a world already serving its control port 8700",
    "nianbao portals check --only zz-erqi --only ly-jianxi -s NIANBAO_CONTACT_URL=https://example.org/who-we-are": (
        "checks real portals"
    ),
    "nianbao db upgrade --db postgresql+psycopg://postgres@127.0.0.1:5432/nianbao": (
        "would change a PostgreSQL database named nianbao, which the tests may not own"
    ),
    "nianbao fixtures serve --scale 40 --registry demo/world-portals.yaml": (
        "a world forty times the demo's; the scale-1 example runs the same command"
    ),
}
pytestmark = pytest.mark.slow


def code_blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", README, flags=re.MULTILINE | re.DOTALL)


def examples() -> list[str]:
    """Every example command, in the order the README shows them."""
    found: list[tuple[int, str]] = []
    for block in re.finditer(r"^```sh\n(.*?)^```", README, flags=re.MULTILINE | re.DOTALL):
        for line in block[1].splitlines():
            command = re.split(r"\s+#\s", line, maxsplit=1)[0].strip()
            if command:
                found.append((block.start(), command))
    for row in re.finditer(r"^\| `nianbao [^\n]*\| `([^`]+)` \|$", README, flags=re.MULTILINE):
        found.append((row.start(), row[1]))
    return [command for _, command in sorted(found)]


def help_examples() -> list[str]:
    """Every example of every command's help, the groups' subcommands included, in command order."""
    found: list[str] = []

    def visit(command: click.Command, context: click.Context) -> None:
        text = command.help or ""
        for block in re.findall(r"Examples?:\n(.*?)(?:\n\s*\n|\Z)", text, flags=re.DOTALL):
            for line in block.splitlines():
                example = re.split(r"\s+#\s", line, maxsplit=1)[0].strip()
                if example.startswith("nianbao "):
                    found.append(example)
        if isinstance(command, click.Group):
            for name in command.list_commands(context):
                sub = command.get_command(context, name)
                if sub is not None:
                    visit(sub, click.Context(sub, info_name=name, parent=context))

    visit(main, click.Context(main, info_name="nianbao"))
    return list(dict.fromkeys(found))


def test_every_help_text_has_an_example_and_the_ones_not_run_still_exist() -> None:
    found = help_examples()
    assert len(found) > len(SUBCOMMANDS)
    assert [example for example in NOT_RUN if example not in found] == []


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_readme_shows_every_subcommand_with_an_example() -> None:
    shown = {command.split()[1] for command in examples() if command.startswith("nianbao ")}
    assert shown == set(SUBCOMMANDS)


def test_every_row_of_the_commands_table_gives_its_example() -> None:
    # A row whose example column took another shape (two commands, a comment) would be
    # passed over by examples() and never run.
    rows = re.findall(r"^\| `nianbao [^\n]*$", README, flags=re.MULTILINE)
    examples_column = [row.rstrip(" |").rsplit(" | ", 1)[-1].strip("` ") for row in rows]
    assert len(rows) >= len(SUBCOMMANDS)
    assert [example for example in examples_column if example not in examples()] == []


def test_every_example_runs_as_written(tmp_path: Path) -> None:
    run_in_a_fresh_folder(examples(), tmp_path)


@pytest.mark.deep
def test_every_help_example_runs_as_written(tmp_path: Path) -> None:
    """The help texts' examples after the README's, on the demo archive those built (minutes: make test-deep)."""
    readme = examples()
    run_in_a_fresh_folder([*readme, *(e for e in help_examples() if e not in NOT_RUN and e not in readme)], tmp_path)


def run_in_a_fresh_folder(commands: list[str], folder: Path) -> None:
    nianbao = Path(sys.executable).with_name("nianbao")
    if not nianbao.exists():
        skip_or_fail(f"the nianbao command is not installed beside {sys.executable} (make builds .venv)")
    (folder / "fixtures").symlink_to(PROJECT / "fixtures")
    environment = {name: value for name, value in os.environ.items() if not name.startswith("NIANBAO_")}
    environment |= {"PATH": f"{nianbao.parent}{os.pathsep}{os.environ['PATH']}", "PYTHONUNBUFFERED": "1"}
    servers: list[subprocess.Popen[str]] = []
    try:
        for command in commands:
            if command.startswith("make "):
                dry_run(command)
            elif server := next((name for name in SERVERS if command.startswith(name)), None):
                servers.append(serve(command, SERVERS[server], folder, environment))
            else:
                done = subprocess.run(
                    command, shell=True, cwd=folder, env=environment, capture_output=True, text=True, timeout=600
                )
                assert done.returncode == 0, f"{command}\n{done.stderr[-3000:]}"
                assert "Traceback" not in done.stderr, f"{command}\n{done.stderr[-3000:]}"
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=60)
    assert (folder / "demo" / "diff.html").stat().st_size > 0
    assert (folder / "demo" / "cells.parquet").stat().st_size > 0
    assert sorted(path.name for path in folder.iterdir()) == ["demo", "fixtures"]  # defaults all go to demo/


def dry_run(command: str) -> None:
    done = subprocess.run(["make", "-n", *command.split()[1:]], cwd=PROJECT, capture_output=True, text=True)
    assert done.returncode == 0, f"{command}\n{done.stderr}"


def serve(command: str, ready: str, folder: Path, environment: dict[str, str]) -> subprocess.Popen[str]:
    """The server an example starts, once it says it is ready and has answered a request."""
    command = re.sub(r"--port \d+", f"--port {free_port()}", command)
    # exec: the shell becomes the server, so terminating it stops the server (not only its shell).
    server = subprocess.Popen(
        f"exec {command}",
        shell=True,
        cwd=folder,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    for line in server.stdout:
        if line.startswith(ready) or ready in line:
            break
    else:
        pytest.fail(f"{command} stopped before it was ready:\n{server.stderr.read()[-3000:]}")
    url = re.search(r"http://127\.0\.0\.1:\d+/", line)
    if url:
        with urlopen(url[0], timeout=60) as answer:
            assert answer.status == 200
    return server


def test_the_registry_example_is_a_registry() -> None:
    import yaml

    (block,) = code_blocks("yaml")
    (portal,) = parse_registry(yaml.safe_load(block))
    assert portal.id == "zz-erqi"


def test_the_readme_the_docs_and_the_help_texts_stay_inside_the_repository() -> None:
    texts = {"README.md": README}
    texts |= {str(path.relative_to(PROJECT)): path.read_text(encoding="utf-8") for path in PROJECT.glob("docs/*.md")}
    for name in SUBCOMMANDS:
        command = main.get_command(None, name)
        groups = getattr(command, "commands", {})
        for args in ([name], *([name, sub] for sub in groups)):
            texts[" ".join(args) + " --help"] = CliRunner().invoke(main, [*args, "--help"]).output
    outside = [name for name, text in texts.items() if "../shared" in text or "shared/" in text]
    assert not outside
    for link in re.findall(r"\]\(([^)#]+)\)", "\n".join(texts.values())):
        assert link.startswith("http") or (PROJECT / link).exists() or (PROJECT / "docs" / link).exists(), link


def test_make_targets_the_readme_names_exist() -> None:
    targets = sorted(set(re.findall(r"`make ([\w-]+)`", README)))
    assert {"demo", "fixtures", "format", "bench-crawl"} <= set(targets)
    for target in targets:
        dry_run(f"make {target}")
