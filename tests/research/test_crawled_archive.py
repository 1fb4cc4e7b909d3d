"""The researchers' commands on an archive filled by crawling the fixture world.

The world's ground truth holds every report's expected record, so what the commands
print is checked against the numbers that were written into the portals' documents.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from click.testing import CliRunner

from fixtures.world.server import WorldServer
from nianbao.cli import main
from tests.crawling import NIANBAO, Crawl, run_crawl

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def crawled(world_server: WorldServer, tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    world_server.reset()
    return run_crawl(NIANBAO, world_server, tmp_path_factory.mktemp("research-crawl"))


@pytest.fixture(scope="module")
def latest(world_truth: dict[str, Any]) -> dict[tuple[str, int], dict[str, Any]]:
    """The truth's current report of each agency and year: parsed, and not superseded by a 更正版."""
    superseded = {report["supersedes"] for report in world_truth["reports"] if report["supersedes"]}
    return {
        (report["agency_canonical"], report["year"]): report
        for report in world_truth["reports"]
        if report["parsed"] and report["id"] not in superseded
    }


def run(crawled: Crawl, *arguments: str) -> str:
    result = CliRunner().invoke(main, [*arguments, "--db", crawled.db_url])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_query_lists_every_report_found(crawled: Crawl, latest: dict) -> None:
    rows = json.loads(run(crawled, "query", "--json"))
    assert {(row["agency"], row["year"]) for row in rows} == set(latest)


def test_query_by_failed_rule_finds_the_reports_that_break_it(crawled: Crawl, latest: dict) -> None:
    for rule in ("R1", "R3", "R4"):
        rows = json.loads(run(crawled, "query", "--failed", rule, "--json"))
        expected = {key for key, report in latest.items() if rule in report["broken_rules"]}
        assert expected and {(row["agency"], row["year"]) for row in rows} == expected


def cell(record: dict[str, Any], table: str, row: str, column: str) -> str | None:
    value = record["tables"].get(table, {}).get(row, {}).get(column)
    return None if value is None else str(value)


def test_year_over_year_diffs_match_the_documents(crawled: Crawl, latest: dict) -> None:
    pairs = [(agency, year) for agency, year in latest if (agency, year - 1) in latest]
    assert len(pairs) > 20
    for agency, year in pairs:
        diff = json.loads(run(crawled, "diff", "--agency", agency, "--year", str(year), "--format", "json"))
        old, new = latest[(agency, year - 1)]["expected"], latest[(agency, year)]["expected"]
        assert (diff["old"]["year"], diff["new"]["year"]) == (year - 1, year)
        for change in diff["cells"]:
            where = (change["table"], change["row"], change["column"])
            shown = tuple(None if change[side] is None else str(change[side]) for side in ("old", "new"))
            assert shown == (cell(old, *where), cell(new, *where)), (agency, year, where)


def test_long_export_holds_every_cell_of_the_latest_reports(crawled: Crawl, latest: dict, tmp_path) -> None:
    out = tmp_path / "cells.csv"
    run(crawled, "export", "--format", "csv", "--long", "-o", str(out), "--archive-dir", str(crawled.archive_dir))
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    newest: dict[tuple[str, int], int] = {}
    for row in rows:
        key = (row["agency"], int(row["year"]))
        newest[key] = max(newest.get(key, 0), int(row["version"]))
    exported: dict[tuple[str, int], dict[tuple[str, str, str], str | None]] = {}
    for row in rows:
        key = (row["agency"], int(row["year"]))
        if int(row["version"]) == newest[key]:
            exported.setdefault(key, {})[(row["table"], row["row"], row["column"])] = row["value_exact"] or None
    for key, report in latest.items():
        record = report["expected"]
        written = {
            (table, row, column): str(value)
            for table, rows in record["tables"].items()
            for row, columns in rows.items()
            for column, value in columns.items()
            if value is not None
        }
        kept = {where: value for where, value in exported.get(key, {}).items() if value is not None}
        assert kept == written, key


def test_search_finds_the_reports_that_print_a_phrase(crawled: Crawl, latest: dict) -> None:
    hits = json.loads(run(crawled, "search", "政务公开工作要点", "--json", "--limit", "1000"))
    assert hits
    assert {(hit["agency"], hit["year"]) for hit in hits} <= set(latest)
    assert all("政务公开工作要点" in hit["snippet"] for hit in hits)


def test_export_wacz_packs_the_warc_files_with_the_reports_as_pages(crawled: Crawl, latest: dict, tmp_path) -> None:
    import zipfile

    from wacz.main import main as wacz_main

    out = tmp_path / "archive.wacz"
    arguments = ["export", "--db", crawled.db_url, "--archive-dir", str(crawled.archive_dir), "--format", "wacz"]
    result = CliRunner().invoke(main, [*arguments, "-o", str(out)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as packed:
        names = set(packed.namelist())
        pages = [json.loads(line) for line in packed.read("pages/pages.jsonl").decode("utf-8").splitlines()[1:]]
    assert {"datapackage.json", "datapackage-digest.json", "pages/pages.jsonl"} <= names
    assert any(name.startswith("indexes/index.cdx") for name in names) and any(n.startswith("archive/") for n in names)
    assert len(pages) == len(latest) and all(page["title"].endswith("年 年报") for page in pages)
    assert wacz_main(["validate", "-f", str(out)]) == 0  # digests and the data package check out
    refused = CliRunner().invoke(main, arguments)
    assert refused.exit_code == 2 and "give -o FILE.wacz" in refused.output
