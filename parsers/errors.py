"""The few named exceptions of the parsers package.

Callers catch exactly these, record the reason and go on; anything else is a bug.
"""

from __future__ import annotations


class ParseError(Exception):
    """Base of every error the parsers raise on bad input."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


class ExtractionError(ParseError):
    """The bytes could not be turned into a document.

    ``reason`` is one short word a crawl can count: ``empty``, ``binary``, ``truncated``,
    ``corrupt``, ``encrypted``, ``too_large``, ``timeout``, ``unsupported``,
    ``converter_missing``.
    """


class UnsupportedFormat(ExtractionError):
    def __init__(self, message: str) -> None:
        super().__init__("unsupported", message)


class NotAnnualReport(ParseError):
    """The document reads fine but is not a 政府信息公开工作年度报告."""

    def __init__(self, message: str) -> None:
        super().__init__("not_annual_report", message)
