"""One printed table cell -> its value, never a guess.

A cell is a count (``int``), an amount (``Decimal``, exactly as printed), or ``None``
with the printed text and its meaning kept in a :class:`RawCell`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from parsers.document import Unsure
from parsers.model import CellValue, RawCell

NOT_APPLICABLE = frozenset({"/", "-", "--", "—", "——", "–", "－", "―", "无", "不适用", "n/a", "N/A", "NA", "×", "\\"})
_INTEGER = re.compile(r"[+-]?\d+")
_DECIMAL = re.compile(r"[+-]?\d+\.\d+")
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_WITH_UNIT = re.compile(r"(?P<number>[+-]?\d+(?:\.\d+)?)\s*(?P<unit>万元|元|件|条|个|项|次|人次)")


@dataclass(frozen=True, slots=True)
class ParsedCell:
    value: CellValue
    raw: RawCell | None

    @property
    def is_number(self) -> bool:
        return self.value is not None or (self.raw is not None and self.raw.meaning in ("unit", "uncertain"))


def normalize(text: str) -> str:
    """Full-width digits and signs to ASCII, every kind of white space removed."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def parse_cell(text: str) -> ParsedCell:
    """A number, or null with what was printed. A number OCR was unsure of is null, its
    text kept with the meaning ``uncertain``: never a number that may be another."""
    parsed = _parse(text)
    if isinstance(text, Unsure) and parsed.is_number:
        return ParsedCell(None, RawCell(str(text), "uncertain"))
    return parsed


def _parse(text: str) -> ParsedCell:
    compact = normalize(text)
    if not compact:
        return ParsedCell(None, RawCell(text, "empty"))
    if compact in NOT_APPLICABLE or text.strip() in NOT_APPLICABLE:
        return ParsedCell(None, RawCell(text, "na"))
    if _THOUSANDS.fullmatch(compact):
        compact = compact.replace(",", "")
    if _INTEGER.fullmatch(compact):
        return ParsedCell(int(compact), None)
    if _DECIMAL.fullmatch(compact):
        return ParsedCell(Decimal(compact), None)
    unit = _WITH_UNIT.fullmatch(compact)
    if unit:
        return ParsedCell(_number(unit["number"]), RawCell(text, "unit"))
    return ParsedCell(None, RawCell(text, "text"))


def is_value_text(text: str) -> bool:
    """True for what may stand in a value column: a number, a blank or a dash."""
    parsed = parse_cell(text)
    return parsed.raw is None or parsed.raw.meaning in {"empty", "na", "unit", "uncertain"}


def _number(text: str) -> int | Decimal:
    return Decimal(text) if "." in text else int(text)
