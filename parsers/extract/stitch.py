"""Pages -> one block list: page furniture dropped, tables and paragraphs that run over
a page break joined.

Furniture is told apart from text by where it stands (the top and bottom margin bands)
and by what it is: a page number (``-3-``, ``— 3 —``, ``第3页 共5页``, ``3/5``), or a
line that recurs in the margins of most pages (a running title). Such lines never
reach a table or a paragraph.

A table whose last part ends a page and whose next part starts the next page is one
table (deps.md gotcha 1) when their columns line up. The next part's repeated header
rows are dropped, and a row that the break cut in two (its label on one page, the rest
on the other, or the label's last characters alone) is joined back into one row. A
vertically merged cell cut by the break keeps its text at its first row.
"""

from __future__ import annotations

import re
from collections import Counter

from parsers.cells import is_value_text, normalize
from parsers.document import Block, Paragraph, Table
from parsers.extract.lattice import GridTable
from parsers.extract.page_layout import Item, PageParts, Para, compose, text_margins
from parsers.extract.positioned import join_lines
from parsers.tables import is_numbered

_DASHES = "-—–−_~·•.．\u2014\u2015\u2500 "
_PAGE_NUMBER = re.compile(r"第\d{1,3}页(共\d{1,3}页)?|第?\d{1,3}页?([/／]|共)\d{1,3}页?|\d{1,3}|[ivxlcIVXLC]{1,6}")
_CONTINUED = re.compile(r"[（(]?续表?[)）]?|续上表")
_COLUMN_TOLERANCE = 0.02  # of the page width: the same table edge on two pages
_SNAP_POINTS = 3.0  # column edges closer than this are one edge


def is_page_number(text: str) -> bool:
    compact = normalize(text).strip(_DASHES)
    return bool(compact) and bool(_PAGE_NUMBER.fullmatch(compact))


def _shape(text: str) -> str:
    return re.sub(r"\d+", "#", normalize(text))


def furniture(parts: list[PageParts]) -> set[int]:
    """ids of the margin lines that are page furniture."""
    seen = Counter(shape for page in parts for shape in {_shape(line.text) for line in page.margin_lines})
    recurring = {shape for shape, count in seen.items() if count >= 2 and count * 2 >= len(parts)}
    return {
        id(line)
        for page in parts
        for line in page.margin_lines
        if is_page_number(line.text) or _shape(line.text) in recurring
    }


def assemble(parts: list[PageParts]) -> list[Block]:
    dropped = furniture(parts)
    bodies = [[*page.lines, *(line for line in page.margin_lines if id(line) not in dropped)] for page in parts]
    margins = text_margins([page.lines for page in parts])
    items: list[tuple[int, Item]] = []
    for page, lines in zip(parts, bodies, strict=True):
        page_items = [item for item in compose(page, lines, margins) if not _is_continued_mark(item)]
        if items and page_items:
            page_items = _join_break(items, page_items, page)
        items += [(page.number, item) for item in page_items]
    return [_block(number, item) for number, item in items]


def _is_continued_mark(item: Item) -> bool:
    return isinstance(item, Para) and bool(_CONTINUED.fullmatch(normalize(item.text)))


def _join_break(items: list[tuple[int, Item]], page_items: list[Item], page: PageParts) -> list[Item]:
    """Join the first item of a page to the last of the page before where it continues it."""
    _, last = items[-1]
    first = page_items[0]
    if isinstance(last, GridTable) and isinstance(first, GridTable):
        if _same_width(last, first, page.width * _COLUMN_TOLERANCE):
            _append(last, first, page.unit * _SNAP_POINTS)
            return page_items[1:]
        return page_items
    if isinstance(last, Para) and isinstance(first, Para) and last.open_end and first.open_start:
        last.lines.extend(first.lines)
        last.open_end = first.open_end
        return page_items[1:]
    return page_items


def _same_width(upper: GridTable, lower: GridTable, tolerance: float) -> bool:
    """Two parts of one table share their left and right edges."""
    return abs(upper.box[0] - lower.box[0]) <= tolerance and abs(upper.box[2] - lower.box[2]) <= tolerance


def _union(a: list[float], b: list[float], tolerance: float) -> list[float]:
    lefts: list[float] = []
    for left in sorted([*a, *b]):
        if not lefts or left - lefts[-1] > tolerance:
            lefts.append(left)
    return lefts


def _widen(table: GridTable, lefts: list[float]) -> GridTable:
    """The table on more columns: a column split by a boundary of the other part gives
    its new slots to the cell on its left (as a span would)."""
    starts = [min(range(len(lefts)), key=lambda i: abs(lefts[i] - left)) for left in table.lefts]
    rows, ids = [], []
    for row, row_ids in zip(table.rows, table.ids, strict=True):
        cells, owners = [""] * len(lefts), [-1] * len(lefts)
        for column, start in enumerate(starts):
            end = starts[column + 1] if column + 1 < len(starts) else len(lefts)
            cells[start] = join_lines([cells[start], row[column]])
            for slot in range(start, max(end, start + 1)):
                owners[slot] = row_ids[column]
        rows.append(cells)
        ids.append(owners)
    return GridTable(rows, ids, lefts, table.box)


def _append(upper: GridTable, lower: GridTable, tolerance: float) -> None:
    lefts = _union(upper.lefts, lower.lefts, tolerance)
    if lefts != upper.lefts:
        widened = _widen(upper, lefts)
        upper.rows, upper.ids, upper.lefts = widened.rows, widened.ids, lefts
    lower = _widen(lower, lefts)
    base = 1 + max((cell for row in upper.ids for cell in row), default=0)
    lower.ids = [[cell + base if cell >= 0 else -1 for cell in row] for row in lower.ids]
    skip = _repeated_header(upper, lower)
    lower = GridTable(lower.rows[skip:], lower.ids[skip:], lefts, lower.box)
    if lower.rows:
        _rejoin_cut_row(upper, lower)
    upper.rows.extend(lower.rows)
    upper.ids.extend(lower.ids)
    upper.box = (upper.box[0], upper.box[1], upper.box[2], lower.box[3])


def _repeated_header(upper: GridTable, lower: GridTable) -> int:
    count = 0
    while count < min(len(upper.rows), len(lower.rows) - 1):
        a, b = upper.rows[count], lower.rows[count]
        if not any(a) or [normalize(cell) for cell in a] != [normalize(cell) for cell in b]:
            break
        count += 1
    return count


def _numeric_columns(table: GridTable, more: GridTable) -> set[int]:
    """Columns where some row of either part holds a number."""
    columns = set()
    for row in [*table.rows, *more.rows]:
        columns |= {c for c, cell in enumerate(row) if _is_number(cell)}
    return columns


def _is_number(text: str) -> bool:
    return bool(text) and any(ch.isdigit() for ch in text) and is_value_text(text)


def _fragment(table: GridTable, row: int, numeric: set[int]) -> bool:
    """A row with text only outside the numeric columns, whose numeric slots are its
    own empty cells (not covered by a title cell spanning the row)."""
    cells = table.rows[row]
    own_blanks = all(not cells[c] and table.is_origin(row, c) for c in numeric)
    return own_blanks and any(cells[c] for c in range(len(cells)) if c not in numeric)


def _header_tail(last: list[str], first: list[str], numeric: set[int]) -> bool:
    """A heading row cut in two (社会公益 / 组织): no numbers on either side, and the
    lower piece has text only under text of the upper one."""
    if _has_numbers(last, numeric) or _has_numbers(first, numeric) or not any(first):
        return False
    return all(last[column] for column, text in enumerate(first) if text)


def _has_numbers(cells: list[str], numeric: set[int]) -> bool:
    return any(_is_number(cells[c]) for c in numeric)


def _continues(last: list[str], first: list[str], numeric: set[int]) -> bool:
    """The lower row's text goes on with the upper row's cells: it has text outside the
    numeric columns, standing only under text of the upper row, and none of it opens
    with an item's numbering. A row whose value cells are all blank (zeros left blank)
    is two rows with the next page's first row when that row has its own label, or no
    label at all (one a converter dropped): a cell cut by the break flows its lines
    down, so a cut row's numbers reach the lower page only beside its label's last line."""
    labels = [column for column, text in enumerate(first) if text and column not in numeric]
    return bool(labels) and all(last[column] and not is_numbered(first[column]) for column in labels)


def _rejoin_cut_row(upper: GridTable, lower: GridTable) -> None:
    numeric = _numeric_columns(upper, lower)
    last, first = upper.rows[-1], lower.rows[0]
    cut = (
        numeric
        and _continues(last, first, numeric)
        and (
            (_fragment(lower, 0, numeric) and _has_numbers(last, numeric))
            or (_fragment(upper, len(upper.rows) - 1, numeric) and _has_numbers(first, numeric))
        )
    )
    if cut or _header_tail(last, first, numeric):
        upper.rows[-1] = [join_lines([a, b]) for a, b in zip(last, first, strict=True)]
        del lower.rows[0]
        del lower.ids[0]


def _block(page: int, item: Item) -> Block:
    if isinstance(item, Para):
        return Paragraph(item.text, page)
    return Table([list(row) for row in item.rows], page)
