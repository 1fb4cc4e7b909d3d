"""Tabular exports for pandas and R: one row per report version, or one row per table cell.

- Wide: a version's metadata, then one column per canonical cell
  (``applications.new.total``), the same columns whatever the format version, blank where
  a report has no such cell.
- Long (``nianbao export --long``): the tidy form, one row per cell: agency, region, year,
  version, table, row, column, value, plus the exact value and the printed text of a
  cell that is not a number.

Each exporter has the signature of :data:`research.export.FORMATS` entries,
``(versions, out) -> rows written``, over ``research.export.iter_versions``, which reads
the database in batches; the writers write as they read, so memory stays flat however
large the archive is. Values are exact: CSV and JSON print the number as the report did;
Parquet stores counts as int64 and money as decimal128, except the long form's single
``value`` column, a float64 for arithmetic beside ``value_exact``, the decimal string.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import Any, BinaryIO

from research.codebook import CELLS, unit_of
from research.metrics import NAMES as MEASURE_NAMES
from research.metrics import measures, record_text
from research.rows import ExportedVersion, region_label

META_COLUMNS = (
    "version_id",
    "agency",
    "region",
    "year",
    "version",
    "is_latest",
    "format_version",
    "failed_rules",
    "published_at",
    "source_url",
    "sha256",
)
LONG_COLUMNS = (
    "version_id",
    "agency",
    "region",
    "year",
    "version",
    "is_latest",
    "format_version",
    "table",
    "row",
    "column",
    "value",
    "value_exact",
    "unit",
    "raw_text",
    "meaning",
)

Row = dict[str, Any]
Exporter = Callable[[Iterable[ExportedVersion], BinaryIO], int]


def cell_keys() -> list[tuple[str, str, str]]:
    """Every canonical (table, row, column) of the codebook, in printed order."""
    return [(cell.table, cell.row, cell.column) for cell in CELLS]


def wide_columns() -> list[str]:
    return [*META_COLUMNS, *MEASURE_NAMES, *(".".join(key) for key in cell_keys())]


def _meta(version: ExportedVersion) -> Row:
    info, record = version.info, version.record
    failed = sorted({check["rule"] for check in record.get("checks", []) if check["status"] == "fail"})
    region = record.get("region") or {}
    return {
        "version_id": info.version_id,
        "agency": info.agency,
        "region": region_label(region.get("province"), region.get("city"), region.get("district")),
        "year": info.year,
        "version": info.version,
        "is_latest": info.is_latest,
        "format_version": info.format_version,
        "failed_rules": ",".join(failed),
        "published_at": info.published_at,
        "source_url": info.source_url,
        "sha256": info.sha256,
    }


def exact(value: int | str | None) -> int | Decimal | None:
    """A record's cell as a number: money is a decimal string in the record, counts are ints."""
    return Decimal(value) if isinstance(value, str) else value


def iter_wide(versions: Iterable[ExportedVersion]) -> Iterator[Row]:
    """One row per version: metadata, the measures of research.metrics, and every cell the report has,
    as int or Decimal. Versions come by agency, then year: the year before's latest text is still at hand."""
    latest_texts: dict[int, str] = {}  # by year, of the agency being read
    agency = None
    for version in versions:
        info = version.info
        if info.agency != agency:
            latest_texts.clear()
            agency = info.agency
        previous = latest_texts.get(info.year - 1)
        row = _meta(version) | measures(version.record, info.agency, info.year, info.published_at, previous)
        if info.is_latest:
            latest_texts[info.year] = record_text(version.record)
        for table, rows in version.record.get("tables", {}).items():
            for row_key, cells in rows.items():
                for column, value in cells.items():
                    row[f"{table}.{row_key}.{column}"] = exact(value)
        yield row


def iter_long(versions: Iterable[ExportedVersion]) -> Iterator[Row]:
    """One row per cell of every version, blanks included (no value, the printed text kept)."""
    for version in versions:
        meta = _meta(version)
        head = {name: meta[name] for name in LONG_COLUMNS if name in meta}
        raw = version.record.get("raw", {})
        for table, row_key, column, value in _every_cell(version.record):
            printed = raw.get(table, {}).get(row_key, {}).get(column) or {}
            number = exact(value)
            yield head | {
                "table": table,
                "row": row_key,
                "column": column,
                "value": number,
                "value_exact": None if number is None else str(number),
                "unit": unit_of(table, row_key, column),
                "raw_text": printed.get("text"),
                "meaning": printed.get("meaning"),
            }


def _every_cell(record: dict[str, Any]) -> Iterator[tuple[str, str, str, Any]]:
    """The cells of ``tables``, then those only ``raw`` has (a row with no cell there), as the cell table holds them."""
    tables = record.get("tables", {})
    for table, rows in tables.items():
        for row_key, cells in rows.items():
            for column, value in cells.items():
                yield table, row_key, column, value
    for table, rows in record.get("raw", {}).items():
        for row_key, cells in rows.items():
            for column in cells:
                if column not in tables.get(table, {}).get(row_key, {}):
                    yield table, row_key, column, None


# --- writers ----------------------------------------------------------------------


def write_csv(rows: Iterator[Row], columns: list[str], out: BinaryIO) -> int:
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    writer = csv.DictWriter(text, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    count = 0
    for row in rows:
        writer.writerow({name: _csv_text(row.get(name)) for name in columns})
        count += 1
    text.detach()  # leave ``out`` open: it may be stdout
    return count


def _csv_text(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return int(value)
    return value


def write_jsonl(rows: Iterator[Row], columns: list[str], out: BinaryIO) -> int:
    count = 0
    for row in rows:
        line = json.dumps({name: _json(row.get(name)) for name in columns}, ensure_ascii=False)
        out.write(line.encode("utf-8") + b"\n")
        count += 1
    return count


def _json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    return value.isoformat() if hasattr(value, "isoformat") else value


def _parquet(rows: Iterator[Row], columns: list[str], out: BinaryIO) -> int:
    from research.parquet import write_parquet  # pyarrow only when Parquet is asked for

    return write_parquet(rows, columns, out)


_WRITERS = {"csv": write_csv, "jsonl": write_jsonl, "parquet": _parquet}


def _exporter(form: Callable[[Iterable[ExportedVersion]], Iterator[Row]], columns: list[str], fmt: str) -> Exporter:
    def export(versions: Iterable[ExportedVersion], out: BinaryIO) -> int:
        return _WRITERS[fmt](form(versions), columns, out)

    export.__name__ = f"export_{fmt}_{form.__name__.removeprefix('iter_')}"
    return export


# One row per version (``jsonl`` stays research.export's full record) and one row per cell.
WIDE_EXPORTERS: dict[str, Exporter] = {fmt: _exporter(iter_wide, wide_columns(), fmt) for fmt in ("csv", "parquet")}
LONG_EXPORTERS: dict[str, Exporter] = {
    fmt: _exporter(iter_long, list(LONG_COLUMNS), fmt) for fmt in ("csv", "jsonl", "parquet")
}
