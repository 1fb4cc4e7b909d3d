"""The characters pdfium drops when it has no font to measure them, read by pdfminer.

A font the PDF does not embed (STSong-Light, as iText and reportlab write it) is drawn
with a system font. On a machine without a CJK font, pdfium falls back to its built-in
Latin fonts, where '５' or '中' has no glyph and so no box: a text object of one such
character has no width, and pdfium's text page skips it, so a cell '５' reads as blank.
(An object of several characters keeps its width and all its characters.) pdfminer maps
character codes through the PDF's own CMaps and needs no font: the page's characters at
those objects' origins are read from it. The document opens in pdfminer (under
pdfplumber) only when a page has such an object: ~50 ms a page, on those pages alone.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

import pdfplumber
from pdfplumber.pdf import PDF

Char = dict[str, Any]  # pdfplumber's character: text, x0, x1, y0, y1, matrix
Origin = tuple[float, float]  # a text object's origin in PDF user space
_SAME_POINT = 0.05  # points: pdfium's and pdfminer's origins of one object agree this closely


@dataclass(slots=True)
class Glyph:
    """A character and its box in PDF user space (y up)."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float


@dataclass(slots=True)
class FontlessReader:
    data: bytes
    _pdf: PDF | None = field(default=None, init=False)

    def glyphs(self, number: int, origins: list[Origin]) -> tuple[list[Glyph], list[Origin]]:
        """The characters drawn at ``origins`` on page ``number``, and the origins where
        pdfminer finds none (a loss the caller names)."""
        if self._pdf is None:
            self._pdf = pdfplumber.open(io.BytesIO(self.data))
        chars = self._pdf.pages[number - 1].chars
        found: list[Glyph] = []
        missed: list[Origin] = []
        for x, y in origins:
            here = [char for char in chars if _at(char, x, y)]
            if not here:
                missed.append((x, y))
            found += [_glyph(char, x, y) for char in here if char["text"].strip()]
        return found, missed

    def close(self) -> None:
        if self._pdf is not None:
            self._pdf.close()


def _at(char: Char, x: float, y: float) -> bool:
    origin_x, origin_y = char["matrix"][4:]
    return bool(abs(origin_x - x) <= _SAME_POINT and abs(origin_y - y) <= _SAME_POINT)


def _glyph(char: Char, x: float, y: float) -> Glyph:
    """pdfminer's box moved onto pdfium's origin (its y0/y1 share the matrix's space)."""
    base = char["matrix"][5]
    return Glyph(char["text"], x, y + char["y0"] - base, x + char["x1"] - char["x0"], y + char["y1"] - base)
