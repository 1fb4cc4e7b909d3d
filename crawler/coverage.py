"""Coverage findings: lists that state more entries than the crawl reached.

A list page says how big it is (共19条, a script's ``recordCount``, an API's ``total``),
or how many pages it has (共5页, TRS ``createPageHTML``); when fewer of its entries were
reached, the gap is a finding the archive keeps (``coverage_finding``), so that "this body
published nothing for 2011-2015" can be told apart from a list the crawler could not read
to its end.

The entries reached from a page are those it shows as rows (``crawler.roles.listed_links``),
not its menus and footers: counted, a site's menu of a dozen links on every page would make
a list of 19 whose second page was lost look read to its end. A page a browser drew counts
what it drew, its views and the answers its scripts fetched read the same way
(``crawler.spiders.listing.drawn_entries``), in place of what reading its shell found.

A page count states entries only through the rows of a page, and a list repeats some
entries on every page (置顶 items pinned to each page, its menus): reached from two pages
or more, those are counted once, and a page's rows are the entries it alone shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import reduce

from crawler.pagination import fewest_entries
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


@dataclass(slots=True)
class Statement:
    """What a list's pages say of its size: the most entries and the most pages any states,
    the most rows (``crawler.roles.dated_run``) a page stating pages shows, and those pages
    (a frame or column counted with the list states none)."""

    portal_id: str
    entries: int = 0
    pages: int = 0
    rows: int = 0
    paged: set[str] = field(default_factory=set)


@dataclass
class Coverage:
    """Per list (keyed by its first page's URL): what its pages state, and the entry URLs
    reached from each of its pages."""

    stated: dict[str, Statement] = field(default_factory=dict)
    reached: dict[str, dict[str, set[str]]] = field(default_factory=dict)

    def state(
        self, portal_id: str, list_url: str, entries: int, pages: int = 0, rows: int = 0, page_url: str = ""
    ) -> None:
        """Page ``page_url`` of list ``list_url`` states ``entries``, or ``pages`` of ``rows``."""
        paged = fewest_entries(pages, rows) > 0
        if not (entries or paged):
            return
        statement = self.stated.setdefault(list_url, Statement(portal_id))
        statement.entries = max(statement.entries, entries)
        if paged:
            statement.pages, statement.rows = max(statement.pages, pages), max(statement.rows, rows)
            statement.paged.add(page_url)

    def reach(self, list_url: str, entry_url: str, page_url: str) -> None:
        self.reached.setdefault(list_url, {}).setdefault(page_url, set()).add(entry_url)

    def redraw(self, list_url: str, page_url: str, entry_urls: set[str]) -> None:
        """Page ``page_url`` of list ``list_url`` as a browser drew it: what it drew replaces what
        reading it found (a script's shell shows no rows, and its menus would count as entries)."""
        self.reached.setdefault(list_url, {})[page_url] = entry_urls

    def findings(self) -> list[CoverageFinding]:
        """Every list that stated more entries than were reached, in the order first stated."""
        found = []
        for list_url, statement in self.stated.items():
            pages = self.reached.get(list_url, {})
            reached = len(set().union(*pages.values()))
            stated = max(statement.entries, _fewest(statement, [pages.get(url, set()) for url in statement.paged]))
            if reached < stated:
                found.append(CoverageFinding(statement.portal_id, list_url, stated, reached))
        return found


def _fewest(statement: Statement, pages: list[set[str]]) -> int:
    """The fewest distinct entries a list of ``statement.pages`` pages holds, ``pages`` the
    entries of each of its pages reached. From one page, its rows make a page; from more, the
    entries every page shows (pinned, or the page's frame) are counted once and a page holds
    as many others as the fullest showed."""
    if not statement.pages or len(pages) < 2:
        return fewest_entries(statement.pages, statement.rows)
    shared = reduce(set.intersection, pages)
    return len(shared) + fewest_entries(statement.pages, max(len(page - shared) for page in pages))
