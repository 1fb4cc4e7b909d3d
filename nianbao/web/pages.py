"""The HTML of the web view's pages, as pure functions of what the queries returned.

Everything printed passes through :func:`html.escape`; element ids and classes are
stable because the browser tests click and read them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape
from urllib.parse import urlencode

from nianbao.web.agency import agency_body
from nianbao.web.official import tables_html
from parsers.model import Report
from research import codebook
from research.alerts import Alert
from research.diff import ReportDiff
from research.diff_html import STYLE as DIFF_STYLE
from research.diff_html import html_fragment
from research.filters import FORMAT_VERSIONS
from research.metrics import MetricRow
from research.rows import DocumentInfo, VersionInfo
from research.search import highlight

STYLE = """
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", sans-serif; margin: 0; color: #222; }
header { background: #8b1a1a; color: #fff; padding: 0.6em 2em; }
header a { color: #fff; margin-right: 1.5em; text-decoration: none; font-weight: bold; }
main { padding: 1em 2em; }
form.filters input, form.filters select { margin-right: 0.8em; } form.filters label { margin-right: 0.3em; }
table.list, table.grid { border-collapse: collapse; margin: 0.8em 0; }
table.list td, table.list th, table.grid td, table.grid th { border: 1px solid #ccc; padding: 3px 8px; }
table.grid td.num { text-align: right; } td.blank { color: #b08800; }
.failed { color: #b31d28; } .error { color: #b31d28; font-weight: bold; }
mark { background: #fff5b1; } div.scroll { overflow-x: auto; }
table.official { border-collapse: collapse; margin: 0.8em 0; font-size: 0.9em; }
table.official th, table.official td { border: 1px solid #999; padding: 3px 6px; }
table.official th { background: #f4f0e8; font-weight: normal; }
table.official th.label { text-align: left; max-width: 22em; }
table.official th.note { font-size: 0.8em; color: #555; max-width: 14em; }
table.official td.num { text-align: right; min-width: 3em; } table.official td.blank { color: #b08800; }
div.charts { display: flex; flex-wrap: wrap; gap: 1em; } figure.chart { margin: 0; }
figure.chart figcaption { font-weight: bold; } svg .tick, svg .legend { font-size: 11px; fill: #444; }
svg .grid { stroke: #ddd; } svg .none { fill: #b08800; font-size: 12px; }
"""

# What each choice of the filter form reads as; the value sent is the key.
FORMAT_CHOICES = {"": "表格格式：不限", **{era: codebook.ERA_NAMES_ZH[era] for era in FORMAT_VERSIONS}}
RULE_CHOICES = {"": "未通过的勾稽关系：不限", **{rule: f"{rule} {zh}" for rule, zh in codebook.RULE_TITLES_ZH.items()}}


def layout(title: str, body: str) -> str:
    return (
        f'<!doctype html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"<style>{DIFF_STYLE}{STYLE}</style></head><body>"
        '<header><a id="nav-reports" href="/">年度报告</a><a id="nav-search" href="/search">全文搜索</a>'
        '<a id="nav-alerts" href="/alerts">监测提醒</a></header>'
        f"<main>{body}</main></body></html>\n"
    )


ERROR_TITLES = {400: "请求有误", 404: "未找到"}


def error_page(status: int, message: str) -> str:
    title = f"{status} {ERROR_TITLES.get(status, '出错了')}"
    return layout(title, f'<h1>{title}</h1><p class="error" id="error">{escape(message)}</p>')


def agency_link(agency: str, text: str | None = None) -> str:
    query = urlencode({"name": agency})
    return f'<a class="agency-link" href="/agency?{query}">{escape(text if text is not None else agency)}</a>'


def report_link(row: VersionInfo, text: str | None = None) -> str:
    label = text if text is not None else row.agency
    return f'<a class="report-link" href="/report/{row.version_id}">{escape(label)}</a>'


def era_name(format_version: str) -> str:
    return codebook.ERA_NAMES_ZH.get(format_version, format_version)


# --- the list ---------------------------------------------------------------------


def list_page(rows: Sequence[VersionInfo], total: int, form: dict[str, str], error: str | None = None) -> str:
    message = f'<p class="error" id="error">筛选条件有误：{escape(error)}</p>' if error else ""
    count = f'<p id="count">共 {total} 份报告</p>' + _cut_note(len(rows), total, "份", "请缩小筛选范围查看其余报告")
    title = "<h1>政府信息公开工作年度报告</h1>"
    body = f"{title}{_filter_form(form)}{message}{count}{_list_table(rows)}"
    return layout("年度报告", body)


def _filter_form(form: dict[str, str]) -> str:
    def text_input(name: str, label: str, placeholder: str) -> str:
        value = escape(form.get(name, ""))
        field = f'<input id="f-{name}" name="{name}" placeholder="{placeholder}" value="{value}">'
        return f'<label for="f-{name}">{label}</label>{field}'

    return (
        '<form class="filters" id="filters" method="get" action="/">'
        f"{text_input('agency', '机关', '如：二七区统计局')}{text_input('region', '地区', '如：郑州市')}"
        f"{text_input('year', '年度', '如：2023 或 2021-2023')}"
        f"{_select('format', FORMAT_CHOICES, form.get('format', ''))}"
        f"{_select('failed', RULE_CHOICES, form.get('failed', ''))}"
        '<button id="f-submit" type="submit">筛选</button></form>'
    )


def _select(name: str, choices: dict[str, str], chosen: str) -> str:
    options = "".join(
        f'<option value="{escape(value)}"{" selected" if value == chosen else ""}>{escape(text)}</option>'
        for value, text in choices.items()
    )
    return f'<select id="f-{name}" name="{name}">{options}</select>'


def _list_table(rows: Sequence[VersionInfo]) -> str:
    names = ("机关", "地区", "年度", "版本", "表格格式", "未通过的勾稽关系")
    header = "".join(f"<th>{name}</th>" for name in names)
    body = "".join(
        f"<tr><td>{report_link(row)}</td><td>{escape(row.region)}</td><td>{row.year}</td><td>{row.version}</td>"
        f"<td>{escape(era_name(row.format_version))}</td>"
        f'<td class="failed">{escape(" ".join(row.failed_rules))}</td></tr>'
        for row in rows
    )
    return f'<table class="list" id="reports"><thead><tr>{header}</tr></thead><tbody>{body}</tbody></table>'


# --- one report -------------------------------------------------------------------


def agency_page(agency: str, rows: Sequence[MetricRow], records: dict[int, Report]) -> str:
    return layout(f"{agency} 历年报告", agency_body(agency, rows, records))


def report_page(
    row: VersionInfo,
    report: Report,
    versions: Sequence[VersionInfo],
    documents: Sequence[DocumentInfo],
    years: list[int],
) -> str:
    parts = [
        f'<h1 id="report-title">{escape(row.agency)} {row.year}年度 <small>第{row.version}版</small></h1>',
        f"<p>{escape(row.region)} · 表格格式：{escape(era_name(row.format_version))} · "
        f"发布日期：{row.published_at or '–'} · 首次抓取：{_moment(row.first_seen)}</p>",
        f"<p>{agency_link(row.agency, '该机关历年报告')}</p>",
        _diff_links(row, years),
        _versions_html(row, versions),
        _documents_html(documents),
        _checks_html(row, report),
        tables_html(report),
        *(f"<h2>{escape(s.title)}</h2><p>{escape(s.text)}</p>" for s in report.sections),
    ]
    return layout(f"{row.agency} {row.year}", "\n".join(parts))


def _moment(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment else "–"


def _diff_links(row: VersionInfo, years: list[int]) -> str:
    earlier = [year for year in years if year < row.year]
    if not earlier:
        return ""
    query = urlencode({"agency": row.agency, "year": row.year, "against": earlier[-1]})
    return f'<p><a id="diff-link" href="/diff?{query}">与{earlier[-1]}年度报告对比</a></p>'


def _versions_html(row: VersionInfo, versions: Sequence[VersionInfo]) -> str:
    items = []
    for version in versions:
        link = report_link(version, f"第{version.version}版")
        seen = str(version.published_at) if version.published_at else _moment(version.first_seen)
        compare = ""
        if version.version_id != row.version_id:
            query = urlencode({"agency": row.agency, "year": row.year, "version": [version.version, row.version]}, True)
            compare = f' · <a class="version-diff" href="/diff?{query}">与本版对比</a>'
        items.append(f"<li>{link} ({escape(str(seen))}){compare}</li>")
    return f'<h2>版本</h2><ul id="versions">{"".join(items)}</ul>'


def _documents_html(documents: Sequence[DocumentInfo]) -> str:
    if not documents:
        return ""
    items = "".join(
        f'<li><a class="raw-link" href="/raw/{escape(d.sha256)}">下载</a> {escape(d.url or "")}'
        f'（{d.size or 0} 字节）<small class="key">{escape(d.media_type or "")}</small></li>'
        for d in documents
    )
    return f'<h2>原始文件</h2><ul id="documents">{items}</ul>'


def _checks_html(row: VersionInfo, report: Report) -> str:
    failed = [(c.rule, c.detail) for c in report.failed_checks()]
    if codebook.ACROSS_YEARS in row.failed_rules:  # judged by the archive, so not among the record's checks
        failed.append(
            (codebook.ACROSS_YEARS, f"applications.carried_over differs from {row.year - 1}'s carried_forward")
        )
    if not failed:
        return '<h2>勾稽关系</h2><p id="checks">各项勾稽关系均成立</p>'
    items = "".join(
        f'<li class="failed">{escape(rule)} {escape(codebook.RULE_TITLES_ZH.get(rule, ""))}'
        f'<br><small class="key">{escape(detail)}</small></li>'
        for rule, detail in failed
    )
    return f'<h2>未通过的勾稽关系</h2><ul id="checks">{items}</ul>'


# --- diff and search --------------------------------------------------------------


def diff_page(diff: ReportDiff) -> str:
    return layout(f"{diff.new.agency} 对比", html_fragment(diff, show_equal=True))


def _cut_note(shown: int, total: int, counter: str, advice: str) -> str:
    """Says so when a list shows fewer rows than there are."""
    if shown >= total:
        return ""
    return f'<p class="cut" id="cut">仅显示前 {shown} {counter}（共 {total} {counter}）：{escape(advice)}</p>'


def search_page(query: str, hits: Sequence[tuple[VersionInfo, str]], total: int, error: str | None = None) -> str:
    form = (
        '<form id="search-form" method="get" action="/search">'
        f'<input id="q" name="q" value="{escape(query)}" placeholder="关键词">'
        '<button id="search-submit">搜索</button></form>'
    )
    message = f'<p class="error" id="error">搜索词有误：{escape(error)}</p>' if error else ""
    items = "".join(
        f'<li class="hit">{report_link(row, f"{row.agency} {row.year}年度 第{row.version}版")}<br>'
        f"{highlight(escape(snippet), '<mark>', '</mark>')}</li>"
        for row, snippet in hits
    )
    summary = ""
    if query and not error:
        summary = f'<p id="hit-count">共 {total} 条结果</p>' + _cut_note(len(hits), total, "条", "再加一个词缩小范围")
    body = f'<h1>全文搜索</h1>{form}{message}{summary}<ol id="hits">{items}</ol>'
    return layout(f"全文搜索 {query}" if query else "全文搜索", body)


ALERT_KINDS = {
    "missing": "报告缺失",
    "edited": "发布后修改",
    "fewer": "抓取数量减少",
    "blocked": "门户连续无法访问",
    "short": "列表未抓全",
}


def alerts_page(alerts: Sequence[Alert]) -> str:
    """Newest first, each with its evidence; the same list as the Atom feed. The summary and
    evidence are the library's words (English, with the archive's names), as in ``nianbao alerts``."""
    items = "".join(
        f'<li class="alert {escape(alert.kind)}"><b>{alert.at:%Y-%m-%d %H:%M}</b> '
        f'{escape(ALERT_KINDS.get(alert.kind, alert.kind))} <small class="key">{escape(alert.kind)}</small> '
        f"<b>{escape(alert.subject)}</b>: {escape(alert.summary)}"
        f"<ul>{''.join(f'<li>{escape(line)}</li>' for line in alert.evidence)}</ul></li>"
        for alert in reversed(alerts)
    )
    body = f'<ul id="alerts">{items}</ul>' if items else '<p id="alerts">暂无提醒</p>'
    feed = '<link rel="alternate" type="application/atom+xml" href="/alerts.atom">'
    return layout("监测提醒", f'<h1>监测提醒</h1>{feed}<p><a href="/alerts.atom">Atom 订阅</a></p>{body}')
