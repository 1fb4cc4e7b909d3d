"""The consistency rules (勾稽关系) of docs/RECORD.md, judged on the parsed tables.

A failed rule is data: the parser reports it and never repairs a number. A rule with a
null operand is ``uncertain``. R6 spans two years: the archive judges it when read
(``reports_view``, migration 0005).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from parsers import tables as keys
from parsers.model import CellValue, Check, CheckStatus, TableData

_WITHHELD_AND_OTHERS = tuple(
    row for row in keys.APPLICATION_ROWS_2021 if row.split(".")[0] in {"withheld", "unable", "not_processed"}
)


def run_checks(tables: dict[str, TableData]) -> list[Check]:
    applications = tables.get(keys.APPLICATIONS, {})
    review = tables.get(keys.REVIEW_LITIGATION, {})
    checks: list[Check] = []
    if applications:
        checks += _r1_balance(applications)
        checks += _r2_results_total(applications)
        checks += _r3_row_totals(applications)
    if review:
        checks += _r4_review_totals(review.get("all", {}))
    checks += _r5_whole_non_negative(tables)
    return checks


def _judge(rule: str, where: str, left: tuple[str, list[CellValue]], right: tuple[str, list[CellValue]]) -> Check:
    left_name, left_values = left
    right_name, right_values = right
    if any(value is None for value in [*left_values, *right_values]):
        missing = "an operand is blank or unreadable"
        return Check(rule, "uncertain", f"{where}: {left_name} vs {right_name}: {missing}")
    left_sum = sum(value for value in left_values if value is not None)
    right_sum = sum(value for value in right_values if value is not None)
    status: CheckStatus = "pass" if left_sum == right_sum else "fail"
    return Check(rule, status, f"{where}: {left_name} = {left_sum}, {right_name} = {right_sum}")


def _column(rows: TableData, row: str, column: str) -> CellValue:
    return rows.get(row, {}).get(column)


def _r1_balance(rows: TableData) -> Iterable[Check]:
    for column in keys.APPLICANT_COLUMNS:
        yield _judge(
            "R1",
            f"applications.{column}",
            ("new + carried_over", [_column(rows, "new", column), _column(rows, "carried_over", column)]),
            ("total + carried_forward", [_column(rows, "total", column), _column(rows, "carried_forward", column)]),
        )


def _r2_results_total(rows: TableData) -> Iterable[Check]:
    other_rows = ("other",) if "other" in rows else keys.OTHER_SUBROWS
    result_rows = ("disclosed", "partially_disclosed", *_WITHHELD_AND_OTHERS, *other_rows)
    for column in keys.APPLICANT_COLUMNS:
        yield _judge(
            "R2",
            f"applications.{column}",
            ("total", [_column(rows, "total", column)]),
            ("sum of the result rows", [_column(rows, row, column) for row in result_rows]),
        )


def _r3_row_totals(rows: TableData) -> Iterable[Check]:
    applicants = keys.APPLICANT_COLUMNS[:-1]
    for row, cells in rows.items():
        yield _judge(
            "R3",
            f"applications.{row}",
            ("total", [cells.get("total")]),
            ("sum of the six applicant columns", [cells.get(column) for column in applicants]),
        )


def _r4_review_totals(cells: dict[str, CellValue]) -> Iterable[Check]:
    for group in keys.REVIEW_GROUPS:
        parts = [cells.get(f"{group}.{outcome}") for outcome in keys.REVIEW_OUTCOMES[:-1]]
        yield _judge(
            "R4",
            f"review_litigation.{group}",
            ("total", [cells.get(f"{group}.total")]),
            ("upheld + corrected + other + pending", parts),
        )


def _r5_whole_non_negative(tables: dict[str, TableData]) -> list[Check]:
    bad = [
        f"{table}.{row}.{column} = {value}"
        for table, rows in tables.items()
        for row, cells in rows.items()
        for column, value in cells.items()
        if value is not None and column not in keys.SIGNED_COLUMNS and not _valid_value(column, value)
    ]
    if bad:
        return [Check("R5", "fail", "not a whole number >= 0: " + "; ".join(bad))]
    return [Check("R5", "pass", "every count is a whole number >= 0 and every amount >= 0")]


def _valid_value(column: str, value: int | Decimal) -> bool:
    if value < 0:
        return False
    return column in keys.MONEY_COLUMNS or value == int(value)
