"""What each crawl run did for each of its portals, read back from ``crawl_run``.

A run's row keeps the crawl's final Scrapy stats, which count per portal
(``nianbao/portal/<id>/pages`` …), and its coverage findings (``coverage_finding``: lists
that stated more entries than the run reached). :func:`portal_runs` turns them into one
:class:`PortalRun` per (run, portal), oldest first: what the scheduler reads to decide
which portals are due, and what ``nianbao runs`` and the alerts show.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from storage.models import CoverageFindingRow, CrawlRunRow

COUNTS = ("pages", "reports", "list_entries", "attachments", "faults", "blocked")


@dataclass(frozen=True, slots=True)
class ShortList:
    """A list that stated more entries than the run reached from it: both numbers."""

    list_url: str
    stated: int
    reached: int

    def to_json(self) -> dict[str, Any]:
        return {"list_url": self.list_url, "stated": self.stated, "reached": self.reached}


@dataclass(frozen=True, slots=True)
class PortalRun:
    run_id: int
    portal_id: str
    started_at: datetime
    finished_at: datetime | None  # None: the run never finished (still running, or its process died)
    finish_reason: str | None
    pages: int = 0
    reports: int = 0
    list_entries: int = 0
    attachments: int = 0
    faults: int = 0
    blocked: int = 0
    short_lists: tuple[ShortList, ...] = ()  # the run's coverage findings for this portal

    @property
    def outcome(self) -> str:
        """``ok``; ``blocked`` or ``unreachable`` (no page read); ``unfinished``."""
        if self.finished_at is None:
            return "unfinished"
        if self.pages or self.reports:
            return "ok"
        return "blocked" if self.blocked else "unreachable"

    @property
    def failed(self) -> bool:
        return self.outcome in {"blocked", "unreachable"}

    def to_json(self) -> dict[str, Any]:
        fields = {name: getattr(self, name) for name in ("run_id", "portal_id", "finish_reason", *COUNTS)}
        return fields | {
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "outcome": self.outcome,
            "short_lists": [short.to_json() for short in self.short_lists],
        }


def portal_runs(connection: Connection, portal_id: str | None = None) -> list[PortalRun]:
    """Every (run, portal), oldest run first; only ``portal_id``'s when given."""
    with Session(connection) as session:
        short = _short_lists(session)
        rows = session.scalars(select(CrawlRunRow).order_by(CrawlRunRow.started_at, CrawlRunRow.id))
        found = [run for row in rows for run in _per_portal(row, short)]
    return [run for run in found if portal_id is None or run.portal_id == portal_id]


def last_runs(connection: Connection) -> dict[str, PortalRun]:
    """Each portal's latest run."""
    return {run.portal_id: run for run in portal_runs(connection)}


def _short_lists(session: Session) -> dict[tuple[int, str], tuple[ShortList, ...]]:
    """Every run's coverage findings, by (run, portal)."""
    found: dict[tuple[int, str], list[ShortList]] = {}
    for finding in session.scalars(select(CoverageFindingRow).order_by(CoverageFindingRow.list_url)):
        short = ShortList(finding.list_url, finding.stated, finding.reached)
        found.setdefault((finding.crawl_run_id, finding.portal_id), []).append(short)
    return {key: tuple(shorts) for key, shorts in found.items()}


def _per_portal(row: CrawlRunRow, short: dict[tuple[int, str], tuple[ShortList, ...]]) -> list[PortalRun]:
    stats = row.stats or {}
    return [
        PortalRun(
            run_id=row.id,
            portal_id=portal_id,
            started_at=row.started_at,
            finished_at=row.finished_at,
            finish_reason=stats.get("finish_reason"),
            **{what: int(stats.get(f"nianbao/portal/{portal_id}/{what}", 0)) for what in COUNTS},
            short_lists=short.get((row.id, portal_id), ()),
        )
        for portal_id in row.portals or []
    ]
