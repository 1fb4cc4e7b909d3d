"""Glued cells: a row's digits split only where exactly one split fits every rule."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fixtures.reports.layouts import flattened
from fixtures.reports.specs import inconsistent_spec, make_spec
from parsers import tables as keys
from parsers.extract.text import read_text
from parsers.glued import Glued, glued_rows, splits
from parsers.report import parse
from parsers.table_reader import read_review


def test_a_run_is_cut_only_without_leading_zeros_and_with_its_row_total() -> None:
    assert splits("7000007", 7, groups=1) == [(7, 0, 0, 0, 0, 0, 7)]
    assert splits("230000023", 7, groups=1) == [(23, 0, 0, 0, 0, 0, 23)]
    assert (8, 9, 8989) in splits("898989", 3) and len(splits("898989", 3)) == 10
    assert splits("0100002", 7, groups=1) == []  # its only cut gives parts 1 and a total 2
    assert splits("01000010", 7, groups=1) == []  # no cut keeps its total


def test_the_next_labels_numbering_goes_back_to_it() -> None:
    text = "（三）不予公开1.属于国家秘密00000002.其他法律行政法规禁止公开00000003.危及“三安全一稳定”0000000"
    rows = glued_rows(text)
    assert [row[0] for row in rows] == [
        "（三）不予公开1.属于国家秘密",
        "2.其他法律行政法规禁止公开",
        "3.危及“三安全一稳定”",
    ]
    assert all(isinstance(row[1], Glued) and row[1] == "0000000" for row in rows)


def test_a_decimal_or_a_sign_is_no_glued_row() -> None:
    rows = glued_rows("行政许可544-193289行政强制0行政事业性收费9116.36其他12")
    assert [row[1] for row in rows] == ["544-193289", "0", "9116.36", "12"]
    assert [isinstance(row[1], Glued) for row in rows] == [False, True, False, True]


def test_two_fitting_splits_leave_the_row_null() -> None:
    assert len(splits("11002" + "0" * 10, 15, groups=3)) == 1  # 1+1+0+0=2: the one split
    # 复议 0,0,1,10,11 or 0,0,11,0,11: both keep every group's sum
    ambiguous = "0011011" + "0" * 10
    assert splits(ambiguous, 15, groups=3) == [(0, 0, 1, 10, 11, *[0] * 10), (0, 0, 11, 0, 11, *[0] * 10)]
    result = read_review([["行政复议行政诉讼总计", Glued(ambiguous)]])
    assert set(result.data["all"].values()) == {None}
    assert result.raw["all"]["review.total"].meaning == "ambiguous"
    assert any("2 splits fit the row, several fit every rule" in warning for warning in result.warnings)


def test_a_split_that_breaks_a_rule_between_rows_is_not_made() -> None:
    # 本年新收 自然人 is one too many: R1 fails under every split, so no row is split
    record = parse(read_text(flattened(inconsistent_spec()))).to_dict()
    assert {value for cells in record["tables"][keys.APPLICATIONS].values() for value in cells.values()} == {None}
    assert any(
        warning.startswith("applications.disclosed: glued digits") and "none fits every rule" in warning
        for warning in record["warnings"]
    )


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(seed=st.integers(min_value=0, max_value=10_000_000), format_version=st.sampled_from(["2019", "2021"]))
def test_glued_tables_give_exact_numbers_or_nulls(seed: int, format_version: str) -> None:
    spec = make_spec(seed, format_version)
    record = parse(read_text(flattened(spec))).to_dict()
    for table, rows in record["tables"].items():
        for row, cells in rows.items():
            for column, value in cells.items():
                if value is not None:
                    assert str(value) == str(spec["tables"][table][row][column]), (table, row, column)
                    if table != keys.ACTIVE:
                        assert record["raw"][table][row][column]["meaning"] == "split"
    assert [check for check in record["checks"] if check["status"] == "fail"] == []
