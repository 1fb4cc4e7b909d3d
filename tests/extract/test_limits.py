"""The caps: input size, zip bombs, XML entity attacks."""

from __future__ import annotations

import io
import zipfile

import pytest

from parsers.errors import ExtractionError
from parsers.extract import docx, limits, spreadsheet
from tests.extract.conftest import DOCUMENTS

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<lolz>&lol3;</lolz>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]><x>&secret;</x>"""


def _zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _reason(call, *args, **kwargs) -> str:
    with pytest.raises(ExtractionError) as error:
        call(*args, **kwargs)
    return error.value.reason


class _Endless(io.RawIOBase):
    """A stream that never ends and counts what was read from it."""

    def __init__(self) -> None:
        self.served = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        size = 65536 if size is None or size < 0 else size
        self.served += size
        return b"x" * size


def test_input_size_cap() -> None:
    limits.check_size(b"x" * 10, limit=10)
    assert _reason(limits.check_size, b"x" * 11, limit=10) == "too_large"


def test_read_capped_stops_at_the_cap() -> None:
    stream = _Endless()
    assert _reason(limits.read_capped, stream, limit=100_000) == "too_large"
    assert stream.served <= 100_001
    assert limits.read_capped(io.BytesIO(b"abc"), limit=3) == b"abc"


def test_zip_bomb_by_ratio() -> None:
    bomb = _zip({"word/document.xml": bytes(20 * 1024 * 1024)})
    assert len(bomb) < 100_000
    assert _reason(limits.open_zip, bomb) == "too_large"


def test_zip_total_cap_and_member_cap() -> None:
    archive = _zip({"a.xml": b"a" * 2000, "b.xml": b"b" * 2000}, zipfile.ZIP_STORED)
    assert _reason(limits.open_zip, archive, max_unzipped=3000) == "too_large"
    with limits.open_zip(archive) as opened:
        assert limits.read_member(opened, "a.xml") == b"a" * 2000
        assert _reason(limits.read_member, opened, "a.xml", limit=1000) == "too_large"
        assert limits.read_member(opened, "a.xml", limit=10, head=True) == b"a" * 10
        assert _reason(limits.read_member, opened, "missing.xml") == "corrupt"


def test_damaged_zips() -> None:
    whole = _zip({"a.xml": b"<a/>" * 100})
    assert _reason(limits.open_zip, whole[:-30]) == "truncated"
    assert _reason(limits.open_zip, b"not a zip at all") == "corrupt"
    flipped = bytearray(whole)
    start = whole.index(b"a.xml") + len(b"a.xml")
    flipped[start : start + 8] = b"\xff" * 8  # damage the deflate stream
    with limits.open_zip(bytes(flipped)) as opened:
        assert _reason(limits.read_member, opened, "a.xml") == "corrupt"


def test_encrypted_zip_member() -> None:
    data = bytearray(_zip({"word/document.xml": b"ciphertext"}, zipfile.ZIP_STORED))
    # zipfile cannot write encrypted members: set the flag bit in both headers by hand
    data[data.index(b"PK\x03\x04") + 6] |= 0x1
    data[data.index(b"PK\x01\x02") + 8] |= 0x1
    assert _reason(limits.open_zip, bytes(data)) == "encrypted"


@pytest.mark.parametrize("payload", [BILLION_LAUGHS, EXTERNAL_ENTITY, BILLION_LAUGHS.decode().encode("utf-16")])
def test_parse_xml_refuses_dtds(payload: bytes) -> None:
    assert _reason(limits.parse_xml, payload) == "corrupt"


def test_parse_xml() -> None:
    root = limits.parse_xml(b'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016"/>')
    assert root.tag == "{http://www.ofdspec.org/2016}OFD"
    assert _reason(limits.parse_xml, b"<a><b></a>") == "corrupt"


def _with_member(source: bytes, name: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(source)) as old, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            new.writestr(info, data if info.filename == name else old.read(info))
    return buffer.getvalue()


def test_readers_refuse_entity_attacks_and_bombs() -> None:
    word = (DOCUMENTS / "docx" / "report-2021.docx").read_bytes()
    assert _reason(docx.read, _with_member(word, "word/document.xml", BILLION_LAUGHS)) == "corrupt"
    assert _reason(docx.read, _with_member(word, "word/document.xml", bytes(20 * 1024 * 1024))) == "too_large"
    excel = (DOCUMENTS / "xlsx" / "report-2021.xlsx").read_bytes()
    assert _reason(spreadsheet.read, _with_member(excel, "xl/workbook.xml", EXTERNAL_ENTITY)) == "corrupt"
