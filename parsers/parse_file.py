"""The whole parser in one call: bytes of any format, and what the portal said of them -> Report.

The crawl, ``nianbao parse``, ``nianbao reparse`` and ``nianbao repair`` all go through
:func:`parse`, so the same bytes with the same hints give the same record wherever they
are parsed. The crawl stores the hints with the capture (``capture.hints``, as
:meth:`Hints.to_json`) so that a reparse is told exactly what the crawl was told.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from parsers.extract import extract
from parsers.model import Region, Report
from parsers.report import parse as parse_document


@dataclass(frozen=True, slots=True)
class Hints:
    """What the page that led to a document says about it.

    A document may print its title badly (a spreadsheet without one, a PDF title broken
    over two lines); the link text or page title that named it is the portal's own label
    for it, so it stands in when the document's reader found no title. The date the
    report page was published is the record's ``published_at`` (RECORD.md), for an
    attachment too, which rarely shows when it went online. The portal's region
    completes an agency name printed without it.
    """

    title: str | None = None
    published: date | None = None
    region: Region | None = None

    def to_json(self) -> dict[str, Any]:
        """The hints as plain data, to keep with bytes parsed later."""
        region = asdict(self.region) if self.region is not None else None
        return {
            "region": region,
            "title": self.title,
            "published": self.published.isoformat() if self.published else None,
        }

    @classmethod
    def from_json(cls, plain: Mapping[str, Any]) -> Hints:
        """The hints :meth:`to_json` gave (other keys ignored)."""
        region, published = plain.get("region"), plain.get("published")
        return cls(
            title=plain.get("title"),
            published=date.fromisoformat(published) if published else None,
            region=Region(**region) if region else None,
        )


NO_HINTS = Hints()


def parse(data: bytes, hints: Hints = NO_HINTS) -> Report:
    """The record of the report in ``data``; a ``ParseError`` when there is none."""
    document = extract(data)
    if hints.title and not document.title:
        document = replace(document, title=hints.title)
    if hints.published:
        document = replace(document, published_at=hints.published)
    return parse_document(document, region=hints.region)


@dataclass(frozen=True, slots=True)
class ParseOutcome:
    """How parsing one document ended: a report, noise, a ParseError, or an unexpected error.

    ``kind`` is what a crawl counts (``parsed``, ``noise``, ``fault``, ``error``). An
    unexpected error is a reader's bug, not a property of the bytes: it is recorded as a
    fault with its type, message and place, and ``retry`` says to parse the bytes again
    next time rather than take the fault for their last word.
    """

    kind: str
    report: Report | None = None
    fault: str | None = None
    detail: str = ""

    @property
    def retry(self) -> bool:
        return self.kind == "error"


UNEXPECTED = "unexpected"


def parse_outcome(work: Callable[[], Report]) -> ParseOutcome:
    """Run ``work`` (a parse) and say how it ended; never raises for what parsing raised."""
    from parsers.errors import NotAnnualReport, ParseError

    try:
        return ParseOutcome("parsed", work())
    except NotAnnualReport as error:
        return ParseOutcome("noise", None, error.reason, error.message)
    except ParseError as error:
        return ParseOutcome("fault", None, error.reason, error.message)
    except Exception as error:  # a reader's bug: recorded with its type and place, retried next time
        return ParseOutcome("error", None, UNEXPECTED, describe_error(error))


def describe_error(error: BaseException) -> str:
    """``TypeError: message (parsers/extract/image.py:42)``: the type, message and where it was raised."""
    from parsers.errors import ReaderCrash

    if isinstance(error, ReaderCrash):
        return str(error)  # described in the worker, where it was raised
    frames = traceback.extract_tb(error.__traceback__)
    place = f" ({Path(frames[-1].filename).name}:{frames[-1].lineno})" if frames else ""
    message = str(error).splitlines()[0][:300] if str(error) else ""
    return f"{type(error).__name__}: {message}{place}"
