"""PDF -> Document: paragraphs in reading order and tables rebuilt from ruling lines.

deps.md picked pdfplumber. Measured on the real reports, its page analysis (pdfminer)
costs ~50 ms a page, about 17x what ``pdftotext -layout`` takes for the whole read of
a page; running it only on pages with tables would still be ~10x. So pdfium
(pypdfium2, already a pdfplumber dependency) reads the text layer and the ruling lines
in C, and pdfplumber's table algorithm turns the lines into cells (:mod:`lattice`):
the whole read is ~2x pdftotext. The layout (lines, paragraphs, text-aligned tables,
page furniture, tables over page breaks) is shared with OFD and OCR
(:mod:`page_layout`, :mod:`stitch`). The reading does not depend on the machine's fonts:
the characters pdfium skips when it has no CJK font to measure a font the file does not
embed are read by pdfminer (:mod:`pdf_fontless`); any it cannot find are named in a warning.

A page with no text layer (a scan: fewer than a handful of glyphs and an image over
much of the page) or an unreadable one (a broken ToUnicode map: more private-use or
unmapped glyphs than readable ones) is rendered at 200 dpi and read by OCR once every
text layer has been read; the document then carries ``ocr_confidence`` and an
``OCR-derived`` warning. At most ``max_ocr_pages`` pages of a file are OCR'd, for at most
``MAX_OCR_SECONDS`` of work, each rendered at no more than ``MAX_OCR_PIXELS`` (a
page may claim to be 5 m wide), pages showing ruled tables first when not all are
likely to fit (:mod:`ocr_queue`); the rest are named in a warning. Pages, glyphs and drawing objects are counted against
the caps of :mod:`limits`.

Errors: ``encrypted`` when a user password is needed (a PDF with only an owner
password opens with the empty user password and reads); ``truncated`` when the file
lost its end (no ``%%EOF``) and pdfium cannot rebuild it; ``corrupt`` otherwise.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass, field

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from parsers.document import Document
from parsers.errors import ExtractionError
from parsers.extract import ocr_queue, page_layout, stitch
from parsers.extract.limits import (
    MAX_GLYPHS,
    MAX_INPUT_BYTES,
    MAX_OCR_PAGES,
    MAX_PAGES,
    Budget,
    OcrBudget,
    check_size,
    ocr_scale,
)
from parsers.extract.pdf_fontless import FontlessReader
from parsers.extract.pdfium_page import TextLayer, read_page, runs_at
from parsers.extract.positioned import Page

# pdfium is not thread-safe: one document at a time per process, whichever thread asks
PDFIUM_LOCK = threading.Lock()
OCR_DPI = 200
_MIN_GLYPHS = 10  # fewer glyphs than this on a page with a big image: a scan
_MIN_IMAGE_SHARE = 0.25  # of the page area
_EOF_WINDOW = 2048


def read(data: bytes, *, max_bytes: int = MAX_INPUT_BYTES, max_ocr_pages: int = MAX_OCR_PAGES) -> Document:
    check_size(data, max_bytes)
    with PDFIUM_LOCK:
        pdf = open_pdf(data)
        try:
            reading = _read_pages(pdf, _cut_short(data), FontlessReader(data))
            _ocr(pdf, reading, max_ocr_pages)
            title = _title(pdf)
        finally:
            pdf.close()
    blocks = stitch.assemble([page_layout.analyse(page) for page in reading.pages])
    return Document(
        blocks=blocks,
        source_format="pdf",
        title=title,
        ocr_confidence=reading.confidence(),
        warnings=reading.warnings(_cut_short(data)),
    )


@dataclass(slots=True)
class _Reading:
    pages: list[Page] = field(default_factory=list)
    scans: list[int] = field(default_factory=list)  # pages that need OCR
    ocr_pages: list[int] = field(default_factory=list)
    unread: list[int] = field(default_factory=list)  # scans past the OCR caps
    scores: list[float] = field(default_factory=list)
    unread_text: list[tuple[int, float, float]] = field(default_factory=list)  # page, x, y
    glyphs: Budget = field(default_factory=lambda: Budget("glyphs", MAX_GLYPHS))
    ocr_budget: OcrBudget = field(default_factory=OcrBudget)

    def confidence(self) -> float | None:
        if not self.ocr_pages:
            return None
        return ocr_queue.mean_confidence(self.scores)

    def warnings(self, cut_short: bool) -> list[str]:
        out = []
        if cut_short:
            out.append("the file has no %%EOF: it may be truncated")
        if self.ocr_pages:
            out.append(f"OCR-derived: pages {', '.join(map(str, self.ocr_pages))} have no usable text layer")
        if self.unread:
            out.append(f"pages {', '.join(map(str, self.unread))} have no text layer and were not OCR'd (cap)")
        if self.unread_text:
            places = "; ".join(f"page {page} at ({x:.0f}, {y:.0f})" for page, x, y in self.unread_text)
            out.append(f"text pdfium has no font to measure and pdfminer did not read was lost: {places}")
        return out + self.ocr_budget.warnings()


def open_pdf(data: bytes) -> pdfium.PdfDocument:
    """The document, or the named error pdfium's load failure stands for."""
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        raise _load_error(error, data) from error


def _load_error(error: pdfium.PdfiumError, data: bytes) -> ExtractionError:
    code = error.err_code
    if code in (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY):
        return ExtractionError("encrypted", "the PDF needs a password to open")
    if _cut_short(data):
        return ExtractionError("truncated", f"the PDF is cut short: {error}")
    if not data.lstrip()[:1024].count(b"%PDF-"):
        return ExtractionError("corrupt", "no PDF header")
    return ExtractionError("corrupt", f"the PDF cannot be read: {error}")


def _cut_short(data: bytes) -> bool:
    return b"%%EOF" not in data[-_EOF_WINDOW:]


def _read_pages(pdf: pdfium.PdfDocument, cut_short: bool, fontless: FontlessReader) -> _Reading:
    reading = _Reading()
    Budget("pages", MAX_PAGES).spend(len(pdf))
    try:
        for index in range(len(pdf)):
            _read_page(pdf, index, cut_short, fontless, reading)
    finally:
        fontless.close()
    return reading


def _read_page(
    pdf: pdfium.PdfDocument, index: int, cut_short: bool, fontless: FontlessReader, reading: _Reading
) -> None:
    page = _load(pdf, index, cut_short)
    try:
        reading.pages.append(_content(page, index + 1, reading, fontless))
    except pdfium.PdfiumError as error:
        raise ExtractionError("corrupt", f"page {index + 1} cannot be read: {error}") from error
    finally:
        page.close()


def _load(pdf: pdfium.PdfDocument, index: int, cut_short: bool) -> pdfium.PdfPage:
    try:
        return pdf[index]
    except pdfium.PdfiumError as error:
        reason = "truncated" if cut_short else "corrupt"
        raise ExtractionError(reason, f"page {index + 1} cannot be loaded: {error}") from error


def _content(page: pdfium.PdfPage, number: int, reading: _Reading, fontless: FontlessReader) -> Page:
    """The page's text layer; a page that needs OCR is noted for :func:`_ocr`."""
    content, layer = read_page(page, number, reading.glyphs)
    if layer.unmeasured:
        glyphs, missed = fontless.glyphs(number, layer.unmeasured)
        content.runs += runs_at(page, glyphs)
        layer.glyphs += len(glyphs)
        reading.unread_text += [(number, x, y) for x, y in missed]
    if _needs_ocr(page, layer):
        reading.scans.append(number)
    return content


def _ocr(pdf: pdfium.PdfDocument, reading: _Reading, max_pages: int) -> None:
    """The pages that need OCR read by it (up to the OCR caps); a page left unread keeps
    what its text layer had."""
    if not reading.scans:
        return
    scans = [ocr_queue.Scan(number, functools.partial(_render, pdf, number)) for number in reading.scans]
    done = ocr_queue.read(scans, reading.ocr_budget, max_pages)
    for content in done.pages:
        reading.pages[content.number - 1] = content
        reading.ocr_pages.append(content.number)
        reading.scores += [run.confidence for run in content.runs]
    reading.unread = done.unread


def _needs_ocr(page: pdfium.PdfPage, layer: TextLayer) -> bool:
    if layer.unreadable > layer.glyphs:
        return True
    return layer.glyphs < _MIN_GLYPHS and _image_share(page) >= _MIN_IMAGE_SHARE


def _image_share(page: pdfium.PdfPage) -> float:
    width, height = page.get_size()
    area = 0.0
    for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=4):
        left, bottom, right, top = obj.get_bounds()
        area = max(area, (right - left) * (top - bottom))
    share: float = area / max(width * height, 1.0)
    return share


def _render(pdf: pdfium.PdfDocument, number: int, dpi: float | None) -> tuple[np.ndarray, float]:
    """Page ``number`` in grey at ``OCR_DPI`` (or ``dpi``, when lower), and its dpi."""
    page = _load(pdf, number - 1, cut_short=False)
    try:
        width, height = page.get_size()
        scale = min(ocr_scale(width, height, OCR_DPI), (dpi or OCR_DPI) / 72)
        bitmap = page.render(scale=scale, grayscale=True)
        try:
            return bitmap.to_numpy().copy(), scale * 72
        finally:
            bitmap.close()
    except pdfium.PdfiumError as error:
        raise ExtractionError("corrupt", f"page {number} cannot be rendered: {error}") from error
    finally:
        page.close()


def _title(pdf: pdfium.PdfDocument) -> str | None:
    try:
        title = (pdf.get_metadata_value("Title") or "").strip()
    except UnicodeDecodeError:  # UTF-16 cut inside a character (a lone surrogate): a hint lost, no more
        return None
    return title if "报告" in title else None


def page_count(data: bytes) -> int:
    with PDFIUM_LOCK:
        pdf = open_pdf(data)
        try:
            return len(pdf)
        finally:
            pdf.close()
