"""The measures of :mod:`research.metrics` as a terminal table, CSV or JSON."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from research.metrics import MEASURES, NAMES, MetricRow, Value

HEAD = ("agency", "region", "year", "version", "version_id")
# Short headings for the terminal, where nine measures must fit beside the agency.
SHORT = {
    "applications_new": "new",
    "applications_handled": "handled",
    "disclosure_rate": "disclosed",
    "natural_person_share": "natural p.",
    "backlog_rate": "backlog",
    "review_correction_rate": "review corr.",
    "litigation_correction_rate": "litig. corr.",
    "days_after_deadline": "days late",
    "text_carried_over": "text repeated",
}


def render_metrics(rows: Sequence[MetricRow], output: str) -> str:
    return {"text": _text, "csv": _csv, "json": _json}[output](rows)


def _head(row: MetricRow) -> dict[str, object]:
    return {"agency": row.agency, "region": row.region, "year": row.year, "version": row.version} | {
        "version_id": row.version_id
    }


def _json(rows: Sequence[MetricRow]) -> str:
    return json.dumps([_head(row) | row.values for row in rows], ensure_ascii=False, indent=1) + "\n"


def _csv(rows: Sequence[MetricRow]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*HEAD, *NAMES])
    for row in rows:
        writer.writerow(
            [*_head(row).values(), *("" if row.values[name] is None else row.values[name] for name in NAMES)]
        )
    return buffer.getvalue()


def _text(rows: Sequence[MetricRow], width: int = 160) -> str:
    table = Table(show_edge=False, header_style="bold")
    table.add_column("agency")
    table.add_column("year", justify="right")
    for measure in MEASURES:
        table.add_column(SHORT[measure.name], justify="right")
    for row in rows:
        table.add_row(row.agency, str(row.year), *(shown(row.values[m.name], m.unit) for m in MEASURES))
    buffer = io.StringIO()
    Console(file=buffer, width=width, no_color=True, highlight=False).print(table)
    buffer.write(f"{len(rows)} report{'s' if len(rows) != 1 else ''}; – is blank (a cell missing or a denominator 0)\n")
    return buffer.getvalue()


def shown(value: Value, unit: str) -> str:
    """A measure for people: a ratio as a percentage, a blank as –."""
    if value is None:
        return "–"
    if unit == "ratio":
        return f"{value:.1%}"
    return str(value)
