"""The whole parser in one call: bytes of any format -> Report."""

from __future__ import annotations

import traceback
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from parsers.extract import extract
from parsers.model import Region, Report
from parsers.report import parse


def parse_bytes(
    data: bytes, *, region: Region | None = None, title: str | None = None, published: date | None = None
) -> Report:
    """Extract and parse ``data``, told what the portal says about the document.

    A document may print its title badly (a spreadsheet without one, a PDF title broken
    over two lines); the link text or page title that named it is the portal's own
    label for it, so ``title`` stands in when the document's reader found no title. The
    date the report page was published is the record's ``published_at`` (report-schema.md),
    for an attachment too, which rarely shows when it went online.
    """
    document = extract(data)
    if title and not document.title:
        document = replace(document, title=title)
    if published:
        document = replace(document, published_at=published)
    return parse(document, region=region)


def hints(region: Region | None, title: str | None, published: date | None) -> dict[str, Any]:
    """``parse_bytes``'s hints as plain data (JSON), to keep with bytes parsed later."""
    place = asdict(region) if region is not None else None
    return {"region": place, "title": title, "published": published.isoformat() if published else None}


def from_hints(plain: Mapping[str, Any]) -> dict[str, Any]:
    """The keyword arguments of ``parse_bytes`` from :func:`hints` (other keys ignored)."""
    region, published = plain.get("region"), plain.get("published")
    return {
        "region": Region(**region) if region else None,
        "title": plain.get("title"),
        "published": date.fromisoformat(published) if published else None,
    }


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
    frames = traceback.extract_tb(error.__traceback__)
    place = f" ({Path(frames[-1].filename).name}:{frames[-1].lineno})" if frames else ""
    message = str(error).splitlines()[0][:300] if str(error) else ""
    return f"{type(error).__name__}: {message}{place}"
