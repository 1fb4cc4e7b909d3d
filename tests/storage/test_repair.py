"""``nianbao repair``: a capture a killed crawl left unfinished is parsed from its raw bytes."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from nianbao.cli import main
from parsers.parse_file import Hints
from storage.archive import Archive
from tests.storage.conftest import T0
from tests.storage.reports import ERQI

DOCUMENT = Path(__file__).resolve().parents[2] / "fixtures" / "documents" / "html" / "trs-gbk-2021.html"
URL = "http://www.zz27q.gov.cn/zwgk/zfxxgknb/202201/t20220120_1.html"


def unfinished_capture(archive: Archive, data: bytes) -> str:
    sha256 = archive.store_bytes(data)
    archive.record_capture(
        URL,
        fetched_at=T0,
        status=200,
        sha256=sha256,
        unfinished=Hints(region=ERQI).to_json() | {"list_url": "http://list"},
    )
    return sha256


def test_repair_parses_and_stores_what_the_crawl_left_unfinished(archive: Archive) -> None:
    from storage.repair import repair

    unfinished_capture(archive, DOCUMENT.read_bytes())
    stats = repair(archive)
    assert (stats.unfinished, stats.outcomes) == (1, {"new": 1})
    assert archive.unfinished_captures() == []
    assert archive.latest_validators(URL) is not None
    assert repair(archive).unfinished == 0


def test_a_reader_bug_met_by_repair_is_a_fault_and_the_capture_stays_unfinished(archive: Archive, monkeypatch) -> None:
    from storage.repair import repair

    def broken(data: bytes) -> None:
        raise UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")

    monkeypatch.setattr("parsers.parse_file.extract", broken)
    unfinished_capture(archive, DOCUMENT.read_bytes())
    assert repair(archive).outcomes == {"error": 1}
    assert len(archive.unfinished_captures()) == 1


def test_the_repair_command_says_what_it_did(tmp_path: Path) -> None:
    db_url, folder = f"sqlite:///{tmp_path / 'a.sqlite'}", tmp_path / "archive"
    with Archive.open(db_url, folder) as archive:
        unfinished_capture(archive, DOCUMENT.read_bytes())
    result = CliRunner().invoke(main, ["repair", "--db", db_url, "--archive-dir", str(folder)])
    assert result.exit_code == 0, result.output
    assert "1 unfinished capture(s): 1 new" in result.output
    expected = json.loads(DOCUMENT.with_name(DOCUMENT.name + ".expected.json").read_text(encoding="utf-8"))
    with Archive.open(db_url, folder) as archive, archive.engine.connect() as connection:
        from research.export import iter_versions

        (version,) = list(iter_versions(connection))
    assert version.info.year == expected["year"]
