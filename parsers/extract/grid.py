"""Merged cells -> the Document grid: text at the top-left, ``""`` where a span covers.

HTML tables give row and column spans and leave covered slots out, so cells flow into
the next free slot (:func:`from_spans`); Word and spreadsheets give explicit positions
(:class:`Grid` directly). Either way every slot remembers which cell owns it, which is
what tells a phantom column (one that every row merges into its left neighbour, as
Word and LibreOffice grids sometimes hold, deps.md gotcha 2) from a column of blanks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_CJK = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f"
_CJK_NEWLINE = re.compile(rf"(?<=[{_CJK}])[ \t\r\f]*\n\s*(?=[{_CJK}])")
_SPACES = re.compile(r"[ \t\r\n\f\xa0]+")

# HTML caps colspan at 1000 (WHATWG); a larger value is an attack on memory, not a table.
MAX_COLSPAN = 1000


class Grid:
    def __init__(self) -> None:
        self._owner: dict[tuple[int, int], int] = {}
        self._text: dict[int, str] = {}
        self._origin: dict[int, tuple[int, int]] = {}

    def is_free(self, row: int, column: int) -> bool:
        return (row, column) not in self._owner

    def owner(self, row: int, column: int) -> int | None:
        return self._owner.get((row, column))

    def place(self, row: int, column: int, text: str, rowspan: int = 1, colspan: int = 1) -> int:
        """A new cell at (row, column) covering the slots of its spans; returns its id."""
        cell = len(self._text)
        self._text[cell] = text
        self._origin[cell] = (row, column)
        for r in range(row, row + rowspan):
            for c in range(column, column + colspan):
                self._owner.setdefault((r, c), cell)
        return cell

    def extend(self, cell: int, row: int, column: int, colspan: int = 1) -> None:
        """Let ``cell`` cover more slots (a Word vMerge continuation)."""
        for c in range(column, column + colspan):
            self._owner.setdefault((row, c), cell)

    def rows(self, widths: list[int] | None = None) -> list[list[str]]:
        """The grid as rows of text; ``widths`` (Word's ``w:tblGrid``) help find phantom columns."""
        if not self._owner:
            return []
        height = max(r for r, _ in self._owner) + 1
        columns = self._kept_columns(height, widths)
        table = []
        for r in range(height):
            shown: set[int] = set()
            row = []
            for c in columns:
                cell = self._owner.get((r, c))
                # A cell's text stands in the first kept slot of its first row.
                if cell is None:
                    row.append("")
                    continue
                first = cell not in shown and self._origin[cell][0] == r
                row.append(self._text[cell] if first else "")
                shown.add(cell)
            table.append(row)
        return table

    def _kept_columns(self, height: int, widths: list[int] | None) -> list[int]:
        """Columns without the phantom ones, decided left to right.

        A column is phantom when every row's slot there belongs to the cell of the kept
        column on its left in every row, or to the cell of the column on its right in
        every row: dropping it splits nothing. A column that joins the left cell in some
        rows and the right cell in others (LibreOffice's 1-twip column) is dropped only
        when the widths say it is a sliver, since either neighbour could otherwise be the
        one to lose.
        """
        width = max(c for _, c in self._owner) + 1
        sliver = _sliver_width(widths)
        kept: list[int] = []
        for column in range(width):
            left = [bool(kept) and self._same(r, column, kept[-1]) for r in range(height)]
            right = [self._same(r, column, column + 1) for r in range(height)]
            thin = widths is not None and column < len(widths) and widths[column] <= sliver
            lossless = all(a or b for a, b in zip(left, right, strict=True))
            if not (all(left) or all(right) or (thin and lossless)):
                kept.append(column)
        return kept

    def _same(self, row: int, column: int, other: int) -> bool:
        here = self._owner.get((row, column))
        return here is not None and here == self._owner.get((row, other))


def _sliver_width(widths: list[int] | None) -> float:
    positive = sorted(width for width in widths or [] if width > 0)
    return positive[len(positive) // 2] / 8 if positive else -1


def from_spans(rows: Iterable[Iterable[tuple[str, int, int]]]) -> list[list[str]]:
    """The grid of HTML-style rows of ``(text, rowspan, colspan)`` cells."""
    all_rows = [list(cells) for cells in rows]
    grid = Grid()
    for r, cells in enumerate(all_rows):
        column = 0
        for text, rowspan, colspan in cells:
            while not grid.is_free(r, column):
                column += 1
            # A rowspan past the last row would only add rows of covered slots.
            height = min(max(rowspan, 1), len(all_rows) - r)
            width = min(max(colspan, 1), MAX_COLSPAN)
            grid.place(r, column, text, height, width)
            column += width
    return grid.rows()


def parse_span(value: str | None, default: int = 1) -> int:
    """A span attribute as browsers read it: leading digits, else the default."""
    digits = ""
    for char in (value or "").strip():
        if not char.isdigit():
            break
        digits += char
    return int(digits) if digits and int(digits) > 0 else default


def clean_text(raw: str) -> str:
    """Line breaks between CJK characters vanish (商业<br>企业 is 商业企业, and a source
    line break inside a Chinese sentence is no space); other white space becomes one space."""
    return _SPACES.sub(" ", _CJK_NEWLINE.sub("", raw)).strip(" \u3000")
