"""A minimal HTML report reader for the world's tests: content paragraphs and tables with
their spans resolved, in the neutral ``Document`` the report parser reads.

Not the project's HTML extractor (that belongs to ``parsers.extract``): just enough to
check that every page the world serves parses back to its ground truth.
"""

from __future__ import annotations

import lxml.html

from parsers.document import Document, Paragraph, Table

CONTENT_SELECTORS = ("#zoom", ".v_news_content", ".article-content")


def html_document(data: bytes, encoding: str = "utf-8") -> Document:
    tree = lxml.html.fromstring(data.decode(encoding))
    container = next(
        (found[0] for selector in CONTENT_SELECTORS if (found := tree.cssselect(selector))),
        tree.body,
    )
    blocks: list[Paragraph | Table] = []
    for element in container.iter("p", "table"):
        if element.tag == "table":
            blocks.append(Table(_grid(element)))
        elif not _inside_table(element, container):
            blocks.append(Paragraph(element.text_content().strip()))
    return Document(blocks=blocks, source_format="html")


def _inside_table(element, container) -> bool:
    for ancestor in element.iterancestors():
        if ancestor is container:
            return False
        if ancestor.tag == "table":
            return True
    return False


def _grid(table) -> list[list[str]]:
    rows: list[list[str]] = []
    taken: set[tuple[int, int]] = set()
    for row_index, row in enumerate(table.iter("tr")):
        column = 0
        for cell in row.iter("td", "th"):
            while (row_index, column) in taken:
                column += 1
            rowspan, colspan = int(cell.get("rowspan", 1)), int(cell.get("colspan", 1))
            text = " ".join(cell.text_content().split())
            for down in range(rowspan):
                for across in range(colspan):
                    taken.add((row_index + down, column + across))
                    _put(rows, row_index + down, column + across, text if down == across == 0 else "")
            column += colspan
    return rows


def _put(rows: list[list[str]], row: int, column: int, text: str) -> None:
    while len(rows) <= row:
        rows.append([])
    rows[row].extend([""] * (column + 1 - len(rows[row])))
    rows[row][column] = text
