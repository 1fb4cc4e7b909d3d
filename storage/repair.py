"""Finishing what a crawl left unfinished: captures whose report was never stored.

A crawl stores a capture of a report document *unfinished* (``capture.unfinished``, with
what parsing it needs) and finishes it in the transaction that stores its report, or the
fault that explains why there is none. A crawl killed in between leaves it unfinished:
it is no validator for the next crawl's conditional GET (which so fetches and parses it
again), and ``repair`` parses it from the raw bytes the archive already has, as the
crawl would have. Both end in :func:`store_outcome`, one place for what a parse's
outcome leaves in the archive.

Example::

    with Archive.open("sqlite:///demo/archive.db", "demo/archive") as archive:
        stats = repair(archive)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from parsers.parse_file import Hints, ParseOutcome, parse, parse_outcome
from storage.archive import Archive, UnfinishedCapture
from storage.errors import ArchiveError, ArchiveUnwritable
from storage.warc import recover_open_files

NOT_STORED = "not_stored"


@dataclass(slots=True)
class RepairStats:
    unfinished: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)  # new, seen, refused, noise, fault, error
    warc_closed: list[str] = field(default_factory=list)
    missing_bytes: list[str] = field(default_factory=list)  # URLs whose raw bytes are not in the archive


def store_outcome(archive: Archive, capture: UnfinishedCapture, outcome: ParseOutcome, run_id: int | None) -> str:
    """Store what parsing ``capture`` gave and finish the capture, in one transaction; what
    happened (``new``, ``seen``, ``refused``, ``noise``, ``fault``, ``error``). An unexpected
    error is recorded but leaves the capture unfinished, to be parsed again."""
    if outcome.report is not None:
        try:
            result = archive.store_report(
                outcome.report,
                sha256=capture.sha256,
                source_url=capture.url,
                fetched_at=capture.fetched_at,
                media_type=capture.media_type,
                list_url=capture.hints.get("list_url"),
                portal_id=capture.portal_id,
                region=outcome.report.region,
                capture_id=capture.id,
            )
        except ArchiveUnwritable:
            raise
        except ArchiveError as error:  # a report without agency or year, or writers that kept colliding
            _record_fault(archive, capture, NOT_STORED, str(error), run_id, finishes=True)
            return "refused"
        return "new" if result.created else "seen"
    if outcome.kind == "noise":
        archive.finish_captures(capture.url, capture.sha256)
    else:
        _record_fault(archive, capture, outcome.fault or "", outcome.detail, run_id, finishes=not outcome.retry)
    return outcome.kind


def _record_fault(
    archive: Archive, capture: UnfinishedCapture, reason: str, detail: str, run_id: int | None, *, finishes: bool
) -> None:
    # No status: this row is about the bytes (sha256), not a second response, so it
    # never stands in for the response's validators in a conditional GET.
    archive.record_capture(
        capture.url,
        fetched_at=capture.fetched_at,
        sha256=capture.sha256,
        fault=f"parse_{reason}",
        reason=detail or None,
        run_id=run_id,
        referer=capture.referer,
        portal_id=capture.portal_id,
        finishes=finishes,
    )


def repair(archive: Archive, *, progress: Callable[[int, int], None] | None = None) -> RepairStats:
    """Close the WARC files a stopped crawl left open, then parse and store every
    unfinished capture from its raw bytes; ``progress(done, total)`` after each."""
    stats = RepairStats(warc_closed=recover_open_files(archive.warc_dir))
    captures = archive.unfinished_captures()
    stats.unfinished = len(captures)
    for done, capture in enumerate(captures, 1):
        try:
            data = archive.read_bytes(capture.sha256)
        except (ArchiveError, OSError):
            stats.missing_bytes.append(capture.url)
            continue
        outcome = parse_outcome(partial(parse, data, Hints.from_json(capture.hints)))
        what = store_outcome(archive, capture, outcome, None)
        stats.outcomes[what] = stats.outcomes.get(what, 0) + 1
        if progress is not None:
            progress(done, len(captures))
    return stats
