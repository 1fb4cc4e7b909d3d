"""The two commands on a fresh machine: make demo and make test install the Debian packages
they need when missing, or say in one line what to run.

The packages are installed on the machines that run this suite and must stay so: each
test runs .ci/system-deps with a PATH of its own, where the tools are missing and id,
python3 and apt-get are stand-ins that say who is asking and record what is installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import PROJECT

SCRIPT = PROJECT / ".ci" / "system-deps"
FOR_TESTS = (
    "python3-venv poppler-utils libreoffice-writer-nogui libreoffice-calc-nogui fontconfig fonts-noto-cjk "
    "chromium chromium-driver jq"
)


def stand_in(folder: Path, name: str, script: str) -> None:
    program = folder / name
    program.write_text(f"#!/bin/sh\n{script}\n")
    program.chmod(0o755)


def machine(tmp_path: Path, *, uid: int, has_venv: bool) -> dict[str, str]:
    """An environment whose PATH has none of the packages' tools."""
    folder = tmp_path / "bin"
    folder.mkdir(parents=True)
    os.symlink(shutil.which("grep"), folder / "grep")
    stand_in(folder, "id", f"echo {uid}")
    stand_in(folder, "python3", f"exit {0 if has_venv else 1}")
    stand_in(folder, "apt-get", f'echo "$*" >> {tmp_path / "apt-get.log"}')
    return {"PATH": str(folder), "HOME": str(tmp_path)}


def system_deps(environment: dict[str, str], purpose: str) -> subprocess.CompletedProcess[str]:
    bash = shutil.which("bash")
    return subprocess.run([bash, str(SCRIPT), purpose], env=environment, capture_output=True, text=True, timeout=60)


def test_without_root_it_says_in_one_line_what_to_run(tmp_path: Path) -> None:
    done = system_deps(machine(tmp_path, uid=1000, has_venv=False), "test")
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.splitlines() == [
        "make test needs Debian packages that are missing; run: sudo apt-get update && "
        f"sudo apt-get install -y -qq --no-install-recommends {FOR_TESTS}"
    ]
    assert not (tmp_path / "apt-get.log").exists()


def test_as_root_it_installs_what_is_missing(tmp_path: Path) -> None:
    done = system_deps(machine(tmp_path, uid=0, has_venv=False), "test")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "apt-get.log").read_text().splitlines() == [
        "update -qq",
        f"install -y -qq --no-install-recommends {FOR_TESTS}",
    ]


@pytest.mark.parametrize("uid", [0, 1000])
def test_the_demo_needs_only_what_makes_the_venv(tmp_path: Path, uid: int) -> None:
    done = system_deps(machine(tmp_path, uid=uid, has_venv=True), "demo")
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    without_venv = system_deps(machine(tmp_path / "other", uid=1000, has_venv=False), "demo")
    assert without_venv.stderr.endswith("--no-install-recommends python3-venv\n")


@pytest.mark.parametrize(("target", "purpose"), [("demo", "demo"), ("test", "test")])
def test_make_checks_the_packages_before_anything_else(target: str, purpose: str, tmp_path: Path) -> None:
    stamp = tmp_path / "stamp"  # a .venv that does not exist yet: make would build it
    outer_make = ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")  # when make test runs this, its own make's
    done = subprocess.run(
        ["make", "--no-print-directory", "-n", target, f"STAMP={stamp}", f"VENV={tmp_path / 'venv'}"],
        cwd=PROJECT,
        env={name: value for name, value in os.environ.items() if name not in outer_make},
        capture_output=True,
        text=True,
        timeout=60,
    )
    lines = done.stdout.splitlines()
    assert done.returncode == 0, done.stderr
    assert lines[0] == f"bash .ci/system-deps {purpose}"
    assert any("-m venv" in line for line in lines[1:])
