"""An image attachment (JPEG, PNG, TIFF, GIF, BMP) -> Document, by OCR.

Each frame is a page: a multi-page TIFF (how fax-style scans of a whole report come)
reads as a document of several pages, and a table that runs over two of its pages is
joined like a PDF's. The scale of the page (needed for the tolerances of table finding)
is the image's own dpi where it states a plausible one, else the width of an A4 page.

Pillow decodes; the pixel count is capped before any decoding (a small PNG can claim
a 50,000 x 50,000 canvas), as is the number of frames.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageSequence, UnidentifiedImageError

from parsers.document import Document
from parsers.errors import ExtractionError
from parsers.extract import ocr, page_layout, stitch
from parsers.extract.limits import MAX_INPUT_BYTES, check_size

MAX_PIXELS = 60_000_000  # a page at 600 dpi is 35 Mpx
MAX_FRAMES = 200
_A4_INCHES = (8.27, 11.69)
_PLAUSIBLE_DPI = range(72, 1201)


def read(data: bytes, *, max_bytes: int = MAX_INPUT_BYTES) -> Document:
    check_size(data, max_bytes)
    pages = [ocr.read_page(pixels, number, dpi) for number, (pixels, dpi) in enumerate(_frames(data), start=1)]
    blocks = stitch.assemble([page_layout.analyse(page) for page in pages])
    confidence = ocr.mean_confidence(pages)
    return Document(
        blocks=blocks,
        source_format="image",
        ocr_confidence=confidence if confidence is not None else 0.0,
        warnings=["OCR-derived"],
    )


def _frames(data: bytes) -> list[tuple[np.ndarray, float]]:
    """Each frame in grey, with its dpi."""
    frames = []
    try:
        image = Image.open(io.BytesIO(data))
        for index, frame in enumerate(ImageSequence.Iterator(image)):
            if index >= MAX_FRAMES:
                raise ExtractionError("too_large", f"more than {MAX_FRAMES} frames")
            frames.append(_decode(frame, image.info.get("dpi")))
    except Image.DecompressionBombError as error:
        raise ExtractionError("too_large", str(error)) from error
    except UnidentifiedImageError as error:
        raise ExtractionError("corrupt", f"not a readable image: {error}") from error
    except (OSError, SyntaxError, ValueError) as error:  # what Pillow raises on cut or damaged image data
        cut = any(word in str(error) for word in ("truncated", "broken data", "not enough data"))
        raise ExtractionError("truncated" if cut else "corrupt", f"the image cannot be decoded: {error}") from error
    if not frames:
        raise ExtractionError("empty", "the image has no frames")
    return frames


def _decode(frame: Image.Image, dpi: object) -> tuple[np.ndarray, float]:
    width, height = frame.size
    if width * height > MAX_PIXELS:
        raise ExtractionError("too_large", f"a {width}x{height} image is over the {MAX_PIXELS}-pixel cap")
    return np.asarray(frame.convert("L")), _stated(dpi) or _a4_dpi(width, height)


def _stated(dpi: object) -> float | None:
    if isinstance(dpi, tuple) and dpi and isinstance(dpi[0], int | float) and int(dpi[0]) in _PLAUSIBLE_DPI:
        return float(dpi[0])
    return None


def _a4_dpi(width: int, height: int) -> float:
    return width / (_A4_INCHES[0] if width <= height else _A4_INCHES[1])
