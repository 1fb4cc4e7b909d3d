"""The characters pdfium drops when it has no font to measure them, read by pdfminer.

A font the PDF does not embed (STSong-Light, as iText and reportlab write it) is drawn
with a system font. On a machine without a CJK font, pdfium falls back to its built-in
Latin fonts, where '５' or '中' has no glyph and so no box: a text object of one such
character has no width, and pdfium's text page skips it, so a cell '５' reads as blank.
(An object of several characters keeps its width and all its characters.) pdfminer maps
character codes through the PDF's own CMaps and needs no font: the page's characters at
those objects' origins are read from it. The document opens in pdfminer (under
pdfplumber) only when a page has such an object: ~50 ms a page, on those pages alone.
A damaged file pdfium still reads may be one pdfminer cannot: then every such character
is missed, and named by the caller, as one pdfminer does not find.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pdfplumber
from pdfplumber.pdf import PDF
from pdfplumber.utils.exceptions import MalformedPDFException, PdfminerException

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
        try:
            to_user, page_chars = self._page(number)
        except (PdfminerException, MalformedPDFException, IndexError):  # pdfminer cannot read it, or has fewer pages
            return [], list(origins)
        chars = [(to_user(*char["matrix"][4:]), char) for char in page_chars]
        found: list[Glyph] = []
        missed: list[Origin] = []
        for x, y in origins:
            here = [char for origin, char in chars if _near(origin, (x, y))]
            if not here:
                missed.append((x, y))
            found += [_glyph(char, to_user) for char in here if char["text"].strip()]
        return found, missed

    def _page(self, number: int) -> tuple[Callable[[float, float], Origin], list[Char]]:
        if self._pdf is None:
            self._pdf = pdfplumber.open(io.BytesIO(self.data))
        page = self._pdf.pages[number - 1]
        return _user_space(page.page_obj.mediabox, page.page_obj.rotate), page.chars

    def close(self) -> None:
        if self._pdf is not None:
            self._pdf.close()


def _user_space(mediabox: tuple[float, float, float, float], rotate: int) -> Callable[[float, float], Origin]:
    """The inverse of the matrix pdfminer puts before a page's content (``process_page``):
    its coordinates, turned by /Rotate and moved by the media box, back to PDF user space."""
    x0, y0, x1, y1 = mediabox
    if rotate == 90:
        return lambda x, y: (x1 - y, x + y0)
    if rotate == 180:
        return lambda x, y: (x1 - x, y1 - y)
    if rotate == 270:
        return lambda x, y: (y + x0, y1 - x)
    return lambda x, y: (x + x0, y + y0)


def _near(a: Origin, b: Origin) -> bool:
    return abs(a[0] - b[0]) <= _SAME_POINT and abs(a[1] - b[1]) <= _SAME_POINT


def _glyph(char: Char, to_user: Callable[[float, float], Origin]) -> Glyph:
    """pdfminer's box of the character, in user space."""
    (ax, ay), (bx, by) = to_user(char["x0"], char["y0"]), to_user(char["x1"], char["y1"])
    return Glyph(char["text"], min(ax, bx), min(ay, by), max(ax, bx), max(ay, by))
