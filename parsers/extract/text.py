"""Plain text and markdown -> Document.

Text conversions of reports carry their tables in three layouts, all turned into
``Table`` rows here so the report parser reads one shape:

- tab-separated rows, one line a row (PDF and Word text exports);
- one cell per line, each line starting with a tab, rows separated by blank lines
  (some Word exports); a lone tab is an empty cell;
- markdown pipe tables (``| a | b |``, the ``|---|`` rule line skipped).

Every other line is a paragraph; markdown heading marks are dropped.
"""

from __future__ import annotations

import re

from parsers.document import Block, Document, Paragraph, Table
from parsers.errors import ExtractionError

_PIPE_RULE = re.compile(r"^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?$")
_HEADING_MARK = re.compile(r"^#{1,6}\s*")
_CONTROL_ALLOWED = {"\t", "\n", "\r", "\f"}


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030; garbage is an error."""
    if not data.strip():
        raise ExtractionError("empty", "the file is empty")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = _decode_gb18030(data)
    _reject_binary(text)
    return text


def _decode_gb18030(data: bytes) -> str:
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as error:
        raise ExtractionError("binary", "not text: neither UTF-8 nor GB18030") from error


def _reject_binary(text: str) -> None:
    sample = text[:20000]
    control = sum(1 for ch in sample if ord(ch) < 32 and ch not in _CONTROL_ALLOWED)
    if "\x00" in sample or control > len(sample) * 0.01:
        raise ExtractionError("binary", "not text: control characters throughout")


def read(data: bytes) -> Document:
    return read_text(decode(data))


def read_text(text: str, source_format: str = "text") -> Document:
    blocks: list[Block] = []
    rows: list[list[str]] = []
    for group in _line_groups(text):
        for item in _classify(group):
            if isinstance(item, list):
                rows.append(item)
                continue
            if rows:
                blocks.append(Table(rows))
                rows = []
            blocks.append(Paragraph(item))
    if rows:
        blocks.append(Table(rows))
    return Document(blocks=blocks, source_format=source_format)


def _line_groups(text: str) -> list[list[str]]:
    """Runs of non-blank lines, split at blank lines (a lone tab is not blank).

    A blank line inside a tab-separated table does not end it: rows accumulate until
    a paragraph comes, so only the cell-per-line layout needs the runs.
    """
    groups: list[list[str]] = [[]]
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if line.strip() or "\t" in line:
            groups[-1].append(line.rstrip("\n"))
        elif groups[-1]:
            groups.append([])
    return [group for group in groups if group]


def _is_cell_per_line(group: list[str]) -> bool:
    return all(line.startswith("\t") and "\t" not in line[1:] for line in group)


def _classify(group: list[str]) -> list[list[str] | str]:
    """The group's table rows (lists of cells) and paragraphs (strings), in order."""
    if _is_cell_per_line(group):
        return [[line[1:].strip() for line in group]]
    items: list[list[str] | str] = []
    for line in group:
        stripped = line.strip()
        if stripped.startswith("|") and _PIPE_RULE.match(stripped):
            continue
        if stripped.startswith("|") and stripped.count("|") >= 2:
            items.append([cell.strip() for cell in stripped.strip("|").split("|")])
        elif "\t" in line:
            items.append([cell.strip() for cell in line.split("\t")])
        else:
            items.append(_HEADING_MARK.sub("", stripped))
    return items
