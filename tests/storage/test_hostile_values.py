"""The largest numbers the parser places (parsers.table_reader.MAX_DIGITS) store and read
back exactly on both databases."""

from __future__ import annotations

from decimal import Decimal

from parsers.cells import parse_cell
from parsers.table_reader import MAX_DIGITS
from storage.archive import Archive
from tests.storage.reports import make_report, year_cells_of
from tests.storage.test_versions import store


def test_the_largest_count_and_amount_a_cell_can_hold_are_stored_exactly(archive: Archive) -> None:
    count, amount = parse_cell("9" * MAX_DIGITS).value, parse_cell("9" * (MAX_DIGITS - 4) + ".9999").value
    assert count == 10**MAX_DIGITS - 1 and amount == Decimal("9" * (MAX_DIGITS - 4) + ".9999")
    store(archive, make_report(new=count, fees=str(amount)))
    cells = {(c.row, c.column): c.value for c in year_cells_of(archive, 2023)}
    assert cells[("new", "total")] == count and cells[("fees", "amount")] == amount
