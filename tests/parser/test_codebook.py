"""docs/RECORD.md, the codebook, names every key the parser can write."""

from __future__ import annotations

from dataclasses import fields

from parsers import tables as keys
from parsers.model import Report
from tests.conftest import PROJECT

CODEBOOK = (PROJECT / "docs" / "RECORD.md").read_text(encoding="utf-8")


def undocumented(names: set[str]) -> list[str]:
    return sorted(name for name in names if f"`{name}`" not in CODEBOOK)


def test_every_record_key_is_in_the_codebook() -> None:
    assert undocumented({field.name for field in fields(Report)} - {"text"}) == []


def test_every_table_row_and_column_is_in_the_codebook() -> None:
    active = {*keys.ACTIVE_COLUMNS_2021, *keys.ACTIVE_COLUMNS_2019}
    active_columns = {
        column for table in (keys.ACTIVE_COLUMNS_2021, keys.ACTIVE_COLUMNS_2019) for column in table.values()
    }
    rows = {*keys.APPLICATION_ROWS_2021, *keys.APPLICATION_ROWS_2019, *keys.TABLE_KEYS}
    columns = {*keys.APPLICANT_COLUMNS, *keys.REVIEW_GROUPS, *keys.REVIEW_OUTCOMES}
    assert undocumented(active | {c for group in active_columns for c in group} | rows | columns) == []


def test_every_cell_meaning_is_in_the_codebook() -> None:
    assert undocumented({"empty", "na", "missing", "unit", "ambiguous", "uncertain", "text"}) == []
