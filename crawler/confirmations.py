"""The capture rows of ``304`` answers, committed together: a recrawl's one write per unchanged page.

A recrawl of an unchanged portal is mostly ``304 Not Modified``, and each answer's
capture row was a transaction of its own. ``Confirmations`` holds those rows in
ArchiveExtension's writer thread and commits them in one transaction once
``NIANBAO_CONFIRMATIONS_BATCH`` rows wait, at the first write or timer tick after the
oldest has waited ``NIANBAO_CONFIRMATIONS_SECONDS`` (the extension's timer looks that
often), and when the crawl closes.

Why a batch lost to kill -9 loses nothing: a ``304`` brings no new bytes and no version.
The copy it confirms, that copy's document row, and the finished capture whose validators
were sent were all committed before the request went out, and stay; so does the revisit
record, flushed when the answer came in (a record no row points at is allowed). What is
lost is the row saying the URL was seen unchanged at that time: the next crawl sends the
same validators and confirms it again. Wherever new bytes arrive (a ``200``), the capture
row and then its version are written at once, one unit of work each, as before.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from time import monotonic
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from storage.archive import Archive


class Confirmations:
    """Capture rows of ``304`` answers waiting for one transaction; touched by the writer thread only."""

    def __init__(self, size: int, seconds: float, clock: Callable[[], float] = monotonic) -> None:
        self.size, self.seconds, self.clock = max(1, size), seconds, clock
        self.rows: list[Mapping[str, Any]] = []
        self.oldest = 0.0

    def add(self, archive: Archive, row: Mapping[str, Any]) -> None:
        if not self.rows:
            self.oldest = self.clock()
        self.rows.append(row)
        self.flush_due(archive)

    def flush_due(self, archive: Archive) -> None:
        """Commit the rows when there are enough of them, or the oldest has waited long enough."""
        if len(self.rows) >= self.size or (self.rows and self.clock() - self.oldest >= self.seconds):
            self.flush(archive)

    def flush(self, archive: Archive) -> None:
        rows, self.rows = self.rows, []
        archive.record_confirmations(rows)
