"""Report versions as a terminal table (rich measures CJK characters as two columns wide)."""

from __future__ import annotations

import io
from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from research.rows import VersionInfo


def versions_table(rows: Sequence[VersionInfo], *, width: int = 140) -> str:
    table = Table(show_edge=False, header_style="bold")
    for name in ("agency", "region", "year", "v", "format", "failed", "published", "version id"):
        table.add_column(name, justify="right" if name in {"year", "v", "version id"} else "left")
    for row in rows:
        table.add_row(
            row.agency,
            row.region,
            str(row.year),
            str(row.version),
            row.format_version,
            " ".join(row.failed_rules) or "–",
            str(row.published_at or "–"),
            str(row.version_id),
        )
    buffer = io.StringIO()
    Console(file=buffer, width=width, no_color=True, highlight=False).print(table)
    buffer.write(f"{len(rows)} report version{'s' if len(rows) != 1 else ''}\n")
    return buffer.getvalue()
