"""One archive filled from rendered specs, shared by the researchers' tests (read-only)."""

from __future__ import annotations

import pytest

from tests.research.archive import FilledArchive, fill


@pytest.fixture(scope="session")
def archive(tmp_path_factory: pytest.TempPathFactory) -> FilledArchive:
    folder = tmp_path_factory.mktemp("research-archive")
    return fill(f"sqlite:///{folder / 'archive.sqlite'}", folder / "raw")
