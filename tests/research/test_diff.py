"""The diff of two parsed reports: cells against the specs, sentences, the carried-over score."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parsers import tables as keys
from research.diff import ReportDiff, diff_reports
from research.diff_html import render_html
from research.diff_render import render_text, to_json
from research.text_diff import carried_over, char_diff, split_sentences
from tests.research.archive import CARRIED_OVER_2023, PROBLEMS_2022, PROBLEMS_2023
from tests.research.reports import report_from_spec, with_section_text, year_pair


@pytest.fixture(scope="module")
def pair():
    old_spec, new_spec = year_pair(seed=1)
    return old_spec, new_spec, diff_reports(report_from_spec(old_spec), report_from_spec(new_spec))


def test_every_cell_change_is_the_spec_difference(pair) -> None:
    old_spec, new_spec, diff = pair
    checked = 0
    for table, rows in new_spec["tables"].items():
        for row, cells in rows.items():
            for column, value in cells.items():
                old_value = old_spec["tables"][table][row][column]
                cell = diff.cell(table, row, column)
                new_number, old_number = Decimal(str(value)), Decimal(str(old_value))
                assert cell is not None and cell.absolute == new_number - old_number, (table, row, column)
                expected_kind = "equal" if new_number == old_number else "changed"
                assert cell.kind == expected_kind
                if old_number:
                    assert cell.relative == (new_number - old_number) / old_number
                checked += 1
    assert checked == len(diff.cells) >= 200


def test_money_change_is_exact_decimal(pair) -> None:
    old_spec, new_spec, diff = pair
    fees = diff.cell(keys.ACTIVE, "fees", "amount")
    assert isinstance(fees.absolute, Decimal)
    assert fees.absolute == Decimal(new_spec["tables"]["active"]["fees"]["amount"]) - Decimal(
        old_spec["tables"]["active"]["fees"]["amount"]
    )
    assert to_json(diff)["cells"][[c["row"] for c in to_json(diff)["cells"]].index("fees")]["absolute"] == str(
        fees.absolute
    )


def test_counts_stay_integers(pair) -> None:
    *_, diff = pair
    cell = diff.cell(keys.APPLICATIONS, "new", "total")
    assert type(cell.absolute) is int


def test_blank_cells_have_no_arithmetic() -> None:
    from fixtures.reports.specs import blanks_spec, make_spec

    old, new = report_from_spec(make_spec(11, "2021")), report_from_spec(blanks_spec())
    diff = diff_reports(old, new)
    blanked = diff.cell(keys.APPLICATIONS, "unable.unclear", "research")
    assert blanked.new is None and blanked.kind == "changed"
    assert blanked.absolute is None and blanked.relative is None
    dashed = diff.cell(keys.ACTIVE, "rules", "repealed")
    assert dashed.new_raw == "无"
    both_blank = diff_reports(new, new).cell(keys.ACTIVE, "rules", "repealed")
    assert both_blank.kind == "equal"
    assert "blank(无)" in render_text(diff)


def test_relative_change_from_zero_is_none() -> None:
    from research.diff import CellChange

    assert CellChange("t", "r", "c", 0, 5, "changed").relative is None
    assert CellChange("t", "r", "c", 4, 5, "changed").relative == Decimal("0.25")


def test_added_and_removed_cells_between_format_versions() -> None:
    from fixtures.reports.specs import make_spec

    diff = diff_reports(report_from_spec(make_spec(4, "2019")), report_from_spec(make_spec(3, "2021")))
    kinds = {cell.kind for cell in diff.cells}
    assert {"added", "removed"} <= kinds
    removed = [c for c in diff.cells if c.kind == "removed"]
    assert all(c.new is None and c.absolute is None for c in removed)


def test_rule_flips_are_reported() -> None:
    from fixtures.reports.specs import inconsistent_spec, make_spec

    diff = diff_reports(report_from_spec(make_spec(7, "2021")), report_from_spec(inconsistent_spec()))
    flips = {(c.rule, c.subject, c.old, c.new) for c in diff.checks}
    assert ("R1", "applications.natural_person", "pass", "fail") in flips
    assert ("R4", "review_litigation.review", "pass", "fail") in flips


# --- sentences --------------------------------------------------------------------


def test_sentences_end_at_chinese_stops() -> None:
    text = "第一句。第二句！第三句？第四句；没有句号的结尾"
    assert split_sentences(text) == ["第一句。", "第二句！", "第三句？", "第四句；", "没有句号的结尾"]
    assert split_sentences("一行\n二行。") == ["一行", "二行。"]


def test_carried_over_share_of_a_known_pair() -> None:
    assert carried_over(PROBLEMS_2022, PROBLEMS_2023) == CARRIED_OVER_2023 == 0.5


def test_carried_over_through_the_parser_and_the_diff() -> None:
    old_spec, new_spec = year_pair(seed=2)
    old_spec = with_section_text(old_spec, 5, PROBLEMS_2022)
    new_spec = with_section_text(new_spec, 5, PROBLEMS_2023)
    diff = diff_reports(report_from_spec(old_spec), report_from_spec(new_spec))
    problems = diff.sections[4]
    assert problems.carried_over == 0.5
    kinds = [s.kind for s in problems.sentences]
    assert kinds[:3] == ["equal", "equal", "changed"] and sorted(kinds[3:]) == ["added", "removed"]
    assert diff.sections[5].carried_over == 1.0  # 六、 is the same template text both years


def test_carried_over_ignores_whitespace_and_width_but_not_numbers() -> None:
    assert carried_over("公开信息１２条。", "公开信息 12条。") == 1.0
    assert carried_over("公开信息12条。", "公开信息13条。") == 0.0
    assert carried_over("公开信息12条。", "公开信息13条。", ignore_numbers=True) == 1.0
    assert carried_over("任何文字。", "") is None


@given(st.text(alphabet="公开信息年度报告。！；，123", max_size=60))
def test_carried_over_is_a_share(text: str) -> None:
    score = carried_over(text, text)
    assert score is None or score == 1.0
    other = carried_over("公开信息。", text)
    assert other is None or 0.0 <= other <= 1.0


def test_numbers_change_as_whole_tokens() -> None:
    fragments = char_diff("全年受理申请123件。", "全年受理申请132件。")
    assert (-1, "123") in fragments and (1, "132") in fragments


# --- renderings -------------------------------------------------------------------


def test_renderings(pair) -> None:
    *_, diff = pair
    data = json.loads(json.dumps(to_json(diff), ensure_ascii=False))
    assert data["new"]["year"] == data["old"]["year"] + 1
    assert len(data["sections"]) == 6
    text = render_text(diff, color=True)
    assert "\x1b[" in text and "cells that differ" in text
    assert "\x1b[" not in render_text(diff, color=False)
    page = render_html(diff)
    assert page.startswith("<!doctype html>") and 'class="cells"' in page


def problems_diff() -> ReportDiff:
    """Two years whose 五、 differs as the archive's 郑州市二七区统计局 2022 and 2023 do."""
    old_spec, new_spec = year_pair(seed=2)
    return diff_reports(
        report_from_spec(with_section_text(old_spec, 5, PROBLEMS_2022)),
        report_from_spec(with_section_text(new_spec, 5, PROBLEMS_2023)),
    )


def test_html_marks_insertions_and_deletions() -> None:
    page = render_html(problems_diff())
    assert "<ins>" in page and "<del>" in page and 'class="sentence added"' in page


def test_html_shows_changed_cells_first_and_folds_what_did_not_change() -> None:
    diff = problems_diff()
    page = render_html(diff)
    equal = [cell for cell in diff.cells if cell.kind == "equal"]
    assert page.index('class="cells"') < page.index('<details id="equal-cells">')
    assert page.count("data-cell=") == len(diff.changed_cells()) and page.count("data-equal-cell=") == len(equal)
    assert f"{len(equal)} 项未变" in page
    assert "一、本年新收政府信息公开申请数量：总计" in page  # the printed label, the key beside it
    section = next(s for s in diff.sections if s.number == 5)
    unchanged = sum(1 for sentence in section.sentences if sentence.kind == "equal")
    assert f"{unchanged} 句未变" in page and '<details class="equal-run">' in page
