"""The HTML of the web view's pages, as pure functions of what the queries returned.

Everything printed passes through :func:`html.escape`; element ids and classes are
stable because the browser tests click and read them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from urllib.parse import urlencode

from nianbao.web.agency import agency_body
from nianbao.web.official import tables_html
from parsers.model import Report
from research.alerts import Alert
from research.diff import ReportDiff
from research.diff_html import STYLE as DIFF_STYLE
from research.diff_html import html_fragment
from research.filters import FORMAT_VERSIONS, RULES
from research.metrics import MetricRow
from research.rows import DocumentInfo, VersionInfo
from research.search import highlight

STYLE = """
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", sans-serif; margin: 0; color: #222; }
header { background: #8b1a1a; color: #fff; padding: 0.6em 2em; }
header a { color: #fff; margin-right: 1.5em; text-decoration: none; font-weight: bold; }
main { padding: 1em 2em; }
form.filters input, form.filters select { margin-right: 0.8em; }
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

FORMAT_CHOICES = ("", *FORMAT_VERSIONS)
RULE_CHOICES = ("", *RULES)


def layout(title: str, body: str) -> str:
    return (
        f'<!doctype html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"<style>{DIFF_STYLE}{STYLE}</style></head><body>"
        '<header><a id="nav-reports" href="/">年报 reports</a><a id="nav-search" href="/search">搜索 search</a>'
        '<a id="nav-alerts" href="/alerts">alerts</a></header>'
        f"<main>{body}</main></body></html>\n"
    )


def error_page(status: int, message: str) -> str:
    return layout(f"{status}", f'<h1>{status}</h1><p class="error" id="error">{escape(message)}</p>')


def agency_link(agency: str, text: str | None = None) -> str:
    query = urlencode({"name": agency})
    return f'<a class="agency-link" href="/agency?{query}">{escape(text if text is not None else agency)}</a>'


def report_link(row: VersionInfo, text: str | None = None) -> str:
    label = text if text is not None else row.agency
    return f'<a class="report-link" href="/report/{row.version_id}">{escape(label)}</a>'


# --- the list ---------------------------------------------------------------------


def list_page(rows: Sequence[VersionInfo], total: int, form: dict[str, str], error: str | None = None) -> str:
    message = f'<p class="error" id="error">{escape(error)}</p>' if error else ""
    count = f'<p id="count">{total} reports</p>' + _cut_note(len(rows), total, "narrow the filters to see the rest")
    title = "<h1>政府信息公开工作年度报告 <small>annual reports in the archive</small></h1>"
    body = f"{title}{_filter_form(form)}{message}{count}{_list_table(rows)}"
    return layout("nianbao: reports", body)


def _filter_form(form: dict[str, str]) -> str:
    def text_input(name: str, placeholder: str) -> str:
        value = escape(form.get(name, ""))
        return f'<input id="f-{name}" name="{name}" placeholder="{placeholder}" value="{value}">'

    return (
        '<form class="filters" id="filters" method="get" action="/">'
        f"{text_input('agency', 'agency')}{text_input('region', 'region')}{text_input('year', 'year, e.g. 2023')}"
        f"{_select('format', FORMAT_CHOICES, form.get('format', ''))}"
        f"{_select('failed', RULE_CHOICES, form.get('failed', ''))}"
        '<button id="f-submit" type="submit">filter</button></form>'
    )


def _select(name: str, choices: Iterable[str], chosen: str) -> str:
    options = "".join(
        f'<option value="{c}"{" selected" if c == chosen else ""}>{c or name + ": any"}</option>' for c in choices
    )
    return f'<select id="f-{name}" name="{name}">{options}</select>'


def _list_table(rows: Sequence[VersionInfo]) -> str:
    names = ("机关 agency", "地区 region", "年度 year", "版本 version", "表格格式 format", "未通过规则 failed rules")
    header = "".join(f"<th>{name}</th>" for name in names)
    body = "".join(
        f"<tr><td>{report_link(row)}</td><td>{escape(row.region)}</td><td>{row.year}</td><td>{row.version}</td>"
        f'<td>{escape(row.format_version)}</td><td class="failed">{escape(" ".join(row.failed_rules))}</td></tr>'
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
        f'<h1 id="report-title">{escape(row.agency)} {row.year} <small>version {row.version}</small></h1>',
        f"<p>{escape(row.region)} · 表格格式 format {escape(row.format_version)} · "
        f"发布 published {row.published_at or '–'} · 首次抓取 first seen {row.first_seen or '–'}</p>",
        f"<p>{agency_link(row.agency, '该机关历年报告 every year of this body')}</p>",
        _diff_links(row, years),
        _versions_html(row, versions),
        _documents_html(documents),
        _checks_html(report),
        tables_html(report),
        *(f"<h2>{escape(s.title)}</h2><p>{escape(s.text)}</p>" for s in report.sections),
    ]
    return layout(f"{row.agency} {row.year}", "\n".join(parts))


def _diff_links(row: VersionInfo, years: list[int]) -> str:
    earlier = [year for year in years if year < row.year]
    if not earlier:
        return ""
    query = urlencode({"agency": row.agency, "year": row.year, "against": earlier[-1]})
    return f'<p><a id="diff-link" href="/diff?{query}">compare with {earlier[-1]}</a></p>'


def _versions_html(row: VersionInfo, versions: Sequence[VersionInfo]) -> str:
    items = []
    for version in versions:
        link = report_link(version, f"version {version.version}")
        seen = version.published_at or version.first_seen or "–"
        compare = ""
        if version.version_id != row.version_id:
            query = urlencode({"agency": row.agency, "year": row.year, "version": [version.version, row.version]}, True)
            compare = f' · <a class="version-diff" href="/diff?{query}">diff with this one</a>'
        items.append(f"<li>{link} ({escape(str(seen))}){compare}</li>")
    return f'<h2>版本 Versions</h2><ul id="versions">{"".join(items)}</ul>'


def _documents_html(documents: Sequence[DocumentInfo]) -> str:
    if not documents:
        return ""
    items = "".join(
        f'<li><a class="raw-link" href="/raw/{escape(d.sha256)}">{escape(d.media_type or "document")}</a> '
        f"{escape(d.url or '')} ({d.size or 0} bytes)</li>"
        for d in documents
    )
    return f'<h2>原始文件 Raw documents</h2><ul id="documents">{items}</ul>'


def _checks_html(report: Report) -> str:
    failed = report.failed_checks()
    if not failed:
        return '<h2>勾稽关系 Checks</h2><p id="checks">every rule holds</p>'
    items = "".join(f'<li class="failed">{escape(c.rule)}: {escape(c.detail)}</li>' for c in failed)
    return f'<h2>未通过的勾稽关系 Failed checks</h2><ul id="checks">{items}</ul>'


# --- diff and search --------------------------------------------------------------


def diff_page(diff: ReportDiff) -> str:
    return layout(f"diff {diff.new.agency}", html_fragment(diff, show_equal=True))


def _cut_note(shown: int, total: int, advice: str) -> str:
    """Says so when a list shows fewer rows than there are."""
    if shown >= total:
        return ""
    return f'<p class="cut" id="cut">showing the first {shown} of {total}: {escape(advice)}</p>'


def search_page(query: str, hits: Sequence[tuple[VersionInfo, str]], total: int, error: str | None = None) -> str:
    form = (
        '<form id="search-form" method="get" action="/search">'
        f'<input id="q" name="q" value="{escape(query)}" placeholder="关键词">'
        '<button id="search-submit">search</button></form>'
    )
    message = f'<p class="error" id="error">{escape(error)}</p>' if error else ""
    items = "".join(
        f'<li class="hit">{report_link(row, f"{row.agency} {row.year} v{row.version}")}<br>'
        f"{highlight(escape(snippet), '<mark>', '</mark>')}</li>"
        for row, snippet in hits
    )
    summary = ""
    if query and not error:
        summary = f'<p id="hit-count">{total} hits</p>' + _cut_note(len(hits), total, "add a word to narrow the search")
    return layout(f"search {query}", f'<h1>全文搜索 Search</h1>{form}{message}{summary}<ol id="hits">{items}</ol>')


def alerts_page(alerts: Sequence[Alert]) -> str:
    """Newest first, each with its evidence; the same list as the Atom feed."""
    items = "".join(
        f'<li class="alert {escape(alert.kind)}"><b>{alert.at:%Y-%m-%d %H:%M}</b> {escape(alert.kind)} '
        f"<b>{escape(alert.subject)}</b>: {escape(alert.summary)}"
        f"<ul>{''.join(f'<li>{escape(line)}</li>' for line in alert.evidence)}</ul></li>"
        for alert in reversed(alerts)
    )
    body = f'<ul id="alerts">{items}</ul>' if items else '<p id="alerts">no alerts</p>'
    feed = '<link rel="alternate" type="application/atom+xml" href="/alerts.atom">'
    return layout("alerts", f'<h1>alerts</h1>{feed}<p><a href="/alerts.atom">Atom feed</a></p>{body}')
