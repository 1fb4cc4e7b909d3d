"""Text with positions on a page, the common ground of PDF, OFD and OCR.

Every reader of a laid-out format turns a page into :class:`Page`: runs of text with
their boxes (a PDF glyph, an OFD TextCode, an OCR text box) and ruling lines, in one
top-down coordinate system whose unit the page names (``unit`` = the length of one
typographic point in it: 1 for PDF, 0.3528 for OFD millimetres, dpi/72 for a scan).
:mod:`parsers.extract.page_layout` reads any of them the same way.

This module groups runs into lines and joins text the way Chinese is typeset: no space
between CJK characters, even where a line wraps or the PDF puts a gap (deps.md
gotcha 3).
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field

from parsers.document import keep_unsure

# CJK ideographs, full-width forms, CJK punctuation, and the general punctuation
# (“”‘’—…) that Chinese text uses between ideographs.
_WIDE = re.compile("[\u2010-\u206f\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003134f]")
# An OCR'd table cell read with less confidence than this is unsure (parsers.document.Unsure).
# Measured on the scan generator (tests/extract/test_scan_variants.py): every misread
# number scored below it, and a clean page's numbers score above 0.97.
SURE = 0.9
_SPACES = re.compile(r"[ \t\r\n\f\xa0\u3000]+")


@dataclass(slots=True)
class Run:
    """A piece of text and its box; ``top`` < ``bottom`` (y grows down the page)."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    confidence: float = 1.0

    @property
    def height(self) -> float:
        return self.bottom - self.top

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.top + self.bottom) / 2


@dataclass(slots=True)
class Rule:
    """A ruling line: horizontal when ``top == bottom``, vertical when ``x0 == x1``."""

    x0: float
    top: float
    x1: float
    bottom: float

    @property
    def horizontal(self) -> bool:
        return self.x1 - self.x0 >= self.bottom - self.top


@dataclass(slots=True)
class Page:
    number: int
    width: float
    height: float
    runs: list[Run]
    rules: list[Rule] = field(default_factory=list)
    unit: float = 1.0


@dataclass(slots=True)
class Line:
    runs: list[Run]

    @property
    def x0(self) -> float:
        return self.runs[0].x0

    @property
    def x1(self) -> float:
        return max(run.x1 for run in self.runs)

    @property
    def top(self) -> float:
        return min(run.top for run in self.runs)

    @property
    def bottom(self) -> float:
        return max(run.bottom for run in self.runs)

    @property
    def height(self) -> float:
        return statistics.median(run.height for run in self.runs)

    @property
    def text(self) -> str:
        return join_runs(self.runs)


def is_wide(char: str) -> bool:
    return bool(_WIDE.match(char))


def group_lines(runs: list[Run]) -> list[Line]:
    """Runs sorted into lines, top to bottom, each left to right.

    A run joins the line whose vertical middle it shares: its centre lies inside the
    line's band. Sorting by centre first keeps superscripts and mixed font sizes
    (a 10 pt digit beside 16 pt ideographs) in their line.
    """
    lines: list[list[Run]] = []
    band_top = band_bottom = 0.0
    for run in sorted(runs, key=lambda run: run.cy):
        if lines and band_top <= run.cy <= band_bottom:
            lines[-1].append(run)
            band_top, band_bottom = min(band_top, run.top), max(band_bottom, run.bottom)
            continue
        lines.append([run])
        # the band is the middle of the first run, so a line of a taller font below
        # does not swallow this one
        quarter = run.height / 4
        band_top, band_bottom = run.top + quarter, run.bottom - quarter
    out = []
    for line in lines:
        ordered = sorted(line, key=lambda run: run.x0)
        while ordered and ordered[-1].text.isspace():
            ordered.pop()
        while ordered and ordered[0].text.isspace():
            ordered.pop(0)  # a space has a box but no ink: the line starts where its text does
        if ordered:
            out.append(Line(ordered))
    return out


def join_runs(runs: list[Run]) -> str:
    """The text of runs on one line, left to right.

    A visible gap becomes a space and source spaces are kept (collapsed to one), except
    between two wide characters, where they are justification, not words.
    """
    parts: list[str] = []
    previous: Run | None = None
    for run in runs:
        if previous is not None and run.x0 - previous.x1 > 0.25 * max(previous.height, run.height):
            parts.append(" ")
        parts.append(run.text)
        previous = run
    return tidy("".join(parts))


def tidy(text: str) -> str:
    """Space runs collapsed to one, and none left between two wide characters. A space
    between an ideograph and a digit stays: it may be all that parts a label from the
    first number of a row printed as text."""
    pieces = _SPACES.split(text.strip())
    out = pieces[0] if pieces else ""
    for piece in pieces[1:]:
        out += piece if is_wide(out[-1:] or " ") and is_wide(piece[:1] or " ") else " " + piece
    return out


def join_text(left: str, right: str, glue: str = "") -> str:
    """``left`` and ``right`` joined across a line break: nothing between wide
    characters or digits, ``glue`` between Latin letters."""
    if not left or not right:
        return left or right
    a, b = left[-1], right[0]
    if is_wide(a) or is_wide(b) or (a.isdigit() and b.isdigit()) or a in "-/(" or b in ")%":
        return keep_unsure(left + right, left, right)
    return keep_unsure(left + (glue or " ") + right, left, right)


def join_lines(texts: list[str]) -> str:
    out = ""
    for text in texts:
        out = join_text(out, text.strip())
    return out


def median_height(runs: list[Run], default: float) -> float:
    heights = [run.height for run in runs if run.height > 0]
    return statistics.median(heights) if heights else default
