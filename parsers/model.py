"""The typed structured report whose keys ``docs/RECORD.md`` describes.

Cell values are ``int`` for counts, ``Decimal`` for money (kept exactly as printed) and
``None`` for anything that is not a plain number; the printed text of such a cell and
its meaning stand in ``raw`` under the same table, row and column keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any, Literal

CellValue = int | Decimal | None
TableData = dict[str, dict[str, CellValue]]
CheckStatus = Literal["pass", "fail", "uncertain"]
FormatVersion = Literal["2021", "2019", "pre2019", "unknown"]


@dataclass(slots=True)
class Region:
    province: str | None = None
    city: str | None = None
    district: str | None = None


@dataclass(slots=True)
class Section:
    number: int
    title: str
    text: str


@dataclass(slots=True)
class RawCell:
    """A cell that was not a plain number: what was printed and what it means.

    ``meaning`` is ``empty`` (blank), ``na`` (a dash, 无, 不适用), ``missing`` (the row
    had no cell there), ``unit`` (a number printed with its unit), ``ambiguous`` (the
    row's numbers could not be placed), ``uncertain`` (OCR read a number with too little
    confidence to trust it) or ``text`` (anything else).
    """

    text: str
    meaning: str


@dataclass(slots=True)
class Check:
    rule: str
    status: CheckStatus
    detail: str


@dataclass(slots=True)
class Report:
    agency: str | None
    agency_canonical: str | None
    region: Region
    year: int | None
    published_at: date | None
    format_version: FormatVersion
    sections: list[Section]
    tables: dict[str, TableData]
    raw: dict[str, dict[str, dict[str, RawCell]]]
    checks: list[Check]
    warnings: list[str]
    source_format: str = "text"
    ocr_confidence: float | None = None
    text: str = field(default="", repr=False)

    def failed_checks(self) -> list[Check]:
        return [check for check in self.checks if check.status == "fail"]

    def to_dict(self, *, with_text: bool = False) -> dict[str, Any]:
        """A JSON-ready dict: money as its exact decimal string, dates in ISO form."""
        data: dict[str, Any] = _plain(self)
        if not with_text:
            del data["text"]
        data["published_at"] = self.published_at.isoformat() if self.published_at else None
        data["tables"] = {
            table: {row: {col: _json_cell(v) for col, v in cols.items()} for row, cols in rows.items()}
            for table, rows in self.tables.items()
        }
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        published = data.get("published_at")
        return cls(
            agency=data["agency"],
            agency_canonical=data["agency_canonical"],
            region=Region(**data["region"]),
            year=data["year"],
            published_at=date.fromisoformat(published) if published else None,
            format_version=data["format_version"],
            sections=[Section(**s) for s in data["sections"]],
            tables={
                table: {row: {col: _cell_from_json(v) for col, v in cols.items()} for row, cols in rows.items()}
                for table, rows in data["tables"].items()
            },
            raw={
                table: {row: {col: RawCell(**cell) for col, cell in cols.items()} for row, cols in rows.items()}
                for table, rows in data["raw"].items()
            },
            checks=[Check(**c) for c in data["checks"]],
            warnings=list(data["warnings"]),
            source_format=data.get("source_format", "text"),
            ocr_confidence=data.get("ocr_confidence"),
            text=data.get("text", ""),
        )


def _plain(value: Any) -> Any:
    """What ``dataclasses.asdict`` makes of a value, without its deep copy of every leaf: a
    record's leaves (text, numbers, dates) are immutable, and copying them took half of
    ``to_dict`` and a sixth of the CPU of storing a report (every crawl stores each in the
    archive's one writer thread)."""
    if is_dataclass(value) and not isinstance(value, type):
        return {name: _plain(getattr(value, name)) for name in _field_names(type(value))}
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


@cache
def _field_names(kind: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(kind))


def _json_cell(value: CellValue) -> int | str | None:
    return str(value) if isinstance(value, Decimal) else value


def _cell_from_json(value: int | str | None) -> CellValue:
    return Decimal(value) if isinstance(value, str) else value
