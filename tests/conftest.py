"""Shared test helpers: where ../shared lives, and the CI rule for absent resources."""

from __future__ import annotations

import multiprocessing
import os
import time
from pathlib import Path

import pytest

pytest_plugins = ["fixtures.world.pytest_plugin"]

PROJECT = Path(__file__).resolve().parents[1]
SHARED = PROJECT.parent / "shared"
FIXTURES = PROJECT / "fixtures"


def skip_or_fail(reason: str) -> None:
    """Skip a test whose resource is absent; under CI the absence is a failure."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this is a failure, not a skip)")
    pytest.skip(reason)


def wait_for(condition, what: str, timeout: float = 120.0, every: float = 0.05) -> None:
    """Poll ``condition`` until it holds, or fail saying ``what`` never happened."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not happen within {timeout:.0f} s")
        time.sleep(every)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """A child process a test left alive would be joined at interpreter exit, for ever:
    the run would print its summary and never end. Kill such children and fail the run."""
    leftovers = multiprocessing.active_children()
    for child in leftovers:
        child.kill()
        child.join()
    if leftovers:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        names = ", ".join(child.name for child in leftovers)
        print(f"\nchild processes left alive by the tests were killed: {names}")
