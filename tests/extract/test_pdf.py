"""PDF with a text layer: reading order, ruled and aligned tables, page breaks, errors."""

from __future__ import annotations

import io

import pypdfium2 as pdfium
import pytest
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from fixtures.render.document import full_title
from parsers import tables as keys
from parsers.cells import normalize
from parsers.document import Paragraph, Table
from parsers.errors import ExtractionError
from parsers.extract import extract, page_layout, pdf, stitch
from parsers.extract.positioned import Page, Rule, Run
from parsers.extract.stitch import is_page_number
from tests.extract.conftest import DOCUMENTS, documents, ids, missing_in_order, paragraphs, table_mismatches, tables_of

PDFS = documents("pdf")
RULED = [(path, spec) for path, spec in PDFS if path.stem in {"report-2021", "report-2019"}]
CID = DOCUMENTS / "pdf" / "report-2021-cid.pdf"


@pytest.mark.parametrize(("path", "spec"), RULED, ids=ids(RULED))
def test_ruled_pdf_has_every_number_in_its_cell(path, spec):
    document = extract(path.read_bytes())
    assert document.source_format == "pdf"
    assert table_mismatches(document, spec) == []
    assert missing_in_order(document, spec) == []
    assert document.title == full_title(spec)
    assert document.ocr_confidence is None


@pytest.mark.parametrize(("path", "spec"), RULED, ids=ids(RULED))
def test_table_over_the_page_break_is_one_table(path, spec):
    document = pdf.read(path.read_bytes())
    applications = [rows for rows in tables_of(document) if any("本年新收" in cell for row in rows for cell in row)]
    assert len(applications) == 1
    rows = applications[0]
    assert [normalize(cell) for cell in rows[2] if cell] == [
        "商业企业",
        "科研机构",
        "社会公益组织",
        "法律服务机构",
        "其他",
    ]
    assert normalize(rows[-1][0]) == "四、结转下年度继续办理"
    assert len({len(row) for row in rows}) == 1


def test_row_cut_by_the_page_break_is_joined():
    document = pdf.read((DOCUMENTS / "pdf" / "report-2021.pdf").read_bytes())
    cut = "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"
    pages = {block.page for block in document.blocks if isinstance(block, Table) and "本年新收" in str(block.rows)}
    assert pages == {2}  # the table starts on page 2 and goes on to page 3
    rows = [row for rows in tables_of(document) for row in rows if cut in row]
    assert len(rows) == 1 and rows[0][-7:] == ["1", "0", "0", "0", "0", "0", "1"]


def test_wrapped_cjk_cells_have_no_spaces():
    document = pdf.read((DOCUMENTS / "pdf" / "report-2021.pdf").read_bytes())
    cells = [cell for rows in tables_of(document) for row in rows for cell in row]
    assert "（二）部分公开（区分处理的，只计这一情形，不计其他情形）" in cells
    assert "社会公益组织" in cells


def test_aligned_tables_without_lines():
    """The CID PDF draws no ruling lines: columns come from alignment alone."""
    _, spec = next(item for item in PDFS if item[0] == CID)
    document = pdf.read(CID.read_bytes())
    problems = table_mismatches(document, spec)
    assert [p for p in problems if not p.startswith(keys.REVIEW_LITIGATION)] == []
    assert missing_in_order(document, spec) == []
    heading = "第二十条第（五）项"
    heading_rows = [row for rows in tables_of(document) for row in rows if row[0] == heading]
    assert heading_rows == [[heading, "", "", ""]]  # a heading row of its own, not glued to a label


def test_flattened_table4_stays_one_line_of_numbers():
    document = pdf.read(CID.read_bytes())
    flat = "3 1 2 1 7 2 1 0 1 4 1 0 1 0 2"
    assert flat in paragraphs(document)


def test_running_title_and_page_numbers_are_dropped():
    document = pdf.read(CID.read_bytes())
    texts = [normalize(text) for text in paragraphs(document)]
    assert not [text for text in texts if is_page_number(text)]
    assert normalize(document.title or "") not in texts  # the running title on top of both pages
    assert texts[:2] == ["郑州市二七区统计局", "2023年政府信息公开工作年度报告"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("-1-", True), ("— 3 —", True), ("第3页 共5页", True), ("3/5", True), ("2023", False), ("一、总体情况", False)],
)
def test_page_numbers(text, expected):
    assert is_page_number(text) is expected


def test_encrypted_pdf_needs_its_password():
    with pytest.raises(ExtractionError) as caught:
        extract((DOCUMENTS / "pdf" / "report-2021-encrypted.pdf").read_bytes())
    assert caught.value.reason == "encrypted"


def _cjk_pdf(text: str, encrypt=None) -> bytes:
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, invariant=1, encrypt=encrypt)
    page.setFont("STSong-Light", 12)
    page.drawString(72, 720, text)
    page.showPage()
    page.save()
    return buffer.getvalue()


def test_owner_password_only_pdf_reads():
    """Permissions locked by an owner password, but the user password is empty."""
    data = _cjk_pdf("二、主动公开政府信息情况", StandardEncryption("", ownerPassword="secret", canCopy=0))
    assert b"/Encrypt" in data
    assert [block.text for block in pdf.read(data).blocks] == ["二、主动公开政府信息情况"]


def test_truncated_pdf():
    data = (DOCUMENTS / "pdf" / "report-2021.pdf").read_bytes()
    with pytest.raises(ExtractionError) as caught:
        pdf.read(data[: len(data) // 3])
    assert caught.value.reason == "truncated"


def test_corrupt_pdf():
    with pytest.raises(ExtractionError) as caught:
        pdf.read(b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n")
    assert caught.value.reason == "corrupt"


def test_size_cap():
    with pytest.raises(ExtractionError) as caught:
        pdf.read(CID.read_bytes(), max_bytes=1000)
    assert caught.value.reason == "too_large"


def test_rotated_page_reads_upright():
    source = pdfium.PdfDocument(_cjk_pdf("一、总体情况"))
    source[0].set_rotation(90)
    buffer = io.BytesIO()
    source.save(buffer)
    document = pdf.read(buffer.getvalue())
    assert [block.text for block in document.blocks if isinstance(block, Paragraph)] == ["一、总体情况"]


def _grid_page(number: int, rows: list[list[str]], *, open_top: bool = False, open_bottom: bool = False, width=60):
    """A page holding one ruled table at the top of the body, 10 pt glyphs."""
    left, top, height = 60.0, 100.0, 20.0
    runs = [
        Run(
            char,
            left + c * width + 3 + i * 10,
            top + r * height + 5,
            left + c * width + 13 + i * 10,
            top + r * height + 15,
        )
        for r, row in enumerate(rows)
        for c, text in enumerate(row)
        for i, char in enumerate(text)
    ]
    bottom = top + height * len(rows)
    columns = len(rows[0])
    ys = [top + height * r for r in range(len(rows) + 1)][1 if open_top else 0 : None if not open_bottom else -1]
    rules = [Rule(left, y, left + width * columns, y) for y in ys]
    rules += [Rule(left + width * c, top, left + width * c, bottom) for c in range(columns + 1)]
    return Page(number, 595.0, 842.0, runs, rules)


def _assembled(*pages: Page) -> list[list[list[str]]]:
    return [block.rows for block in stitch.assemble([page_layout.analyse(page) for page in pages])]


def test_heading_row_cut_by_the_break_is_joined():
    upper = _grid_page(1, [["类别", "申请人", "结果"], ["", "社会", "法律"]], open_bottom=True)
    lower = _grid_page(2, [["", "组织", "机构"], ["一、新收", "1", "2"]], open_top=True)
    assert _assembled(upper, lower) == [
        [["类别", "申请人", "结果"], ["", "社会组织", "法律机构"], ["一、新收", "1", "2"]]
    ]


def test_a_row_of_blank_zeros_ending_a_page_is_not_joined_to_the_next_pages_row():
    # The generator found a row whose zeros were left blank, last on its page, joined to
    # the next page's first row: that row's numbers went to the blank row's label
    upper = _grid_page(1, [["", "3.补正后", "5", "5"], ["", "4.要求确认", "", ""]], open_bottom=True)
    lower = _grid_page(2, [["（六）其他", "", "29", "37"]], open_top=True)
    assert _assembled(upper, lower) == [
        [["", "3.补正后", "5", "5"], ["", "4.要求确认", "", ""], ["（六）其他", "", "29", "37"]]
    ]


def test_a_row_of_blank_zeros_ending_a_page_is_not_joined_to_the_next_pages_unlabelled_row():
    # The generator found the next page's first row with its label dropped: no text of
    # its own continues the blank row, so its numbers are not the blank row's
    upper = _grid_page(1, [["", "4.无正当", "5", "5"], ["", "5.要求确认", "", ""]], open_bottom=True)
    lower = _grid_page(2, [["", "", "29", "37"]], open_top=True)
    assert _assembled(upper, lower) == [[["", "4.无正当", "5", "5"], ["", "5.要求确认", "", ""], ["", "", "29", "37"]]]


def test_a_label_cut_by_the_break_is_joined_to_its_numbers():
    upper = _grid_page(1, [["规章", "1", "2"], ["行政规范", "", ""]], open_bottom=True)
    lower = _grid_page(2, [["性文件", "3", "4"]], open_top=True)
    assert _assembled(upper, lower) == [[["规章", "1", "2"], ["行政规范性文件", "3", "4"]]]


def test_repeated_heading_rows_are_dropped():
    upper = _grid_page(1, [["信息内容", "数量"], ["规章", "1"]])
    lower = _grid_page(2, [["信息内容", "数量"], ["规范性文件", "2"]])
    assert _assembled(upper, lower) == [[["信息内容", "数量"], ["规章", "1"], ["规范性文件", "2"]]]


def test_tables_of_different_widths_stay_apart():
    upper = _grid_page(1, [["规章", "1"], ["规范性文件", "2"]])
    lower = _grid_page(2, [["行政复议", "诉讼", "合计"], ["1", "2", "3"]], width=90)
    assert len(_assembled(upper, lower)) == 2


def _text_page(lines: list[str], *, left: float = 72.0, size: float = 12.0) -> Page:
    """Lines of CJK text one under the other, each character a run, from the left margin."""
    runs = [
        Run(char, left + size * i, 100.0 + 1.5 * size * n, left + size * (i + 1), 100.0 + 1.5 * size * n + size)
        for n, text in enumerate(lines)
        for i, char in enumerate(text)
    ]
    return Page(1, 595.0, 842.0, runs)


def test_a_heading_after_a_sentence_that_fills_its_line_starts_a_paragraph():
    # A PDF of the fixture world glued 二、主动公开政府信息情况 to the end of section 一's text,
    # because the sentence before it happened to run to the right margin.
    body = "本年新收政府信息公开申请一百一十四件，上年结转二百五十件，办结三百五十九件"
    lines = [body, "件。因政府信息公开被申请行政复议九件，提起行政诉讼二十九件。", "二、主动公开政府信息情况"]
    lines[1] = lines[1].ljust(len(body), "。")  # as wide as the first: nothing but the heading tells
    parts = page_layout.analyse(_text_page(lines))
    margins = page_layout.text_margins([parts.lines])
    paragraphs = [item.text for item in page_layout.compose(parts, parts.lines, margins)]
    assert paragraphs == ["".join(lines[:2]), "二、主动公开政府信息情况"]


def test_a_title_in_larger_type_is_its_own_paragraph_however_wide():
    # The 更正版 title of a fixture-world PDF ran to the right margin and took the first
    # paragraph of the body with it, so the report had no title, agency or year.
    title, body = "番禺区人民政府办公室2023年政府信息公开工作年度报告（更正版）", "本报告根据条例要求编制。" * 4
    big, small = 16.0, 12.0
    width = big * len(title)
    runs = [Run(char, 72.0 + big * i, 100.0, 72.0 + big * (i + 1), 100.0 + big) for i, char in enumerate(title)]
    step = width / len(body)
    runs += [Run(char, 72.0 + step * i, 124.0, 72.0 + step * (i + 1), 124.0 + small) for i, char in enumerate(body)]
    parts = page_layout.analyse(Page(1, 1200.0, 842.0, runs))
    paragraphs = [item.text for item in page_layout.compose(parts, parts.lines, (72.0, 72.0 + width))]
    assert paragraphs == [title, body]


def test_a_title_cut_inside_a_utf16_character_is_no_title(tmp_path):
    """pypdfium2 decoded it strictly: UnicodeDecodeError, a reader's bug (issue 14)."""
    from fixtures.hostile import build

    (path,) = build(tmp_path, ["pdf-bad-title.pdf"])
    document = pdf.read(path.read_bytes())
    assert (document.title, document.blocks) == (None, [])
