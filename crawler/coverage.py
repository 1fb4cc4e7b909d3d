"""Coverage findings: lists that state more entries than the crawl reached.

A list page says how big it is (共19条, a script's ``recordCount``, an API's ``total``);
when fewer of its report links were reached, the gap is a finding the archive keeps
(``coverage_finding``), so that "this body published nothing for 2011-2015" can be told
apart from a list the crawler could not read to its end.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from storage.models import CoverageFindingRow


@dataclass(frozen=True, slots=True)
class CoverageFinding:
    portal_id: str
    list_url: str
    stated: int
    reached: int

    def row(self, run_id: int) -> CoverageFindingRow:
        numbers = {"stated": self.stated, "reached": self.reached}
        return CoverageFindingRow(crawl_run_id=run_id, portal_id=self.portal_id, list_url=self.list_url, **numbers)


@dataclass
class Coverage:
    """Per list (keyed by its first page's URL): the largest size it stated and the report URLs reached from it."""

    stated: dict[str, tuple[str, int]] = field(default_factory=dict)
    reached: dict[str, set[str]] = field(default_factory=dict)

    def state(self, portal_id: str, list_url: str, total: int) -> None:
        if total > self.stated.get(list_url, (portal_id, 0))[1]:
            self.stated[list_url] = (portal_id, total)

    def reach(self, list_url: str, report_url: str) -> None:
        self.reached.setdefault(list_url, set()).add(report_url)

    def findings(self) -> list[CoverageFinding]:
        """Every list that stated more entries than were reached, in the order first stated."""
        found = []
        for list_url, (portal_id, total) in self.stated.items():
            reached = len(self.reached.get(list_url, ()))
            if reached < total:
                found.append(CoverageFinding(portal_id, list_url, total, reached))
        return found
