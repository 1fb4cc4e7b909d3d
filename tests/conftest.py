"""Shared test helpers: where ../shared lives, and the CI rule for absent resources."""

from __future__ import annotations

import os
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
