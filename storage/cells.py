"""A parsed report as the rows of the long-form ``cell`` and ``check_result`` tables.

Pure functions: no database. Every cell of ``tables`` becomes a row, and so does every
cell of ``raw`` that ``tables`` lacks; a cell that is not a plain number keeps its
printed text and meaning and has no value (a blank is never a zero).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from parsers.model import CellValue, RawCell, Report


def cell_rows(report: Report) -> list[dict[str, Any]]:
    """One dict per cell, keyed by the ``cell`` table's columns (without ids and key)."""
    rows = []
    for table, row, column, value in _every_cell(report):
        raw = report.raw.get(table, {}).get(row, {}).get(column)
        rows.append(_cell_row(table, row, column, value, raw))
    return rows


def check_rows(report: Report) -> list[dict[str, Any]]:
    return [{"rule": check.rule, "status": check.status, "detail": check.detail} for check in report.checks]


def cell_value(value_exact: str | None, value_kind: str | None) -> CellValue:
    """The exact value a cell row holds: int, Decimal or None."""
    if value_exact is None:
        return None
    return Decimal(value_exact) if value_kind == "decimal" else int(value_exact)


def _every_cell(report: Report) -> Iterator[tuple[str, str, str, CellValue]]:
    seen: set[tuple[str, str, str]] = set()
    for table, rows in report.tables.items():
        for row, columns in rows.items():
            for column, value in columns.items():
                seen.add((table, row, column))
                yield table, row, column, value
    for table, raw_rows in report.raw.items():
        for row, raw_columns in raw_rows.items():
            for column in raw_columns:
                if (table, row, column) not in seen:
                    yield table, row, column, None


def _cell_row(table: str, row: str, column: str, value: CellValue, raw: RawCell | None) -> dict[str, Any]:
    return {
        "table_key": table,
        "row_key": row,
        "column_key": column,
        "value": value,
        "value_exact": None if value is None else str(value),
        "value_kind": _kind(value),
        "raw_text": raw.text if raw else None,
        "meaning": raw.meaning if raw else None,
    }


def _kind(value: CellValue) -> str | None:
    if value is None:
        return None
    return "decimal" if isinstance(value, Decimal) else "int"
