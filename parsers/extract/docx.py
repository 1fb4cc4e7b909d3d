"""DOCX -> Document: the body in order, paragraphs and tables interleaved.

python-docx opens the package; the body is walked on its XML, because the parts we
need are below python-docx's object model: content controls (``w:sdt``) that wrap
paragraphs and tables, text boxes (``w:txbxContent``, whose VML copy in
``mc:Fallback`` is skipped so a box is read once), and the merge structure of cells.

Merged cells (``w:gridSpan`` across, ``w:vMerge`` down) become the Document grid: text
at the top-left, ``""`` where the merge covers. Grid columns that every row merges into
their left neighbour (Word and LibreOffice leave such phantom columns, deps.md gotcha
2) are collapsed.

Nested tables are emitted as their own Table blocks right after the table that holds
them (the outer cell keeps only its own paragraphs), so no table's rows are mixed with
another's. A table of a single cell is a frame around content: its content is read as
body blocks. A text box's paragraphs follow the paragraph that anchors it.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator

import docx
from docx.opc.exceptions import PackageNotFoundError
from lxml import etree

from parsers.document import Block, Document, Paragraph, Table
from parsers.errors import ExtractionError
from parsers.extract.grid import Grid, clean_text
from parsers.extract.limits import ZIP_ERRORS, open_zip

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_P, _TBL, _TR, _TC, _SDT, _SDT_CONTENT, _CUSTOM_XML = (
    f"{_W}{name}" for name in ("p", "tbl", "tr", "tc", "sdt", "sdtContent", "customXml")
)
_T, _TAB, _PTAB, _BR, _CR, _TXBX, _NB_HYPHEN = (
    f"{_W}{name}" for name in ("t", "tab", "ptab", "br", "cr", "txbxContent", "noBreakHyphen")
)
_VAL, _TYPE = f"{_W}val", f"{_W}type"


def read(data: bytes) -> Document:
    return read_docx(data, source_format="docx")


def read_docx(data: bytes, source_format: str) -> Document:
    """The document in DOCX ``data``; ``source_format`` names what it was before conversion."""
    with open_zip(data, scan_xml=True):
        pass  # caps checked before python-docx unpacks anything
    try:
        package = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, *ZIP_ERRORS) as error:
        raise ExtractionError("corrupt", f"not a readable Word document: {error}") from error
    except etree.XMLSyntaxError as error:
        raise ExtractionError("corrupt", f"damaged XML in the Word document: {error}") from error
    blocks = list(body_blocks(package.element.body))
    title = (package.core_properties.title or "").strip()
    return Document(blocks=blocks, source_format=source_format, title=title if "报告" in title else None)


def body_blocks(children: Iterable[etree._Element]) -> Iterator[Block]:
    """Blocks of body-level elements (a body, a cell, a text box, a content control)."""
    for child in children:
        if child.tag == _P:
            yield from _paragraph_blocks(child)
        elif child.tag == _TBL:
            yield from _table_blocks(child)
        elif child.tag == _SDT:
            content = child.find(_SDT_CONTENT)
            if content is not None:
                yield from body_blocks(content)
        elif child.tag == _CUSTOM_XML:
            yield from body_blocks(child)


def _paragraph_blocks(paragraph: etree._Element) -> Iterator[Block]:
    parts: list[str] = []
    boxes: list[etree._Element] = []
    _collect_runs(paragraph, parts, boxes)
    for line in "".join(parts).split("\n"):
        text = clean_text(line)
        if text:
            yield Paragraph(text)
    for box in boxes:
        yield from body_blocks(box)


def _collect_runs(element: etree._Element, parts: list[str], boxes: list[etree._Element]) -> None:
    for child in element:
        tag = child.tag
        if tag == _T:
            parts.append(child.text or "")
        elif tag in (_TAB, _PTAB):
            parts.append(" ")
        elif tag in (_BR, _CR):
            if child.get(_TYPE) != "page":
                parts.append("\n")
        elif tag == _NB_HYPHEN:
            parts.append("-")
        elif tag == _TXBX:
            boxes.append(child)
        elif tag != _MC_FALLBACK:  # the VML copy of a text box already read from mc:Choice
            _collect_runs(child, parts, boxes)


def _table_blocks(table: etree._Element) -> Iterator[Block]:
    rows = table.findall(_TR)
    cells = [tc for tr in rows for tc in tr.findall(_TC)]
    if len(cells) == 1:
        yield from body_blocks(cells[0])
        return
    grid = Grid()
    nested: list[etree._Element] = []
    for r, tr in enumerate(rows):
        column = _grid_before(tr)
        for tc in tr.findall(_TC):
            span = _grid_span(tc)
            above = grid.owner(r - 1, column) if r else None
            if _continues_merge(tc) and above is not None:
                grid.extend(above, r, column, span)
            else:
                grid.place(r, column, _cell_text(tc, nested), 1, span)
            column += span
    yield Table(grid.rows(_grid_widths(table)))
    for inner in nested:
        yield from _table_blocks(inner)


def _cell_text(tc: etree._Element, nested: list[etree._Element]) -> str:
    nested.extend(tc.findall(_TBL))
    lines: list[str] = []
    for block in body_blocks(child for child in tc if child.tag != _TBL):
        if isinstance(block, Paragraph):
            lines.append(block.text)
        else:  # a table in a text box in the cell: its text stays in the cell
            lines.extend(" ".join(cell for cell in row if cell) for row in block.rows)
    return clean_text("\n".join(lines))


def _grid_widths(table: etree._Element) -> list[int]:
    return [_int(column.get(f"{_W}w")) for column in table.findall(f"{_W}tblGrid/{_W}gridCol")]


def _grid_before(tr: etree._Element) -> int:
    value = tr.find(f"{_W}trPr/{_W}gridBefore")
    return _int(value.get(_VAL) if value is not None else None)


def _grid_span(tc: etree._Element) -> int:
    value = tc.find(f"{_W}tcPr/{_W}gridSpan")
    return max(_int(value.get(_VAL) if value is not None else None, default=1), 1)


def _continues_merge(tc: etree._Element) -> bool:
    merge = tc.find(f"{_W}tcPr/{_W}vMerge")
    return merge is not None and merge.get(_VAL, "continue") == "continue"


def _int(value: str | None, default: int = 0) -> int:
    try:
        return min(int(value), 1000) if value is not None else default
    except ValueError:
        return default
