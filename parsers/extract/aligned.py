"""Tables from text alignment, where no ruling lines are drawn (or a scan shows none).

A line is cut into segments at gaps wider than its characters; lines with numbers in
their later segments are table rows, and a run of such lines is a table. Columns are
the bands that the segments of the numeric rows occupy (numbers of one column overlap
whether right-aligned or centred); every segment goes to the band it overlaps most.

A line with a label alone is one of three things: the label of the next row, when that
row has none (numbers centred beside a label of several lines); the end of the label
above, when that label ran to the right end of its column (it wrapped); else a heading
row of its own (第二十条第（五）项 between two blocks of the 主动公开 table).
"""

from __future__ import annotations

from dataclasses import dataclass

from parsers.cells import is_value_text
from parsers.extract.lattice import GridTable
from parsers.extract.positioned import Line, Run, join_lines, join_runs

_GAP = 1.2  # a gap wider than this many character heights parts two cells
_MIN_VALUES_ALONE = 4  # a single numeric line is a table only with this many numbers


@dataclass(slots=True)
class Segment:
    runs: list[Run]
    x0: float
    x1: float

    @property
    def text(self) -> str:
        return join_runs(self.runs)


def segments(line: Line) -> list[Segment]:
    gap = _GAP * line.height
    out: list[Segment] = []
    for run in line.runs:
        if out and run.x0 - out[-1].x1 <= gap:
            out[-1].runs.append(run)
            out[-1].x1 = max(out[-1].x1, run.x1)
        else:
            out.append(Segment([run], run.x0, run.x1))
    return out


def _values(parts: list[Segment]) -> int:
    return sum(1 for part in parts[1:] if part.text and is_value_text(part.text))


def find_tables(lines: list[Line]) -> list[tuple[int, int, GridTable]]:
    """(first line, end line, table) of each text-aligned table among ``lines``."""
    parts = [segments(line) for line in lines]
    row = [len(p) >= 3 or (len(p) == 2 and _values(p) > 0) for p in parts]
    found = []
    start = 0
    while start < len(lines):
        if not row[start]:
            start += 1
            continue
        end = start + 1
        while end < len(lines) and (row[end] or _wrapped_label(parts, row, end)):
            end += 1
        numeric = [i for i in range(start, end) if _values(parts[i]) > 0]
        if len(numeric) >= 2 or (numeric and _values(parts[numeric[0]]) >= _MIN_VALUES_ALONE):
            found.append((start, end, _table(lines[start:end], parts[start:end])))
        start = end
    return found


def _wrapped_label(parts: list[list[Segment]], row: list[bool], index: int) -> bool:
    """A one-segment line between table rows (the rest of a wrapped label)."""
    if len(parts[index]) != 1 or is_value_text(parts[index][0].text):
        return False
    return any(row[i] for i in range(index + 1, min(index + 3, len(row))))


def _bands(parts: list[list[Segment]]) -> list[list[float]]:
    numeric = [p for p in parts if _values(p) > 0] or parts
    spans = sorted((s.x0, s.x1) for p in numeric for s in p)
    bands: list[list[float]] = []
    for x0, x1 in spans:
        if bands and x0 <= bands[-1][1]:
            bands[-1][1] = max(bands[-1][1], x1)
        else:
            bands.append([x0, x1])
    return bands


def _band_of(segment: Segment, bands: list[list[float]]) -> int:
    def overlap(band: list[float]) -> float:
        return min(band[1], segment.x1) - max(band[0], segment.x0)

    best = max(range(len(bands)), key=lambda i: overlap(bands[i]))
    if overlap(bands[best]) > 0:
        return best
    middle = (segment.x0 + segment.x1) / 2
    return min(range(len(bands)), key=lambda i: abs((bands[i][0] + bands[i][1]) / 2 - middle))


def _table(lines: list[Line], parts: list[list[Segment]]) -> GridTable:
    bands = _bands(parts)
    ends = [max((s.x1 for p in parts for s in p if _band_of(s, bands) == i), default=b[1]) for i, b in enumerate(bands)]
    rows: list[list[str]] = []
    row_ends: list[list[float]] = []  # where each cell's text ends, to tell a wrapped label
    pending: list[Segment] = []
    for index, line_parts in enumerate(parts):
        if len(line_parts) == 1 and not is_value_text(line_parts[0].text):
            segment = line_parts[0]
            column = _band_of(segment, bands)
            height = lines[index].height
            if _labels_next_row(parts, index, column, bands):
                pending.append(segment)
            elif rows and rows[-1][column] and row_ends[-1][column] >= ends[column] - 2 * height:
                rows[-1][column] = join_lines([rows[-1][column], segment.text])  # a label wrapped below
                row_ends[-1][column] = segment.x1
            else:
                rows.append([segment.text if c == column else "" for c in range(len(bands))])  # a heading row
                row_ends.append([segment.x1 if c == column else 0.0 for c in range(len(bands))])
            continue
        cells, cell_ends = [""] * len(bands), [0.0] * len(bands)
        for segment in [*pending, *line_parts]:
            column = _band_of(segment, bands)
            cells[column] = join_lines([cells[column], segment.text])
            cell_ends[column] = segment.x1
        pending = []
        rows.append(cells)
        row_ends.append(cell_ends)
    rows += [[s.text if c == _band_of(s, bands) else "" for c in range(len(bands))] for s in pending]
    ids = [[r * len(bands) + c for c in range(len(bands))] for r in range(len(rows))]
    box = (min(line.x0 for line in lines), lines[0].top, max(line.x1 for line in lines), lines[-1].bottom)
    return GridTable(rows, ids, [band[0] for band in bands], box)


def _labels_next_row(parts: list[list[Segment]], index: int, column: int, bands: list[list[float]]) -> bool:
    """The next multi-segment line has nothing in ``column``: this line is its label
    (numbers centred beside a label of two or more lines), or the start of it."""
    for line_parts in parts[index + 1 :]:
        if len(line_parts) > 1 or is_value_text(line_parts[0].text):
            return all(_band_of(segment, bands) != column for segment in line_parts)
    return False
