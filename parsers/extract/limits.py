"""Caps every reader applies before it trusts a document's bytes.

An attachment is whatever a portal served: a 2 GB video behind ``download.jsp``, a zip
bomb named ``.docx``, an XML part with a billion-laughs DTD. Each reader checks the
input size first, opens zips through :func:`open_zip`, reads members through
:func:`read_member`, and parses XML through :func:`parse_xml`, so one of these named
errors ends the read instead of exhausting memory:

- ``too_large``: the input, a zip's total unpacked size, or one member's compression
  ratio is over its cap;
- ``truncated`` / ``corrupt``: a zip without its central directory, a bad member, XML
  that does not parse or carries a DTD (OOXML and OFD parts never have one, so a DTD is
  an entity attack or garbage).

What a document asks for once it is open is counted against a :class:`Budget` (pages,
glyphs, drawing objects, frames, pixels): a few kilobytes of OFD or PDF can ask for
millions of any of them. OCR renders a page at no more than ``MAX_OCR_PIXELS`` whatever
size the page claims (:func:`ocr_scale`), reads at most ``MAX_OCR_PAGES`` pages of a
document, and stops when the document's :class:`OcrBudget` of ``MAX_OCR_SECONDS`` of
work is spent, between pages and inside one (a page of 700 ruled cells, each read
twice, took two minutes); what is left unread is named in a warning.

The caps are module constants; readers take them as keyword defaults so a caller (or a
test) can pass smaller ones.
"""

from __future__ import annotations

import io
import os
import stat
import zipfile
import zlib
from typing import BinaryIO

from lxml import etree

from parsers.errors import ExtractionError

MAX_INPUT_BYTES = 200 * 1024 * 1024
MAX_UNZIPPED_BYTES = 300 * 1024 * 1024
MAX_ZIP_MEMBERS = 10_000
# Deflate cannot beat about 1032:1; real OOXML parts stay under 100:1. The ratio is only
# judged on members big enough to matter.
MAX_COMPRESSION_RATIO = 200
RATIO_FLOOR_BYTES = 1024 * 1024
CONVERT_TIMEOUT_SECONDS = 60.0
MAX_PAGES = 3_000  # an annual report has tens; a 500-page annex is the most seen
MAX_GLYPHS = 1_000_000  # of a whole document: ~3,000 on a dense page
MAX_DRAWING_OBJECTS = 200_000  # paths and path segments of one page; a ruled table has hundreds
MAX_OCR_PIXELS = 9_000_000  # an A3 page at 200 dpi is 7.8 Mpx
# Seconds of OCR work a document may ask for: what a user of `nianbao parse` waits
# (issue 14: a hostile document ends within 60 s) and what a crawl's worker is held for.
# The work is estimated from what each step gives the models (OcrBudget), never read off a
# clock: a parser is a pure function of the bytes, and a clock made the record depend on
# the machine's load (a scan parsed by a busy crawl was cut short, and the reparse on an
# idle machine read it whole: two records for the same bytes). A step under way is
# finished, and the prose of a page packed with a thousand boxes is about 11 s of work,
# hence 30, not 50. A scanned page is 3-6 s, so a scan of more than 5-10 pages is read in
# part, and its warning names the pages left.
MAX_OCR_SECONDS = 30.0
# Seconds of work per unit, as one core of the reference machine (a 2-core x86-64 VM
# without AVX-512) does it, fitted to the thread time of 1,856 model runs
# over the fixture scans and the hostile OCR pages: a pixel the detector sees; a column of
# the recogniser's 48-pixel-high input, and the square of its width (the recogniser
# mixes a line's columns with each other: a line 1,600 columns wide cost 0.17 s, not 0.15);
# a pixel of a page image rendered or decoded and searched for its ruling lines.
DETECT_SECONDS_PER_PIXEL = 5e-7
RECOGNISE_SECONDS_PER_COLUMN = 9.5e-5
RECOGNISE_SECONDS_PER_SQUARED_COLUMN = 2.5e-8
PAGE_SECONDS_PER_PIXEL = 2e-8
MAX_OCR_PAGES = 60  # of a document: a scanned 500-page annex is not read to the end

# What zipfile and zlib raise on a damaged archive (a wrong CRC, bad deflate data, an
# unknown zip version, a directory pointing past the end).
ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, NotImplementedError, EOFError, ValueError, OSError)

_CHUNK = 1024 * 1024
_XML_HEAD_BYTES = 4096

_SAFE_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True
)


def check_size(data: bytes, limit: int = MAX_INPUT_BYTES) -> None:
    """``too_large`` when ``data`` is over ``limit`` bytes."""
    check_size_of(len(data), limit)


def check_size_of(size: int, limit: int = MAX_INPUT_BYTES) -> None:
    if size > limit:
        raise ExtractionError("too_large", f"{size} bytes is over the {limit}-byte cap")


class Budget:
    """How many of something a document may ask for; ``too_large`` past ``limit``."""

    __slots__ = ("limit", "used", "what")

    def __init__(self, what: str, limit: int) -> None:
        self.what, self.limit, self.used = what, limit, 0

    def spend(self, count: int = 1) -> None:
        self.used += count
        if self.used > self.limit:
            raise ExtractionError("too_large", f"more than {self.limit} {self.what}")


class OcrBudget:
    """A document's OCR work: each costly step is charged what it cost, in seconds of the
    reference machine estimated from its input (``MAX_OCR_SECONDS`` in all).

    Readers ask :meth:`spent` before each page and the OCR before each costly step of a
    page; a page that step left unread in part is listed in ``cut``.
    """

    __slots__ = ("cut", "seconds", "used")

    def __init__(self) -> None:
        self.seconds = MAX_OCR_SECONDS
        self.used = 0.0
        self.cut: list[int] = []

    def charge(self, seconds: float) -> None:
        self.used += seconds

    def spent(self) -> bool:
        return self.used >= self.seconds

    def cut_short(self, page: int) -> None:
        if page not in self.cut:
            self.cut.append(page)

    def warnings(self) -> list[str]:
        """The warning naming the pages the work cap cut short, if any."""
        if not self.cut:
            return []
        return [f"pages {', '.join(map(str, self.cut))} were OCR'd only in part (work cap)"]


def ocr_scale(width: float, height: float, dpi: float) -> float:
    """Pixels per unit to render a ``width`` x ``height`` page for OCR: ``dpi`` (for a
    page measured in points) unless the page would then be over ``MAX_OCR_PIXELS``."""
    scale = dpi / 72
    area = max(width * height, 1.0) * scale * scale
    return scale if area <= MAX_OCR_PIXELS else scale * (MAX_OCR_PIXELS / area) ** 0.5


def read_capped(stream: BinaryIO, limit: int = MAX_INPUT_BYTES) -> bytes:
    """The whole stream, or ``too_large`` as soon as it passes ``limit`` (no further read)."""
    buffer = io.BytesIO()
    while chunk := stream.read(min(_CHUNK, limit + 1 - buffer.tell())):
        buffer.write(chunk)
        if buffer.tell() > limit:
            raise ExtractionError("too_large", f"stream is over the {limit}-byte cap")
    return buffer.getvalue()


def read_file(path: str | os.PathLike[str], limit: int = MAX_INPUT_BYTES) -> bytes:
    """A regular file's bytes, its size checked before any read.

    A device (``/dev/zero`` never ends), a FIFO (it may never send) or a directory is
    ``not_a_file``; the open does not wait for a FIFO's writer.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ExtractionError("not_a_file", "not a regular file (a device, a FIFO or a socket)")
        check_size_of(info.st_size, limit)
        with os.fdopen(os.dup(fd), "rb") as stream:
            return read_capped(stream, limit)
    finally:
        os.close(fd)


def open_zip(
    data: bytes,
    *,
    max_unzipped: int = MAX_UNZIPPED_BYTES,
    max_ratio: float = MAX_COMPRESSION_RATIO,
    scan_xml: bool = False,
) -> zipfile.ZipFile:
    """The zip in ``data`` after its central directory has passed the caps.

    zipfile never returns more than a member's declared ``file_size`` (it stops there and
    then checks the CRC), so capping the declared sizes caps what can be unpacked. With
    ``scan_xml`` the head of every XML member is checked for a DTD, for readers (like
    python-docx) that parse the parts themselves.
    """
    check_size(data)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except ZIP_ERRORS as error:
        raise zip_error(data, error) from error
    _check_members(archive.infolist(), max_unzipped, max_ratio)
    if scan_xml:
        for info in archive.infolist():
            if info.filename.endswith((".xml", ".rels")):
                _reject_dtd(read_member(archive, info.filename, limit=_XML_HEAD_BYTES, head=True))
    return archive


def zip_error(data: bytes, error: Exception) -> ExtractionError:
    """The named error for a zip that zipfile could not open: a zip whose start is there
    but whose directory at the end is not was cut short."""
    truncated = data.startswith(b"PK\x03\x04") and b"PK\x05\x06" not in data[-65557:]
    return ExtractionError("truncated" if truncated else "corrupt", f"not a readable zip: {error}")


def _check_members(infos: list[zipfile.ZipInfo], max_unzipped: int, max_ratio: float) -> None:
    if len(infos) > MAX_ZIP_MEMBERS:
        raise ExtractionError("too_large", f"{len(infos)} zip members (cap {MAX_ZIP_MEMBERS})")
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise ExtractionError("encrypted", f"zip member {info.filename} is encrypted")
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_FLOOR_BYTES and ratio > max_ratio:
            raise ExtractionError("too_large", f"zip bomb? {info.filename} unpacks {ratio:.0f}:1")
    if total > max_unzipped:
        raise ExtractionError("too_large", f"zip unpacks to {total} bytes (cap {max_unzipped})")


def read_member(archive: zipfile.ZipFile, name: str, *, limit: int = MAX_UNZIPPED_BYTES, head: bool = False) -> bytes:
    """One member's bytes, counted as they are unpacked: ``too_large`` past ``limit``.

    With ``head`` the first ``limit`` bytes are returned instead of failing.
    """
    buffer = io.BytesIO()
    try:
        with archive.open(name) as member:
            while chunk := member.read(min(_CHUNK, limit + 1 - buffer.tell())):
                buffer.write(chunk)
                if buffer.tell() >= limit and head:
                    return buffer.getvalue()[:limit]
                if buffer.tell() > limit:
                    raise ExtractionError("too_large", f"zip member {name} is over {limit} bytes")
    except KeyError as error:
        raise ExtractionError("corrupt", f"zip member {name} is missing") from error
    except ZIP_ERRORS as error:
        raise ExtractionError("corrupt", f"zip member {name} cannot be read: {error}") from error
    return buffer.getvalue()


def parse_xml(data: bytes) -> etree._Element:
    """An XML document from untrusted bytes: no DTD, no entities, no network."""
    _reject_dtd(data[:_XML_HEAD_BYTES])
    try:
        root = etree.fromstring(data, parser=_SAFE_PARSER)
    except etree.XMLSyntaxError as error:
        raise ExtractionError("corrupt", f"XML does not parse: {error}") from error
    if root.getroottree().docinfo.internalDTD is not None:
        raise ExtractionError("corrupt", "XML carries a DTD (entity expansion attack?)")
    return root


def _reject_dtd(head: bytes) -> None:
    # A DTD must come before the root element, so the head of the part is enough, in
    # whatever ASCII-compatible or UTF-16 encoding the part uses.
    compact = head.replace(b"\x00", b"").upper()
    if b"<!DOCTYPE" in compact or b"<!ENTITY" in compact:
        raise ExtractionError("corrupt", "XML carries a DTD (entity expansion attack?)")
