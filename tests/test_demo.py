"""``nianbao demo``: the README's first command, run as a user runs it, twice."""

from __future__ import annotations

import contextlib
import os
import random
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def free_ports(count: int) -> int:
    """The first of ``count`` consecutive ports nothing listens on (the world takes one per portal)."""
    for first in range(random.randrange(20_000, 40_000, 10), 60_000, 10):
        with contextlib.ExitStack() as stack:
            try:
                for port in range(first, first + count):
                    stack.enter_context(socket.create_server(("127.0.0.1", port)))
            except OSError:
                continue
        return first
    raise RuntimeError("no free ports")


def demo(folder: Path, port: int) -> str:
    command = [sys.executable, "-c", "from nianbao.cli import main; main()", "demo", "--port", str(port), "--no-color"]
    command += ["--db", f"sqlite:///{folder / 'archive.db'}", "--archive-dir", str(folder / "archive")]
    environment = {**os.environ, "PYTHONPATH": str(PROJECT)}
    done = subprocess.run(command, cwd=folder, env=environment, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    return done.stdout


def test_demo_crawls_the_world_and_shows_the_archive(tmp_path: Path) -> None:
    port = free_ports(6)
    first = demo(tmp_path, port)
    new = int(re.search(r"versions: (\d+) new", first)[1])
    reports, versions = map(int, re.search(r"archived; (\d+) reports, (\d+) versions", first).groups())
    assert new == versions and reports > 50
    assert "郑州市二七区统计局" in first
    failed = re.search(r"checks that failed \((\d+)\)", first)
    assert failed and int(failed[1]) > 0  # the world plants reports that break the arithmetic
    assert re.search(r"diff: \S+ (\d{4}) against \d{4}", first)
    assert (tmp_path / "world-portals.yaml").exists() and (tmp_path / "archive.db").exists()

    second = demo(tmp_path, port)  # the same world at the same URLs again: conditional requests, nothing new
    assert "versions: 0 new" in second
    assert int(re.search(r"unchanged \(304\): (\d+)", second)[1]) > 0
