"""The geometry of a scanned page: its skew, its ruling lines, and the ink in each cell.

A table's grid is rebuilt from the image, not from where the OCR's text boxes happen
to fall: the ruling lines are long thin runs of ink (morphological opening with a long
flat kernel, one pass across and one down), the page is first turned so that they run
straight, and lattice turns them into cell boxes like a PDF's paths. Each cell's text
is then found by projecting its ink: rows of ink are its text lines, and a cell with no
ink is blank without asking the recogniser.

Why morphology over Pillow/numpy projections for the lines: projections of a whole
page need the lines to span it and break down when a table covers half the width or
cells are merged; the opening finds every segment where it is, costs ~20 ms a 200 dpi
page in OpenCV (which the OCR engine already needs), and a skew of up to ~3° is
tolerated by closing the steps of a slanted line first.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from parsers.extract.positioned import Rule

# Runs of ink this long are lines, not strokes of a glyph (a 14 pt glyph is 0.19 in
# tall). Vertical ones may be as short as one table row (a row cut off at the top of a
# page).
_RULE_INCHES = (0.35, 0.2)
_MAX_SKEW_DEGREES = 3.0
_MIN_SKEW_DEGREES = 0.05  # below this a turn moves no pixel across a page
# A slanted line steps down a row at a time; its steps are closed by thickening it
# downwards (at least _STEP_CLOSE px, more at high resolution), and a run as long as
# _SKEW_RUN_INCHES must then stay inside the thickened line: thickness / run is the
# steepest slope found, ~3° at 100-300 dpi. A run of 1.5 in, as before, lost every line
# of a page skewed 1.5° at 200 dpi, which was then read unturned (different numbers).
_STEP_CLOSE = 5
_SKEW_RUN_INCHES = 0.6
_LINE_POINTS = 16.0  # no line of a table's text is taller; two wrapped lines of 7.5 pt are
_SPECK_PIXELS = 4  # at 150 dpi: ink blobs smaller than this are dust
_STROKE_INCHES = 0.03  # a stroke of 10.5 pt type is about 0.01 in thick; blur thickens it


Box = tuple[int, int, int, int]  # x0, top, x1, bottom in pixels


@dataclass(slots=True)
class CellInk:
    """The text lines inside one cell, as boxes on the page, and the cell's inside."""

    inside: Box
    lines: list[Box]
    dpi: float

    @property
    def box(self) -> Box:
        return (
            min(line[0] for line in self.lines),
            min(line[1] for line in self.lines),
            max(line[2] for line in self.lines),
            max(line[3] for line in self.lines),
        )

    @property
    def dash(self) -> bool:
        """One flat stroke: a dash. Cut tight round its ink, "—", "-" and "_" look alike
        to the recogniser, which reads them as "_"; a cell holds a dash, not a rule."""
        x0, top, x1, bottom = self.box
        tall = bottom - top
        return len(self.lines) == 1 and tall <= self.dpi * _STROKE_INCHES and x1 - x0 >= 2 * tall

    def strip(self, paper: np.ndarray, pad: int) -> np.ndarray:
        """The cell's lines side by side in one image, ``pad`` pixels of paper round
        each (never beyond the cell): a wrapped label is read as one line, in context."""
        left, top, right, bottom = self.inside
        crops = [
            paper[max(y0 - pad, top) : min(y1 + pad, bottom), max(x0 - pad, left) : min(x1 + pad, right)]
            for x0, y0, x1, y1 in self.lines
        ]
        height = max(crop.shape[0] for crop in crops)
        gap = np.full((height, max(pad, height // 3)), 255, np.uint8)
        parts = []
        for crop in crops:
            framed = np.full((height, crop.shape[1]), 255, np.uint8)
            start = (height - crop.shape[0]) // 2
            framed[start : start + crop.shape[0]] = crop
            parts += [framed, gap]
        return np.hstack(parts[:-1])


def ink(gray: np.ndarray) -> np.ndarray:
    """255 where there is ink, 0 on paper (Otsu's threshold: grey paper and faded toner alike)."""
    return cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)[1]


def skew(mask: np.ndarray, dpi: float) -> float:
    """The page's skew in degrees (positive: lines fall to the right), from its long
    horizontal lines; 0 when there are none."""
    length = max(int(dpi * _SKEW_RUN_INCHES), 40)
    step = max(_STEP_CLOSE, round(dpi / 40))
    closed = cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_RECT, (1, step)))
    lines = cv2.morphologyEx(closed, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1)))
    contours, _ = cv2.findContours(lines, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    angles, weights = [], []
    for contour in contours:
        if cv2.boundingRect(contour)[2] < length:
            continue
        vx, vy, _, _ = cv2.fitLine(contour, cv2.DIST_L2, 0, 0.01, 0.01).ravel()
        angle = math.degrees(math.atan2(float(vy), float(vx)))
        angle = (angle + 90) % 180 - 90
        if abs(angle) <= _MAX_SKEW_DEGREES:
            angles.append(angle)
            weights.append(cv2.boundingRect(contour)[2])
    if not angles:
        return 0.0
    order = np.argsort(angles)
    cumulative = np.cumsum(np.asarray(weights)[order])
    return float(np.asarray(angles)[order][np.searchsorted(cumulative, cumulative[-1] / 2)])  # weighted median


def straighten(gray: np.ndarray, angle: float) -> np.ndarray:
    """The page turned by ``angle`` degrees about its centre, new corners white."""
    if abs(angle) < _MIN_SKEW_DEGREES:
        return gray
    height, width = gray.shape
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    return cv2.warpAffine(gray, matrix, (width, height), flags=cv2.INTER_LINEAR, borderValue=255)


def find_rules(mask: np.ndarray, dpi: float, tolerance: float) -> tuple[list[Rule], np.ndarray]:
    """The ruling lines of an upright page (each meeting a line across it), and the
    mask of their pixels."""
    across, down = (max(int(dpi * inches), 12) for inches in _RULE_INCHES)
    rules: list[Rule] = []
    drawn = np.zeros_like(mask)
    for kernel in ((across, 1), (1, down)):
        lines = cv2.morphologyEx(mask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, kernel))
        drawn |= lines
        contours, _ = cv2.findContours(lines, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        for contour in contours:
            x, y, w, h = cv2.boundingRect(contour)
            rules.append(Rule(float(x), float(y), float(x + w), float(y + h)))
    return _meeting(rules, tolerance), drawn


def _meeting(rules: list[Rule], tolerance: float) -> list[Rule]:
    """The lines of tables: uprights with an end on a line across (within a line's
    width), and lines across that meet such an upright. The upright strokes of a line
    of type stand alone, or at most near a line across; ending together they would
    otherwise close a row of "cells" round the glyphs."""
    across = [rule for rule in rules if rule.horizontal]
    reach = tolerance / 3
    down = [rule for rule in rules if not rule.horizontal and any(_ends_on(rule, line, reach) for line in across)]
    return down + [line for line in across if any(_crosses(line, upright, tolerance) for upright in down)]


def _ends_on(upright: Rule, line: Rule, reach: float) -> bool:
    if not (line.x0 - reach <= upright.x1 and upright.x0 <= line.x1 + reach):
        return False
    return any(line.top - reach <= end <= line.bottom + reach for end in (upright.top, upright.bottom))


def _crosses(line: Rule, upright: Rule, tolerance: float) -> bool:
    return (
        line.x0 - tolerance <= upright.x1
        and upright.x0 - tolerance <= line.x1
        and upright.top - tolerance <= line.bottom
        and line.top - tolerance <= upright.bottom
    )


def erase(gray: np.ndarray, mask: np.ndarray, drawn: np.ndarray, dpi: float) -> tuple[np.ndarray, np.ndarray]:
    """The page with its ruling lines painted over with paper (their blurred edges too,
    which would read as a 1 or a dash beside a cell's text), and the ink of its text
    alone, without specks too small to be a stroke (a decimal point at 9 pt is bigger)."""
    lines = cv2.dilate(drawn, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)))
    paper = gray.copy()
    paper[lines > 0] = 255
    text = cv2.bitwise_and(mask, cv2.bitwise_not(lines))
    _, labels, stats, _ = cv2.connectedComponentsWithStats(text, connectivity=8)
    speck = max(2, round((dpi / 150) ** 2 * _SPECK_PIXELS))
    small = np.flatnonzero(stats[:, cv2.CC_STAT_AREA] < speck)
    small = small[small > 0]
    if small.size:
        text[np.isin(labels, small)] = 0
    return paper, text


def cell_ink(text: np.ndarray, box: tuple[float, float, float, float], dpi: float) -> CellInk | None:
    """The text lines inside a cell box, each trimmed to its ink; None for a blank cell.

    Rows of ink are cut at every blank row, then put back together from the top while
    they fit in one line's height: the strokes of 三 are one line, two lines of a
    wrapped label are two.
    """
    height, width = text.shape
    inset = max(3, round(1.5 * dpi / 72))  # half a thick line and its blur: the cell's border is out
    x0, top = max(int(box[0]) + inset, 0), max(int(box[1]) + inset, 0)
    x1, bottom = min(int(box[2]) - inset, width), min(int(box[3]) - inset, height)
    if x1 - x0 < 2 or bottom - top < 2:
        return None
    cell = text[top:bottom, x0:x1]
    lines = []
    for start, end in _lines(np.flatnonzero(np.count_nonzero(cell, axis=1)), dpi):
        columns = np.flatnonzero(np.count_nonzero(cell[start:end], axis=0))
        lines.append((x0 + int(columns[0]), top + start, x0 + int(columns[-1]) + 1, top + end))
    return CellInk((x0, top, x1, bottom), lines, dpi) if lines else None


def _lines(rows: np.ndarray, dpi: float) -> list[tuple[int, int]]:
    tallest = dpi * _LINE_POINTS / 72
    lines: list[list[int]] = []
    for start, end in _runs(rows):
        if lines and end - lines[-1][0] <= tallest:
            lines[-1][1] = end
        else:
            lines.append([start, end])
    return [(start, end) for start, end in lines]


def ink_rows(mask: np.ndarray, x0: float, top: float, x1: float, bottom: float) -> tuple[float, float]:
    """The top and bottom of the ink inside a box (the box's own when it holds none)."""
    rows = np.flatnonzero(np.count_nonzero(mask[int(top) : int(bottom) + 1, int(x0) : int(x1) + 1], axis=1))
    return (int(top) + float(rows[0]), int(top) + float(rows[-1]) + 1) if rows.size else (top, bottom)


def _runs(indexes: np.ndarray) -> list[tuple[int, int]]:
    """Stretches of consecutive sorted indexes, end exclusive."""
    if indexes.size == 0:
        return []
    cuts = np.flatnonzero(np.diff(indexes) > 1)
    starts = np.concatenate(([indexes[0]], indexes[cuts + 1]))
    ends = np.concatenate((indexes[cuts], [indexes[-1]])) + 1
    return [(int(s), int(e)) for s, e in zip(starts, ends, strict=True)]
