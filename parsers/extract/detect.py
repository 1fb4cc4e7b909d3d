"""The format of a document, told from its bytes alone.

Attachments come as ``download.jsp?id=…`` with ``application/octet-stream``, and their
names lie (a ``.wps`` may be a Kingsoft OLE2 file or a DOCX zip, deps.md gotcha 12), so
only the content decides: magic numbers, the names inside a zip (never extracted), the
stream names inside an OLE2 compound file, and for the rest whether the bytes are
markup or text.

OLE2 files that Word and Kingsoft WPS write are the same container with the same
``WordDocument`` stream; WPS is told apart only by its ``WpsCustomData`` stream or its
creating-application property. When neither is there the answer is ``doc``: the reader
is the same for both.
"""

from __future__ import annotations

import codecs
import io
import re
import zipfile

import olefile

from parsers.errors import ExtractionError, UnsupportedFormat
from parsers.extract.jsondetail import detail_html
from parsers.extract.limits import ZIP_ERRORS, check_size, zip_error

FORMATS = ("pdf", "docx", "xlsx", "ofd", "doc", "wps", "xls", "et", "html", "json", "text", "image")

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_IMAGE_MAGIC = (
    b"\xff\xd8\xff",  # JPEG
    b"\x89PNG\r\n\x1a\n",
    b"GIF87a",
    b"GIF89a",
    b"II*\x00",  # TIFF, little-endian
    b"MM\x00*",  # TIFF, big-endian
)
_BMP_HEADER_SIZES = {12, 40, 52, 56, 64, 108, 124}
_PDF_SEARCH_BYTES = 1024  # the PDF spec lets junk precede %PDF- within the first 1 KB
_SNIFF_BYTES = 65536
_HTML_MARKUP = re.compile(
    r"<(?:!doctype\s+html|html|head|body|meta|title|table|div|p|span|center|font|br|script"
    r"|style|link|h[1-6])[\s>/]",
    re.IGNORECASE,
)
_HTML_START = re.compile(r"<(?:!doctype\s+html|html)[\s>]", re.IGNORECASE)
_CONTROL_OK = frozenset("\t\n\r\f\x1a")


def detect_format(data: bytes) -> str:
    """One of :data:`FORMATS`; ``UnsupportedFormat`` for other binaries and zips."""
    if not data:
        raise ExtractionError("empty", "the file is empty")
    check_size(data)
    head = data[:16]
    if head.startswith(_OLE2):
        return _ole2_format(data)
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _zip_format(data)
    if b"%PDF-" in data[:_PDF_SEARCH_BYTES]:
        return "pdf"
    if head.startswith(_IMAGE_MAGIC) or _is_bmp(data):
        return "image"
    if head.startswith(b"{\\rtf"):
        raise UnsupportedFormat("RTF document")
    if detail_html(data) is not None:
        return "json"  # a detail API's answer: the HTML content it carries is the document
    return _markup_or_text(data)


def _zip_format(data: bytes) -> str:
    try:
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    except ZIP_ERRORS as error:
        raise zip_error(data, error) from error
    lowered = {name.lower() for name in names}
    if "ofd.xml" in lowered:
        return "ofd"
    if "[content_types].xml" in lowered:
        if any(name.startswith("word/") for name in lowered):
            return "docx"  # also a WPS file saved as DOCX: the DOCX reader is the right one
        if any(name.startswith("xl/") for name in lowered):
            return "xlsx"
    raise UnsupportedFormat(f"zip holding {', '.join(sorted(names)[:5]) or 'nothing'}")


def _ole2_format(data: bytes) -> str:
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            streams = {"/".join(path) for path in ole.listdir(streams=True, storages=False)}
            creator = _creating_application(ole)
    except (OSError, ValueError, IndexError) as error:  # olefile raises these on damage
        reason = "truncated" if len(data) < 1536 else "corrupt"
        raise ExtractionError(reason, f"damaged OLE2 compound file: {error}") from error
    if not streams:
        raise ExtractionError("corrupt", "OLE2 compound file with no readable streams")
    kingsoft = "WPS" in creator.upper() or "KINGSOFT" in creator.upper()
    if "EncryptedPackage" in streams:
        raise ExtractionError("encrypted", "password-protected Office document")
    if "WordDocument" in streams:
        return "wps" if kingsoft or "WpsCustomData" in streams else "doc"
    if "Workbook" in streams or "Book" in streams:
        return "et" if kingsoft or "ETExtData" in streams else "xls"
    raise UnsupportedFormat(f"OLE2 file with streams {', '.join(sorted(streams)[:5])}")


def _creating_application(ole: olefile.OleFileIO) -> str:
    if not ole.exists("\x05SummaryInformation"):
        return ""
    value = ole.get_metadata().creating_application
    if isinstance(value, bytes):
        return value.decode("gb18030", errors="replace")
    return value or ""


def _is_bmp(data: bytes) -> bool:
    if not data.startswith(b"BM") or len(data) < 18:
        return False
    return int.from_bytes(data[14:18], "little") in _BMP_HEADER_SIZES


def _markup_or_text(data: bytes) -> str:
    text = _decode_sample(data[:_SNIFF_BYTES])
    if text is None or not _few_controls(text):
        raise UnsupportedFormat("binary data of no known format")
    head = text.lstrip("\ufeff \t\r\n\u3000")[:2048]
    if head.startswith("<?xml") and "<html" not in head.lower():
        raise UnsupportedFormat("XML document that is not XHTML")
    # Markup must open the file, or a full html/doctype tag must come early: a text report
    # that quotes "<br>" somewhere is still text.
    if (head.startswith("<") and _HTML_MARKUP.search(head)) or _HTML_START.search(head[:1024]):
        return "html"
    return "text"


def _decode_sample(sample: bytes) -> str | None:
    """The sample as text in the first encoding that takes it, a cut last character allowed."""
    utf16 = sample.startswith((b"\xff\xfe", b"\xfe\xff"))
    encodings = ("utf-16",) if utf16 else ("utf-8-sig", "gb18030")
    for encoding in encodings:
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            return decoder.decode(sample, final=False)
        except UnicodeDecodeError:
            continue
    return None


def _few_controls(text: str) -> bool:
    if "\x00" in text:
        return False
    controls = sum(1 for char in text if ord(char) < 32 and char not in _CONTROL_OK)
    return controls <= len(text) * 0.01
