"""OFD: positioned TextCodes and PathObject rules to paragraphs and tables; bad packages."""

from __future__ import annotations

import io
import zipfile

import pytest

from fixtures.render.document import full_title
from parsers.errors import ExtractionError
from parsers.extract import extract, ofd
from tests.extract.conftest import documents, ids, missing_in_order, paragraphs, table_mismatches, tables_of

OFDS = documents("ofd")
NS = 'xmlns:ofd="http://www.ofdspec.org/2016"'
OFD_XML = (
    f'<ofd:OFD {NS} Version="1.0"><ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>'
)
DOCUMENT_XML = (
    f"<ofd:Document {NS}><ofd:CommonData><ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox>"
    '</ofd:PageArea></ofd:CommonData><ofd:Pages><ofd:Page ID="1" BaseLoc="Pages/Page_0/Content.xml"/>'
    "</ofd:Pages></ofd:Document>"
)


def _package(page: str, **extra: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("OFD.xml", OFD_XML)
        archive.writestr("Doc_0/Document.xml", DOCUMENT_XML)
        archive.writestr("Doc_0/Pages/Page_0/Content.xml", page)
        for name, data in extra.items():
            archive.writestr(name, data)
    return out.getvalue()


def _page(objects: str) -> str:
    return f'<ofd:Page {NS}><ofd:Content><ofd:Layer ID="2">{objects}</ofd:Layer></ofd:Content></ofd:Page>'


def _text(x: float, y: float, text: str, size: float = 4.0, deltas: str | None = None) -> str:
    advances = [size if ord(char) > 0x2000 else size / 2 for char in text[:-1]]  # CJK 1 em, digits half
    delta = deltas if deltas is not None else " ".join(map(str, advances))
    return (
        f'<ofd:TextObject ID="9" Boundary="{x} {y} 150 {size}" Size="{size}">'
        f'<ofd:TextCode X="0" Y="{size * 0.86}" DeltaX="{delta}">{text}</ofd:TextCode></ofd:TextObject>'
    )


@pytest.mark.parametrize(("path", "spec"), OFDS, ids=ids(OFDS))
def test_ofd_has_every_number_in_its_cell(path, spec):
    document = extract(path.read_bytes())
    assert document.source_format == "ofd"
    assert table_mismatches(document, spec) == []
    assert missing_in_order(document, spec) == []
    assert document.title == full_title(spec)
    # the template page's running title stands on every page: furniture, dropped
    assert full_title(spec) not in paragraphs(document)


def test_rows_by_alignment_without_path_objects():
    """No ruling lines: rows by the glyphs' baselines, columns by the gaps."""
    rows = [("规章", "2", "0", "15"), ("行政规范性文件", "6", "3", "41"), ("行政许可", "128", "", "")]
    objects = "".join(
        _text(20, 40 + 8 * r, label) + "".join(_text(100 + 25 * c, 40 + 8 * r, v) for c, v in enumerate(vs) if v)
        for r, (label, *vs) in enumerate(rows)
    )
    document = ofd.read(_package(_page(_text(20, 20, "二、主动公开政府信息情况") + objects)))
    assert paragraphs(document) == ["二、主动公开政府信息情况"]
    assert tables_of(document) == [[list(row) for row in rows]]


def test_delta_x_shorthand_places_glyphs():
    # "g 3 5" is three advances of 5 mm: the fourth glyph is 15 mm right of the first,
    # so the text is four characters on one line whatever their spacing
    document = ofd.read(_package(_page(_text(20, 20, "政务公开", deltas="g 3 5"))))
    assert paragraphs(document) == ["政务公开"]


def test_invisible_paths_are_no_rules():
    white_box = (
        '<ofd:PathObject ID="5" Boundary="10 10 100 50" Fill="true" Stroke="false">'
        '<ofd:FillColor Value="255 255 255"/><ofd:AbbreviatedData>M 0 0 L 100 0 L 100 50 L 0 50 C'
        "</ofd:AbbreviatedData></ofd:PathObject>"
    )
    document = ofd.read(_package(_page(white_box + _text(20, 20, "一、总体情况"))))
    assert paragraphs(document) == ["一、总体情况"]
    assert tables_of(document) == []


def test_missing_doc_root_is_corrupt():
    data = _package(_page(""))
    broken = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(broken, "w") as target:
        for info in source.infolist():
            body = source.read(info)
            target.writestr(info, body.replace(b"Doc_0/Document.xml</ofd:DocRoot>", b"</ofd:DocRoot>"))
    with pytest.raises(ExtractionError) as caught:
        ofd.read(broken.getvalue())
    assert caught.value.reason == "corrupt"


def test_entity_expansion_is_refused():
    bomb = '<?xml version="1.0"?><!DOCTYPE p [<!ENTITY a "aaaaaaaaaa">]><ofd:Page ' + NS + ">&a;</ofd:Page>"
    with pytest.raises(ExtractionError) as caught:
        ofd.read(_package(bomb))
    assert caught.value.reason == "corrupt"


def test_zip_bomb_is_refused():
    with pytest.raises(ExtractionError) as caught:
        ofd.read(_package(_page(""), **{"Doc_0/Res/filler.bin": b"\0" * (4 * 1024 * 1024)}))
    assert caught.value.reason == "too_large"


def test_truncated_package():
    data = _package(_page(_text(20, 20, "一、总体情况")))
    with pytest.raises(ExtractionError) as caught:
        extract(data[: len(data) - 40])
    assert caught.value.reason == "truncated"


def test_size_cap():
    with pytest.raises(ExtractionError) as caught:
        ofd.read(_package(_page("")), max_bytes=100)
    assert caught.value.reason == "too_large"
