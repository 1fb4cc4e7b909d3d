"""Year against year, version against version: the diff of two parsed reports.

Pure functions over two :class:`parsers.model.Report` records; no database. Tables are
diffed by key (table, row, column), never as text: each cell gets its absolute change
(exact: ``int`` for counts, ``Decimal`` for money) and its relative change. A blank cell
(``None``) stays blank: a change from or to a blank has no arithmetic, only a kind.
Sections are diffed at sentence granularity (:mod:`research.text_diff`).

Example::

    diff = diff_reports(report_2022, report_2023)
    [c for c in diff.cells if c.kind == "changed"]
    diff.sections[0].carried_over   # share of 2023's 总体情况 copied from 2022
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from parsers.model import CellValue, Check, Report
from parsers.sections import CANONICAL_TITLES
from parsers.tables import TABLE_KEYS
from research.text_diff import SectionDiff, carried_over, diff_section

CellKind = Literal["equal", "changed", "added", "removed"]
Number = int | Decimal

_CHECK_SUBJECT = re.compile(r"^(\w+\.[\w.]+):")


@dataclass(frozen=True, slots=True)
class Side:
    """One report of the pair, as the reader should see it named."""

    agency: str | None
    year: int | None
    label: str
    format_version: str


@dataclass(frozen=True, slots=True)
class CellChange:
    """One cell of the pair. ``kind`` is ``added``/``removed`` when only one report has the cell."""

    table: str
    row: str
    column: str
    old: CellValue
    new: CellValue
    kind: CellKind
    old_raw: str | None = None
    new_raw: str | None = None

    @property
    def absolute(self) -> Number | None:
        """new - old, exact; None unless both are numbers."""
        if self.old is None or self.new is None:
            return None
        return self.new - self.old

    @property
    def relative(self) -> Decimal | None:
        """(new - old) / old as an exact-as-possible Decimal; None when old is 0 or either is blank."""
        absolute = self.absolute
        if absolute is None or self.old == 0:
            return None
        return Decimal(absolute) / Decimal(self.old)


@dataclass(frozen=True, slots=True)
class CheckChange:
    """A consistency rule whose status differs between the two reports (or exists in one only)."""

    rule: str
    subject: str
    old: str | None
    new: str | None
    detail: str


@dataclass(frozen=True, slots=True)
class ReportDiff:
    old: Side
    new: Side
    cells: tuple[CellChange, ...]
    sections: tuple[SectionDiff, ...]
    checks: tuple[CheckChange, ...]
    carried_over: float | None = None
    summary: dict[str, int] = field(default_factory=dict)

    def changed_cells(self) -> list[CellChange]:
        """Cells whose value changed, then those only one report has (many, across format eras)."""
        return sorted((cell for cell in self.cells if cell.kind != "equal"), key=lambda cell: cell.kind != "changed")

    def cell(self, table: str, row: str, column: str) -> CellChange | None:
        return next((c for c in self.cells if (c.table, c.row, c.column) == (table, row, column)), None)


def side(report: Report, label: str | None = None) -> Side:
    agency = report.agency_canonical or report.agency
    return Side(agency, report.year, label or str(report.year or "?"), report.format_version)


def diff_reports(old: Report, new: Report, *, old_label: str | None = None, new_label: str | None = None) -> ReportDiff:
    """The whole diff of ``old`` -> ``new``: cells, sections, rule flips and carried-over share."""
    cells = tuple(diff_tables(old, new))
    sections = tuple(diff_sections(old, new))
    return ReportDiff(
        old=side(old, old_label),
        new=side(new, new_label),
        cells=cells,
        sections=sections,
        checks=tuple(diff_checks(old.checks, new.checks)),
        carried_over=carried_over(_all_text(old), _all_text(new)),
        summary=_summary(cells, sections),
    )


def diff_tables(old: Report, new: Report) -> Iterator[CellChange]:
    """Every cell of either report, keyed by (table, row, column), in the new report's order."""
    for table in _ordered_union(TABLE_KEYS, old.tables, new.tables):
        old_rows, new_rows = old.tables.get(table, {}), new.tables.get(table, {})
        for row in _ordered_union((), new_rows, old_rows):
            old_cells, new_cells = old_rows.get(row), new_rows.get(row)
            for column in _ordered_union((), new_cells or {}, old_cells or {}):
                yield _cell_change(table, row, column, old, new)


def _cell_change(table: str, row: str, column: str, old: Report, new: Report) -> CellChange:
    in_old = column in old.tables.get(table, {}).get(row, {})
    in_new = column in new.tables.get(table, {}).get(row, {})
    old_value = old.tables[table][row][column] if in_old else None
    new_value = new.tables[table][row][column] if in_new else None
    if not in_old:
        kind: CellKind = "added"
    elif not in_new:
        kind = "removed"
    else:
        kind = "equal" if _same(old_value, new_value) else "changed"
    return CellChange(
        table, row, column, old_value, new_value, kind, _raw(old, table, row, column), _raw(new, table, row, column)
    )


def _same(old: CellValue, new: CellValue) -> bool:
    # None == None is "still blank"; a number never equals a blank.
    if old is None or new is None:
        return old is new
    return old == new


def _raw(report: Report, table: str, row: str, column: str) -> str | None:
    cell = report.raw.get(table, {}).get(row, {}).get(column)
    return cell.text if cell is not None else None


def diff_sections(old: Report, new: Report) -> Iterator[SectionDiff]:
    """The six sections paired by number (a report may lack one: its text is empty)."""
    old_text = {section.number: section.text for section in old.sections}
    new_text = {section.number: section.text for section in new.sections}
    titles = {section.number: section.title for section in [*old.sections, *new.sections]}
    numbers = sorted(set(old_text) | set(new_text) | set(range(1, len(CANONICAL_TITLES) + 1)))
    for number in numbers:
        title = titles.get(number) or _canonical_title(number)
        yield diff_section(number, title, old_text.get(number, ""), new_text.get(number, ""))


def _canonical_title(number: int) -> str:
    return CANONICAL_TITLES[number - 1] if 1 <= number <= len(CANONICAL_TITLES) else str(number)


def diff_checks(old: Iterable[Check], new: Iterable[Check]) -> Iterator[CheckChange]:
    """Rules whose status is not the same in both reports, keyed by rule and the cells it judges."""
    old_by_key = {_check_key(check): check for check in old}
    new_by_key = {_check_key(check): check for check in new}
    for key in _ordered_union((), new_by_key, old_by_key):
        before, after = old_by_key.get(key), new_by_key.get(key)
        old_status = before.status if before else None
        new_status = after.status if after else None
        if old_status != new_status:
            detail = (after or before).detail  # type: ignore[union-attr]
            yield CheckChange(key[0], key[1], old_status, new_status, detail)


def _check_key(check: Check) -> tuple[str, str]:
    match = _CHECK_SUBJECT.match(check.detail)
    return check.rule, match.group(1) if match else ""


def _all_text(report: Report) -> str:
    return "\n".join(section.text for section in report.sections)


def _summary(cells: tuple[CellChange, ...], sections: tuple[SectionDiff, ...]) -> dict[str, int]:
    summary = {f"cells_{kind}": sum(1 for c in cells if c.kind == kind) for kind in ("changed", "added", "removed")}
    for kind in ("changed", "added", "removed"):
        summary[f"sentences_{kind}"] = sum(section.count(kind) for section in sections)
    return summary


def _ordered_union(first: Iterable[str], *mappings: Iterable[str]) -> list[str]:
    """Keys in first-seen order: ``first`` (the canonical order), then each mapping's."""
    seen: dict[str, None] = {}
    for source in (first, *mappings):
        for key in source:
            seen.setdefault(key, None)
    return [key for key in seen if any(key in mapping for mapping in mappings)]
