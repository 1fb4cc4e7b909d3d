"""``nianbao query / diff / search`` over an archive filled from rendered specs."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from click.testing import CliRunner

from nianbao.cli import main
from tests.research.archive import CARRIED_OVER_2023, SEARCH_WORD, FilledArchive, fill

STATS = "郑州市二七区统计局"


def run(archive: FilledArchive, *args: str):
    return CliRunner().invoke(main, [args[0], "--db", archive.url, *args[1:]])


def one_line_error(result) -> str:
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    return lines[0]


# --- query ------------------------------------------------------------------------


def test_query_filters_by_region_and_year(archive: FilledArchive) -> None:
    result = run(archive, "query", "--region", "二七区", "--year", "2023", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert {(row["agency"], row["year"]) for row in rows} == {(STATS, 2023), ("郑州市二七区教育局", 2023)}
    assert next(row for row in rows if row["agency"] == STATS)["version"] == 2  # the correction is the latest


def test_query_failed_rule(archive: FilledArchive) -> None:
    rows = json.loads(run(archive, "query", "--failed", "r1", "--json").output)
    assert [(row["agency"], row["year"], row["failed_rules"]) for row in rows] == [
        ("洛阳市西工区教育局", 2023, ["R1", "R3"])
    ]


def test_query_all_versions_and_ranges(archive: FilledArchive) -> None:
    rows = json.loads(
        run(archive, "query", "--agency", STATS, "--year", "2022-2023", "--all-versions", "--json").output
    )
    assert [(row["year"], row["version"]) for row in rows] == [(2022, 1), (2023, 1), (2023, 2)]


def test_query_prints_a_table(archive: FilledArchive) -> None:
    result = run(archive, "query", "--agency", "统计局", "--year", "2021")
    assert result.exit_code == 0
    assert STATS in result.output and "2 report versions" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--year", "20x3"), "not a year"),
        (("--failed", "R9"), "unknown rule 'R9'"),
        (("--format-version", "2020"), "unknown format version"),
        (("--agency", "二七区税务局"), "closest: 郑州市二七区"),
        (("--year", "2019"), "archived years: 2021, 2022, 2023"),
    ],
)
def test_query_bad_filters(archive: FilledArchive, args: tuple[str, ...], message: str) -> None:
    assert message in one_line_error(run(archive, "query", *args))


def test_a_database_without_the_schema_is_one_line(tmp_path) -> None:
    (tmp_path / "empty.sqlite").touch()
    result = CliRunner().invoke(main, ["query", "--db", f"sqlite:///{tmp_path / 'empty.sqlite'}"])
    assert "nianbao db upgrade" in one_line_error(result)


@pytest.mark.parametrize("command", ["query", "search 统计局", "diff --agency 统计局 --year 2023", "export", "serve"])
def test_reading_a_missing_archive_creates_nothing_and_says_what_makes_one(tmp_path, command: str) -> None:
    folder = tmp_path / "nowhere"
    options = ["--db", f"sqlite:///{folder / 'archive.db'}", "--archive-dir", str(folder / "archive")]
    result = CliRunner().invoke(main, [*command.split(), *options])
    assert "no archive database at" in one_line_error(result) and "nianbao crawl" in one_line_error(result)
    assert not folder.exists()


# --- diff -------------------------------------------------------------------------


def test_diff_numbers_are_the_spec_differences(archive: FilledArchive) -> None:
    result = run(archive, "diff", "--agency", "二七区统计局", "--year", "2022", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    old, new = archive.spec(STATS, 2021), archive.spec(STATS, 2022)
    for cell in data["cells"]:
        before = Decimal(str(old["tables"][cell["table"]][cell["row"]][cell["column"]]))
        after = Decimal(str(new["tables"][cell["table"]][cell["row"]][cell["column"]]))
        assert Decimal(str(cell["absolute"])) == after - before
        if before:
            assert cell["relative"] == pytest.approx(float((after - before) / before), abs=1e-6)
    assert len(data["cells"]) >= 200


def test_diff_carried_over_score(archive: FilledArchive) -> None:
    data = json.loads(run(archive, "diff", "--agency", STATS, "--year", "2023", "--format", "json").output)
    assert (data["old"]["year"], data["new"]["year"]) == (2022, 2023)
    problems = next(section for section in data["sections"] if section["number"] == 5)
    assert problems["carried_over"] == CARRIED_OVER_2023


def test_diff_two_versions_of_one_report(archive: FilledArchive) -> None:
    data = json.loads(
        run(archive, "diff", "--agency", STATS, "--year", "2023", "--version", "1", "2", "--format", "json").output
    )
    changed = {
        (c["row"], c["column"]): (c["old"], c["new"], c["absolute"]) for c in data["cells"] if c["kind"] == "changed"
    }
    spec = archive.spec(STATS, 2023)["tables"]["applications"]
    assert set(changed) == {
        (row, column) for row in ("new", "disclosed", "total") for column in ("natural_person", "total")
    }
    assert changed[("disclosed", "total")] == (spec["disclosed"]["total"], spec["disclosed"]["total"] + 1, 1)
    assert all(section["carried_over"] in (None, 1.0) for section in data["sections"])


def test_diff_text_and_html(archive: FilledArchive) -> None:
    text = run(archive, "diff", "--agency", STATS, "--year", "2023", "--no-color")
    assert text.exit_code == 0 and "carried over" in text.output and "\x1b[" not in text.output
    assert "{+仍然+}" in text.output
    html = run(archive, "diff", "--agency", STATS, "--year", "2023", "--format", "html").output
    assert html.startswith("<!doctype html>") and "<ins>仍然</ins>" in html


def test_diff_compares_with_the_nearest_earlier_year(tmp_path) -> None:
    gap = fill(f"sqlite:///{tmp_path / 'gap.sqlite'}", tmp_path / "raw", agencies=1, years=(2021, 2023))
    data = json.loads(run(gap, "diff", "--agency", STATS, "--year", "2023", "--format", "json").output)
    assert (data["old"]["label"], data["new"]["label"]) == ("2021 v1", "2023 v2")  # the correction is the latest


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--agency", "二七区税务局", "--year", "2023"), "closest: 郑州市二七区"),
        (("--agency", "二七区", "--year", "2023"), "names 2 agencies"),
        (("--agency", STATS, "--year", "2023", "--against", "2019"), "archived years: 2021, 2022, 2023"),
        (("--agency", STATS, "--year", "2021"), "no report before 2021 to compare with"),
        (("--agency", STATS, "--year", "2023", "--version", "1", "7"), "versions: 1, 2"),
        (("--agency", STATS, "--year", "twenty"), "not a year"),
    ],
)
def test_diff_bad_input(archive: FilledArchive, args: tuple[str, ...], message: str) -> None:
    assert message in one_line_error(run(archive, "diff", *args))


# --- search -----------------------------------------------------------------------


def test_search_finds_the_one_report(archive: FilledArchive) -> None:
    result = run(archive, "search", SEARCH_WORD, "--no-color")
    assert result.exit_code == 0, result.output
    assert "郑州市金水区统计局 2022 v1" in result.output and f"【{SEARCH_WORD}】" in result.output
    assert result.output.rstrip().endswith("1 hit")


def test_search_short_terms_fall_back_to_a_scan(archive: FilledArchive) -> None:
    hits = json.loads(run(archive, "search", "培训", "--json").output)
    assert {(hit["agency"], hit["year"]) for hit in hits} == {(STATS, 2022)}


def test_search_all_terms_must_occur(archive: FilledArchive) -> None:
    hits = json.loads(run(archive, "search", "专题会议 及时", "--json").output)
    assert [(hit["agency"], hit["year"]) for hit in hits] == [(STATS, 2023)]
    assert json.loads(run(archive, "search", "专题会议 不存在的词语", "--json").output) == []


def test_search_latest_versions_unless_asked(archive: FilledArchive) -> None:
    word = "仍然不够全面和及时"
    assert len(json.loads(run(archive, "search", word, "--json").output)) == 1
    assert len(json.loads(run(archive, "search", word, "--all-versions", "--json").output)) == 2


def test_search_needs_a_word(archive: FilledArchive) -> None:
    assert "nothing to search for" in one_line_error(run(archive, "search", " "))


@pytest.mark.parametrize("query", ["政府信息公开", "公开"])  # the trigram index and the scan
def test_search_counts_every_hit_when_the_list_is_cut(archive: FilledArchive, query: str) -> None:
    result = run(archive, "search", query, "--limit", "2", "--no-color")
    assert result.exit_code == 0, result.output
    assert result.output.rstrip().endswith("12 hits (showing the first 2; --limit shows more)")


def test_query_counts_every_match_when_the_list_is_cut(archive: FilledArchive) -> None:
    cut = run(archive, "query", "--limit", "2")
    assert cut.exit_code == 0, cut.output
    assert cut.output.rstrip().endswith("12 report versions (showing the first 2; --limit shows more)")
    whole = run(archive, "query", "--limit", "12")
    assert whole.output.rstrip().endswith("\n12 report versions")
