"""A :class:`research.diff.ReportDiff` as JSON, coloured terminal text, or standalone HTML.

JSON keeps numbers exact the way the report record does: counts are integers, money is
its decimal string; the relative change is a float (a ratio, never money).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from research.diff import CellChange, ReportDiff, Side
from research.text_diff import SectionDiff, SentenceChange

RELATIVE_DIGITS = 6


def to_json(diff: ReportDiff) -> dict[str, Any]:
    return {
        "old": _side_json(diff.old),
        "new": _side_json(diff.new),
        "summary": diff.summary,
        "carried_over": diff.carried_over,
        "cells": [_cell_json(cell) for cell in diff.cells],
        "checks": [
            {"rule": c.rule, "subject": c.subject, "old": c.old, "new": c.new, "detail": c.detail} for c in diff.checks
        ],
        "sections": [_section_json(section) for section in diff.sections],
    }


def _side_json(side: Side) -> dict[str, Any]:
    return {"agency": side.agency, "year": side.year, "label": side.label, "format_version": side.format_version}


def json_number(value: int | Decimal | None) -> int | str | None:
    return str(value) if isinstance(value, Decimal) else value


def _cell_json(cell: CellChange) -> dict[str, Any]:
    relative = cell.relative
    return {
        "table": cell.table,
        "row": cell.row,
        "column": cell.column,
        "kind": cell.kind,
        "old": json_number(cell.old),
        "new": json_number(cell.new),
        "absolute": json_number(cell.absolute),
        "relative": None if relative is None else round(float(relative), RELATIVE_DIGITS),
        "old_raw": cell.old_raw,
        "new_raw": cell.new_raw,
    }


def _section_json(section: SectionDiff) -> dict[str, Any]:
    return {
        "number": section.number,
        "title": section.title,
        "carried_over": section.carried_over,
        "carried_over_ignoring_numbers": section.carried_over_ignoring_numbers,
        "counts": {kind: section.count(kind) for kind in ("equal", "changed", "added", "removed")},
        "sentences": [
            {
                "kind": s.kind,
                "old": s.old,
                "new": s.new,
                "similarity": s.similarity,
                "fragments": [[op, text] for op, text in s.fragments],
            }
            for s in section.sentences
        ],
    }


# --- terminal text ---------------------------------------------------------------


def percent(share: float | Decimal | None, *, signed: bool = False) -> str:
    if share is None:
        return "–"
    return f"{float(share) * 100:+.1f}%" if signed else f"{float(share) * 100:.1f}%"


def shown(value: int | Decimal | None, raw: str | None = None) -> str:
    if value is None:
        return f"blank({raw})" if raw else "blank"
    return str(value)


def render_text(
    diff: ReportDiff, *, color: bool = False, width: int = 110, show_equal: bool = False, max_cells: int | None = None
) -> str:
    """The diff for a terminal: changed cells as a table (the first ``max_cells``), then each section's sentences."""
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=color, no_color=not color, width=width, highlight=False)
    console.print(Text(f"{diff.old.agency}  {diff.old.label} → {diff.new.label}", style="bold"))
    console.print(f"carried over (whole text): {percent(diff.carried_over)}   " + _summary_line(diff))
    cells = diff.changed_cells()
    console.print(_cells_table(cells[:max_cells]))
    if max_cells is not None and len(cells) > max_cells:
        console.print(f"… and {len(cells) - max_cells} more changed cells")
    for change in diff.checks:
        console.print(Text(f"{change.rule} {change.subject}: {change.old} → {change.new}", style="magenta"))
    for section in diff.sections:
        _print_section(console, section, show_equal)
    return buffer.getvalue()


def _summary_line(diff: ReportDiff) -> str:
    return ", ".join(f"{key.replace('_', ' ')}: {value}" for key, value in diff.summary.items())


def _cells_table(cells: Sequence[CellChange]) -> Table:
    table = Table(title="cells that differ", title_justify="left", show_edge=False)
    for name in ("table", "row", "column", "old", "new", "Δ", "Δ%"):
        table.add_column(name, justify="right" if name in {"old", "new", "Δ", "Δ%"} else "left")
    for cell in cells:
        style = _cell_style(cell)
        table.add_row(
            cell.table,
            cell.row,
            cell.column,
            shown(cell.old, cell.old_raw) if cell.kind != "added" else "",
            shown(cell.new, cell.new_raw) if cell.kind != "removed" else "",
            Text(_signed(cell.absolute), style=style),
            Text(percent(cell.relative, signed=True), style=style),
        )
    return table


def _signed(value: int | Decimal | None) -> str:
    return "–" if value is None else f"{value:+}"


def _cell_style(cell: CellChange) -> str:
    absolute = cell.absolute
    if absolute is None:
        return "yellow"
    return "green" if absolute > 0 else "red"


def _print_section(console: Console, section: SectionDiff, show_equal: bool) -> None:
    heading = f"{section.title}  carried over {percent(section.carried_over)}"
    heading += f" (ignoring numbers {percent(section.carried_over_ignoring_numbers)})"
    console.print(Text(heading, style="bold cyan"))
    for sentence in section.sentences:
        if sentence.kind != "equal" or show_equal:
            console.print(_sentence_text(sentence))


def _sentence_text(sentence: SentenceChange) -> Text:
    if sentence.kind == "equal":
        return Text("  " + (sentence.new or ""), style="dim")
    if sentence.kind == "added":
        return Text("+ " + (sentence.new or ""), style="green")
    if sentence.kind == "removed":
        return Text("- " + (sentence.old or ""), style="red")
    text = Text("~ ")
    for op, fragment in sentence.fragments:
        if op == 0:
            text.append(fragment)
        else:
            marker = ("[-", "-]") if op < 0 else ("{+", "+}")
            text.append(marker[0] + fragment + marker[1], style="red strike" if op < 0 else "green bold")
    return text
