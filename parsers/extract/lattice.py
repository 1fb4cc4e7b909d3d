"""Tables from ruling lines: cells bounded by the lines, runs placed by their centres.

The cell finding is pdfplumber's (``merge_edges`` → ``edges_to_intersections`` →
``intersections_to_cells`` → ``cells_to_tables``, pure functions on edge dicts), fed
with the ruling lines of any format: PDF paths read through pdfium, OFD PathObjects,
lines found in a scan. pdfplumber's own page analysis is not run: it costs ~50 ms a
page, ten times what the whole PDF read costs otherwise.

Each table becomes the Document grid: a merged cell's text at its top-left slot, ``""``
in the slots it covers. Column and row boundaries come from every cell of the table;
a boundary where no cell starts (a line drawn in the header only, a sliver between
nearly equal lines) is no column and is dropped.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Any

from pdfplumber.table import cells_to_tables, edges_to_intersections, merge_edges

from parsers.document import Unsure
from parsers.extract.positioned import SURE, Run, group_lines, join_lines

Box = tuple[float, float, float, float]  # x0, top, x1, bottom
Point = tuple[float, float]
Edge = dict[str, Any]  # pdfplumber's edge objects: x0, x1, top, bottom, orientation


@dataclass(slots=True)
class GridTable:
    """A table on one page before it becomes a :class:`~parsers.document.Table`.

    ``ids[r][c]`` names the cell that owns a slot (-1: none), which tells a cell's own
    slot from one a span covers, both ``""``; ``lefts`` are the columns' left edges,
    which line up the parts of a table that runs over a page break.
    """

    rows: list[list[str]]
    ids: list[list[int]]
    lefts: list[float]
    box: Box

    def is_origin(self, row: int, column: int) -> bool:
        cell = self.ids[row][column]
        above = row > 0 and self.ids[row - 1][column] == cell
        left = column > 0 and self.ids[row][column - 1] == cell
        return cell >= 0 and not above and not left


def find_tables(rules: list[tuple[float, float, float, float]], tolerance: float) -> list[list[Box]]:
    """Cell boxes of each table the ruling lines draw, in reading order."""
    edges = [_edge(*rule) for rule in rules]
    edges += _closing_edges([edge for edge in edges if edge["orientation"] == "v"], tolerance)
    edges = merge_edges(edges, tolerance, tolerance, tolerance, tolerance)
    edges = [edge for edge in edges if _length(edge) >= tolerance]
    cells = _intersections_to_cells(edges_to_intersections(edges, tolerance, tolerance))
    tables = [table for table in cells_to_tables(cells) if len(table) > 1]
    return sorted(tables, key=lambda cells: (min(c[1] for c in cells), min(c[0] for c in cells)))


def _intersections_to_cells(intersections: dict[Point, dict[str, list[Edge]]]) -> list[Box]:
    """pdfplumber's ``intersections_to_cells`` with indexes instead of scans.

    Same rule: from each crossing, the nearest crossing below and the nearest to the
    right that share a line with it, whose far corner is a crossing joined to both,
    close the smallest cell. pdfplumber rescans every later crossing and rebuilds edge
    sets on each test, ~4 ms for a 170-crossing table; this takes a tenth of that.
    """
    edges_at = {
        point: ({id(e) for e in found["v"]}, {id(e) for e in found["h"]}) for point, found in intersections.items()
    }
    below: dict[float, list[float]] = {}
    right: dict[float, list[float]] = {}
    for x, y in sorted(edges_at):
        below.setdefault(x, []).append(y)
        right.setdefault(y, []).append(x)
    cells = []
    for (x, y), (vertical, horizontal) in sorted(edges_at.items()):
        cell = _smallest_cell(x, y, vertical, horizontal, below, right, edges_at)
        if cell is not None:
            cells.append(cell)
    return cells


def _smallest_cell(
    x: float,
    y: float,
    vertical: set[int],
    horizontal: set[int],
    below: dict[float, list[float]],
    right: dict[float, list[float]],
    edges_at: dict[Point, tuple[set[int], set[int]]],
) -> Box | None:
    downs = [y2 for y2 in below[x] if y2 > y and edges_at[(x, y2)][0] & vertical]
    acrosses = [x2 for x2 in right[y] if x2 > x and edges_at[(x2, y)][1] & horizontal]
    for y2 in downs:
        for x2 in acrosses:
            corner = edges_at.get((x2, y2))
            if corner and corner[0] & edges_at[(x2, y)][0] and corner[1] & edges_at[(x, y2)][1]:
                return (x, y, x2, y2)
    return None


def _closing_edges(verticals: list[Edge], tolerance: float) -> list[Edge]:
    """Horizontal edges where two or more vertical lines end together.

    WPS and Word draw no border where a table breaks across pages: the page's part
    ends (or starts) in open vertical lines, and its last row would be lost.
    Where a border is drawn, the added edge merges into it.
    """
    added: list[Edge] = []
    for end in ("top", "bottom"):
        group: list[Edge] = []
        for edge in sorted(verticals, key=lambda edge: edge[end]):
            if group and edge[end] - group[0][end] > tolerance:
                added += _span(group, end)
                group = []
            group.append(edge)
        added += _span(group, end)
    return added


def _span(group: list[Edge], end: str) -> list[Edge]:
    if len(group) < 2:
        return []
    y = group[0][end]
    return [_edge(min(e["x0"] for e in group), y, max(e["x0"] for e in group), y)]


def _edge(x0: float, top: float, x1: float, bottom: float) -> Edge:
    if x1 - x0 >= bottom - top:
        middle = (top + bottom) / 2
        return {"x0": x0, "x1": x1, "top": middle, "bottom": middle, "width": x1 - x0, "orientation": "h"}
    middle = (x0 + x1) / 2
    return {"x0": middle, "x1": middle, "top": top, "bottom": bottom, "height": bottom - top, "orientation": "v"}


def _length(edge: Edge) -> float:
    length: float = edge["x1"] - edge["x0"] if edge["orientation"] == "h" else edge["bottom"] - edge["top"]
    return length


def fill(cells: list[Box], runs: list[Run], tolerance: float) -> tuple[GridTable, list[Run]]:
    """The grid of ``cells`` with each run in the cell holding its centre; the runs that
    fall in no cell come back for the paragraphs."""
    # Smallest first: where a cell holds a nested table, the nested cells own their slots
    # and their text, and the holding cell keeps only what lies outside them.
    cells = sorted(cells, key=lambda c: (c[2] - c[0]) * (c[3] - c[1]))
    xs = _boundaries([c[0] for c in cells] + [c[2] for c in cells], tolerance)
    ys = _boundaries([c[1] for c in cells] + [c[3] for c in cells], tolerance)
    placed = [_slots(cell, xs, ys) for cell in cells]
    owner: dict[tuple[int, int], int] = {}
    for index, (r0, c0, r1, c1) in enumerate(placed):
        for r in range(r0, r1):
            for c in range(c0, c1):
                owner.setdefault((r, c), index)
    contents: list[list[Run]] = [[] for _ in cells]
    stray = []
    for run in runs:
        cell = _cell_at(run.cx, run.cy, xs, ys, owner)
        if cell is None:
            stray.append(run)
        else:
            contents[cell].append(run)
    texts = [cell_text(content) for content in contents]
    return _grid(placed, texts, xs, cells), stray


def cell_text(runs: list[Run]) -> str:
    """A cell's lines joined; wrapped CJK lines meet with no space (gotcha 3). Text
    read with less confidence than ``SURE`` (OCR) is :class:`Unsure`."""
    text = join_lines([line.text for line in group_lines(runs)])
    confidence = min((run.confidence for run in runs), default=1.0)
    return Unsure(text, confidence) if confidence < SURE else text


def _boundaries(values: list[float], tolerance: float) -> list[float]:
    out: list[float] = []
    for value in sorted(values):
        if not out or value - out[-1] > tolerance:
            out.append(value)
    return out


def _index(value: float, bounds: list[float]) -> int:
    at = bisect.bisect_left(bounds, value)
    if at == len(bounds) or (at > 0 and value - bounds[at - 1] < bounds[at] - value):
        at -= 1
    return at


def _slots(cell: Box, xs: list[float], ys: list[float]) -> tuple[int, int, int, int]:
    c0, c1 = _index(cell[0], xs), _index(cell[2], xs)
    r0, r1 = _index(cell[1], ys), _index(cell[3], ys)
    return r0, c0, max(r1, r0 + 1), max(c1, c0 + 1)


def _cell_at(x: float, y: float, xs: list[float], ys: list[float], owner: dict[tuple[int, int], int]) -> int | None:
    column = bisect.bisect_right(xs, x) - 1
    row = bisect.bisect_right(ys, y) - 1
    if column < 0 or row < 0:
        return None
    return owner.get((row, column))


def _grid(placed: list[tuple[int, int, int, int]], texts: list[str], xs: list[float], cells: list[Box]) -> GridTable:
    kept_rows = sorted({r0 for r0, _, _, _ in placed})
    kept_columns = sorted({c0 for _, c0, _, _ in placed})
    row_at = {r: i for i, r in enumerate(kept_rows)}
    column_at = {c: i for i, c in enumerate(kept_columns)}
    rows = [[""] * len(kept_columns) for _ in kept_rows]
    ids = [[-1] * len(kept_columns) for _ in kept_rows]
    for cell, ((r0, c0, r1, c1), text) in enumerate(zip(placed, texts, strict=True)):
        r, c = row_at[r0], column_at[c0]
        rows[r][c] = join_lines([rows[r][c], text])  # two cells on one slot: lines closer than the tolerance
        for row in range(r, _last(kept_rows, r1)):
            for column in range(c, _last(kept_columns, c1)):
                if ids[row][column] < 0:
                    ids[row][column] = cell
    box = (min(c[0] for c in cells), min(c[1] for c in cells), max(c[2] for c in cells), max(c[3] for c in cells))
    return GridTable(rows, ids, [xs[c] for c in kept_columns], box)


def _last(kept: list[int], end: int) -> int:
    """How many kept boundaries lie before ``end``: the exclusive end index of a span."""
    return bisect.bisect_left(kept, end)
