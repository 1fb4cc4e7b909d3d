"""Report versions as a terminal table (rich measures CJK characters as two columns wide)."""

from __future__ import annotations

import io
from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from research.rows import VersionInfo


def versions_table(rows: Sequence[VersionInfo], total: int, *, width: int = 140) -> str:
    """The rows, then how many versions matched: ``total``, and a note when the rows are fewer."""
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
    cut = f" (showing the first {len(rows)}; --limit shows more)" if total > len(rows) else ""
    buffer.write(f"{total} report version{'s' if total != 1 else ''}{cut}\n")
    return buffer.getvalue()
