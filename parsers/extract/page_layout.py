"""One page of positioned text -> its tables and its lines, then paragraphs.

The order of work on a page:

1. Tables from ruling lines (:mod:`lattice`). A "table" of one column is a frame
   around text (WPS boxes whole paragraphs), so its text stays body text.
2. The runs in no table are grouped into lines; lines in the top and bottom margins are
   set aside for :mod:`stitch` to judge against the other pages (page numbers and
   running titles are dropped there).
3. Text-aligned tables among the remaining lines (:mod:`aligned`), looked for between
   the ruled tables only, never across one.
4. The other lines become paragraphs: a paragraph ends at a line that stops short of
   the right margin, before an indented line, at a wide vertical gap, or where a
   sentence ends and the next line opens with a heading number (二、, （三）), or where
   the type size changes (a title above the body).
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from itertools import pairwise

from parsers.extract import aligned, lattice
from parsers.extract.lattice import GridTable
from parsers.extract.positioned import Line, Page, group_lines, join_lines

_MARGIN_BAND = 0.09  # of the page height: where running heads and page numbers stand
_SNAP_POINTS = 3.0  # pdfplumber's default snap and join tolerance, in points
_TYPE_SIZE_CHANGE = 0.15  # of the larger line's height: a different type size, not jitter
_SENTENCE_END = re.compile(r"[。！？；：:]$")
_HEADING_NUMBER = re.compile(r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)])")


@dataclass(slots=True)
class Para:
    lines: list[Line]
    page: int
    open_start: bool = False  # the first line starts at the left margin (may continue a paragraph)
    open_end: bool = False  # the last line runs to the right margin (may go on over the page)

    @property
    def top(self) -> float:
        return self.lines[0].top

    @property
    def text(self) -> str:
        return join_lines([line.text for line in self.lines])


Item = Para | GridTable


@dataclass(slots=True)
class PageParts:
    """A page after table finding: tables and body lines in place, margin lines apart."""

    number: int
    tables: list[GridTable]
    lines: list[Line]
    margin_lines: list[Line]
    width: float
    height: float
    unit: float = 1.0


def analyse(page: Page) -> PageParts:
    tolerance = _SNAP_POINTS * page.unit
    runs = page.runs
    tables: list[GridTable] = []
    rules = [(r.x0, r.top, r.x1, r.bottom) for r in page.rules]
    found = lattice.find_tables(rules, tolerance) if rules else []
    # smallest first: a table nested in another's cell takes its own text
    for cells in sorted(found, key=_area):
        if len({round(c[0] / tolerance) for c in cells}) < 2:
            continue  # one column: a frame, not a table
        table, rest = lattice.fill(cells, runs, tolerance)
        if any(cell for row in table.rows for cell in row):
            tables.append(table)
            runs = rest
    tables.sort(key=lambda table: (table.box[1], table.box[0]))
    body, margins = _split_margins(group_lines(runs), page.height)
    return PageParts(page.number, tables, body, margins, page.width, page.height, page.unit)


def _area(cells: list[lattice.Box]) -> float:
    return (max(c[2] for c in cells) - min(c[0] for c in cells)) * (max(c[3] for c in cells) - min(c[1] for c in cells))


def _split_margins(lines: list[Line], height: float) -> tuple[list[Line], list[Line]]:
    body: list[Line] = []
    margins: list[Line] = []
    for line in lines:
        middle = (line.top + line.bottom) / 2
        in_band = middle < _MARGIN_BAND * height or middle > (1 - _MARGIN_BAND) * height
        (margins if in_band else body).append(line)
    return body, margins


def compose(parts: PageParts, lines: list[Line], margins: tuple[float, float]) -> list[Item]:
    """The page's tables and paragraphs top to bottom; ``lines`` are its body lines
    (margin lines that are not furniture put back), ``margins`` the text's left and
    right edges across the document."""
    items: list[Item] = list(parts.tables)
    for chunk in _between_tables(lines, parts.tables):
        at = 0
        for start, end, table in aligned.find_tables(chunk):
            items += _paragraphs(chunk[at:start], parts.number, margins)
            items.append(table)
            at = end
        items += _paragraphs(chunk[at:], parts.number, margins)
    return sorted(items, key=_top)


def _top(item: Item) -> float:
    return item.top if isinstance(item, Para) else item.box[1]


def _between_tables(lines: list[Line], tables: list[GridTable]) -> list[list[Line]]:
    cuts = sorted(table.box[1] for table in tables)
    chunks: list[list[Line]] = [[] for _ in range(len(cuts) + 1)]
    for line in sorted(lines, key=lambda line: line.top):
        chunks[sum(1 for cut in cuts if line.top >= cut)].append(line)
    return [chunk for chunk in chunks if chunk]


def _paragraphs(lines: list[Line], page: int, margins: tuple[float, float]) -> list[Para]:
    left, right = margins
    paragraphs: list[Para] = []
    gaps = [b.top - a.bottom for a, b in pairwise(lines)]
    usual_gap = statistics.median(gaps) if gaps else 0.0
    for index, line in enumerate(lines):
        em = line.height
        indented = line.x0 > left + 0.8 * em
        full = line.x1 >= right - 1.5 * em
        if index == 0 or _breaks(lines[index - 1], line, indented, usual_gap, right):
            paragraphs.append(Para([line], page, open_start=not indented))
        else:
            paragraphs[-1].lines.append(line)
        paragraphs[-1].open_end = full
    return paragraphs


def _breaks(previous: Line, line: Line, indented: bool, usual_gap: float, right: float) -> bool:
    em = max(previous.height, line.height)
    short = previous.x1 < right - 1.5 * em
    gap = line.top - previous.bottom
    # A sentence that happens to fill its last line is still over when a numbered heading follows;
    # a title in a larger type is over when the body text starts, however wide it runs.
    heading = bool(_SENTENCE_END.search(previous.text) and _HEADING_NUMBER.match(line.text))
    resized = abs(line.height - previous.height) > _TYPE_SIZE_CHANGE * em
    return short or indented or heading or resized or gap > max(usual_gap * 1.8, em)


def text_margins(pages: list[list[Line]]) -> tuple[float, float]:
    """The left and right edges of the body text: the 10th percentile of line starts and
    the 90th of line ends, so a stray line in the margin does not move them."""
    starts = sorted(line.x0 for lines in pages for line in lines)
    ends = sorted(line.x1 for lines in pages for line in lines)
    if not starts:
        return 0.0, 0.0
    return starts[len(starts) // 10], ends[(len(ends) * 9) // 10]
