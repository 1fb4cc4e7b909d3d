"""End to end: crawls of the fixture world, in a subprocess, read back through the archive.

One module-wide sequence on the session's world server: a first crawl (``scrapy crawl
portal``), a second crawl of the unchanged world (``nianbao crawl``), then one report
revised and a third crawl. Each crawl runs in its own process, as in production, so no
test ever restarts a reactor.
"""

from __future__ import annotations

import itertools
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, delete, select, update

from fixtures.world.server import WorldServer
from nianbao.cli import main
from storage.models import (
    AgencyAliasRow,
    AgencyRow,
    CaptureRow,
    CellRow,
    CheckResultRow,
    ReportRow,
    VersionRow,
    VersionSourceRow,
)
from tests.crawling import NIANBAO, SCRAPY, Crawl, run_crawl

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def first(world_server: WorldServer, tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    world_server.reset()
    return run_crawl(SCRAPY, world_server, tmp_path_factory.mktemp("crawl"))


@pytest.fixture(scope="module")
def second(first: Crawl, world_server: WorldServer) -> Crawl:
    return run_crawl(NIANBAO, world_server, first.archive_dir.parent)


def requested(crawl: Crawl, url: str) -> list[dict[str, Any]]:
    path = url.split("/", 3)[3]
    return [entry for entry in crawl.log if entry["path"] == "/" + path]


def test_every_report_is_archived_and_parsed(first: Crawl, world_truth: dict[str, Any]) -> None:
    sources = first.sources()
    parsed = [r for r in world_truth["reports"] if r["parsed"]]
    missing = [r["id"] for r in parsed if not ({r["content_url"], *r["also_at"]} & sources)]
    assert not missing
    keys = {(info.agency, info.year) for info in first.versions()}
    assert keys == {(r["agency_canonical"], r["year"]) for r in parsed}


def test_every_archivable_report_page_is_captured(first: Crawl, world_truth: dict[str, Any]) -> None:
    captured = {c.url for c in first.captures() if c.status == 200 and c.fault is None}
    assert [r["id"] for r in world_truth["reports"] if r["archived"] and r["url"] not in captured] == []


def test_no_noise_is_archived(first: Crawl, world_truth: dict[str, Any]) -> None:
    noise = {n["url"] for n in world_truth["noise"]}
    assert noise.isdisjoint(first.sources())
    assert noise.isdisjoint(c.url for c in first.captures())


def test_faults_are_recorded_with_their_reasons(first: Crawl, world_truth: dict[str, Any]) -> None:
    faults = {(c.url, c.fault) for c in first.captures() if c.fault}
    expected = {"blocked_412": "blocked_412", "blocked_521": "blocked_521", "broken_attachment": "parse_truncated"}
    for fault in world_truth["faults"]:
        if fault["fault"] in expected:
            assert (fault["url"], expected[fault["fault"]]) in faults


def test_block_pages_are_never_retried(first: Crawl, world_truth: dict[str, Any]) -> None:
    for fault in world_truth["faults"]:
        if fault["fault"].startswith("blocked_"):
            assert len(requested(first, fault["url"])) == 1


def test_robots_txt_is_obeyed(first: Crawl, world_truth: dict[str, Any]) -> None:
    excluded = [f["url"] for f in world_truth["faults"] if f["fault"] == "robots_disallowed"]
    assert excluded and all(requested(first, url) == [] for url in excluded)


def test_crawl_delay_is_honoured(first: Crawl, world_truth: dict[str, Any]) -> None:
    (portal,) = [p for p in world_truth["portals"] if p["robots"] and "Crawl-delay" in p["robots"]]
    entries = [e for e in first.log if e["portal"] == portal["id"] and e["path"] != "/robots.txt"]
    times = sorted(entry["time"] for entry in entries)
    # The log stamps a request once its body is made (documents take a while), so single
    # gaps wobble; the pace over the whole crawl is what Crawl-delay: 0.1 bounds.
    gaps = sorted(later - earlier for earlier, later in itertools.pairwise(times))
    assert len(times) > 10
    assert times[-1] - times[0] >= 0.095 * (len(times) - 1)
    assert gaps[len(gaps) // 2] >= 0.095


def first_crawl_answers(crawl: Crawl) -> list[tuple[str, int, Any]]:
    """(URI, status, record) of each response and revisit record the archive's first crawl wrote
    (its WARC files are those named with the process id of the earliest file)."""
    from warcio.archiveiterator import ArchiveIterator

    files = sorted((crawl.archive_dir / "warc").glob("*.warc.gz"))
    pid = files[0].name.split("-")[-2]
    answers = []
    for path in (path for path in files if path.name.split("-")[-2] == pid):
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type in {"response", "revisit"}:
                    uri = record.rec_headers.get_header("WARC-Target-URI")
                    answers.append((uri, int(record.http_headers.get_statuscode()), record.content_stream().read()))
    return answers


def test_every_answer_the_world_sent_is_in_the_warc_once(first: Crawl, world_server: WorldServer) -> None:
    sent = Counter((world_server.portals[entry["portal"]] + entry["path"], entry["status"]) for entry in first.log)
    written = Counter((uri, status) for uri, status, _ in first_crawl_answers(first))
    assert written == sent


def test_the_warc_holds_redirects_errors_block_pages_and_robots_txt(
    first: Crawl, world_server: WorldServer, world_truth: dict[str, Any]
) -> None:
    answers = first_crawl_answers(first)
    statuses = {uri: [status for u, status, _ in answers if u == uri] for uri, _, _ in answers}
    assert all(statuses[base + "/robots.txt"] in ([200], [404]) for base in world_server.portals.values())
    for fault in world_truth["faults"]:
        if fault["fault"].startswith("blocked_"):
            assert statuses[fault["url"]] == [int(fault["fault"].removeprefix("blocked_"))]
    assert {200, 404} <= {status for _, status, _ in answers}
    assert any(found == [500, 200] for found in statuses.values())  # the error the retry got past


def test_an_attachment_behind_a_redirect_is_in_the_warc_at_both_urls(first: Crawl) -> None:
    from warcio.archiveiterator import ArchiveIterator

    locations = {}
    for path in sorted((first.archive_dir / "warc").glob("*.warc.gz")):
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type == "response" and record.http_headers.get_statuscode() == "302":
                    locations[record.rec_headers.get_header("WARC-Target-URI")] = record.http_headers.get_header(
                        "Location"
                    )
    captured = {c.url: c for c in first.captures() if c.status == 200 and c.warc_record_id}
    assert locations and all(captured[target].url.endswith(".pdf") for target in locations.values())


def test_an_unchanged_world_makes_no_new_version(first: Crawl, second: Crawl) -> None:
    assert len(second.versions()) == len(first.versions())
    assert "versions: 0 new" in second.output


def test_recrawls_are_conditional(first: Crawl, second: Crawl, world_truth: dict[str, Any]) -> None:
    conditional = [entry for entry in second.log if "if-none-match" in entry["headers"]]
    not_modified = [entry for entry in second.log if entry["status"] == 304]
    pages = [r["url"] for r in world_truth["reports"] if r["archived"]]
    assert len(not_modified) >= len(pages) and len(conditional) == len(not_modified)
    report_requests = [entry for url in pages for entry in requested(second, url)]
    assert all(entry["status"] == 304 for entry in report_requests)


def test_one_revised_report_makes_exactly_one_new_version(
    second: Crawl, world_server: WorldServer, world_truth: dict[str, Any]
) -> None:
    target = next(r for r in world_truth["reports"] if r["parsed"] and r["doc_format"] == "pdf" and not r["supersedes"])
    before = second.versions()
    try:
        world_server.revise(target["id"])
        third = run_crawl(NIANBAO, world_server, second.archive_dir.parent)
    finally:
        world_server.reset()
    after = third.versions()
    assert len(after) == len(before) + 1
    (new,) = [info for info in after if info.version_id not in {b.version_id for b in before}]
    assert (new.agency, new.year, new.source_url) == (target["agency_canonical"], target["year"], target["content_url"])
    assert "versions: 1 new" in third.output


def test_versions_carry_the_date_their_page_was_published(first: Crawl, world_truth: dict[str, Any]) -> None:
    # An attachment's version used to fall back to when it was first seen: the crawl knew the
    # report page's date but did not hand it to the attachment.
    published = {r["content_url"]: r["published_at"] for r in world_truth["reports"] if r["parsed"]}
    dated = [(info.source_url, str(info.published_at)) for info in first.versions() if info.source_url in published]
    assert [(url, date) for url, date in dated if published[url] != date] == []
    assert any(url.endswith(".pdf") for url, _ in dated)


def test_reparse_reproduces_the_crawl_field_for_field(first: Crawl, tmp_path: Path) -> None:
    """The crawl stored the hints it parsed with; a reparse told the same makes the same."""
    copy = tmp_path / "archive.sqlite"
    shutil.copy(first.db_url.removeprefix("sqlite:///"), copy)
    crawled = derived_rows(f"sqlite:///{copy}")
    result = CliRunner().invoke(main, ["reparse", "--db", f"sqlite:///{copy}", "--archive-dir", str(first.archive_dir)])
    assert result.exit_code == 0 and "kept" not in result.output, result.output
    reparsed = derived_rows(f"sqlite:///{copy}")
    assert len(crawled["version"]) == len(reparsed["version"]) > 10
    for table, rows in crawled.items():
        assert reparsed[table] == rows, table


def test_repair_after_a_killed_crawl_stores_what_the_crawl_stored(first: Crawl, tmp_path: Path) -> None:
    """A crawl killed after capturing every report but before storing one: ``repair`` parses
    each capture from its raw bytes with the hints the crawl stored, and the archive holds the
    same agencies, reports, versions, records, cells, checks, sightings and parse faults."""
    copy = tmp_path / "archive.sqlite"
    shutil.copy(first.db_url.removeprefix("sqlite:///"), copy)
    crawled = stored_facts(f"sqlite:///{copy}")
    assert len(crawled["version"]) > 10 and crawled["parse fault"]
    unstore_every_report(f"sqlite:///{copy}")
    assert stored_facts(f"sqlite:///{copy}")["version"] == {}
    result = CliRunner().invoke(main, ["repair", "--db", f"sqlite:///{copy}", "--archive-dir", str(first.archive_dir)])
    assert result.exit_code == 0, result.output
    repaired = stored_facts(f"sqlite:///{copy}")
    for kind, facts in crawled.items():
        assert repaired[kind] == facts, kind


def unstore_every_report(db_url: str) -> None:
    """The archive as a crawl killed between its capture and its report stages leaves it:
    every capture of a report document unfinished (with the list it was found on), no
    report, no version, no agency and no parse fault stored."""
    engine = create_engine(db_url)
    try:
        with engine.begin() as connection:
            list_urls = dict(connection.execute(select(VersionSourceRow.url, VersionSourceRow.list_url)).all())
            for table in (CellRow, CheckResultRow, VersionSourceRow):
                connection.execute(delete(table))
            connection.execute(update(CaptureRow).values(version_id=None))
            for table in (VersionRow, ReportRow, AgencyAliasRow, AgencyRow):
                connection.execute(delete(table))
            connection.execute(delete(CaptureRow).where(CaptureRow.fault.startswith("parse_")))
            documents = connection.execute(select(CaptureRow.id, CaptureRow.url).where(CaptureRow.hints.is_not(None)))
            for capture_id, url in documents.all():
                unfinished = {"list_url": list_urls.get(url)}
                connection.execute(update(CaptureRow).where(CaptureRow.id == capture_id).values(unfinished=unfinished))
    finally:
        engine.dispose()


def stored_facts(db_url: str) -> dict[str, dict[Any, Any]]:
    """What storing the crawl's reports left, keyed by what it is rather than by surrogate
    ids, without the moments the archive wrote it (a repair runs later) or by which parser."""
    engine = create_engine(db_url)
    try:
        with engine.connect() as connection:
            agencies = {row.id: row for row in connection.execute(select(AgencyRow))}
            reports = {
                row.id: (agencies[row.agency_id].name, row.year) for row in connection.execute(select(ReportRow))
            }
            versions = {row.id: row for row in connection.execute(select(VersionRow))}
            key = {id_: (*reports[row.report_id], row.content_sha256) for id_, row in versions.items()}
            # A version's number is the order the archive met it in: the order a crawl's
            # parses end, a repair's captures; its ordinal (the body's order) is compared.
            skipped = {"id", "report_id", "number", "parsed_at", "parser_version"}
            return {
                "agency": {
                    row.name: (row.province, row.city, row.district, row.portal_id) for row in agencies.values()
                },
                "alias": {
                    (agencies[row.agency_id].name, row.alias, row.portal_id)
                    for row in connection.execute(select(AgencyAliasRow))
                },
                "version": {key[id_]: _without(row, skipped) for id_, row in versions.items()},
                "cell": {
                    (*key[row.version_id], row.table_key, row.row_key, row.column_key): _without(
                        row, {"version_id", "agency_id"}
                    )
                    for row in connection.execute(select(CellRow))
                },
                "check": {
                    (*key[row.version_id], row.rule): (row.status, row.detail)
                    for row in connection.execute(select(CheckResultRow))
                },
                "sighting": {
                    (*key[row.version_id], row.url): _without(row, {"id", "version_id"})
                    for row in connection.execute(select(VersionSourceRow))
                },
                "capture": {
                    row.id: (key.get(row.version_id), row.unfinished)
                    for row in connection.execute(select(CaptureRow).where(CaptureRow.hints.is_not(None)))
                },
                "parse fault": Counter(
                    (row.url, row.sha256, row.fetched_at, row.fault, row.fault_reason, row.referer, row.portal_id)
                    for row in connection.execute(select(CaptureRow).where(CaptureRow.fault.startswith("parse_")))
                ),
            }
    finally:
        engine.dispose()


def _without(row: Any, skipped: set[str]) -> dict[str, Any]:
    return {name: value for name, value in row._mapping.items() if name not in skipped}


def derived_rows(db_url: str) -> dict[str, list[dict[str, Any]]]:
    """Every row a parse makes, but for when and by which parser (and the surrogate keys
    of the rows a reparse deletes and inserts again)."""
    engine = create_engine(db_url)
    try:
        with engine.connect() as connection:
            return {
                table.name: [
                    {name: value for name, value in row._mapping.items() if name not in skipped}
                    for row in connection.execute(select(table).order_by(*table.primary_key.columns))
                ]
                for table, skipped in (
                    (VersionRow.__table__, {"parsed_at", "parser_version"}),
                    (CellRow.__table__, set()),
                    (CheckResultRow.__table__, {"id"}),
                )
            }
    finally:
        engine.dispose()


def test_the_crawl_warcs_read_back_with_warcio_record_for_record(first: Crawl) -> None:
    from warcio.archiveiterator import ArchiveIterator

    records: dict[str, tuple[str, str, int]] = {}
    for path in sorted((first.archive_dir / "warc").glob("*.warc.gz")):
        with path.open("rb") as stream:
            iterator = ArchiveIterator(stream, check_digests=True)
            for record in iterator:
                record.content_stream().read()  # digests are checked as the payload is read
                headers = record.rec_headers
                records[headers.get_header("WARC-Record-ID")] = (path.name, record.rec_type, iterator.offset)
    stored = [c for c in first.captures() if c.warc_record_id]
    assert stored and len(records) > len(stored)  # each response has its request record beside it
    for capture in stored:
        assert records[capture.warc_record_id] == (capture.warc_file, capture.warc_record_type, capture.warc_offset)
        assert capture.warc_record_type in {"response", "revisit"}
