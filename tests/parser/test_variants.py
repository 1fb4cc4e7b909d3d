"""A generator of variants over every format: random specs × random quirks × a renderer.

The property (issue 11): every cell of the expected record is read exactly, or is null
with a warning naming its row; never a different number. The quirks that lose nothing
(every one in :mod:`fixtures.render.quirks`) must give the whole record exactly. The fast
profile runs in ``make test`` (DOC, through LibreOffice, only in the deep one);
``make test-deep`` runs the ``deep`` ones over every format, ten times longer.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from fixtures.render.formats import RENDERERS, SLOW
from fixtures.render.quirks import Quirks, apply
from fixtures.reports.specs import make_spec
from parsers.parse_file import parse
from parsers.tables import OTHER_SUBROWS

FAST = sorted(set(RENDERERS) - SLOW - {"pdf", "ofd"})


@st.composite
def quirks(draw: st.DrawFn) -> Quirks:
    broken = draw(st.booleans())
    return Quirks(
        blank_zero=draw(st.booleans()),
        merged_labels=draw(st.sampled_from(["merged", "repeated", "blank"])),
        numbers_as_text=draw(st.booleans()),
        thousands=draw(st.booleans()),
        full_width=draw(st.booleans()),
        split_labels=draw(st.booleans()),
        label_variants=draw(st.booleans()),
        other_as_one_row=draw(st.booleans()),
        page_break=draw(st.integers(min_value=1, max_value=20)) if broken else None,
        header_repeated=draw(st.booleans()),
        labels_dropped=tuple(draw(st.lists(st.integers(min_value=0, max_value=24), max_size=3, unique=True))),
        labels_cut=tuple(draw(st.lists(st.integers(min_value=0, max_value=24), max_size=2, unique=True))),
        label_kept=_kept(draw(st.sampled_from([0, 6, 12, 15])), draw(st.integers(min_value=3, max_value=16))),
    )


def _kept(start: int, width: int) -> tuple[int, int]:
    """One line of a label wrapped at ``width`` characters, from ``start`` (the lines
    before it lost, as a cell cut across a page or a converter's column loses them)."""
    return start, start + width


def check_variant(seed: int, format_version: str, variant: Quirks, doc_format: str) -> None:
    document, expected = apply(make_spec(seed, format_version), variant)
    record = parse(RENDERERS[doc_format](document)).to_dict()
    wrong = list(_wrong_numbers(record, expected))
    assert not wrong, f"{doc_format} {variant}: different numbers {wrong[:5]}"
    unnamed = [cell for cell in _nulls(record, expected) if not _named(cell, record["warnings"])]
    assert not unnamed, f"{doc_format} {variant}: nulls without a warning {unnamed[:5]}"
    if _loses_something(variant):
        return
    missing = list(_nulls(record, expected))
    assert not missing, f"{doc_format} {variant}: {len(missing)} cells null, e.g. {missing[:5]}"
    assert record["tables"] == _as_record(expected["tables"])
    assert record["raw"] == expected["raw"]


def _loses_something(variant: Quirks) -> bool:
    """A row without its label (or with a fragment of it naming no row) whose zeros are
    left blank prints nothing at all: no reader can tell it from a spacer row, so its
    cells may stay null (with a warning)."""
    return variant.blank_zero and bool(variant.labels_dropped or variant.labels_cut)


def _cells(tables: dict[str, Any]):
    for table, rows in tables.items():
        for row, cells in rows.items():
            for column, value in cells.items():
                yield table, row, column, value


def _got(record: dict[str, Any], table: str, row: str, column: str) -> Any:
    return record["tables"].get(table, {}).get(row, {}).get(column)


def _wrong_numbers(record: dict[str, Any], expected: dict[str, Any]):
    for table, row, column, value in _cells(expected["tables"]):
        got = _got(record, table, row, column)
        if got is not None and (value is None or Decimal(str(got)) != Decimal(str(value))):
            yield f"{table}.{row}.{column}: {got} for {value}"


def _nulls(record: dict[str, Any], expected: dict[str, Any]):
    for table, row, column, value in _cells(expected["tables"]):
        if value is not None and _got(record, table, row, column) is None:
            yield f"{table}.{row}.{column}"


def _named(cell: str, warnings: list[str]) -> bool:
    table, row = cell.split(".")[:2]
    return any(f"{table}.{row}" in warning or f"table {table} not found" in warning for warning in warnings)


def _as_record(tables: dict[str, Any]) -> dict[str, Any]:
    """Money as the record writes it (a string of the Decimal), counts as ints."""
    return {
        table: {row: {column: value for column, value in cells.items()} for row, cells in rows.items()}
        for table, rows in tables.items()
    }


FAST_SETTINGS = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow], "derandomize": True}
SPECS = {"seed": st.integers(min_value=0, max_value=10_000_000), "format_version": st.sampled_from(["2019", "2021"])}


@settings(max_examples=150, **FAST_SETTINGS)
@given(**SPECS, variant=quirks(), doc_format=st.sampled_from(FAST))
# misses the generator found, kept as examples: table 三 continued on a sheet of its own
# was dropped without a word; rows and table 四 printed all blank were lost; table 四's
# row with a blank first cell was read as 14 cells
@example(5, "2021", Quirks(page_break=8), "xlsx-tables")
@example(259, "2021", Quirks(blank_zero=True), "cell_per_line")
@example(1, "2019", Quirks(blank_zero=True), "cell_per_line")
# a row that lost its own label kept its group labels and was dropped; the heading row's
# 总计 took the numbers of a row without a label (a different number); a （六） sub-row
# without its label was read as the one-row （六）; a 2019 gap was counted in 2021 rows
@example(640121, "2021", Quirks(labels_dropped=(6,), merged_labels="repeated"), "html")
@example(180167, "2021", Quirks(labels_dropped=(0,), merged_labels="repeated"), "markdown")
@example(488899, "2021", Quirks(labels_dropped=(20,), merged_labels="blank"), "html")
@example(113472, "2019", Quirks(labels_dropped=(11, 20), merged_labels="repeated"), "markdown")
@example(55833, "2019", Quirks(labels_dropped=(21, 0), merged_labels="blank"), "xlsx")
@example(0, "2019", Quirks(page_break=1, labels_dropped=(0,)), "xlsx-tables")
# （六）其他处理 repeated on its three sub-rows that lost their own labels was read three
# times as the 2019 row (the first kept, the sub-rows null and unnamed); a row without its
# label after a page break whose converter dropped the empty first column was read one
# column left (its cells 4 to 10 taken, as if every part had three label columns)
@example(0, "2021", Quirks(merged_labels="repeated", labels_dropped=(20, 21, 22)), "cell_per_line")
@example(
    6974173, "2021", Quirks(blank_zero=True, merged_labels="blank", page_break=19, labels_dropped=(23, 24)), "xlsx"
)
@example(
    6499904, "2021", Quirks(blank_zero=True, other_as_one_row=True, page_break=12, labels_dropped=(21, 22)), "xlsx"
)
# a label cut by a converter: 3.补正后申请内容仍不明确 cut to 3.补正后申 was read as
# （六）1.…逾期不补正… (its 补正), and took that row's place (different numbers); the first
# sub-row of （六） cut to its second line, 行政机关不再处理其政府信息公, names no row
@example(0, "2021", Quirks(labels_cut=(14,), label_kept=(0, 6)), "tabs")
@example(0, "2021", Quirks(merged_labels="repeated", labels_cut=(20,), label_kept=(15, 29)), "html")
# a PDF page ending on a row of blank zeros (5.要求行政机关确认…) whose next page opens
# on the one-row （六） without its label: the two were joined as one row cut by the
# break, and 5. took （六）'s numbers (a different number), one in 300 PDF draws
@example(
    1364308,
    "2021",
    Quirks(blank_zero=True, merged_labels="blank", other_as_one_row=True, labels_dropped=(20,)),
    "pdf",
)
def test_variants_read_back(seed: int, format_version: str, variant: Quirks, doc_format: str) -> None:
    check_variant(seed, format_version, variant, doc_format)


@settings(max_examples=40, **FAST_SETTINGS)
@given(**SPECS, variant=quirks(), doc_format=st.sampled_from(["pdf", "ofd"]))
# a row of blank zeros ending a page was joined to the next page's first row: found by
# 300 drawn PDF and OFD variants, one in 300 (this profile's 12 had not met it)
@example(
    897648,
    "2021",
    Quirks(blank_zero=True, merged_labels="blank", other_as_one_row=True, page_break=12, header_repeated=True),
    "ofd",
)
def test_page_formats_read_back(seed: int, format_version: str, variant: Quirks, doc_format: str) -> None:
    check_variant(seed, format_version, variant, doc_format)


DEEP_SETTINGS = {**FAST_SETTINGS, "derandomize": False}


@pytest.mark.deep
@settings(max_examples=2000, **DEEP_SETTINGS)
@given(**SPECS, variant=quirks(), doc_format=st.sampled_from(sorted(RENDERERS)))
def test_variants_read_back_deep(seed: int, format_version: str, variant: Quirks, doc_format: str) -> None:
    check_variant(seed, format_version, variant, doc_format)


def test_subrows_of_a_merged_other_that_lost_their_labels_are_placed() -> None:
    # found by the deep profile: 2021 rows one cell a line, （六）其他处理 merged onto its
    # first sub-row and the three sub-rows' own labels dropped; read as the 2019 single
    # row, the other two were left null with no warning naming them
    dropped = Quirks(
        blank_zero=False,
        merged_labels="merged",
        numbers_as_text=False,
        thousands=False,
        full_width=False,
        split_labels=False,
        label_variants=False,
        other_as_one_row=False,
        page_break=None,
        header_repeated=False,
        labels_dropped=(20, 21, 22),
    )
    check_variant(0, "2021", dropped, "cell_per_line")


def test_the_sub_rows_of_a_2021_other_printed_as_one_row_are_named() -> None:
    # a 2021 table printing （六）其他处理 as one row leaves its three sub-rows null: the
    # record said nothing of them, as if the 2019 form had been read
    document, _ = apply(make_spec(0, "2021"), Quirks(other_as_one_row=True))
    record = parse(RENDERERS["tabs"](document)).to_dict()
    assert record["format_version"] == "2021"
    for row in OTHER_SUBROWS:
        assert (
            f"applications.{row}: row not found (（六）其他处理 printed as one row); its cells are null"
            in record["warnings"]
        )
