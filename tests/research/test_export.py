"""Tabular exports: one row per version (wide) or per cell (long), in CSV, JSON lines and Parquet.

They take ``research.export.iter_versions``, as ``nianbao export`` hands it to every format.
"""

from __future__ import annotations

import csv
import io
import json
import tracemalloc
from collections.abc import Iterator
from decimal import Decimal

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from sqlalchemy import Connection

from nianbao.cli import main
from research.export import iter_versions
from research.tabular import LONG_COLUMNS, LONG_EXPORTERS, WIDE_EXPORTERS, wide_columns
from tests.research.archive import FilledArchive

STATS = "郑州市二七区统计局"


@pytest.fixture(scope="module")
def opened(archive: FilledArchive) -> Iterator[Connection]:
    engine = archive.engine()
    with engine.connect() as connection:
        yield connection
    engine.dispose()


def exported(opened: Connection, fmt: str, *, long: bool = False) -> bytes:
    out = io.BytesIO()
    exporter = (LONG_EXPORTERS if long else WIDE_EXPORTERS)[fmt]
    exporter(iter_versions(opened), out)
    return out.getvalue()


def test_wide_csv_has_one_row_per_version_with_the_spec_numbers(opened, archive: FilledArchive) -> None:
    rows = list(csv.DictReader(io.StringIO(exported(opened, "csv").decode("utf-8"))))
    assert len(rows) == len(archive.specs)
    for row in rows:
        spec = archive.spec(row["agency"], int(row["year"]), int(row["version"]))
        assert row["applications.new.total"] == str(spec["tables"]["applications"]["new"]["total"])
        assert row["active.fees.amount"] == spec["tables"]["active"]["fees"]["amount"]
        assert row["active.procurement.amount"] == ""  # a 2019-format cell: blank, not 0
    failing = {(row["agency"], row["year"]): row["failed_rules"] for row in rows if row["failed_rules"]}
    assert failing == {("洛阳市西工区教育局", "2023"): "R1,R3"}


def test_long_csv_is_tidy(opened, archive: FilledArchive) -> None:
    rows = list(csv.DictReader(io.StringIO(exported(opened, "csv", long=True).decode("utf-8"))))
    assert list(rows[0]) == list(LONG_COLUMNS)
    mine = [row for row in rows if (row["agency"], row["year"]) == (STATS, "2022")]
    spec = archive.spec(STATS, 2022)["tables"]
    assert len(mine) == sum(len(cells) for table in spec.values() for cells in table.values())
    for row in mine:
        assert Decimal(row["value"]) == Decimal(str(spec[row["table"]][row["row"]][row["column"]]))
    assert {row["region"] for row in mine} == {"郑州市二七区"}


def test_long_jsonl_keeps_money_exact(opened, archive: FilledArchive) -> None:
    lines = [json.loads(line) for line in exported(opened, "jsonl", long=True).decode("utf-8").splitlines()]
    fees = next(r for r in lines if (r["agency"], r["year"], r["row"]) == (STATS, 2021, "fees"))
    assert fees["value"] == fees["value_exact"] == archive.spec(STATS, 2021)["tables"]["active"]["fees"]["amount"]


def test_parquet_types(opened, archive: FilledArchive) -> None:
    table = pq.read_table(io.BytesIO(exported(opened, "parquet")))
    assert table.num_rows == len(archive.specs) and table.column_names == wide_columns()
    assert str(table.schema.field("applications.new.total").type) == "int64"
    assert str(table.schema.field("active.fees.amount").type).startswith("decimal128")
    for row in table.select(["agency", "year", "version", "active.fees.amount"]).to_pylist():
        spec = archive.spec(row["agency"], row["year"], row["version"])
        assert row["active.fees.amount"] == Decimal(spec["tables"]["active"]["fees"]["amount"])


def test_parquet_long(opened) -> None:
    table = pq.read_table(io.BytesIO(exported(opened, "parquet", long=True)))
    assert table.column_names == list(LONG_COLUMNS)
    assert str(table.schema.field("value").type) == "double"
    assert table.num_rows > 2000


class Discard(io.RawIOBase):
    """Output that keeps nothing, so that only the exporter's own memory is measured."""

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        return len(data)


def test_memory_stays_flat_as_the_output_grows(opened) -> None:
    """Exporting every version three times over peaks no higher than once (the rows stream)."""

    def peak(times: int) -> int:
        def versions():
            for _ in range(times):
                yield from iter_versions(opened)

        tracemalloc.start()
        LONG_EXPORTERS["csv"](versions(), Discard())
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    peak(1)  # warm caches (compiled statements, imports)
    assert peak(3) < 1.5 * peak(1) + 500_000


@pytest.mark.parametrize("format_name", ["csv", "parquet"])
def test_the_command_writes_the_long_form_to_a_file(archive: FilledArchive, tmp_path, format_name: str) -> None:
    out = tmp_path / f"cells.{format_name}"
    arguments = ["export", "--db", archive.url, "--archive-dir", str(archive.raw_dir), "--long"]
    result = CliRunner().invoke(main, [*arguments, "--format", format_name, "-o", str(out)])
    assert result.exit_code == 0, result.output
    if format_name == "csv":
        rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    else:
        rows = pq.read_table(out).to_pylist()
    assert list(rows[0]) == list(LONG_COLUMNS)
    assert f"{len(rows)} cells exported" in result.stderr


def test_the_command_writes_wide_parquet_to_stdout(archive: FilledArchive) -> None:
    result = CliRunner().invoke(
        main, ["export", "--db", archive.url, "--archive-dir", str(archive.raw_dir), "--format", "parquet"]
    )
    assert result.exit_code == 0, result.output
    assert pq.read_table(io.BytesIO(result.stdout_bytes)).num_rows == len(archive.specs)


# --- no traps: the latest flag, the format and the unit on every cell; the measures; a datapackage ---


def test_long_rows_carry_latest_format_and_unit(opened) -> None:
    rows = list(csv.DictReader(io.StringIO(exported(opened, "csv", long=True).decode("utf-8"))))
    corrected = {row["version"]: row["is_latest"] for row in rows if (row["agency"], row["year"]) == (STATS, "2023")}
    assert corrected == {"1": "0", "2": "1"}
    assert {row["format_version"] for row in rows} == {"2021"}
    units = {(row["table"], row["column"]): row["unit"] for row in rows}
    assert units[("active", "amount")] == "万元" and units[("applications", "total")] == "件"


def test_wide_rows_carry_the_measures_of_nianbao_metrics(opened) -> None:
    from research.filters import parse_filters
    from research.metrics import NAMES, metric_rows

    rows = list(csv.DictReader(io.StringIO(exported(opened, "csv").decode("utf-8"))))
    latest = {(row["agency"], row["year"]): row for row in rows if row["is_latest"] == "1"}
    computed = list(metric_rows(opened, parse_filters()))
    assert len(computed) == len(latest)
    for metric in computed:
        row = latest[(metric.agency, str(metric.year))]
        assert [row[name] for name in NAMES] == [
            "" if metric.values[n] is None else str(metric.values[n]) for n in NAMES
        ]


def test_a_datapackage_describes_every_export_in_the_folder(archive: FilledArchive, tmp_path) -> None:
    arguments = ["export", "--db", archive.url, "--archive-dir", str(archive.raw_dir)]
    for extra in (
        ["--format", "csv", "-o", str(tmp_path / "reports.csv")],
        ["--long", "--format", "parquet", "-o", str(tmp_path / "cells.parquet")],
    ):
        assert CliRunner().invoke(main, [*arguments, *extra]).exit_code == 0
    package = json.loads((tmp_path / "datapackage.json").read_text(encoding="utf-8"))
    resources = {item["path"]: item for item in package["resources"]}
    assert set(resources) == {"reports.csv", "cells.parquet"}
    header = next(csv.reader(io.StringIO((tmp_path / "reports.csv").read_text(encoding="utf-8"))))
    fields = {field["name"]: field for field in resources["reports.csv"]["schema"]["fields"]}
    assert list(fields) == header
    assert fields["active.fees.amount"]["type"] == "string" and fields["active.fees.amount"]["unit"] == "万元"
    assert fields["applications.new.total"]["title"] == "一、本年新收政府信息公开申请数量：总计"
    assert fields["applications.new.total"]["unit"] == "件"
    assert fields["disclosure_rate"]["type"] == "number"
    cells = {field["name"]: field for field in resources["cells.parquet"]["schema"]["fields"]}
    assert list(cells) == list(LONG_COLUMNS) and cells["unit"]["type"] == "string"


def test_the_wide_and_long_forms_name_their_shared_columns_alike() -> None:
    """One data package, one name per idea: a join of the two forms needs no renaming."""
    from research.tabular import LONG_COLUMNS, wide_columns

    shared = ("version_id", "agency", "region", "year", "version", "is_latest", "format_version")
    assert LONG_COLUMNS[: len(shared)] == shared and tuple(wide_columns()[: len(shared)]) == shared
