"""Page images -> positioned text and ruling lines, by rapidocr, fully offline.

rapidocr 3.x ships its PP-OCRv6 detection and recognition models in the wheel
(deps.md §5). Given no model path it would look them up in its model list and call
its downloader, so the paths of the bundled files are passed explicitly: no code path
that can reach the network is taken, and a missing model is ``converter_missing``,
never a download. The orientation classifier is off: report pages are upright, and it
costs time on every box.

The engine loads once per process, lazily (about 1 s), behind a lock. onnxruntime runs
with ``THREADS`` intra-op threads (2 on this project's 2-core machines, where 2 threads
halve the time of 1) and one inter-op thread; set ``THREADS = 1`` before the first
page when several worker processes share the cores (deps.md gotcha 10: oversubscribed
threads made tesseract 5x slower). OpenCV's own pool is capped at one thread.

Ruling lines are found in the image (long thin runs of ink, by morphological opening)
so a scanned table goes through the same lattice as a PDF's; without lines, rows and
columns come from the text boxes' alignment (:mod:`aligned`).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import numpy as np

from parsers.errors import ExtractionError
from parsers.extract.positioned import Page, Rule, Run

THREADS = min(2, os.cpu_count() or 1)
_MODELS = {
    "Det.model_path": "PP-OCRv6_det_small.onnx",
    "Rec.model_path": "PP-OCRv6_rec_small.onnx",
    "Cls.model_path": "ch_ppocr_mobile_v2.0_cls_mobile.onnx",
}
# Runs of ink this long are lines, not strokes of a glyph. Vertical ones may be as
# short as one table row (a row cut off at the top of a page).
_RULE_INCHES = (0.35, 0.15)
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
            "EngineConfig.onnxruntime.intra_op_num_threads": THREADS,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
        }
    )
    cv2.setNumThreads(1)
    return rapidocr.RapidOCR(params=params)


def read_page(image: np.ndarray, number: int, dpi: float) -> Page:
    """A greyscale page image (rows x columns, uint8) as a :class:`Page` in pixels."""
    gray = _gray(image)
    height, width = gray.shape
    runs = recognise(gray)
    rules = [rule for rule in find_rules(gray, dpi) if not _inside_text(rule, runs)]
    return Page(number, float(width), float(height), runs, rules, unit=dpi / 72)


def _inside_text(rule: Rule, runs: list[Run]) -> bool:
    """A "line" within a text box is a stroke of a glyph (丨 in 十, the stem of 1)."""
    return any(
        run.x0 <= rule.x0 and rule.x1 <= run.x1 and run.top <= rule.top and rule.bottom <= run.bottom for run in runs
    )


def _gray(image: np.ndarray) -> np.ndarray:
    if image.ndim == 3 and image.shape[2] == 1:
        return image[:, :, 0]
    if image.ndim == 3:
        import cv2

        return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY if image.shape[2] == 3 else cv2.COLOR_RGBA2GRAY)
    return image


def recognise(gray: np.ndarray) -> list[Run]:
    """The text boxes of the image, each as a run (a box holding spaced-out words is
    cut at its spaces, in proportion to the characters)."""
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


def find_rules(gray: np.ndarray, dpi: float) -> list[Rule]:
    import cv2

    ink = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)[1]
    across, down = (max(int(dpi * inches), 12) for inches in _RULE_INCHES)
    rules: list[Rule] = []
    for kernel in ((across, 1), (1, down)):
        shape = cv2.getStructuringElement(cv2.MORPH_RECT, kernel)
        lines = cv2.morphologyEx(ink, cv2.MORPH_OPEN, shape)
        contours, _ = cv2.findContours(lines, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        for contour in contours:
            x, y, w, h = cv2.boundingRect(contour)
            rules.append(Rule(float(x), float(y), float(x + w), float(y + h)))
    return rules


def mean_confidence(pages: list[Page]) -> float | None:
    scores = [run.confidence for page in pages for run in page.runs]
    return sum(scores) / len(scores) if scores else None
