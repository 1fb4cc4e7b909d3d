"""The page of one body: every year side by side, and charts of its applications, disclosure
rate and review and litigation outcomes (inline SVG, :mod:`nianbao.web.charts`)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from nianbao.web.charts import Series, bar_chart
from nianbao.web.official import cell_html, label_cell
from parsers import tables as keys
from parsers.model import Report
from research import codebook
from research.metric_render import shown
from research.metrics import MEASURES, MetricRow

OUTCOMES = ("upheld", "corrected", "other", "pending")


def agency_body(agency: str, rows: Sequence[MetricRow], records: dict[int, Report]) -> str:
    years = [row.year for row in rows]
    region = rows[0].region if rows else ""
    return "\n".join(
        [
            f'<h1 id="agency-title">{escape(agency)} <small>历年报告</small></h1>',
            f"<p>{escape(region)} · 共 {len(rows)} 份报告</p>",
            f'<div class="charts">{_charts(years, rows, records)}</div>',
            "<h2>历年对比</h2>",
            f'<div class="scroll">{_side_by_side(rows, records)}</div>',
        ]
    )


def _charts(years: list[int], rows: Sequence[MetricRow], records: dict[int, Report]) -> str:
    def measure(name: str) -> list:
        return [row.values[name] for row in rows]

    def review(group: str, outcome: str) -> list:
        return [
            records[year].tables.get(keys.REVIEW_LITIGATION, {}).get("all", {}).get(f"{group}.{outcome}")
            for year in years
        ]

    def litigation(outcome: str) -> list:
        direct, after = review("litigation_direct", outcome), review("litigation_after_review", outcome)
        return [None if a is None or b is None else a + b for a, b in zip(direct, after, strict=True)]

    labels = {outcome: codebook.REVIEW_OUTCOME_LABELS[outcome][0] for outcome in OUTCOMES}
    return "".join(
        [
            bar_chart(
                "chart-applications",
                "申请数量（件）",
                years,
                [Series("本年新收", measure("applications_new")), Series("办理总计", measure("applications_handled"))],
            ),
            bar_chart(
                "chart-disclosure",
                "公开率",
                years,
                [Series("公开率", measure("disclosure_rate"))],
                ratio=True,
            ),
            bar_chart(
                "chart-review",
                "行政复议结果（件）",
                years,
                [Series(labels[o], review("review", o)) for o in OUTCOMES],
                stacked=True,
            ),
            bar_chart(
                "chart-litigation",
                "行政诉讼结果（件）",
                years,
                [Series(labels[o], litigation(o)) for o in OUTCOMES],
                stacked=True,
            ),
        ]
    )


def _years_label(table: str, row: str, column: str, records: dict[int, Report]) -> str:
    """The label of the latest year that has the cell, in its era's wording; other years' wordings beside the key."""
    key = f"{table}.{row}.{column}"
    entry = codebook.cell(table, row, column)
    if entry is None:
        return label_cell(key, key)
    having = [report.format_version for _, report in sorted(records.items()) if row in report.tables.get(table, {})]
    era = having[-1] if having else None
    return label_cell(entry.printed(era).title_zh, key + codebook.wording_note(entry.other_wordings(era, having)))


def _side_by_side(rows: Sequence[MetricRow], records: dict[int, Report]) -> str:
    head = "".join(f'<th><a class="report-link" href="/report/{row.version_id}">{row.year}</a></th>' for row in rows)
    lines = [f'<tr><th class="label">指标</th>{head}</tr>']
    for measure in MEASURES:
        values = "".join(f'<td class="num">{shown(row.values[measure.name], measure.unit)}</td>' for row in rows)
        lines.append(f'<tr data-measure="{measure.name}">{label_cell(measure.title_zh, measure.name)}{values}</tr>')
    held = {row for report in records.values() for row in report.tables.get(keys.APPLICATIONS, {})}
    cells = [(keys.APPLICATIONS, row, "total") for row in codebook.APPLICATION_ROWS if row in held]
    cells += [(keys.REVIEW_LITIGATION, "all", column) for column in keys.REVIEW_COLUMNS]
    for table, row_key, column in cells:
        values = "".join(cell_html(records[row.year], table, row_key, column) for row in rows)
        lines.append(f"<tr>{_years_label(table, row_key, column, records)}{values}</tr>")
    return f'<table class="official" id="years">{"".join(lines)}</table>'
