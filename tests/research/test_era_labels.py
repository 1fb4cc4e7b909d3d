"""Each report is labelled in the wording of its own format era: 规范性文件 and 处理决定数量 in a
2019-format report, 行政规范性文件 and 本年处理决定数量 in a 2021 one, never the two together."""

from __future__ import annotations

import re
from html import unescape

from fixtures.reports.specs import make_spec
from nianbao.web.agency import agency_body
from nianbao.web.official import tables_html
from research import codebook
from research.codebook_doc import as_json, markdown
from research.diff import diff_reports
from research.diff_html import html_fragment
from research.metrics import NAMES, MetricRow
from tests.research.reports import report_from_spec

_LABEL = re.compile(r'<th class="label"[^>]*>([^<]*)<br><small class="key">([^<]*)</small>')


def labels(html: str) -> dict[str, str]:
    """Each row label printed in ``html``, by the key on its secondary line."""
    return {unescape(key): unescape(text) for text, key in _LABEL.findall(html)}


def headers(html: str) -> list[str]:
    return [unescape(text) for text in re.findall(r"<th(?: [^>]*)?>([^<]+)</th>", html)]


def report(era: str, year: int, seed: int = 2):
    spec = make_spec(seed, era)
    spec["year"] = year
    return report_from_spec(spec)


def test_no_label_prints_two_eras_at_once() -> None:
    everything = markdown() + as_json()
    assert "年格式：" not in everything.replace("2021年格式 |", "").replace("2019年格式 |", "")
    for cell in codebook.CELLS:
        for label in cell.labels:
            assert "年格式" not in label.title_zh, cell.key


def test_the_codebook_has_each_eras_wording() -> None:
    assert codebook.cell("active", "normative_documents", "new_made").title_zh == "规范性文件：本年新制作数量"
    assert codebook.cell("active", "normative_documents", "issued").title_zh == "行政规范性文件：本年制发件数"
    decisions = codebook.cell("active", "licensing", "decisions")
    assert decisions.printed("2021").column_zh == "本年处理决定数量"
    assert decisions.printed("2019").column_zh == "处理决定数量"
    assert decisions.printed("pre2019").column_zh == "本年处理决定数量"  # no era of its own: the newest
    assert codebook.cell("active", "other_services", "decisions").column_zh == "处理决定数量"  # 2019 only
    assert codebook.row_label("active", "normative_documents", "2019") == "规范性文件"
    assert codebook.row_label("active", "normative_documents", "2021") == "行政规范性文件"


def test_a_2019_report_reads_in_the_2019_wording() -> None:
    html = tables_html(report("2019", 2020))
    shown = labels(html)
    assert shown["normative_documents"] == "规范性文件"
    assert "处理决定数量" in headers(html) and "本年处理决定数量" not in headers(html)
    assert shown["other"] == "（六）其他处理"
    assert "第二十条第（九）项" in headers(html) and "采购总金额" in headers(html)


def test_a_2021_report_reads_in_the_2021_wording() -> None:
    html = tables_html(report("2021", 2021))
    assert labels(html)["normative_documents"] == "行政规范性文件"
    assert "本年处理决定数量" in headers(html) and "处理决定数量" not in headers(html)
    assert "本年收费金额（单位：万元）" in headers(html)
    # 行政许可 (五) and 行政处罚 (六) share their columns but not their article: two blocks, as printed
    assert [h for h in headers(html) if h.startswith("第二十条")] == [
        "第二十条第（一）项",
        "第二十条第（五）项",
        "第二十条第（六）项",
        "第二十条第（八）项",
    ]


def test_a_diff_across_eras_labels_each_cell_as_the_newer_report_prints_it() -> None:
    html = html_fragment(diff_reports(report("2019", 2020), report("2021", 2021, seed=5)))
    row = re.search(
        r'data-(?:equal-)?cell="active.licensing.decisions"><td class="key">([^<]*)<br>'
        r'<small class="key">([^<]*)</small>',
        html,
    )
    assert row is not None
    assert unescape(row[1]) == "行政许可：本年处理决定数量"
    assert unescape(row[2]) == "active.licensing.decisions · 2019年格式：行政许可：处理决定数量"
    removed = re.search(r'data-cell="active.normative_documents.new_made"><td class="key">([^<]*)<br>', html)
    assert removed is not None and unescape(removed[1]) == "规范性文件：本年新制作数量"


def test_a_body_page_shows_the_2019_rows_beside_the_2021_ones() -> None:
    records = {2020: report("2019", 2020), 2021: report("2021", 2021, seed=5)}
    rows = [MetricRow(year, "某局", "某区", year, 1, dict.fromkeys(NAMES)) for year in records]
    shown = labels(agency_body("某局", rows, records))
    assert shown["applications.other.total"] == "（六）其他处理：总计"
    assert shown["applications.other.fee_unpaid.total"].startswith("（六）其他处理 2.申请人逾期未按收费通知")


def test_a_diff_across_eras_lists_the_changed_values_before_the_cells_of_one_era() -> None:
    diff = diff_reports(report("2019", 2020), report("2021", 2021, seed=5))
    kinds = [cell.kind for cell in diff.changed_cells()]
    assert {"changed", "added", "removed"} <= set(kinds)
    assert kinds.index("added") > max(i for i, kind in enumerate(kinds) if kind == "changed")
    html = html_fragment(diff)
    first = re.search(r'data-cell="([^"]+)"', html)
    assert first is not None
    assert next(c.kind for c in diff.cells if f"{c.table}.{c.row}.{c.column}" == first[1]) == "changed"
