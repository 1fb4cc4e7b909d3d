"""The SVG bar charts: a blank is a dash, never a bar of zero; stacks add up; nothing but SVG."""

from __future__ import annotations

import re

from nianbao.web.charts import HEIGHT, Series, bar_chart


def bars(svg: str) -> list[dict[str, str]]:
    return [dict(re.findall(r'([\w-]+)="([^"]*)"', rect)) for rect in re.findall(r"<rect [^>]*data-year[^>]*>", svg)]


def test_a_blank_value_is_a_dash_not_a_bar() -> None:
    svg = bar_chart("c", "申请数量", [2021, 2022], [Series("本年新收", [10, None])])
    assert [bar["data-year"] for bar in bars(svg)] == ["2021"]
    assert svg.count(">–</text>") == 1


def test_stacked_bars_sit_on_each_other() -> None:
    svg = bar_chart("c", "复议", [2023], [Series("维持", [3]), Series("纠正", [1])], stacked=True)
    lower, upper = bars(svg)
    assert float(upper["y"]) + float(upper["height"]) == float(lower["y"])
    assert float(lower["height"]) == 3 * float(upper["height"])


def test_ratios_are_drawn_against_one_and_labelled_as_percentages() -> None:
    svg = bar_chart("c", "公开率", [2023], [Series("公开率", [0.25])], ratio=True)
    (bar,) = bars(svg)
    assert "100%" in svg and "25.0%" in svg and float(bar["height"]) < HEIGHT / 4


def test_no_script_and_every_label_escaped() -> None:
    svg = bar_chart("c", "<b>", [2023], [Series("<script>", [1])])
    assert "<script" not in svg and "&lt;script&gt;" in svg
