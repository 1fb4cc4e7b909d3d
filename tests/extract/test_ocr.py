"""OCR of scanned PDFs and images: offline engine, table 三 cell for cell, bad images.

The OCR fixtures hold only the pages of table 三 and table 四 (pages 2-3 of
report-2021.pdf), so only those tables are checked. On these clean renderings rapidocr
reads every cell of them exactly; ``KNOWN_MISSES`` lists the cells it is allowed to
miss (none today) and is the place to record one honestly if a model update loses it.
"""

from __future__ import annotations

import io
import itertools
import json
import socket
import time

import pytest
from PIL import Image

from fixtures.render.document import load_spec
from parsers import tables as keys
from parsers.cells import normalize
from parsers.errors import ExtractionError
from parsers.extract import extract, image, limits, ocr, ocr_queue, pdf
from parsers.parse_file import parse
from tests.extract.conftest import DOCUMENTS, expected_rows, find_row, missing_in_order, tables_of

SPEC = load_spec("report-2021")
SCANNED = DOCUMENTS / "pdf" / "report-2021-scanned.pdf"
JPEG = DOCUMENTS / "image" / "report-2021-table3.jpg"
TIFF = DOCUMENTS / "image" / "report-2021-pages.tif"
# rows of table 三 on the JPEG's page: all but the last four (the page breaks inside
# the 2nd row of （六）其他处理)
ROWS_ON_JPEG = 21
KNOWN_MISSES: set[str] = set()


class _NoNetwork(Exception):
    pass


def _refuse(*args, **kwargs):
    raise _NoNetwork(f"network access attempted: {args[:2]}")


@pytest.fixture(scope="module", autouse=True)
def offline_engine():
    """Load the engine with every socket refused: the models must come from the wheel."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ocr, "_engine", None)
        patch.setattr(socket.socket, "connect", _refuse)
        patch.setattr(socket, "create_connection", _refuse)
        patch.setattr(socket, "getaddrinfo", _refuse)
        ocr.engine()
        yield


def _application_rows() -> list[tuple[str, list[str]]]:
    return [(label, values) for table, label, values, _ in expected_rows(SPEC) if table == keys.APPLICATIONS]


def _misses(document, rows) -> list[str]:
    misses = []
    for label, values in rows:
        try:
            found = find_row(document, label)[-len(values) :]
        except LookupError:
            found = []
        # white space aside: OCR may read 105 as "10 5", which the record reads as 105
        misses += [
            f"{label}[{i}]"
            for i, value in enumerate(values)
            if i >= len(found) or normalize(found[i]) != normalize(value)
        ]
    return [miss for miss in misses if miss not in KNOWN_MISSES]


def _review_row(document) -> list[str]:
    rows = [rows[-1] for rows in tables_of(document) if any("行政复议" in cell for cell in rows[0])]
    return rows[0] if rows else []


def test_scanned_pdf_reads_table3_and_table4_exactly():
    document = pdf.read(SCANNED.read_bytes())
    assert _misses(document, _application_rows()) == []
    assert _review_row(document) == [str(SPEC["tables"][keys.REVIEW_LITIGATION]["all"][c]) for c in keys.REVIEW_COLUMNS]
    assert document.ocr_confidence is not None and document.ocr_confidence > 0.9
    assert document.warnings and document.warnings[0].startswith("OCR-derived")
    on_these_pages = {**SPEC, "sections": [s for s in SPEC["sections"] if s["number"] >= 3]}
    assert missing_in_order(document, on_these_pages) == []  # the prose too, character for character


def test_ocr_page_cap():
    document = pdf.read(SCANNED.read_bytes(), max_ocr_pages=1)
    assert {block.page for block in document.blocks} == {1}
    assert any("not OCR'd" in warning for warning in document.warnings)


def test_ocr_work_cap_between_pages(monkeypatch):
    monkeypatch.setattr(limits, "MAX_OCR_SECONDS", 0.0)
    document = pdf.read(SCANNED.read_bytes())
    assert document.blocks == []
    assert any("pages 1, 2 have no text layer and were not OCR'd" in warning for warning in document.warnings)
    assert any("frames 1, 2 were not OCR'd (cap)" in w for w in image.read(TIFF.read_bytes()).warnings)


class _Questions(limits.OcrBudget):
    """A budget spent after ``left`` questions, wherever they are asked."""

    def __init__(self, left: int) -> None:
        super().__init__()
        self.left = left

    def spent(self) -> bool:
        self.left -= 1
        return self.left < 0


def test_ocr_work_cap_inside_a_page(tmp_path):
    """A page of 682 cells of scribbles (each read twice before) is read a batch of cells
    at a time while the budget lasts, and named as cut short."""
    import numpy as np

    from fixtures.hostile import build

    (path,) = build(tmp_path, ["png-cells.png"])
    budget = _Questions(1)
    page = ocr.read_page(np.array(Image.open(path)), 1, 300, budget)
    assert 0 < len(page.runs) <= ocr._BATCH
    assert budget.cut == [1]
    assert budget.warnings() == ["pages 1 were OCR'd only in part (work cap)"]


def test_a_scan_reads_the_same_however_slow_the_machine(monkeypatch):
    """The OCR budget is work, not time: with a clock that jumps 1,000 s at every look
    (a machine slowed down without end) the scan gives its whole expected record. On the
    clock it once had, a crawl on a busy machine stored a scan cut short that the reparse
    read whole."""
    expected = json.loads(TIFF.with_name(TIFF.name + ".expected.json").read_text(encoding="utf-8"))
    ticks = itertools.count()
    monkeypatch.setattr(time, "monotonic", lambda: 1000.0 * next(ticks))
    monkeypatch.setattr(time, "perf_counter", lambda: 1000.0 * next(ticks))
    assert parse(TIFF.read_bytes()).to_dict() == expected


def test_multipage_tiff_is_one_document_with_table3_joined():
    document = extract(TIFF.read_bytes())
    assert document.source_format == "image"
    applications = [rows for rows in tables_of(document) if any("本年新收" in cell for row in rows for cell in row)]
    assert len(applications) == 1  # stitched over the two frames
    assert _misses(document, _application_rows()) == []
    assert {block.page for block in document.blocks} == {1, 2}


def test_jpeg_page_reads_every_cell_of_its_rows():
    document = image.read(JPEG.read_bytes())
    rows = _application_rows()[:ROWS_ON_JPEG]
    misses = _misses(document, rows)
    cells = sum(len(values) for _, values in rows)
    assert (cells - len(misses)) / cells >= 0.9, misses
    assert misses == []
    assert document.warnings == ["OCR-derived"]
    assert document.ocr_confidence is not None and document.ocr_confidence > 0.9


def test_truncated_image():
    data = JPEG.read_bytes()
    with pytest.raises(ExtractionError) as caught:
        image.read(data[: len(data) // 2])
    assert caught.value.reason == "truncated"


def test_a_tiff_cut_inside_its_second_frames_directory_is_truncated():
    """Pillow says TypeError ('Missing dimensions'), which ended a crawl's document as a
    reader's bug (issue 14); the fuzz target's TIFF seed finds it too."""
    import struct

    data = TIFF.read_bytes()
    first = struct.unpack_from("<I", data, 4)[0]  # little-endian ("II"): the first directory
    second = struct.unpack_from("<I", data, first + 2 + 12 * struct.unpack_from("<H", data, first)[0])[0]
    with pytest.raises(ExtractionError) as caught:
        image.read(data[: second + 2 + 12])  # its entry count and the first entry only
    assert caught.value.reason == "truncated"


def test_corrupt_image():
    with pytest.raises(ExtractionError) as caught:
        image.read(b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(200))
    assert caught.value.reason == "corrupt"


def test_pixel_cap(monkeypatch):
    monkeypatch.setattr(image, "MAX_PIXELS", 1000)
    with pytest.raises(ExtractionError) as caught:
        image.read(JPEG.read_bytes())
    assert caught.value.reason == "too_large"


def test_the_mean_confidence_is_the_same_on_machines_whose_kernels_differ():
    # the same scan's mean on two CPUs (onnxruntime's AVX2 and AVX-512 kernels)
    assert ocr_queue.mean_confidence([0.9961782575757565]) == ocr_queue.mean_confidence([0.9961784848484838]) == 0.996
    assert ocr_queue.mean_confidence([]) == 0.0


def test_blank_page_has_no_text():
    buffer = io.BytesIO()
    Image.new("L", (827, 1169), 255).save(buffer, "PNG")
    document = image.read(buffer.getvalue())
    assert document.blocks == []
    assert document.ocr_confidence == 0.0


@pytest.mark.parametrize(("dpi", "degrees"), [(100, 2.5), (150, -1.5), (200, 1.5), (200, 2.8), (300, -2.0)])
def test_the_skew_of_a_ruled_page_is_found_up_to_three_degrees(dpi: int, degrees: float) -> None:
    # A page skewed 1.5° at 200 dpi was read unturned (its lines were too steep for the
    # 1.5-inch run skew looked for), and its table came apart into different numbers
    import cv2
    import numpy as np

    from fixtures.render.scan import Scan, generated, scanned
    from parsers.extract import scan

    data = scanned(generated(0)[1], Scan(dpi=dpi, skew=degrees))
    gray = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_GRAYSCALE)
    assert scan.skew(scan.ink(gray), dpi) == pytest.approx(degrees, abs=0.15)


_PROSE_LINE = "本机关认真贯彻落实政府信息公开条例，主动公开政府信息，回应社会关切。"


def _report_scanned_tables_last(prose_pages: int) -> list[Image.Image]:
    """A scanned report whose first pages are prose only and whose last page holds
    tables 三 and 四 (drawn at 150 dpi as ``fixtures.render.scan`` draws a page)."""
    from dataclasses import replace

    from fixtures.render.document import Block
    from fixtures.render.scan import draw, generated

    _, tables = generated(11)
    prose = replace(tables, title=(), blocks=tuple(Block("heading", _PROSE_LINE) for _ in range(30)))
    return [draw(prose, 150) for _ in range(prose_pages)] + [draw(tables, 150)]


def _has_table3(document) -> bool:
    return any(any("本年新收" in cell for row in rows for cell in row) for rows in tables_of(document))


def test_scanned_table_pages_are_read_first_when_not_all_fit():
    """Only one page of five fits the cap: the table page (the last) is read, and the
    prose pages before it are named unread; before, page 1 was read and the tables lost."""
    first, *rest = _report_scanned_tables_last(4)
    tiff, scan_pdf = io.BytesIO(), io.BytesIO()
    first.save(tiff, "TIFF", save_all=True, append_images=rest, dpi=(150, 150))
    first.save(scan_pdf, "PDF", save_all=True, append_images=rest, resolution=150)

    from_tiff = image.read(tiff.getvalue(), max_ocr_pages=1)
    assert _has_table3(from_tiff)
    assert {block.page for block in from_tiff.blocks} == {5}
    assert "frames 1, 2, 3, 4 were not OCR'd (cap)" in from_tiff.warnings

    from_pdf = pdf.read(scan_pdf.getvalue(), max_ocr_pages=1)
    assert _has_table3(from_pdf)
    assert {block.page for block in from_pdf.blocks} == {5}
    assert "pages 1, 2, 3, 4 have no text layer and were not OCR'd (cap)" in from_pdf.warnings
