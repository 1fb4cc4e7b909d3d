"""A report's three tables laid out as the official format prints them, with its labels.

Table 二 in blocks of rows under their article of the Regulation (第二十条第（一）项);
table 三 with its two-level header (申请人情况 over 自然人, 法人或其他组织 and its five
kinds, 总计) and its nested row labels (三、本年度办理结果 over （三）不予公开 over
1.属于国家秘密); table 四 with 行政复议 and 行政诉讼 over their outcomes. Labels are the
wording of the report's own format era (规范性文件 in 2019, 行政规范性文件 from 2021).
Every cell carries its key (``data-key``, and a secondary line under each row label), so
the English keys of the exports stay at hand. A table, row or column the codebook does
not know is shown as a plain grid by its keys.
"""

from __future__ import annotations

from collections import Counter
from html import escape

from parsers import tables as keys
from parsers.model import Report
from research import codebook

RESULTS_HEADING = "三、本年度办理结果"
OUTSIDE_RESULTS = frozenset({"new", "carried_over", "carried_forward"})  # 一、二、四、: the rest is under 三、


def tables_html(report: Report) -> str:
    parts = []
    for table in codebook.TABLES:
        rows = report.tables.get(table.key) or {}
        raw_rows = report.raw.get(table.key) or {}
        if not rows and not raw_rows:
            continue
        known = all(codebook.cell(table.key, row, column) for row in rows for column in rows[row])
        body = _RENDERERS[table.key](report) if known else plain_grid(report, table.key)
        parts.append(
            f'<h2>{escape(table.title_zh)} <small class="key">{escape(table.key)}</small></h2>'
            f'<div class="scroll">{body}</div>'
        )
    for name in report.tables:
        if name not in keys.TABLE_KEYS:
            parts.append(f'<h2>{escape(name)}</h2><div class="scroll">{plain_grid(report, name)}</div>')
    return "\n".join(parts)


def cell_html(report: Report, table: str, row: str, column: str) -> str:
    """One value cell: the number, or what was printed in its place (a blank stays blank)."""
    key = escape(f"{table}.{row}.{column}")
    cells = report.tables.get(table, {}).get(row, {})
    value = cells.get(column)
    if value is not None:
        return f'<td class="num" data-key="{key}">{value}</td>'
    raw = report.raw.get(table, {}).get(row, {}).get(column)
    printed = escape(raw.text) if raw else ""
    meaning = f' title="{escape(raw.meaning)}"' if raw else ""
    return f'<td class="blank" data-key="{key}"{meaning}>{printed}</td>'


def label_cell(text: str, key: str, colspan: int = 1, rowspan: int = 1) -> str:
    """A row label as printed, its key on a secondary line."""
    spans = (f' colspan="{colspan}"' if colspan > 1 else "") + (f' rowspan="{rowspan}"' if rowspan > 1 else "")
    return f'<th class="label"{spans}>{escape(text)}<br><small class="key">{escape(key)}</small></th>'


# --- 二、主动公开政府信息情况 ---------------------------------------------------------


def _active(report: Report) -> str:
    era = report.format_version
    blocks: list[tuple[tuple[str, tuple[str, ...]], list[str]]] = []  # (article, columns), rows
    for row, cells in report.tables.get(keys.ACTIVE, {}).items():
        heading = (codebook.ACTIVE_ARTICLES.get(row, ""), tuple(cells))
        if blocks and blocks[-1][0] == heading:
            blocks[-1][1].append(row)
        else:
            blocks.append((heading, [row]))
    html = []
    for (article, columns), block_rows in blocks:
        head = "".join(
            f"<th>{escape(codebook.column_label(keys.ACTIVE, block_rows[0], column, era))}</th>" for column in columns
        )
        html.append(f'<tr class="article"><th colspan="{len(columns) + 1}">{escape(article)}</th></tr>')
        html.append(f'<tr class="block"><th>信息内容</th>{head}</tr>')
        for row in block_rows:
            label = label_cell(codebook.row_label(keys.ACTIVE, row, era), row)
            html.append(f"<tr>{label}{''.join(cell_html(report, keys.ACTIVE, row, c) for c in columns)}</tr>")
    return f'<table class="official" data-table="active">{"".join(html)}</table>'


# --- 三、收到和处理政府信息公开申请情况 -----------------------------------------------

_APPLICATIONS_HEAD = (
    '<tr><th colspan="3" rowspan="3" class="note">（本列数据的勾稽关系为：第一项加第二项之和，'
    '等于第三项加第四项之和）</th><th colspan="7">申请人情况</th></tr>'
    '<tr><th rowspan="2">自然人</th><th colspan="5">法人或其他组织</th><th rowspan="2">总计</th></tr>'
    "<tr><th>商业企业</th><th>科研机构</th><th>社会公益组织</th><th>法律服务机构</th><th>其他</th></tr>"
)


def _applications(report: Report) -> str:
    rows = list(report.tables.get(keys.APPLICATIONS, {}))
    results = [row for row in rows if row not in OUTSIDE_RESULTS]
    group_sizes = Counter(row.split(".")[0] for row in results if "." in row)
    html, opened = [], set()
    for row in rows:
        full = codebook.row_label(keys.APPLICATIONS, row, report.format_version)
        group = row.split(".")[0] if "." in row else None
        labels = ""
        if row in OUTSIDE_RESULTS:
            labels = label_cell(full, row, colspan=3)
        elif group is None:
            labels = _opening(RESULTS_HEADING, len(results), opened) + label_cell(
                full.removeprefix(RESULTS_HEADING), row, 2
            )
        else:
            group_text, _, item = full.partition(" ")
            labels = _opening(RESULTS_HEADING, len(results), opened) + _opening(group_text, group_sizes[group], opened)
            labels += label_cell(item, row)
        values = "".join(cell_html(report, keys.APPLICATIONS, row, column) for column in keys.APPLICANT_COLUMNS)
        html.append(f"<tr>{labels}{values}</tr>")
    return f'<table class="official" data-table="applications">{_APPLICATIONS_HEAD}{"".join(html)}</table>'


def _opening(text: str, rowspan: int, opened: set[str]) -> str:
    """The label cell that spans a group of rows, on the group's first row only."""
    if text in opened:
        return ""
    opened.add(text)
    return f'<th class="label" rowspan="{rowspan}">{escape(text)}</th>'


# --- 四、政府信息公开行政复议、行政诉讼情况 -------------------------------------------


def _review_litigation(report: Report) -> str:
    outcomes = [codebook.REVIEW_OUTCOME_LABELS[outcome][0] for outcome in keys.REVIEW_OUTCOMES]
    first = "".join(f'<th rowspan="2">{escape(label)}</th>' for label in outcomes)
    litigation = [codebook.REVIEW_GROUP_LABELS[group][0].split("：")[1] for group in keys.REVIEW_GROUPS[1:]]
    span = len(outcomes)
    groups = "".join(f'<th colspan="{span}">{escape(group)}</th>' for group in litigation)
    second = "".join(f"<th>{escape(label)}</th>" for label in outcomes * 2)
    head = (
        f'<tr><th colspan="{span}">行政复议</th><th colspan="{2 * span}">行政诉讼</th></tr>'
        f"<tr>{first}{groups}</tr><tr>{second}</tr>"
    )
    values = "".join(cell_html(report, keys.REVIEW_LITIGATION, "all", column) for column in keys.REVIEW_COLUMNS)
    return f'<table class="official" data-table="review_litigation">{head}<tr>{values}</tr></table>'


_RENDERERS = {keys.ACTIVE: _active, keys.APPLICATIONS: _applications, keys.REVIEW_LITIGATION: _review_litigation}


def plain_grid(report: Report, table: str) -> str:
    """A table by its keys: a row per row key, a column per column key."""
    rows = {**report.raw.get(table, {}), **report.tables.get(table, {})}
    columns = list(dict.fromkeys(column for cells in rows.values() for column in cells))
    header = "<th>row</th>" + "".join(f"<th>{escape(column)}</th>" for column in columns)
    lines = [
        f"<tr><th>{escape(row)}</th>{''.join(cell_html(report, table, row, column) for column in columns)}</tr>"
        for row in rows
    ]
    return f'<table class="grid" data-table="{escape(table)}"><tr>{header}</tr>{"".join(lines)}</table>'
