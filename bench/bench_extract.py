"""Extraction speed: pages per second per format, and the PDF reader against pdftotext.

    python bench/bench_extract.py

Every fixture document under ``fixtures/documents/<format>/`` is read through
``parsers.extract.extract`` until each format has had ``SECONDS`` of work (OCR'd
files at least once); scanned PDFs count apart, as ``pdf-ocr``. "Pages" are the pages
the document's blocks stand on (1 for formats without pages).

The PDF target is at most ``TARGET_RATIO`` times the time of poppler's
``pdftotext -layout`` on the same text-layer PDFs (the fixtures, and the real reports
of ``../shared/corpus/real`` when present), both run here in one process, pdftotext as
the subprocess a pipeline would run. :func:`pdf_vs_pdftotext` is the helper for other
benches to call.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from parsers.errors import ExtractionError
from parsers.extract import extract, pdf

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = ROOT / "fixtures" / "documents"
CORPUS = ROOT.parent / "shared" / "corpus" / "real"
SECONDS = 2.0
TARGET_RATIO = 3.0


def _rate(work: Callable[[], object], units: int, seconds: float) -> float:
    """Units per second of ``work``, repeated for about ``seconds`` (at least once)."""
    done, start = 0, time.perf_counter()
    while True:
        work()
        done += units
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return done / elapsed


def _kind_and_pages(folder: str, data: bytes) -> tuple[str, int]:
    """The row a fixture counts under (OCR'd PDFs apart from text PDFs) and its pages."""
    document = extract(data)
    kind = f"{folder}-ocr" if folder == "pdf" and document.ocr_confidence is not None else folder
    return kind, max((block.page or 1 for block in document.blocks), default=1)


def format_rates(seconds: float = SECONDS) -> dict[str, tuple[int, float, float]]:
    """format -> (files, documents/s, pages/s) over the readable fixtures of that format."""
    groups: dict[str, list[tuple[bytes, int]]] = {}
    for folder in sorted(p for p in DOCUMENTS.iterdir() if p.is_dir() and p.name != "specs"):
        for path in sorted(p for p in folder.iterdir() if p.is_file()):
            data = path.read_bytes()
            try:
                kind, pages = _kind_and_pages(folder.name, data)
            except ExtractionError:
                continue  # the encrypted and broken fixtures are there to fail
            groups.setdefault(kind, []).append((data, pages))
    rates = {}
    for kind, inputs in groups.items():
        pages = sum(count for _, count in inputs)

        def work(inputs=inputs) -> None:
            for data, _ in inputs:
                extract(data)

        docs_rate = _rate(work, len(inputs), seconds)
        rates[kind] = (len(inputs), docs_rate, docs_rate * pages / len(inputs))
    return rates


def text_layer_pdfs() -> list[Path]:
    fixtures = [
        p for p in sorted((DOCUMENTS / "pdf").glob("*.pdf")) if "scanned" not in p.stem and "encrypt" not in p.stem
    ]
    real = sorted(CORPUS.glob("*/*.pdf")) if CORPUS.is_dir() else []
    return fixtures + real


def pdf_vs_pdftotext(paths: list[Path], seconds: float = SECONDS) -> dict[str, float]:
    """Pages/s of ``parsers.extract.pdf.read`` and of ``pdftotext -layout`` on the same
    files, and the ratio of their times (reader / pdftotext; lower is better)."""
    program = shutil.which("pdftotext")
    if program is None:
        raise RuntimeError("pdftotext (poppler-utils) is not installed")
    inputs = [(path, path.read_bytes()) for path in paths]
    pages = sum(pdf.page_count(data) for _, data in inputs)

    def ours() -> None:
        for _, data in inputs:
            pdf.read(data)

    def poppler() -> None:
        for path, _ in inputs:
            subprocess.run([program, "-layout", str(path), "-"], capture_output=True, check=True)

    ours()  # warm caches and imports before timing
    reader = _rate(ours, pages, seconds)
    baseline = _rate(poppler, pages, seconds)
    return {"files": len(inputs), "pages": pages, "reader": reader, "pdftotext": baseline, "ratio": baseline / reader}


def main() -> None:
    print(f"{'format':8} {'files':>5} {'docs/s':>9} {'pages/s':>9}")
    for name, (files, docs, pages) in format_rates().items():
        print(f"{name:8} {files:5d} {docs:9.1f} {pages:9.1f}")
    paths = text_layer_pdfs()
    try:
        result = pdf_vs_pdftotext(paths)
    except RuntimeError as error:
        print(f"pdf vs pdftotext: skipped ({error})")
        return
    print(
        f"pdf vs pdftotext -layout on {result['files']:.0f} text-layer PDFs ({result['pages']:.0f} pages): "
        f"reader {result['reader']:.0f} pages/s, pdftotext {result['pdftotext']:.0f} pages/s, "
        f"reader takes {result['ratio']:.2f}x pdftotext's time"
    )
    verdict = "meets" if result["ratio"] <= TARGET_RATIO else "MISSES"
    print(f"target    at most {TARGET_RATIO:.0f}x pdftotext: {verdict}")


if __name__ == "__main__":
    main()
