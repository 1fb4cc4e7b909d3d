"""Bad input gives a typed error with a reason, never a half-made record."""

from __future__ import annotations

import pytest

from parsers.errors import ExtractionError, NotAnnualReport
from parsers.extract.text import read
from parsers.report import parse
from tests.conftest import FIXTURES

INVALID = FIXTURES / "reports" / "invalid"


@pytest.mark.parametrize(("name", "reason"), [("empty.txt", "empty"), ("garbage.bin", "binary")])
def test_unreadable_bytes(name: str, reason: str) -> None:
    with pytest.raises(ExtractionError) as raised:
        read((INVALID / name).read_bytes())
    assert raised.value.reason == reason


@pytest.mark.parametrize("name", ["bulletin.txt", "work-points.txt"])
def test_documents_that_are_not_annual_reports(name: str) -> None:
    with pytest.raises(NotAnnualReport, match="not a government information-disclosure annual report"):
        parse(read((INVALID / name).read_bytes()))
