"""Bytes of any format -> the neutral Document.

The format is told from the bytes (magic numbers, zip contents), never from a file
name or Content-Type: attachments arrive as ``download.jsp?wbfileid=…`` with
``application/octet-stream``.
"""

from __future__ import annotations

import importlib

from parsers.document import Document
from parsers.errors import ExtractionError

# detected format -> module whose ``read(data) -> Document`` handles it
READERS: dict[str, str] = {
    "text": "parsers.extract.text",
    "html": "parsers.extract.html",
    "json": "parsers.extract.jsondetail",
    "pdf": "parsers.extract.pdf",
    "docx": "parsers.extract.docx",
    "doc": "parsers.extract.legacy",
    "wps": "parsers.extract.legacy",
    "et": "parsers.extract.legacy",
    "xls": "parsers.extract.spreadsheet",
    "xlsx": "parsers.extract.spreadsheet",
    "ofd": "parsers.extract.ofd",
    "image": "parsers.extract.image",
}


def extract(data: bytes) -> Document:
    """The document in ``data``; ExtractionError (with a short ``reason``) when it cannot be read."""
    if not data:
        raise ExtractionError("empty", "the file is empty")
    from parsers.extract.detect import detect_format

    kind = detect_format(data)
    module = importlib.import_module(READERS[kind])
    document: Document = module.read(data)
    return document
