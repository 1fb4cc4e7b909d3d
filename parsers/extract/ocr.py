"""Page images -> positioned text and ruling lines, by rapidocr, fully offline.

rapidocr 3.x ships its PP-OCRv6 detection and recognition models in the wheel
(deps.md §5). Given no model path it would look them up in its model list and call
its downloader, so the paths of the bundled files are passed explicitly: no code path
that can reach the network is taken, and a missing model is ``converter_missing``,
never a download. The orientation classifier is off: report pages are upright, and it
costs time on every box.

The engine loads once per process, lazily (about 1 s), behind a lock. onnxruntime runs
one intra-op and one inter-op thread: a crawl parses in a worker per core, and on a
shared 2-core machine a scanned page read with 2 threads (which spin while they wait)
took 11 s and 5.7 CPU seconds against 6 s and 3.3 with one (deps.md gotcha 10:
oversubscribed threads made tesseract 5x slower). OpenCV's own pool is capped at one
thread.

Every costly step of a page asks the document's :class:`~limits.OcrBudget` first and
is charged what it gave the models: the cells are read in chunks, a second look and the
prose only while work is left; a page the budget cut short is named in its warning.

A page is read in two parts (:mod:`scan` has the geometry):

- **Tables, from the grid in the image.** The page is straightened, its ruling lines
  give the cell boxes, and the text lines inside each cell (found by projecting its
  ink) go to the recogniser alone, in one batch: a blank cell costs nothing, a cell's
  text cannot drift into its neighbour, and the detector (most of the time of a page)
  never sees the table. Each cell's text keeps the recogniser's confidence; lattice
  marks a cell read with less than ``positioned.SURE`` as uncertain.
- **The rest of the page** (with the tables painted out) by detection and recognition
  at no more than ``PROSE_DPI``, the resolution the scans of deps.md read perfectly at;
  text-aligned tables without lines come from the boxes' alignment (:mod:`aligned`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import numpy as np

from parsers.errors import ExtractionError
from parsers.extract import lattice, scan
from parsers.extract.limits import (
    DETECT_SECONDS_PER_PIXEL,
    PAGE_SECONDS_PER_PIXEL,
    RECOGNISE_SECONDS_PER_COLUMN,
    RECOGNISE_SECONDS_PER_SQUARED_COLUMN,
    OcrBudget,
)
from parsers.extract.positioned import SURE, Page, Rule, Run

THREADS = 1
# rapidocr's recogniser sorts the lines it is given by width (np.argsort) and pads each
# batch of this many to the widest of the batch; cells are read a batch at a time, in the
# order of the same sort, so every line is padded as in one call for all of them (lines
# of one width in another order land in other batches and read a little differently)
_BATCH = 6
_MODELS = {
    "Det.model_path": "PP-OCRv6_det_small.onnx",
    "Rec.model_path": "PP-OCRv6_rec_small.onnx",
    "Cls.model_path": "ch_ppocr_mobile_v2.0_cls_mobile.onnx",
}
PROSE_DPI = 150
_SNAP_POINTS = 3.0  # as page_layout: ruling lines this close are one
# pixels of paper round a cell's text for the recogniser (tight reads digits best), and
# round it for the detector on a second look
_PADS = (4, 12)
# the budget of the document being read, charged by every run of the two models
_CHARGED: ContextVar[OcrBudget | None] = ContextVar("ocr_budget", default=None)
_LOCK = threading.Lock()
_engine: Any = None


def engine() -> Any:
    """The process's one OCR engine (a rapidocr.RapidOCR, untyped), loaded on first use."""
    global _engine
    with _LOCK:
        if _engine is None:
            _engine = _load()
    return _engine


def _load() -> Any:
    try:
        import cv2
        import rapidocr
    except ImportError as error:
        raise ExtractionError("converter_missing", f"OCR is not installed: {error}") from error
    models = Path(rapidocr.__file__).parent / "models"
    params: dict[str, object] = {key: str(models / name) for key, name in _MODELS.items()}
    missing = [path for path in params.values() if not Path(str(path)).is_file()]
    if missing:
        raise ExtractionError("converter_missing", f"OCR models missing from the rapidocr wheel: {missing}")
    params.update(
        {
            "Global.log_level": "warning",
            "Global.use_cls": False,
            # PaddleOCR's own default: finding a line needs less than reading it, and
            # the detector at full size was most of the time of a page
            "Det.limit_type": "max",
            "Det.limit_side_len": 960,
            # a cell's "0" padded to 320 px wide was most of the time of a table; 96
            # reads the same text with the same confidence (48 lowered a lone digit's)
            "Rec.rec_img_shape": [3, 48, 96],
            "Rec.rec_batch_num": _BATCH,
            "EngineConfig.onnxruntime.intra_op_num_threads": THREADS,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
        }
    )
    cv2.setNumThreads(1)
    loaded: Any = rapidocr.RapidOCR(params=params)
    # rapidocr loads each model on its first use: a blank page and a blank line load both
    blank = np.full((32, 96, 3), 255, np.uint8)
    loaded(blank)
    loaded.recognize_txt([blank])
    loaded.text_det.session = _ChargedSession(loaded.text_det.session, _detection_seconds)
    loaded.text_rec.session = _ChargedSession(loaded.text_rec.session, _recognition_seconds)
    return loaded


class _ChargedSession:
    """A model's session that charges each run to the budget of the document being read,
    from the shape of what the model is given: every line rapidocr read costs, the ones it
    drops afterwards (blank, or under its score) as well."""

    def __init__(self, session: Any, seconds: Callable[[tuple[int, ...]], float]) -> None:
        self.session, self.seconds = session, seconds

    def __call__(self, batch: np.ndarray) -> Any:
        budget = _CHARGED.get()
        if budget is not None:
            budget.charge(self.seconds(batch.shape))
        return self.session(batch)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.session, name)


def _detection_seconds(shape: tuple[int, ...]) -> float:
    images, _, height, width = shape
    return DETECT_SECONDS_PER_PIXEL * images * height * width


def _recognition_seconds(shape: tuple[int, ...]) -> float:
    lines, _, _, columns = shape  # a batch is padded to its widest line
    return lines * (RECOGNISE_SECONDS_PER_COLUMN * columns + RECOGNISE_SECONDS_PER_SQUARED_COLUMN * columns**2)


@contextmanager
def _charging(budget: OcrBudget) -> Iterator[None]:
    token = _CHARGED.set(budget)
    try:
        yield
    finally:
        _CHARGED.reset(token)


def read_page(image: np.ndarray, number: int, dpi: float, budget: OcrBudget) -> Page:
    """A greyscale page image (rows x columns, uint8) as a :class:`Page` in pixels of
    the straightened page, as much of it as ``budget`` leaves work for."""
    gray, mask, rules, drawn, tables = _grid(_gray(image), dpi, budget)
    runs = _cell_runs(*scan.erase(gray, mask, drawn, dpi), tables, dpi, _PageBudget(budget, number))
    if budget.spent():
        budget.cut_short(number)
    else:
        runs += _prose(gray, tables, dpi, budget)
    height, width = gray.shape
    return Page(number, float(width), float(height), runs, rules, unit=dpi / 72)


def has_ruled_table(image: np.ndarray, dpi: float, budget: OcrBudget) -> bool:
    """Whether the page image draws a table of ruling lines: the grid :func:`read_page`
    reads first, found without any recognition (a page image at ``SIGNAL_DPI`` takes
    tens of milliseconds, against seconds to read the page)."""
    return bool(_grid(_gray(image), dpi, budget)[4])


def _grid(
    gray: np.ndarray, dpi: float, budget: OcrBudget
) -> tuple[np.ndarray, np.ndarray, list[Rule], np.ndarray, list[list[lattice.Box]]]:
    """The straightened page, its ink, its ruling lines (and their pixels), and the cells
    of each table they draw."""
    budget.charge(PAGE_SECONDS_PER_PIXEL * gray.size)
    mask = scan.ink(gray)
    angle = scan.skew(mask, dpi)
    if angle:
        gray = scan.straighten(gray, angle)
        mask = scan.ink(gray)
    tolerance = _SNAP_POINTS * dpi / 72
    rules, drawn = scan.find_rules(mask, dpi, tolerance)
    tables = lattice.find_tables([(r.x0, r.top, r.x1, r.bottom) for r in rules], tolerance)
    return gray, mask, rules, drawn, tables


class _PageBudget:
    """The document's budget as one page sees it: :meth:`spent` marks the page cut short."""

    __slots__ = ("document", "page")

    def __init__(self, document: OcrBudget, page: int) -> None:
        self.document, self.page = document, page

    def spent(self) -> bool:
        if self.document.spent():
            self.document.cut_short(self.page)
            return True
        return False


def _cell_runs(
    paper: np.ndarray, text: np.ndarray, tables: list[list[lattice.Box]], dpi: float, budget: _PageBudget
) -> list[Run]:
    """A run for each cell that holds ink, its lines read as one, all in one batch.
    Smallest cells first, each taking its ink away, so a cell that holds others reads
    only its own. A cell read with less than ``SURE`` gets a second look, by detection
    and recognition: its text is kept, and its confidence is the better of the two when
    both looks read the same (spaces aside: "10 5" is 105), the worse when they differ."""
    text = text.copy()
    found: list[scan.CellInk] = []
    for cell in sorted((c for cells in tables for c in cells), key=lambda c: (c[2] - c[0]) * (c[3] - c[1])):
        ink = scan.cell_ink(text, cell, dpi)
        if ink is not None:
            found.append(ink)
        text[int(cell[1]) : int(cell[3]), int(cell[0]) : int(cell[2])] = 0
    dashes = [ink for ink in found if ink.dash]
    found = [ink for ink in found if not ink.dash]
    readings = _read_in_chunks([ink.strip(paper, _PADS[0]) for ink in found], budget)
    unsure = [index for index, (_, score) in enumerate(readings) if score < SURE]
    for index in unsure:
        if budget.spent():
            break
        (first, score), (again, second) = (
            readings[index],
            _look_again(found[index].strip(paper, _PADS[1]), budget.document),
        )
        same = "".join(again.split()) == "".join(first.split())
        readings[index] = (again, max(score, second) if same else min(score, second))
    runs = [Run("—", *ink.box) for ink in dashes]
    return runs + [Run(txt, *ink.box, score) for ink, (txt, score) in zip(found, readings, strict=True) if txt]


def _look_again(image: np.ndarray, budget: OcrBudget) -> tuple[str, float]:
    """A cell read by detection and recognition both, as the whole page once was: the
    detector's box round the text is the margin the recogniser was trained with."""
    runs = sorted(recognise(image, budget), key=lambda run: run.x0)
    return "".join(run.text for run in runs), min((run.confidence for run in runs), default=0.0)


def _read_in_chunks(images: list[np.ndarray], budget: _PageBudget) -> list[tuple[str, float]]:
    """:func:`_read` of every image, a batch at a time while ``budget`` lasts; an image
    left unread reads as nothing."""
    readings = [("", 0.0)] * len(images)
    order = [int(index) for index in np.argsort(np.array([image.shape[1] / float(image.shape[0]) for image in images]))]
    for start in range(0, len(order), _BATCH):
        if budget.spent():
            break
        batch = order[start : start + _BATCH]
        for index, reading in zip(batch, _read([images[index] for index in batch], budget.document), strict=True):
            readings[index] = reading
    return readings


def _read(images: list[np.ndarray], budget: OcrBudget) -> list[tuple[str, float]]:
    """The recogniser's text and confidence for each one-line image, in one batch."""
    if not images:
        return []
    import cv2

    with _charging(budget):
        result = engine().recognize_txt([cv2.cvtColor(image, cv2.COLOR_GRAY2BGR) for image in images])
    return [(txt.strip(), float(score)) for txt, score in zip(result.txts, result.scores, strict=True)]


def _prose(gray: np.ndarray, tables: list[list[lattice.Box]], dpi: float, budget: OcrBudget) -> list[Run]:
    """The text outside the tables, found and read at no more than ``PROSE_DPI``, each
    box cut down to the rows of its ink: the detector's boxes grow and shrink by a
    few pixels from line to line, which would read as a change of type size."""
    import cv2

    page = gray.copy()
    for cells in tables:
        x0, top = int(min(c[0] for c in cells)), int(min(c[1] for c in cells))
        x1, bottom = int(max(c[2] for c in cells)) + 1, int(max(c[3] for c in cells)) + 1
        page[top:bottom, x0:x1] = 255
    scale = min(1.0, PROSE_DPI / dpi)
    small = cv2.resize(page, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1.0 else page
    mask = scan.ink(page)
    runs = []
    for run in recognise(small, budget):
        left, high, right, low = (value / scale for value in (run.x0, run.top, run.x1, run.bottom))
        high, low = scan.ink_rows(mask, left, high, right, low)
        runs.append(Run(run.text, left, high, right, low, run.confidence))
    return runs


def _gray(image: np.ndarray) -> np.ndarray:
    if image.ndim == 3 and image.shape[2] == 1:
        return image[:, :, 0]
    if image.ndim == 3:
        import cv2

        return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY if image.shape[2] == 3 else cv2.COLOR_RGBA2GRAY)
    return image


def recognise(gray: np.ndarray, budget: OcrBudget) -> list[Run]:
    """The text boxes of the image, each as a run (a box holding spaced-out words is
    cut at its spaces, in proportion to the characters)."""
    with _charging(budget):
        result = engine()(gray)
    if result.boxes is None or result.txts is None:
        return []
    runs: list[Run] = []
    for box, text, score in zip(result.boxes, result.txts, result.scores, strict=True):
        xs, ys = [float(p[0]) for p in box], [float(p[1]) for p in box]
        runs += _split(text.strip(), min(xs), min(ys), max(xs), max(ys), float(score))
    return runs


def _split(text: str, x0: float, top: float, x1: float, bottom: float, score: float) -> list[Run]:
    words = text.split()
    if len(words) < 2:
        return [Run(text, x0, top, x1, bottom, score)] if text else []
    step = (x1 - x0) / max(len(text), 1)
    runs, at = [], 0
    for word in words:
        start = text.index(word, at)
        at = start + len(word)
        runs.append(Run(word, x0 + start * step, top, x0 + at * step, bottom, score))
    return runs
