"""The neutral document every format reader produces and the report parser reads.

A document is an ordered list of blocks: paragraphs of text and tables. A table is a
grid of cell texts with row and column spans already resolved: a merged cell's text
stands in its top-left position and the positions it covers hold ``""``, which is how
tab-separated text renders the same table, so one table reader serves every format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


class Unsure(str):
    """A cell's text that OCR read with less confidence than it trusts (see
    ``positioned.SURE``): the text is kept as read, and where it would be a number the
    parser leaves the cell null with this text in ``raw``. A plain ``str`` otherwise, so
    every reader and joiner passes it on; :func:`keep_unsure` carries it through joins."""

    confidence: float

    def __new__(cls, text: str, confidence: float) -> Unsure:
        self = super().__new__(cls, text)
        self.confidence = confidence
        return self

    def strip(self, chars: str | None = None) -> Unsure:
        return Unsure(str.strip(self, chars), self.confidence)


def keep_unsure(joined: str, *parts: str) -> str:
    """``joined`` as :class:`Unsure` when any of the parts it was made of was."""
    scores = [part.confidence for part in parts if isinstance(part, Unsure)]
    return Unsure(joined, min(scores)) if scores else joined


@dataclass(slots=True)
class Paragraph:
    text: str
    page: int | None = None


@dataclass(slots=True)
class Table:
    rows: list[list[str]]
    page: int | None = None


Block = Paragraph | Table


@dataclass(slots=True)
class Document:
    blocks: list[Block]
    source_format: str
    title: str | None = None
    published_at: date | None = None
    ocr_confidence: float | None = None
    warnings: list[str] = field(default_factory=list)

    def text(self) -> str:
        """The whole document as plain text, table cells joined by tabs."""
        lines: list[str] = []
        for block in self.blocks:
            if isinstance(block, Paragraph):
                lines.append(block.text)
            else:
                lines.extend("\t".join(row) for row in block.rows)
        return "\n".join(lines)
