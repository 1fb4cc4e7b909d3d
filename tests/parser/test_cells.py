from decimal import Decimal

import pytest

from parsers.cells import is_value_text, parse_cell
from parsers.document import Unsure
from parsers.extract.positioned import join_lines, join_text
from parsers.model import RawCell
from parsers.table_reader import read_applications


@pytest.mark.parametrize(
    ("text", "value", "raw"),
    [
        ("0", 0, None),
        ("１２３", 123, None),
        ("1,234", 1234, None),
        (" 7730.28 ", Decimal("7730.28"), None),
        ("0.0000", Decimal("0.0000"), None),
        ("", None, RawCell("", "empty")),
        ("—", None, RawCell("—", "na")),
        ("/", None, RawCell("/", "na")),
        ("无", None, RawCell("无", "na")),
        ("不适用", None, RawCell("不适用", "na")),
        ("251000元", 251000, RawCell("251000元", "unit")),
        ("约5件", None, RawCell("约5件", "text")),
        ("-3", -3, None),
    ],
)
def test_cell_values_are_exact_and_blanks_are_never_zero(text, value, raw):
    parsed = parse_cell(text)
    assert parsed.value == value
    assert type(parsed.value) is type(value)
    assert parsed.raw == raw


@pytest.mark.parametrize(
    ("text", "value", "raw"),
    [
        (Unsure("72", 0.6), None, RawCell("72", "uncertain")),
        (Unsure("251000元", 0.6), None, RawCell("251000元", "uncertain")),
        (Unsure("", 0.6), None, RawCell("", "empty")),
        (Unsure("—", 0.6), None, RawCell("—", "na")),
        (Unsure("(一)予以公开", 0.6), None, RawCell("(一)予以公开", "text")),  # a label stays a label
    ],
)
def test_a_number_ocr_was_unsure_of_is_null_with_its_text(text, value, raw):
    parsed = parse_cell(text)
    assert parsed.value == value
    assert parsed.raw == raw
    assert is_value_text(text) == (raw.meaning != "text")


def test_unsure_survives_the_joins_of_cells_and_rows():
    assert isinstance(join_lines(["", Unsure(" 7", 0.6)]), Unsure)
    joined = join_text(Unsure("1", 0.6), "2")
    assert joined == "12" and isinstance(joined, Unsure) and joined.confidence == 0.6
    assert not isinstance(join_text("1", "2"), Unsure)


def test_an_unsure_number_is_null_and_named_in_a_warning():
    row = ["一、本年新收政府信息公开申请数量", "72", Unsure("14", 0.5), "3", "3", "7", "5", "105"]
    result = read_applications([row])
    assert result.data["new"]["commercial"] is None
    assert result.data["new"]["natural_person"] == 72
    assert result.raw["new"]["commercial"] == RawCell("14", "uncertain")
    assert any("applications.new" in w and "commercial" in w for w in result.warnings)


def test_a_headings_total_column_names_no_row_for_the_numbers_under_it():
    # An OCR'd table whose heading labels came out garbled (法人或其他组织· 商业企业科研木构)
    # kept its 总计 heading, far right; the next row, its labels lost, was read as （七）总计
    rows = [
        ["", "", "", "", "", "", "", "", "总计"],
        ["", "", "", "", "法人或其他组织· 商业企业科研木构", "社会么益组", "法律务机", "其他", ""],
        ["", "", "15", "28", "4", "8", "3", "26", "84"],
        ["", "二、上年结转政府信息公开申请数量", "156", "4", "25", "7", "21", "10", "223"],
    ]
    result = read_applications(rows)
    assert "total" not in result.data
    assert result.data["carried_over"]["total"] == 223


def test_a_number_of_more_digits_than_any_count_is_placed_as_text():
    """A 20-digit count failed the archive's store (SQLite's integer, PostgreSQL's
    value_exact); the most a cell holds, MAX_DIGITS, stores exactly (tests/storage)."""
    from parsers.table_reader import MAX_DIGITS

    row = ["一、本年新收政府信息公开申请数量", "9" * 20, "9" * MAX_DIGITS, "3", "3", "7", "5", "1,234,567,890,123,456"]
    result = read_applications([row])
    assert result.data["new"]["natural_person"] is None and result.data["new"]["total"] is None
    assert result.raw["new"]["natural_person"] == RawCell("9" * 20, "text")
    assert result.raw["new"]["total"] == RawCell("1234567890123456", "text")
    assert result.data["new"]["commercial"] == 10**MAX_DIGITS - 1
    assert any("more digits than any count" in w for w in result.warnings)


def test_a_row_printed_twice_is_named_with_its_table():
    # the warning said "new: ...", which names no row of the record (applications.new)
    label = "一、本年新收政府信息公开申请数量"
    result = read_applications([[label, *"1234567"], [label, *"7654321"]])
    assert result.warnings == ["applications.new: printed twice with different numbers; kept the first"]
