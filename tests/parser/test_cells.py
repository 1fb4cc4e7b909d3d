from decimal import Decimal

import pytest

from parsers.cells import parse_cell
from parsers.model import RawCell


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
