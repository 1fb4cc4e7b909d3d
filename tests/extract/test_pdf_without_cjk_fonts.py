"""A PDF whose CJK font is not embedded reads the same on a machine with no CJK font.

Without one, pdfium measures '５' or '中' with its built-in Latin font, which has no such
glyph; a text object of that one character gets no width and pdfium's text page skips
it, so a cell '５' read as blank. Each read runs in a subprocess whose pdfium looks for
system fonts only in an empty folder, as on a machine without fonts-noto-cjk.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from parsers.extract.pdf_fontless import FontlessReader
from tests.conftest import PROJECT

CHECK = """
import ctypes, json, sys
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pypdfium2 import _library_scope
from pypdfium2.internal import bases

_library_scope.destroy_lib()
folder = ctypes.cast(ctypes.c_char_p(sys.argv[2].encode()), ctypes.POINTER(ctypes.c_char))
paths = (ctypes.POINTER(ctypes.c_char) * 2)(folder, None)
pdfium_c.FPDF_InitLibraryWithConfig(
    pdfium_c.FPDF_LIBRARY_CONFIG(version=2, m_pUserFontPaths=paths, m_pIsolate=None, m_v8EmbedderSlot=0)
)
bases.LIBRARY_AVAILABLE = True

from parsers.extract import pdf

data = open(sys.argv[1], "rb").read()
document = pdfium.PdfDocument(data)
textpage = document[0].get_textpage()
seen_by_pdfium = textpage.get_text_range()
textpage.close()
document.close()
read = pdf.read(data)
texts = [getattr(block, "text", None) or "".join(map("".join, block.rows)) for block in read.blocks]
print(json.dumps({"pdfium": seen_by_pdfium, "texts": texts, "warnings": read.warnings}))
"""

LINES = ["５", "中", "1５", "合计 ５", "1"]


def cjk_pdf(rotation: int = 0) -> bytes:
    """Each line one text object in STSong-Light, not embedded (as iText portals write it)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    output = io.BytesIO()
    page = canvas.Canvas(output, invariant=1)
    page.setPageRotation(rotation)
    for row, text in enumerate(LINES):
        page.setFont("STSong-Light", 10)
        page.drawString(100, 600 - 40 * row, text)
    page.save()
    return output.getvalue()


def read_without_fonts(tmp_path: Path, data: bytes) -> dict:
    source, fonts = tmp_path / "cjk.pdf", tmp_path / "no-fonts"
    source.write_bytes(data)
    fonts.mkdir()
    done = subprocess.run(
        [sys.executable, "-c", CHECK, str(source), str(fonts)],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    result: dict = json.loads(done.stdout)
    return result


def test_single_cjk_characters_are_read_without_a_cjk_font(tmp_path: Path) -> None:
    result = read_without_fonts(tmp_path, cjk_pdf())
    assert "中" not in result["pdfium"]  # the machine of the test lost them, as one without fonts does
    assert "".join(result["texts"]).replace(" ", "") == "".join(LINES).replace(" ", "")
    assert result["warnings"] == []


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_they_are_found_on_a_turned_page(tmp_path: Path, rotation: int) -> None:
    """pdfminer turns a page by its /Rotate before it places characters; pdfium does not."""
    result = read_without_fonts(tmp_path, cjk_pdf(rotation))
    assert sorted("".join(result["texts"]).replace(" ", "")) == sorted("".join(LINES).replace(" ", ""))
    assert result["warnings"] == []


def test_an_object_pdfminer_finds_nothing_at_is_named() -> None:
    reader = FontlessReader(cjk_pdf())
    try:
        glyphs, missed = reader.glyphs(1, [(100.0, 600.0), (300.0, 300.0)])
    finally:
        reader.close()
    assert [glyph.text for glyph in glyphs] == ["５"]
    assert missed == [(300.0, 300.0)]


def test_a_file_pdfminer_cannot_read_has_every_dropped_character_missed() -> None:
    # a damaged file pdfium still reads may be one pdfminer cannot open (the fuzz target
    # found one): its characters are named as lost, not a reader's crash
    damaged = FontlessReader(b"%PDF-1.4\n1 0 obj\n<</Type/Catalog/Pages 2 0 R>>\n")
    assert damaged.glyphs(1, [(72.0, 700.0), (90.0, 700.0)]) == ([], [(72.0, 700.0), (90.0, 700.0)])
