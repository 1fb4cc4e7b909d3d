"""An image attachment (JPEG, PNG, TIFF, GIF, BMP) -> Document, by OCR.

Each frame is a page: a multi-page TIFF (how fax-style scans of a whole report come)
reads as a document of several pages, and a table that runs over two of its pages is
joined like a PDF's. The scale of the page (needed for the tolerances of table finding)
is the image's own dpi where it states a plausible one, else the width of an A4 page.

Pillow decodes one frame at a time, when OCR asks for it (:mod:`ocr_queue`: frames
showing ruled tables first when not all are likely to fit the caps). The pixel count of
a frame is capped before it is decoded (a small PNG can claim a 50,000 x 50,000 canvas),
as are the number of frames and the pixels of all of them; a frame larger than OCR needs
is reduced to ``MAX_OCR_PIXELS``, and frames left unread when the document has spent
``MAX_OCR_SECONDS`` of OCR work or read ``max_ocr_pages`` are named in a warning.
"""

from __future__ import annotations

import functools
import io
import math
from collections.abc import Iterator
from contextlib import contextmanager

import cv2
import numpy as np
from PIL import Image, ImageSequence, UnidentifiedImageError

from parsers.document import Document
from parsers.errors import ExtractionError
from parsers.extract import ocr_queue, page_layout, stitch
from parsers.extract.limits import (
    MAX_INPUT_BYTES,
    MAX_OCR_PAGES,
    MAX_OCR_PIXELS,
    Budget,
    OcrBudget,
    check_size,
)

MAX_PIXELS = 60_000_000  # a page at 600 dpi is 35 Mpx
MAX_FRAMES = 200
MAX_TOTAL_PIXELS = 400_000_000  # of all frames: a 40-page scan at 300 dpi is 350 Mpx
_A4_INCHES = (8.27, 11.69)
_PLAUSIBLE_DPI = range(72, 1201)


def read(data: bytes, *, max_bytes: int = MAX_INPUT_BYTES, max_ocr_pages: int = MAX_OCR_PAGES) -> Document:
    check_size(data, max_bytes)
    with _decoding():
        image = Image.open(io.BytesIO(data))
        count = _count_frames(image)
    scans = [ocr_queue.Scan(index + 1, functools.partial(_frame, image, index)) for index in range(count)]
    budget = OcrBudget()
    reading = ocr_queue.read(scans, budget, max_ocr_pages)
    warnings = ["OCR-derived"]
    if reading.unread:
        warnings.append(f"frames {', '.join(map(str, reading.unread))} were not OCR'd (cap)")
    warnings += budget.warnings()
    blocks = stitch.assemble([page_layout.analyse(page) for page in reading.pages])
    return Document(
        blocks=blocks,
        source_format="image",
        ocr_confidence=ocr_queue.mean_confidence([run.confidence for page in reading.pages for run in page.runs]),
        warnings=warnings,
    )


def _frame(image: Image.Image, index: int, dpi: float | None) -> tuple[np.ndarray, float]:
    """Frame ``index`` in grey as OCR reads it (or at ``dpi``, when lower), and its dpi."""
    with _decoding():
        image.seek(index)
        pixels, stated = _decode(image, image.info.get("dpi"))
    if dpi is None or stated <= dpi:
        return pixels, stated
    return cv2.resize(pixels, None, fx=dpi / stated, fy=dpi / stated, interpolation=cv2.INTER_AREA), dpi


@contextmanager
def _decoding() -> Iterator[None]:
    """Pillow's errors on a bad image as the named errors they stand for."""
    try:
        yield
    except Image.DecompressionBombError as error:
        raise ExtractionError("too_large", str(error)) from error
    except UnidentifiedImageError as error:
        raise ExtractionError("corrupt", f"not a readable image: {error}") from error
    # What Pillow raises on cut or damaged image data; its TIFF reader says TypeError
    # ("Missing dimensions") of a frame's directory cut short.
    except (OSError, SyntaxError, ValueError, TypeError) as error:
        cut = any(word in str(error) for word in ("truncated", "broken data", "not enough data", "Missing dimensions"))
        raise ExtractionError("truncated" if cut else "corrupt", f"the image cannot be decoded: {error}") from error


def _count_frames(image: Image.Image) -> int:
    """How many frames, checked against the caps before any is decoded (a seek reads a
    frame's header, not its pixels)."""
    pixels = Budget("pixels in all frames", MAX_TOTAL_PIXELS)
    count = 0
    for index, frame in enumerate(ImageSequence.Iterator(image)):
        if index >= MAX_FRAMES:
            raise ExtractionError("too_large", f"more than {MAX_FRAMES} frames")
        pixels.spend(frame.size[0] * frame.size[1])
        count += 1
    if not count:
        raise ExtractionError("empty", "the image has no frames")
    return count


def _decode(frame: Image.Image, dpi: object) -> tuple[np.ndarray, float]:
    width, height = frame.size
    if width * height > MAX_PIXELS:
        raise ExtractionError("too_large", f"a {width}x{height} image is over the {MAX_PIXELS}-pixel cap")
    grey, dpi = frame.convert("L"), _stated(dpi) or _a4_dpi(width, height)
    if width * height > MAX_OCR_PIXELS:  # more than OCR reads: a 600-dpi poster
        factor = math.ceil(math.sqrt(width * height / MAX_OCR_PIXELS))
        grey, dpi = grey.reduce(factor), dpi / factor
    return np.asarray(grey), dpi


def _stated(dpi: object) -> float | None:
    if isinstance(dpi, tuple) and dpi and isinstance(dpi[0], int | float) and int(dpi[0]) in _PLAUSIBLE_DPI:
        return float(dpi[0])
    return None


def _a4_dpi(width: int, height: int) -> float:
    return width / (_A4_INCHES[0] if width <= height else _A4_INCHES[1])
