"""Which portals are due for a crawl: the cadence of the reporting season.

Reports appear from January to April: departments publish theirs by 31 January, people's
governments by 31 March (政府信息公开条例, art. 49-50), and corrections follow. So in
season a portal is crawled every ``season_every``, the rest of the year every
``off_season_every``; a portal is also due the first time it is asked about after a
deadline has passed since its last run, and soon again (``retry_after``) when its last
run read no page at all (blocked or unreachable). A run that never finished counts as
failed once it is older than ``stale_after``: its process died. Everything here is a pure
function of the portals' last runs and ``now``, so a frozen clock tests a whole year.

    cadence = Cadence()
    for due in due_portals(["zz-erqi"], last_runs, now, cadence):
        print(due.portal_id, due.reason)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from storage.runs import PortalRun

SEASON_MONTHS = frozenset({1, 2, 3, 4})
DEADLINES = ((1, 31), (3, 31))  # (month, day): departments', then governments' reports


@dataclass(frozen=True, slots=True)
class Cadence:
    season_every: timedelta = timedelta(days=2)
    off_season_every: timedelta = timedelta(days=30)
    retry_after: timedelta = timedelta(hours=6)
    stale_after: timedelta = timedelta(days=1)

    def every(self, now: datetime) -> timedelta:
        return self.season_every if now.month in SEASON_MONTHS else self.off_season_every


@dataclass(frozen=True, slots=True)
class Due:
    portal_id: str
    reason: str


def due_portals(
    portal_ids: Iterable[str], last_runs: Mapping[str, PortalRun], now: datetime, cadence: Cadence
) -> list[Due]:
    """The portals to crawl now, each with why."""
    reasons = {portal_id: due_reason(last_runs.get(portal_id), now, cadence) for portal_id in portal_ids}
    return [Due(portal_id, reason) for portal_id, reason in reasons.items() if reason]


def due_reason(last: PortalRun | None, now: datetime, cadence: Cadence) -> str | None:
    """Why a portal with this last run is due now, or None when it is not."""
    if last is None:
        return "never crawled"
    since = now - last.started_at
    if last.outcome == "unfinished":
        return "last run never finished" if since >= cadence.stale_after else None
    if last.failed:
        return f"last run {last.outcome}" if since >= cadence.retry_after else None
    if passed := deadline_between(last.started_at, now):
        return f"deadline {passed.isoformat()} passed since the last run"
    every = cadence.every(now)
    return f"last run {_days(since)} ago, every {_days(every)}" if since >= every else None


def deadline_between(start: datetime, end: datetime) -> date | None:
    """The latest reporting deadline whose day ended after ``start`` and by ``end``."""
    passed = None
    for year in range(start.year, end.year + 1):
        for month, day in DEADLINES:
            over = datetime.combine(date(year, month, day) + timedelta(days=1), time(), tzinfo=start.tzinfo)
            if start < over <= end:
                passed = date(year, month, day)
    return passed


def _days(span: timedelta) -> str:
    return f"{span.total_seconds() / 86400:.1f} d"
