"""Parquet for the tabular exports (:mod:`research.tabular`), written a batch at a time.

Counts are int64 and money decimal128 (exact; never a float), so a reader in pandas or R
gets the numbers the reports printed. pyarrow is imported only when Parquet is asked for.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

from parsers import tables as keys
from research.metrics import MEASURES

BATCH_ROWS = 5000
MONEY = ("decimal", 38, 10)  # 28 digits before the point, 10 after: more than any report prints

_META_TYPES = {
    "version_id": "int64",
    "year": "int32",
    "version": "int32",
    "is_latest": "bool_",
    "published_at": "date32",
    "value": "float64",
} | {measure.name: "int64" if measure.type == "integer" else "float64" for measure in MEASURES}


def _arrow_type(name: str) -> Any:
    import pyarrow as pa

    if name in _META_TYPES:
        return getattr(pa, _META_TYPES[name])()
    if name.count(".") >= 2:  # a wide cell column: table.row.column
        column = name.rsplit(".", 1)[-1]
        return pa.decimal128(MONEY[1], MONEY[2]) if column in keys.MONEY_COLUMNS else pa.int64()
    return pa.string()


def write_parquet(rows: Iterator[dict[str, Any]], columns: list[str], out: IO[bytes]) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([(name, _arrow_type(name)) for name in columns])
    count = 0
    with pq.ParquetWriter(out, schema, compression="zstd") as writer:
        batch: list[dict[str, Any]] = []
        for row in rows:
            batch.append(row)
            if len(batch) == BATCH_ROWS:
                writer.write_table(_table(batch, columns, schema))
                count += len(batch)
                batch = []
        if batch:
            writer.write_table(_table(batch, columns, schema))
            count += len(batch)
    return count


def _table(batch: list[dict[str, Any]], columns: list[str], schema: Any) -> Any:
    import pyarrow as pa

    arrays = {name: [row.get(name) for row in batch] for name in columns}
    if "value" in arrays:  # the long form's arithmetic column; value_exact keeps the decimal
        arrays["value"] = [None if value is None else float(value) for value in arrays["value"]]
    return pa.Table.from_pydict(arrays, schema=schema)
