"""Alerts over an archive with a frozen clock: each kind fires exactly when it should, not before."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree

import pytest
from click.testing import CliRunner

from nianbao.cli import main
from parsers.deadlines import CHINA, deadline
from research.alerts import alerts, blocked_portals, fewer_yields, short_lists
from research.alerts_render import ATOM, as_atom
from storage.runs import PortalRun, ShortList
from tests.research.archive import AGENCIES, FilledArchive

LATER = datetime(2030, 1, 1, tzinfo=UTC)
# departments' 2024 reports: the end of 31 January 2025 in China (16:00 UTC), plus the grace
DUE_2024 = datetime(2025, 2, 1, tzinfo=CHINA) + timedelta(days=30)


def test_missing_reports_fire_thirty_days_after_the_deadline_not_before(archive: FilledArchive) -> None:
    with archive.engine().connect() as connection:
        before = alerts(connection, now=DUE_2024 - timedelta(seconds=1))
        after = alerts(connection, now=DUE_2024)
    assert [a for a in before if a.kind == "missing"] == []
    missing = [a for a in after if a.kind == "missing"]
    assert sorted(a.subject for a in missing) == sorted(name for name, _ in AGENCIES)
    assert {a.summary for a in missing} == {"no report for 2024: due by 2025-01-31, 30 days ago"}
    assert all(a.at == DUE_2024 for a in missing)


def test_governments_are_due_by_march_and_departments_by_january() -> None:
    assert deadline("郑州市二七区人民政府", 2024) == date(2025, 3, 31)
    assert deadline("郑州市二七区统计局", 2024) == date(2025, 1, 31)


def test_a_correction_fires_an_edited_alert_with_the_changed_cells(archive: FilledArchive) -> None:
    corrected_at = datetime(2024, 3, 2, 9, tzinfo=UTC)  # when the archive met the 更正版
    with archive.engine().connect() as connection:
        assert [a for a in alerts(connection, now=corrected_at - timedelta(seconds=1)) if a.kind == "edited"] == []
        (edited,) = [a for a in alerts(connection, now=corrected_at) if a.kind == "edited"]
    assert edited.subject == AGENCIES[0][0] and edited.at == corrected_at
    assert edited.summary.startswith("2023 report changed after publication: 2023 v1 → 2023 v2, ")
    assert "cell applications/new/natural_person: " in "\n".join(edited.evidence)
    assert "cell applications/total/total: " in "\n".join(edited.evidence)


def test_every_alert_appears_at_its_moment_and_not_a_second_before(archive: FilledArchive) -> None:
    with archive.engine().connect() as connection:
        everything = alerts(connection, now=LATER)
        assert {a.kind for a in everything} == {"missing", "edited"}
        for alert in everything:
            assert alert.key not in {a.key for a in alerts(connection, now=alert.at - timedelta(seconds=1))}
            assert alert.key in {a.key for a in alerts(connection, now=alert.at)}
        assert alerts(connection, now=LATER, since=DUE_2024 + timedelta(seconds=1)) == []


def run(run_id: int, day: int, *, reports: int = 5, entries: int = 8, pages: int = 3, blocked: int = 0) -> PortalRun:
    started = datetime(2025, 2, day, tzinfo=UTC)
    return PortalRun(
        run_id, "p", started, started + timedelta(hours=1), "finished", pages, reports, entries, 0, blocked, blocked
    )


def test_a_portal_yielding_fewer_reports_or_list_entries_than_before_fires_once() -> None:
    runs = [run(1, 1), run(2, 3), run(3, 5, entries=6), run(4, 7, entries=6), run(5, 9, reports=4, entries=9)]
    fewer = list(fewer_yields(runs))
    assert [(a.subject, a.at.day, a.evidence) for a in fewer] == [
        ("p", 5, ("list_entries: 8 in run 2 → 6 in run 3",)),
        ("p", 9, ("reports: 5 in run 4 → 4 in run 5",)),
    ]


def test_a_portal_blocked_or_unreachable_fires_on_the_second_run_in_a_row() -> None:
    failed = {"reports": 0, "entries": 0, "pages": 0}
    runs = [run(1, 1), run(2, 3, **failed, blocked=2), run(3, 5), run(4, 7, **failed), run(5, 9, **failed, blocked=1)]
    (alert,) = blocked_portals(runs)
    assert (alert.at.day, alert.summary) == (9, "portal blocked in two runs in a row")
    assert alert.evidence[0].startswith("run 4 at 2025-02-07 00:00: unreachable")


def test_an_unfinished_run_is_neither_fewer_nor_blocked() -> None:
    dead = PortalRun(2, "p", datetime(2025, 2, 2, tzinfo=UTC), None, None)
    assert list(fewer_yields([run(1, 1), dead])) == [] and list(blocked_portals([run(1, 1), dead])) == []


LIST = "http://127.0.0.1/zwgk/nb/index.html"


def short(run_id: int, day: int, stated: int, reached: int) -> PortalRun:
    return replace(run(run_id, day), short_lists=(ShortList(LIST, stated, reached),))


def test_a_list_short_of_its_stated_size_fires_when_more_are_missing_than_before() -> None:
    runs = [run(1, 1), short(2, 3, 10, 8), short(3, 5, 10, 8), short(4, 7, 12, 8), short(5, 9, 12, 12)]
    runs.append(PortalRun(6, "p", datetime(2025, 2, 11, tzinfo=UTC), None, None, short_lists=(ShortList(LIST, 9, 1),)))
    found = list(short_lists(runs))
    assert [(a.subject, a.at.day, a.summary, a.evidence) for a in found] == [
        ("p", 3, "1 list(s) state more entries than run 2 reached", (f"states 10, reached 8: {LIST}",)),
        (
            "p",
            7,
            "1 list(s) state more entries than run 4 reached",
            (f"states 12, reached 8 (run 3: states 10, reached 8): {LIST}",),
        ),
    ]
    assert [a.key for a in short_lists([short(1, 1, 5, 0)])] == ["short/p/1"]  # a first run short of a list


def test_the_atom_feed_has_an_entry_per_alert_newest_first(archive: FilledArchive) -> None:
    with archive.engine().connect() as connection:
        found = alerts(connection, now=LATER)
    feed = ElementTree.fromstring(as_atom(found, now=LATER))
    entries = feed.findall(f"{{{ATOM}}}entry")
    assert len(entries) == len(found) and len({e.findtext(f"{{{ATOM}}}id") for e in entries}) == len(found)
    updated = [e.findtext(f"{{{ATOM}}}updated") for e in entries]
    assert updated == sorted(updated, reverse=True)


@pytest.mark.parametrize("output", ["text", "json", "atom"])
def test_the_command_prints_each_format(archive: FilledArchive, output: str) -> None:
    options = ["--db", archive.url, "--archive-dir", str(archive.raw_dir), "--now", "2025-03-03"]
    result = CliRunner().invoke(main, ["alerts", *options, "--format", output])
    assert result.exit_code == 0, result.output
    if output == "json":
        kinds = [json.loads(line)["kind"] for line in result.output.splitlines()]
        assert kinds == ["edited"] + ["missing"] * len(AGENCIES)
    elif output == "text":
        assert result.output.splitlines()[0].startswith("2024-03-02 09:00 edited   郑州市二七区统计局: 2023 report")
    else:
        assert ElementTree.fromstring(result.output).tag == f"{{{ATOM}}}feed"


def test_a_bad_since_exits_2(archive: FilledArchive, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["alerts", "--db", archive.url, "--since", "last week"])
    assert result.exit_code == 2 and "--since wants an ISO date" in result.output


def test_a_report_on_a_year_before_2019_is_due_by_march_for_every_body() -> None:
    """The 2007 Regulation gave departments the same 31 March as governments: the alerts and the
    measures share one deadline rule."""
    from research.alerts import missing_reports
    from research.rows import VersionInfo

    seen = datetime(2018, 2, 1, tzinfo=UTC)
    latest = VersionInfo(
        *(1, 1, "郑州市二七区统计局", "河南省郑州市二七区", "河南省", "郑州市", "二七区", 2017, 1, 1, True),
        *("pre2019", (), date(2018, 2, 1), seen, seen, "http://example.invalid/2017", "0" * 64, "1"),
    )
    # the end of 31 March 2019 in China (16:00 UTC), plus the grace
    due = datetime(2019, 4, 1, tzinfo=CHINA) + timedelta(days=30)
    assert [alert.at for alert in missing_reports([latest], due)] == [due]
    assert list(missing_reports([latest], due - timedelta(seconds=1))) == []
    assert deadline("郑州市二七区统计局", 2018) == date(2019, 3, 31)
