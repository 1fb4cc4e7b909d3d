"""What a researcher watching the archive should hear about, each alert with its evidence.

- ``missing``: a body published its report for year N-1 and has none for year N a set
  time (``GRACE``) after N's deadline (:func:`parsers.deadlines.deadline`, the one rule of the
  measures too): 31 March of N+1 for a people's government (人民政府), 31 January of N+1 for
  any other body (政府信息公开条例, art. 49-50), 31 March for every body before 2019.
- ``edited``: a report got a new version after it was first archived; the evidence is
  the cells and sentences that changed against the version published before it.
- ``fewer``: a portal's run read fewer reports or list entries than its previous run.
- ``blocked``: a portal's run read no page (blocked or unreachable), as did the run before.
- ``short``: a portal's run reached fewer entries of a list than the list states (a
  coverage finding), and more are missing than in the portal's run before.

Each alert carries the moment it became true (``at``): an alert is listed only once
``now`` has reached it, so a frozen clock tests when each kind fires and not before.

    with engine.connect() as connection:
        for alert in alerts(connection, now=datetime.now(UTC)):
            print(alert.kind, alert.subject, alert.summary)
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from parsers.deadlines import deadline, end_of_day
from research.compare import diff_versions
from research.filters import Filters
from research.queries import find_versions
from research.rows import VersionInfo
from storage.runs import PortalRun, ShortList, portal_runs

GRACE = timedelta(days=30)
KINDS = ("missing", "edited", "fewer", "blocked", "short")
EVIDENCE_LINES = 20  # per alert: enough to see what changed, short enough for a feed entry


@dataclass(frozen=True, slots=True)
class Alert:
    kind: str
    at: datetime
    subject: str  # an agency's canonical name, or a portal id
    summary: str
    evidence: tuple[str, ...]
    key: str  # stable across listings: the Atom entry's id

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "at": self.at.isoformat(),
            "subject": self.subject,
            "summary": self.summary,
            "evidence": list(self.evidence),
            "key": self.key,
        }


def alerts(connection: Connection, *, now: datetime, since: datetime | None = None) -> list[Alert]:
    """Every alert that is true at ``now`` (and began at ``since`` or later), oldest first."""
    versions = find_versions(connection, Filters(), all_versions=True)
    runs = portal_runs(connection)
    found = [
        *missing_reports(versions, now),
        *edited_reports(connection, versions),
        *fewer_yields(runs),
        *blocked_portals(runs),
        *short_lists(runs),
    ]
    chosen = [alert for alert in found if alert.at <= now and (since is None or alert.at >= since)]
    return sorted(chosen, key=lambda alert: (alert.at, alert.kind, alert.subject))


# -- reports ------------------------------------------------------------------------


def missing_reports(versions: list[VersionInfo], now: datetime) -> Iterator[Alert]:
    latest: dict[str, VersionInfo] = {}
    for info in versions:
        if info.agency not in latest or info.year >= latest[info.agency].year:
            latest[info.agency] = info
    for agency, info in latest.items():
        due = deadline(agency, info.year + 1)
        at = (end_of_day(due) + GRACE).astimezone(UTC)
        if at <= now:
            yield Alert(
                "missing",
                at,
                agency,
                f"no report for {info.year + 1}: due by {due.isoformat()}, {GRACE.days} days ago",
                (f"latest archived: {info.year}, first seen {info.first_seen:%Y-%m-%d}", f"at {info.source_url}"),
                f"missing/{agency}/{info.year + 1}",
            )


def edited_reports(connection: Connection, versions: list[VersionInfo]) -> Iterator[Alert]:
    """A version the archive met after the report's first: the report changed after publication."""
    by_report = itertools.groupby(versions, key=lambda info: (info.agency, info.year))
    for (agency, year), group in by_report:
        for info in group:
            if info.arrival_number > 1:
                yield _edited(connection, agency, year, info)


def _edited(connection: Connection, agency: str, year: int, info: VersionInfo) -> Alert:
    diff = diff_versions(connection, agency, year, None, info.version)
    cells = [
        f"cell {c.table}/{c.row}/{c.column}: {c.old_raw or c.old} → {c.new_raw or c.new}" for c in diff.changed_cells()
    ]
    sentences = [
        f"§{section.number}: {change.old or '∅'} → {change.new or '∅'}"
        for section in diff.sections
        for change in section.sentences
        if change.kind != "equal"
    ]
    evidence = [*cells, *sentences]
    more = [f"… and {len(evidence) - EVIDENCE_LINES} more changes"] if len(evidence) > EVIDENCE_LINES else []
    return Alert(
        "edited",
        info.first_seen,
        agency,
        f"{year} report changed after publication: {diff.old.label} → {diff.new.label}, "
        f"{len(cells)} cell(s) and {len(sentences)} sentence(s)",
        (*evidence[:EVIDENCE_LINES], *more, f"at {info.source_url}"),
        f"edited/{agency}/{year}/{info.sha256}",
    )


# -- portals ------------------------------------------------------------------------


def _finished_runs(runs: list[PortalRun]) -> Iterator[tuple[PortalRun | None, PortalRun]]:
    """Each finished run of a portal with the finished run before it (None before its first)."""
    ordered = sorted((run for run in runs if run.finished_at is not None), key=lambda run: run.portal_id)
    for _, group in itertools.groupby(ordered, key=lambda run: run.portal_id):
        in_order = sorted(group, key=lambda run: (run.started_at, run.run_id))
        yield from zip([None, *in_order], in_order, strict=False)


def _finished_pairs(runs: list[PortalRun]) -> Iterator[tuple[PortalRun, PortalRun]]:
    """Each finished run of a portal with the finished run before it."""
    for before, after in _finished_runs(runs):
        if before is not None:
            yield before, after


def fewer_yields(runs: list[PortalRun]) -> Iterator[Alert]:
    for before, after in _finished_pairs(runs):
        dropped = [
            f"{what}: {getattr(before, what)} in run {before.run_id} → {getattr(after, what)} in run {after.run_id}"
            for what in ("reports", "list_entries")
            if getattr(after, what) < getattr(before, what)
        ]
        if dropped:
            yield Alert(
                "fewer",
                after.finished_at,
                after.portal_id,
                f"portal yielded less than its previous run ({after.outcome})",
                tuple(dropped),
                f"fewer/{after.portal_id}/{after.run_id}",
            )


def blocked_portals(runs: list[PortalRun]) -> Iterator[Alert]:
    for before, after in _finished_pairs(runs):
        if before.failed and after.failed:
            yield Alert(
                "blocked",
                after.finished_at,
                after.portal_id,
                f"portal {after.outcome} in two runs in a row",
                tuple(
                    f"run {run.run_id} at {run.started_at:%Y-%m-%d %H:%M}: {run.outcome}, "
                    f"{run.faults} fault(s), {run.blocked} block page(s)"
                    for run in (before, after)
                ),
                f"blocked/{after.portal_id}/{after.run_id}",
            )


def short_lists(runs: list[PortalRun]) -> Iterator[Alert]:
    for before, after in _finished_runs(runs):
        earlier = {short.list_url: short for short in before.short_lists} if before else {}
        new = [short for short in after.short_lists if _missing(short) > _missing(earlier.get(short.list_url))]
        if new:
            yield Alert(
                "short",
                after.finished_at,
                after.portal_id,
                f"{len(new)} list(s) state more entries than run {after.run_id} reached",
                tuple(_short_evidence(short, earlier.get(short.list_url), before) for short in new),
                f"short/{after.portal_id}/{after.run_id}",
            )


def _missing(short: ShortList | None) -> int:
    """Entries a list states that the run did not reach; 0 for a list it found whole."""
    return short.stated - short.reached if short is not None else 0


def _short_evidence(short: ShortList, earlier: ShortList | None, before: PortalRun | None) -> str:
    was = ""
    if earlier is not None and before is not None:
        was = f" (run {before.run_id}: states {earlier.stated}, reached {earlier.reached})"
    return f"states {short.stated}, reached {short.reached}{was}: {short.list_url}"
