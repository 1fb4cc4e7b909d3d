"""Every report the world serves parses back to its ground truth.

HTML pages go through a minimal reader (tests/world/html_document.py) and DOCX through
python-docx, then the project's report parser: agency, canonical agency, year, format,
every table cell, every raw cell, and exactly the broken rules the truth names.
"""

from __future__ import annotations

import io

import pytest

from fixtures.world.world import build_world
from parsers.document import Document, Paragraph, Table
from parsers.model import Region
from parsers.report import parse
from tests.world.html_document import html_document

WORLD = build_world(seed=0, scale=1)
COMPARED = ("agency", "agency_canonical", "year", "format_version", "tables", "raw")


def _parsed(report, document: Document) -> dict:
    region = WORLD.portals[report.portal_id].region
    return parse(document, region=Region(region.province, region.city, region.district)).to_dict()


def _content(report) -> bytes:
    path = report.content_path
    page = WORLD.lookup(report.portal_id, *path.partition("?")[::2])
    return WORLD.render(report.portal_id, page, "http://h", {}, {})


def _assert_matches_truth(report, record: dict) -> None:
    expected = WORLD.record(report.id)
    assert {key: record[key] for key in COMPARED} == {key: expected[key] for key in COMPARED}
    failed = sorted({check["rule"] for check in record["checks"] if check["status"] == "fail"})
    assert failed == sorted(expected["broken_rules"])


HTML_REPORTS = [r for r in WORLD.parsable_reports() if r.doc_format == "html" and r.format_version != "pre2019"]
DOCX_REPORTS = [r for r in WORLD.parsable_reports() if r.doc_format == "docx"]


@pytest.mark.parametrize("report", HTML_REPORTS, ids=lambda report: report.id)
def test_html_report_parses_to_its_truth(report) -> None:
    document = html_document(_content(report), WORLD.portals[report.portal_id].encoding)
    _assert_matches_truth(report, _parsed(report, document))


def _docx_document(data: bytes) -> Document:
    import docx

    source = docx.Document(io.BytesIO(data))
    blocks: list[Paragraph | Table] = [Paragraph(p.text) for p in source.paragraphs if p.text]
    tables = iter(source.tables)
    ordered: list[Paragraph | Table] = []
    for element in source.element.body.iterchildren():
        if element.tag.endswith("}p") and blocks and isinstance(blocks[0], Paragraph):
            text = "".join(element.itertext())
            if text:
                ordered.append(blocks.pop(0))
        elif element.tag.endswith("}tbl"):
            ordered.append(Table(_docx_rows(next(tables))))
    return Document(blocks=ordered, source_format="docx")


def _docx_rows(table) -> list[list[str]]:
    rows, above = [], {}
    for row in table.rows:
        texts, previous = [], None
        for column, cell in enumerate(row.cells):
            covered = cell._tc is previous or above.get(column) is cell._tc
            texts.append("" if covered else cell.text)
            previous, above[column] = cell._tc, cell._tc
        rows.append(texts)
    return rows


@pytest.mark.parametrize("report", DOCX_REPORTS[:4], ids=lambda report: report.id)
def test_docx_report_parses_to_its_truth(report) -> None:
    _assert_matches_truth(report, _parsed(report, _docx_document(_content(report))))


def test_broken_pdf_is_truncated() -> None:
    [report] = [r for r in WORLD.reports.values() if r.outcome == "attachment_broken"]
    data = _content(report)
    assert data.startswith(b"%PDF") and b"%%EOF" not in data[-64:]
