"""What pdfium tells about one PDF page: its glyphs and its visible ruling lines.

pdfium (through pypdfium2) reads a page's text layer in C at about 0.5 ms a page;
pdfminer, under pdfplumber, takes ~50 ms for the same page. Glyphs come with their
loose boxes (the font's full height, so the glyphs of one line share a band);
generated characters (pdfium's guessed spaces and line ends) are left out.

Ruling lines are read from path objects, walking into form XObjects with their
matrices. Only what a reader sees counts: stroked segments, and filled shapes thin
enough to be a line (LibreOffice draws borders as filled 0.5 pt rectangles). WPS
exports paint every text line on a white filled rectangle; white and transparent
paint, and filled areas (cell shading), are no rules.

Glyphs count against the document's budget and drawing objects (and their path
segments) against the page's (:mod:`limits`), before any is read: one page can hold 20
million paths.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from parsers.extract.limits import MAX_DRAWING_OBJECTS, MAX_GLYPHS, Budget
from parsers.extract.pdf_fontless import Glyph
from parsers.extract.positioned import Page, Rule, Run

_BLANKS = {0x7F, 0xA0, 0x3000, 0xFEFF, 0xFFFE}
_PRIVATE_USE = range(0xE000, 0xF900)
_HUGE_GLYPH = 60.0  # points: no glyph of a report is this big; pdfium's loose box of vertical text is
_THIN = 2.5  # points: a filled shape this thin is a drawn line
_WHITE = 235  # 0-255: paint this light on a white page is not seen
_MAX_DEPTH = 8
_SKIPPED_WIDTH = 0.01  # points: pdfium's kSizeEpsilon


@dataclass(slots=True)
class TextLayer:
    """How much text a page's text layer holds, for telling scans from text pages."""

    glyphs: int
    unreadable: int  # glyphs with no Unicode or in the private-use area (a broken ToUnicode map)
    # origins (PDF user space) of text objects with no width, which the text page skips:
    # a character pdfium has no font to measure (:mod:`pdf_fontless`)
    unmeasured: list[tuple[float, float]] = field(default_factory=list)


def read_page(page: pdfium.PdfPage, number: int, glyphs: Budget | None = None) -> tuple[Page, TextLayer]:
    """The page's glyphs and rules; ``glyphs`` is the document's budget for them."""
    frame = _Frame(page)
    textpage = page.get_textpage()
    try:
        runs, layer = _glyphs(textpage, frame, glyphs or Budget("glyphs", MAX_GLYPHS))
    finally:
        textpage.close()
    rules = _rules(page, frame, Budget(f"drawing objects on page {number}", MAX_DRAWING_OBJECTS), layer.unmeasured)
    return Page(number, frame.width, frame.height, runs, rules, unit=1.0), layer


def runs_at(page: pdfium.PdfPage, glyphs: Iterable[Glyph]) -> list[Run]:
    """Glyphs read elsewhere (:mod:`pdf_fontless`) as runs in this page's coordinates."""
    frame = _Frame(page)
    return [Run(glyph.text, *frame.box(glyph.x0, glyph.y0, glyph.x1, glyph.y1)) for glyph in glyphs]


class _Frame:
    """PDF user space (y up, cropbox origin, /Rotate) -> top-down page coordinates."""

    def __init__(self, page: pdfium.PdfPage) -> None:
        self.left, self.bottom, self.right, self.top = page.get_cropbox()
        self.rotation = page.get_rotation() % 360
        width, height = self.right - self.left, self.top - self.bottom
        self.width, self.height = (height, width) if self.rotation in (90, 270) else (width, height)

    def point(self, x: float, y: float) -> tuple[float, float]:
        if self.rotation == 90:
            return y - self.bottom, x - self.left
        if self.rotation == 180:
            return self.right - x, y - self.bottom
        if self.rotation == 270:
            return self.top - y, self.right - x
        return x - self.left, self.top - y

    def box(self, x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, float, float]:
        if self.rotation == 0:  # the usual case, done without the general transform
            return x0 - self.left, self.top - y1, x1 - self.left, self.top - y0
        ax, ay = self.point(x0, y0)
        bx, by = self.point(x1, y1)
        return min(ax, bx), min(ay, by), max(ax, bx), max(ay, by)


def _glyphs(textpage: pdfium.PdfTextPage, frame: _Frame, budget: Budget) -> tuple[list[Run], TextLayer]:
    raw = textpage.raw  # the bare handle: pypdfium2's wrapper costs a property call per use
    count = max(pdfium_c.FPDFText_CountChars(raw), 0)
    budget.spend(count)
    units = (ctypes.c_ushort * (count + 1))()
    pdfium_c.FPDFText_GetText(raw, 0, count, units)
    rect = pdfium_c.FS_RECTF()
    tight = (ctypes.c_double(), ctypes.c_double(), ctypes.c_double(), ctypes.c_double())
    runs: list[Run] = []
    unreadable = 0
    index = 0
    while index < count:
        code, at = units[index], index
        index += 1
        if code < 0x20 or code in _BLANKS:
            continue  # line ends (pdfium makes them up) and odd blanks: gaps speak for them
        if code == 0x20 and pdfium_c.FPDFText_IsGenerated(raw, at) == 1:
            continue  # a space pdfium guessed from a gap; a space in the file is kept
        if 0xD800 <= code < 0xDC00 and index < count:  # a character beyond the BMP comes in two halves
            code = 0x10000 + ((code - 0xD800) << 10) + (units[index] - 0xDC00)
            index += 1
        if code in _PRIVATE_USE or code == 0xFFFD:
            unreadable += 1
            continue
        box = _char_box(raw, at, rect, tight)
        if box is not None:
            runs.append(Run(chr(code), *frame.box(*box)))
    return runs, TextLayer(sum(1 for run in runs if run.text != " "), unreadable)


def _char_box(
    raw: Handle, index: int, rect: Handle, tight: tuple[Handle, Handle, Handle, Handle]
) -> tuple[float, float, float, float] | None:
    """The glyph's loose box (the font's full height, shared by its line), or its tight
    box where pdfium's loose box is wrong: for vertical text it is ~200 pt square."""
    if (
        pdfium_c.FPDFText_GetLooseCharBox(raw, index, rect)
        and max(rect.right - rect.left, rect.top - rect.bottom) < _HUGE_GLYPH
    ):
        return rect.left, rect.bottom, rect.right, rect.top
    left, right, bottom, top = tight
    if not pdfium_c.FPDFText_GetCharBox(raw, index, left, right, bottom, top):
        return None
    return left.value, bottom.value, right.value, top.value


def _rules(page: pdfium.PdfPage, frame: _Frame, budget: Budget, unmeasured: list[tuple[float, float]]) -> list[Rule]:
    """The page's ruling lines; the origins of its text objects with no width go to ``unmeasured``."""
    rules: list[Rule] = []
    raw = page.raw
    count = max(pdfium_c.FPDFPage_CountObjects(raw), 0)
    budget.spend(count)
    objects = (pdfium_c.FPDFPage_GetObject(raw, i) for i in range(count))
    _walk(objects, _IDENTITY, frame, _Found(rules, unmeasured), 0, budget)
    return rules


# A pointer handed out by pdfium's raw ctypes API (pypdfium2.raw is untyped).
Handle = Any

_IDENTITY = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
Matrix = tuple[float, float, float, float, float, float]


@dataclass(slots=True)
class _Found:
    rules: list[Rule]
    unmeasured: list[tuple[float, float]]


def _walk(objects: Iterable[Handle], parent: Matrix, frame: _Frame, found: _Found, depth: int, budget: Budget) -> None:
    for obj in objects:
        kind = pdfium_c.FPDFPageObj_GetType(obj)
        if kind == pdfium_c.FPDF_PAGEOBJ_PATH:
            budget.spend(max(pdfium_c.FPDFPath_CountSegments(obj), 0))
            found.rules.extend(_path_rules(obj, parent, frame))
        elif kind == pdfium_c.FPDF_PAGEOBJ_TEXT and _no_width(obj):
            *_, x, y = _compose(_matrix(obj), parent)
            found.unmeasured.append((x, y))
        elif kind == pdfium_c.FPDF_PAGEOBJ_FORM and depth < _MAX_DEPTH:
            matrix = _compose(_matrix(obj), parent)
            count = max(pdfium_c.FPDFFormObj_CountObjects(obj), 0)
            budget.spend(count)
            children = (pdfium_c.FPDFFormObj_GetObject(obj, i) for i in range(count))
            _walk(children, matrix, frame, found, depth + 1, budget)


def _no_width(obj: Handle) -> bool:
    """pdfium's text page skips a text object this narrow: ``CPDF_TextPage::ProcessTextObject``
    drops one whose rect is less than its ``kSizeEpsilon`` (0.01) wide."""
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    if not pdfium_c.FPDFPageObj_GetBounds(obj, left, bottom, right, top):
        return False
    return abs(right.value - left.value) < _SKIPPED_WIDTH


def _matrix(obj: Handle) -> Matrix:
    m = pdfium_c.FS_MATRIX()
    if not pdfium_c.FPDFPageObj_GetMatrix(obj, m):
        return _IDENTITY
    return (m.a, m.b, m.c, m.d, m.e, m.f)


def _compose(inner: Matrix, outer: Matrix) -> Matrix:
    a, b, c, d, e, f = inner
    A, B, C, D, E, F = outer
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _visible_paint(obj: Handle) -> tuple[bool, bool]:
    """(stroked and seen, filled and seen)."""
    fill_mode, stroke = ctypes.c_int(), ctypes.c_int()
    if not pdfium_c.FPDFPath_GetDrawMode(obj, fill_mode, stroke):
        return False, False
    return (
        bool(stroke.value) and _seen(obj, pdfium_c.FPDFPageObj_GetStrokeColor),
        fill_mode.value != pdfium_c.FPDF_FILLMODE_NONE and _seen(obj, pdfium_c.FPDFPageObj_GetFillColor),
    )


def _seen(obj: Handle, get_color: Callable[..., int]) -> bool:
    r, g, b, a = (ctypes.c_uint() for _ in range(4))
    if not get_color(obj, r, g, b, a):
        return True  # a pattern or a colour space pdfium cannot report: assume ink
    return a.value > 0 and min(r.value, g.value, b.value) < _WHITE


def _path_rules(obj: Handle, parent: Matrix, frame: _Frame) -> list[Rule]:
    stroked, filled = _visible_paint(obj)
    if not (stroked or filled):
        return []
    subpaths = _subpaths(obj, _compose(_matrix(obj), parent), frame)
    if stroked:
        return [rule for pieces in subpaths for rule in pieces if _straight(rule)]
    return [rule for rule in map(_bounds, subpaths) if rule and min(rule.x1 - rule.x0, rule.bottom - rule.top) <= _THIN]


def _straight(rule: Rule) -> bool:
    return rule.x1 - rule.x0 < 0.5 or rule.bottom - rule.top < 0.5


def _bounds(pieces: list[Rule]) -> Rule | None:
    if not pieces:
        return None
    return Rule(
        min(r.x0 for r in pieces), min(r.top for r in pieces), max(r.x1 for r in pieces), max(r.bottom for r in pieces)
    )


def _subpaths(obj: Handle, matrix: Matrix, frame: _Frame) -> list[list[Rule]]:
    """The path's straight pieces (curves are skipped) in page coordinates, by subpath."""
    a, b, c, d, e, f = matrix
    x, y = ctypes.c_float(), ctypes.c_float()
    out: list[list[Rule]] = []
    start = current = None
    for i in range(pdfium_c.FPDFPath_CountSegments(obj)):
        segment = pdfium_c.FPDFPath_GetPathSegment(obj, i)
        if not pdfium_c.FPDFPathSegment_GetPoint(segment, x, y):
            continue
        point = frame.point(a * x.value + c * y.value + e, b * x.value + d * y.value + f)
        kind = pdfium_c.FPDFPathSegment_GetType(segment)
        if kind == pdfium_c.FPDF_SEGMENT_MOVETO or not out:
            out.append([])
            start = point
        elif kind == pdfium_c.FPDF_SEGMENT_LINETO and current is not None:
            out[-1].append(_rule(current, point))
        current = point
        if pdfium_c.FPDFPathSegment_GetClose(segment) and start is not None:
            out[-1].append(_rule(current, start))
            current = start
    return out


def _rule(p: tuple[float, float], q: tuple[float, float]) -> Rule:
    return Rule(min(p[0], q[0]), min(p[1], q[1]), max(p[0], q[0]), max(p[1], q[1]))
