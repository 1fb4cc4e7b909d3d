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
from parsers.table_reader import read_applications, read_review


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


def test_a_rule_the_document_breaks_leaves_null_only_the_rows_it_touches() -> None:
    # 本年新收 自然人 is one too many: its row fits no split (R3), and R1, which it is in,
    # can no longer tell 上年结转's five splits apart; every row no broken rule touches
    # is split exactly (before, one broken rule left the whole table null)
    spec = inconsistent_spec()
    record = parse(read_text(flattened(spec))).to_dict()
    applications = record["tables"][keys.APPLICATIONS]
    assert set(applications["new"].values()) == set(applications["carried_over"].values()) == {None}
    placed = {row: cells for row, cells in applications.items() if row not in ("new", "carried_over")}
    assert placed == {row: spec["tables"][keys.APPLICATIONS][row] for row in placed}
    assert any(
        warning.startswith("applications.new: glued digits") and "none fits every rule" in warning
        for warning in record["warnings"]
    )


def test_rows_a_broken_rule_does_not_touch_are_split() -> None:
    """The 平潭 2020 page: 自然人's result rows sum to 26 against a 总计 of 20 (R2 fails
    under the one split each row has); 本年新收, 上年结转 and 结转下年度 are in R1 and
    R3 only, which hold, so they are split; the rows in R2 stay null."""
    page = (
        "一、本年新收政府信息公开申请数量200 000121二、上年结转政府信息公开申请数量0000000"
        "三、本年度办理结果（一）予以公开6000017（二）部分公开（区分处理的，只计这一情形，不计其他情形）6000006"
        "（三）不予公开1.属于国家秘密00000002.其他法律行政法规禁止公开00000003.危及“三安全一稳定”0000000"
        "4.保护第三方合法权益00000005.属于三类内部事务信息00000006.属于四类过程性信息0000000"
        "7.属于行政执法案卷00000008.属于行政查询事项0000000"
        "（四）无法提供1.本机关不掌握相关政府信息40000042.没有现成信息需要另行制作0000000"
        "3.补正后申请内容仍不明确3000003（五）不予处理1.信访举报投诉类申请00000002.重复申请3000003"
        "3.要求提供公开出版物00000004.无正当理由大量反复申请0000000"
        "5.要求行政机关确认或重新出具已获取信息0000000（六）其他处理4 0 0 0 0 0 4"
        "（七）总计20 0 00 0 121四、结转下年度继续办理 0 0 00 00 0"
    )
    rows = glued_rows(page)
    result = read_applications(rows)
    assert result.data["new"] == dict(zip(keys.APPLICANT_COLUMNS, (20, 0, 0, 0, 0, 1, 21), strict=True))
    assert set(result.data["carried_forward"].values()) == {0}
    assert result.raw["new"]["total"].meaning == "split"
    for row in ("disclosed", "other", "total"):
        assert set(result.data[row].values()) == {None}, row
        assert result.raw[row]["total"].meaning == "ambiguous"
    # the warning names the rule the page breaks
    assert any(
        warning.startswith("applications.disclosed: glued digits") and "R2 applications.natural_person" in warning
        for warning in result.warnings
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
