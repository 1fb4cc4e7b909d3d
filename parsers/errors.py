"""The few named exceptions of the parsers package.

Callers catch exactly these, record the reason and go on; anything else is a bug.
"""

from __future__ import annotations

from typing import Any


class ParseError(Exception):
    """Base of every error the parsers raise on bad input."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled as its class, reason and message, so that it crosses from a worker
        # process (parsers.worker) as itself: a NotAnnualReport stays one.
        return _rebuild, (type(self), self.reason, self.message)


def _rebuild(cls: type[ParseError], reason: str, message: str) -> ParseError:
    error = cls.__new__(cls)
    ParseError.__init__(error, reason, message)
    return error


class ExtractionError(ParseError):
    """The bytes could not be turned into a document.

    ``reason`` is one short word a crawl can count: ``empty``, ``binary``, ``truncated``,
    ``corrupt``, ``encrypted``, ``too_large``, ``timeout``, ``unsupported``,
    ``converter_missing``.
    """


class UnsupportedFormat(ExtractionError):
    def __init__(self, message: str) -> None:
        super().__init__("unsupported", message)


class ReaderCrash(Exception):
    """A reader's unexpected error (a bug), raised again outside the worker process that
    met it (``parsers.worker``); its message already says ``Type: message (file:line)``.
    Not a ``ParseError``: it says nothing of the bytes, so they are parsed again later."""


class NotAnnualReport(ParseError):
    """The document reads fine but is not a 政府信息公开工作年度报告."""

    def __init__(self, message: str) -> None:
        super().__init__("not_annual_report", message)
