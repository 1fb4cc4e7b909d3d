"""Word documents: body order, merged cells on the grid, nested tables, text boxes."""

from __future__ import annotations

import io
from pathlib import Path

import docx as python_docx
import pytest
from docx.oxml import parse_xml

from parsers.document import Paragraph, Table
from parsers.errors import ExtractionError
from parsers.extract import docx
from tests.extract.conftest import DOCUMENTS, documents, ids, missing_in_order, paragraphs, table_mismatches, tables_of

WORD = documents("docx")
W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _docx(body: str) -> bytes:
    """A DOCX whose body is the given WordprocessingML (namespace prefix ``w``)."""
    document = python_docx.Document()
    element = document.element.body
    for child in list(element):
        if not child.tag.endswith("sectPr"):
            element.remove(child)
    for child in parse_xml(f"<w:body {W_NS}>{body}</w:body>"):
        element.insert(len(element) - 1, child)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _p(text: str) -> str:
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"


def _tc(text: str, span: int = 1, merge: str | None = None) -> str:
    properties = f'<w:gridSpan w:val="{span}"/>' if span > 1 else ""
    if merge:
        properties += f'<w:vMerge w:val="{merge}"/>' if merge == "restart" else "<w:vMerge/>"
    return f"<w:tc><w:tcPr>{properties}</w:tcPr>{_p(text)}</w:tc>"


def _tbl(rows: list[list[str]], widths: list[int]) -> str:
    grid = "".join(f'<w:gridCol w:w="{width}"/>' for width in widths)
    return f"<w:tbl><w:tblGrid>{grid}</w:tblGrid>" + "".join(f"<w:tr>{''.join(r)}</w:tr>" for r in rows) + "</w:tbl>"


@pytest.mark.parametrize(("path", "spec"), WORD, ids=ids(WORD))
def test_paragraphs_in_order(path: Path, spec: dict) -> None:
    document = docx.read(path.read_bytes())
    assert missing_in_order(document, spec) == []
    assert paragraphs(document)[:2] == [spec["agency"], f"{spec['year']}年政府信息公开工作年度报告"]
    assert document.title == f"{spec['agency']}{spec['year']}年政府信息公开工作年度报告"


@pytest.mark.parametrize(("path", "spec"), WORD, ids=ids(WORD))
def test_every_spec_number_in_its_cell(path: Path, spec: dict) -> None:
    assert table_mismatches(docx.read(path.read_bytes()), spec) == []


def test_nested_table_follows_its_table_and_frame_is_unwrapped() -> None:
    document = docx.read((DOCUMENTS / "docx" / "report-2021.docx").read_bytes())
    tables = tables_of(document)
    assert tables[0] == [["索引号", "4101030-0012/2024-00008"], ["发布机构", "二七区统计局"]]
    assert tables[1] == [["成文日期", "2024-01-18"], ["文号", "二统〔2024〕1号"]]
    assert isinstance(document.blocks[2], Table) and isinstance(document.blocks[3], Table)
    assert [len(rows[0]) for rows in tables[2:]] == [4, 10, 15]  # the 1x1 frame is no table


def test_text_box_read_once_after_its_paragraph() -> None:
    document = docx.read((DOCUMENTS / "docx" / "report-2021.docx").read_bytes())
    texts = paragraphs(document)
    assert texts[-2:] == ["郑州市二七区统计局", "2024年1月20日"]
    assert texts.count("2024年1月20日") == 1  # the VML copy in mc:Fallback is skipped


def test_grid_span_and_vertical_merge() -> None:
    body = _tbl(
        [
            [_tc("行政复议", span=2), _tc("总计", merge="restart")],
            [_tc("维持"), _tc("纠正"), _tc("", merge="continue")],
            [_tc("3"), _tc("1"), _tc("4")],
        ],
        [600, 600, 600],
    )
    (table,) = docx.read(_docx(body)).blocks
    assert table.rows == [["行政复议", "", "总计"], ["维持", "纠正", ""], ["3", "1", "4"]]


def test_libreoffice_sliver_column_is_collapsed() -> None:
    """LibreOffice's 1-twip grid column: the 总计 cell spans it in the lower rows, the
    行政诉讼 cell in the top row (deps.md gotcha 2)."""
    body = _tbl(
        [
            [_tc("行政复议", span=2), _tc("行政诉讼", span=3)],
            [_tc("维持"), _tc("总计", span=2), _tc("直接"), _tc("复议后")],
            [_tc("3"), _tc("3", span=2), _tc("1"), _tc("0")],
        ],
        [600, 599, 1, 600, 600],
    )
    (table,) = docx.read(_docx(body)).blocks
    assert table.rows == [["行政复议", "", "行政诉讼", ""], ["维持", "总计", "直接", "复议后"], ["3", "3", "1", "0"]]


def test_grid_before_shifts_a_row() -> None:
    body = _tbl(
        [[_tc("a"), _tc("b"), _tc("c")], ['<w:trPr><w:gridBefore w:val="1"/></w:trPr>' + _tc("y") + _tc("z")]],
        [600, 600, 600],
    )
    (table,) = docx.read(_docx(body)).blocks
    assert table.rows == [["a", "b", "c"], ["", "y", "z"]]


def test_content_controls_breaks_and_revisions() -> None:
    body = (
        "<w:sdt><w:sdtContent>" + _p("一、总体情况") + "</w:sdtContent></w:sdt>"
        "<w:p><w:r><w:t>第一行</w:t><w:br/><w:t>第二行</w:t><w:tab/><w:t>续</w:t></w:r>"
        '<w:del w:id="1" w:author="x"><w:r><w:delText>删除的字</w:delText></w:r></w:del>'
        '<w:r><w:br w:type="page"/><w:t>同段</w:t></w:r></w:p>'
    )
    blocks = docx.read(_docx(body)).blocks
    assert [block.text for block in blocks if isinstance(block, Paragraph)] == [
        "一、总体情况",
        "第一行",
        "第二行 续同段",
    ]


def test_damaged_documents_fail_with_a_reason() -> None:
    data = (DOCUMENTS / "docx" / "report-2021.docx").read_bytes()
    for damaged, reason in (
        (data[: len(data) // 2], "truncated"),
        ((DOCUMENTS / "xlsx" / "report-2021.xlsx").read_bytes(), "corrupt"),
    ):
        with pytest.raises(ExtractionError) as error:
            docx.read(damaged)
        assert error.value.reason == reason
