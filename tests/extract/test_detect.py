"""Format detection from bytes alone: every fixture, and the damaged inputs a crawl meets."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date

import pytest

from parsers.errors import ExtractionError, UnsupportedFormat
from parsers.extract.detect import detect_format
from tests.extract.conftest import DOCUMENTS, INDEX


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize("name", sorted(INDEX))
def test_every_fixture_document_is_recognised(name: str) -> None:
    assert detect_format((DOCUMENTS / name).read_bytes()) == INDEX[name]["format"]


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "pdf"),
        (b"\r\n\r\n%PDF-1.4\n", "pdf"),  # junk before the header is allowed
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "image"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image"),
        (b"GIF89a\x01\x00\x01\x00", "image"),
        (b"II*\x00\x08\x00\x00\x00", "image"),
        (b"MM\x00*\x00\x00\x00\x08", "image"),
        (b"BM" + b"\x00" * 12 + (40).to_bytes(4, "little") + b"\x00" * 20, "image"),
    ],
)
def test_magic_numbers(head: bytes, expected: str) -> None:
    assert detect_format(head + b"\x00" * 64) == expected


def test_zips_by_their_contents() -> None:
    assert detect_format(_zip({"OFD.xml": b"<ofd:OFD/>", "Doc_0/Document.xml": b"<x/>"})) == "ofd"
    docx = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
    assert detect_format(docx) == "docx"  # also what a .wps saved as DOCX is
    assert detect_format(_zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<x/>"})) == "xlsx"
    with pytest.raises(UnsupportedFormat):
        detect_format(_zip({"[Content_Types].xml": b"<Types/>", "ppt/presentation.xml": b"<x/>"}))
    with pytest.raises(UnsupportedFormat):
        detect_format(_zip({"readme.txt": b"hello"}))


def test_truncated_zip_and_ole2() -> None:
    docx = (DOCUMENTS / "docx" / "report-2021.docx").read_bytes()
    with pytest.raises(ExtractionError) as error:
        detect_format(docx[: len(docx) // 2])
    assert error.value.reason == "truncated"
    doc = (DOCUMENTS / "doc" / "report-2021.doc").read_bytes()
    with pytest.raises(ExtractionError) as error:
        detect_format(doc[:1000])
    assert error.value.reason in {"truncated", "corrupt"}


def test_ole2_with_garbage_directory_is_corrupt() -> None:
    doc = (DOCUMENTS / "doc" / "report-2021.doc").read_bytes()
    damaged = doc[:512] + bytes(len(doc) - 512)
    with pytest.raises(ExtractionError) as error:
        detect_format(damaged)
    assert error.value.reason in {"truncated", "corrupt"}


def test_empty_and_binary() -> None:
    with pytest.raises(ExtractionError) as error:
        detect_format(b"")
    assert error.value.reason == "empty"
    with pytest.raises(UnsupportedFormat):
        detect_format(bytes(range(256)) * 40)
    with pytest.raises(UnsupportedFormat):
        detect_format(b"\x00\x01\x02" * 100)


@pytest.mark.parametrize(
    "data",
    [
        b"<!DOCTYPE html><html><body>x</body></html>",
        b"\xef\xbb\xbf  \r\n<!doctype HTML>\n<html>",
        b"\n\n<html>\n<head><meta charset='gbk'></head>",
        "<div class='zoom'>\u90d1\u5dde</div>".encode("gb18030"),
        b"<table><tr><td>1</td></tr></table>",
        b"<!-- TRS -->\n<html>",
        b'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0//EN" "x">\n<html>',
        "<html><body>\u62a5\u544a</body></html>".encode("utf-16"),
        b"\xe5\xb9\xb4\xe6\x8a\xa5 junk before\n<html><body>",
    ],
)
def test_html_by_its_markup(data: bytes) -> None:
    assert detect_format(data) == "html"


@pytest.mark.parametrize(
    "data",
    [
        "一、总体情况\n本年度新收申请37件。\n".encode(),
        "一、总体情况\n本年度新收申请37件，联系人张珺堃。\n".encode("gb18030"),
        "第一行\n文中提到<br>标签并不使它成为网页。\n".encode(),
        "规章\t2\t0\t15\n".encode(),
    ],
)
def test_text(data: bytes) -> None:
    assert detect_format(data) == "text"


def test_text_cut_inside_a_character_is_still_text() -> None:
    text = ("本年度新收政府信息公开申请。" * 6000).encode()
    assert detect_format(text[:65537]) == "text"


def test_xml_that_is_not_html_is_unsupported() -> None:
    with pytest.raises(UnsupportedFormat):
        detect_format(b'<?xml version="1.0"?>\n<rss><channel/></rss>')


def test_rtf_is_unsupported() -> None:
    with pytest.raises(UnsupportedFormat):
        detect_format(b"{\\rtf1\\ansi\\ansicpg936 hello}")


def test_a_detail_apis_json_answer_is_read_as_the_html_it_carries() -> None:
    """An SPA's report page is a shell; its detail API's JSON answer is the report (crawler.shells)."""
    from parsers.extract import extract

    answer = {
        "code": 200,
        "data": {
            "title": "2023年政府信息公开工作年度报告",
            "publishDate": "2024-01-20 09:30:00",
            "content": "<p>一、总体情况</p><p>本年度主动公开政府信息。</p>",
            "attachments": [{"name": "年报.pdf", "url": "/files/nb2023.pdf"}],
        },
    }
    data = json.dumps(answer, ensure_ascii=False).encode()
    assert detect_format(data) == "json"
    document = extract(data)
    assert document.title == "2023年政府信息公开工作年度报告"
    assert document.published_at == date(2024, 1, 20)
    assert "本年度主动公开政府信息。" in [block.text for block in document.blocks]


def test_a_json_answer_without_html_content_is_text() -> None:
    assert detect_format(json.dumps({"code": 200, "data": {"total": 3}}).encode()) == "text"
