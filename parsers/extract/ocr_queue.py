"""Which scanned pages of a document OCR reads, and in what order, under its caps.

A document's OCR has one budget of work (``MAX_OCR_SECONDS``) and at most ``MAX_OCR_PAGES``
pages; a scanned page takes 3-6 s, so a scan of more than 5-10 pages is read in part.
The tables (二, 三, 四: the numbers researchers use) often come after the first pages,
and read in page order they were the first thing lost. So when a document has more
scanned pages than can be expected to fit, each is first looked at at ``SIGNAL_DPI``
for a grid of ruling lines (:func:`ocr.has_ruled_table`, no recognition: tens of
milliseconds against seconds), and the pages with one are read first, then the others
while the caps allow, each group in page order. The pages come back in page order
(tables over a page break are joined by :mod:`stitch`, which needs it); those left
unread are named.

The PDF reader (pages with no text layer) and the image reader (frames) both read
through :func:`read`, giving each page as a :class:`Scan` that renders it on demand:
only one page image is held at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from parsers.extract.limits import MAX_OCR_PAGES, OcrBudget
from parsers.extract.positioned import Page

SIGNAL_DPI = 100  # ruling lines of 0.75 pt still come out as lines; 72 dpi lost some
# a scanned page at its costliest (limits.MAX_OCR_SECONDS): more pages than the budget
# reads at this cost are put in order; at worst the signal was looked at for nothing
_SLOW_PAGE_SECONDS = 6.0
CONFIDENCE_DECIMALS = 3

# A page image in grey at no more than the dpi asked (None: as OCR reads it), and its dpi
Render = Callable[[float | None], tuple[np.ndarray, float]]


@dataclass(frozen=True, slots=True)
class Scan:
    number: int  # the page's number in the document, from 1
    render: Render


@dataclass(slots=True)
class Reading:
    pages: list[Page] = field(default_factory=list)  # in page order
    unread: list[int] = field(default_factory=list)  # page numbers, in page order


def read(scans: Sequence[Scan], budget: OcrBudget, max_pages: int = MAX_OCR_PAGES) -> Reading:
    """The OCR of ``scans``, pages with ruled tables first when not all are likely to
    fit in ``budget`` and ``max_pages``."""
    from parsers.extract import ocr  # onnxruntime and the models load only when a scan needs them

    done: dict[int, Page] = {}
    unread = []
    for scan in _in_order(scans, budget, max_pages):
        if budget.spent() or len(done) >= max_pages:
            unread.append(scan.number)
            continue
        image, dpi = scan.render(None)
        done[scan.number] = ocr.read_page(image, scan.number, dpi, budget)
    return Reading([done[number] for number in sorted(done)], sorted(unread))


def _in_order(scans: Sequence[Scan], budget: OcrBudget, max_pages: int) -> list[Scan]:
    """Pages with a ruled table first when there are more than fit; the look at each
    page is charged to the budget, and pages not looked at when it is spent
    keep their place after the others."""
    if len(scans) <= min(max_pages, budget.seconds / _SLOW_PAGE_SECONDS):
        return list(scans)
    from parsers.extract import ocr

    ruled: list[Scan] = []
    rest: list[Scan] = []
    for scan in scans:
        if budget.spent():
            rest.append(scan)
            continue
        image, dpi = scan.render(SIGNAL_DPI)
        (ruled if ocr.has_ruled_table(image, dpi, budget) else rest).append(scan)
    return ruled + sorted(rest, key=lambda scan: scan.number)


def mean_confidence(scores: list[float]) -> float:
    """The recogniser's mean confidence to ``CONFIDENCE_DECIMALS`` places, 0.0 for none.

    onnxruntime picks its kernels by the CPU (AVX2, AVX-512), so the same scan gives
    scores that differ in their 7th decimal from one machine to the next; rounded, two
    workers of one distributed crawl give the same record for the same bytes.
    """
    return round(sum(scores) / len(scores), CONFIDENCE_DECIMALS) if scores else 0.0
