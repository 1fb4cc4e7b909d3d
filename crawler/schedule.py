"""Which portals are due for a crawl: the cadence of the reporting season.

Reports appear from January to April: departments publish theirs by 31 January, people's
governments by 31 March (政府信息公开条例, art. 49-50), and corrections follow. So in
the season's months a portal is crawled every ``season_every``, the rest of the year every
``off_season_every``; a portal is also due the first time it is asked about after a
deadline has passed since its last run, and soon again (``retry_after``) when its last
run read no page at all (blocked or unreachable). A run that never finished counts as
failed once it is older than ``stale_after``: its process died. Months and deadline days
are China's (Asia/Shanghai): 31 January ends at 16:00 UTC. Everything here is a pure
function of the portals' last runs and ``now``, so a frozen clock tests a whole year.

The cadence comes from the settings ``NIANBAO_SCHEDULE_SEASON_DAYS``,
``NIANBAO_SCHEDULE_OFF_SEASON_DAYS``, ``NIANBAO_SCHEDULE_SEASON_MONTHS`` and
``NIANBAO_SCHEDULE_RETRY_HOURS`` (``nianbao schedule``'s options set them):

    cadence = Cadence.from_settings(settings)
    for due in due_portals(["zz-erqi"], last_runs, now, cadence):
        print(due.portal_id, due.reason)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from crawler import config
from parsers.deadlines import CHINA, DEADLINE_DAYS, end_of_day
from storage.runs import PortalRun


@dataclass(frozen=True, slots=True)
class Cadence:
    season_every: timedelta = timedelta(days=2)
    off_season_every: timedelta = timedelta(days=30)
    season_months: frozenset[int] = frozenset({1, 2, 3, 4})
    retry_after: timedelta = timedelta(hours=6)
    stale_after: timedelta = timedelta(days=1)

    @classmethod
    def from_settings(cls, settings: Any) -> Cadence:
        """The cadence the schedule settings above ask for (ValueError when one is not a cadence)."""
        cadence = cls(
            season_every=timedelta(days=config.get_float(settings, "NIANBAO_SCHEDULE_SEASON_DAYS")),
            off_season_every=timedelta(days=config.get_float(settings, "NIANBAO_SCHEDULE_OFF_SEASON_DAYS")),
            season_months=months(str(config.get(settings, "NIANBAO_SCHEDULE_SEASON_MONTHS"))),
            retry_after=timedelta(hours=config.get_float(settings, "NIANBAO_SCHEDULE_RETRY_HOURS")),
        )
        if min(cadence.season_every, cadence.off_season_every, cadence.retry_after) <= timedelta(0):
            raise ValueError("the schedule's intervals must be longer than 0")
        return cadence

    def every(self, now: datetime) -> timedelta:
        return self.season_every if now.astimezone(CHINA).month in self.season_months else self.off_season_every


def months(text: str) -> frozenset[int]:
    """Months written as a sysadmin would: ``1-4``, ``1,2,3,4``, ``11-2`` (November to February)."""
    chosen: set[int] = set()
    for part in filter(None, (piece.strip() for piece in text.split(","))):
        first, _, last = part.partition("-")
        if not (first.isdigit() and (not last or last.isdigit())):
            raise ValueError(f"season months are numbers 1-12, ranges such as 1-4 or lists such as 1,2,3; not {text!r}")
        start, end = int(first), int(last or first)
        if not (1 <= start <= 12 and 1 <= end <= 12):
            raise ValueError(f"months are 1 to 12, not {part!r}")
        span = (end - start) % 12 + 1  # 11-2 wraps over the new year
        chosen.update((start - 1 + step) % 12 + 1 for step in range(span))
    if not chosen:
        raise ValueError("the season needs at least one month")
    return frozenset(chosen)


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
    """The latest reporting deadline whose day (in China) ended after ``start`` and by ``end``."""
    passed = None
    for year in range(start.astimezone(CHINA).year, end.astimezone(CHINA).year + 1):
        for month, day in DEADLINE_DAYS:
            over = end_of_day(date(year, month, day))
            if start < over <= end:
                passed = date(year, month, day)
    return passed


def _days(span: timedelta) -> str:
    return f"{span.total_seconds() / 86400:.1f} d"
