"""What one page of an annual-report list leads to, decided from the page and its meta.

The spider's ``parse_list`` asks these and turns the answers into requests and coverage:
which list a page belongs to (``list_key``: coverage counts a list's pages together, under
its first, and ``later_page`` carries it on), the entries a rendered list drew as its stated size counts them
(``drawn_entries``), the list's other pages within the portal's scope (``other_pages``, the
families of ``crawler.pagination``), how big the list says it is (``stated``; drawn by a
browser, ``drawn_size``), and why the page needs a browser (``render_reason``).
"""

from __future__ import annotations

from typing import Any

from scrapy import Request
from scrapy.http import Response

from crawler.jsonlists import json_body, json_total
from crawler.pagination import is_markup, list_pages
from crawler.portals import Portal
from crawler.roles import list_shape, listed_links, script_driven_reason, stated_size
from crawler.spiders.links import Link, list_entries


def list_key(meta: dict[str, Any], list_url: str) -> str:
    """The list a page belongs to, for coverage: its first page (a later page carries it), else ``list_url``."""
    return str(meta.get("nianbao_list_first") or list_url)


def later_page(response: Response) -> dict[str, Any]:
    """The meta a later page of this page's list carries: its number, the list's first page
    (``list_key``), and where the list shows its rows (``crawler.roles.list_shape``: read
    there, a last page of one row is its row, not its menu)."""
    meta = response.meta
    return {
        "nianbao_page": meta.get("nianbao_page", 1) + 1,
        "nianbao_list_first": list_key(meta, response.url),
        "nianbao_list_rows": list_shape(response, meta.get("nianbao_list_rows", "")),
    }


def drawn_entries(pages: list[Response]) -> set[str]:
    """The URLs of the entries a rendered list drew (its ``crawler.spiders.links.drawn_pages``):
    of each view and answer, its listed links (``crawler.roles.listed_links``), as of a page
    read, so that the menus and footers of every view do not count as entries reached. When
    some of them show rows (``_drawn_rows``), only those: a page whose list is drawn in its
    frame shows none, and its own view is all menus."""
    shapes = {list_shape(page) for page in pages} - {""}
    rows = [_drawn_rows(page, shapes) for page in pages]
    if any(rows):
        return {link.url for links in rows for link in links}
    return {link.url for page in pages for link in listed_links(page, list_entries(page))}


def _drawn_rows(page: Response, shapes: set[str]) -> list[Link]:
    """The entries of a drawn page's rows: a JSON answer's, or those of its list rows at one of
    ``shapes`` (where the drawn pages show rows, ``crawler.roles.list_shape``: a last answer
    of one row is a row there, not a page without a list); none without."""
    if not is_markup(page):
        return list_entries(page)
    shape = next((shape for shape in sorted(shapes) if list_shape(page, shape)), None)
    return [] if shape is None else listed_links(page, list_entries(page), shape)


def drawn_size(pages: list[Response]) -> tuple[int, int, int]:
    """(entries, pages, rows) a rendered list states in what it drew (``stated``, as a page read
    says it): the most entries a view or an answer holding entries says (a 共N条 its script
    wrote, an answer's total), and the page count of the first that states one (a later view
    of a list that loads more shows the rows of several pages)."""
    said = [stated(page, {}) for page in pages if is_markup(page) or list_entries(page)]
    paged = next(((count, rows) for _, count, rows in said if count), (0, 0))
    return max((entries for entries, _, _ in said), default=0), *paged


def other_pages(portal: Portal, response: Response, limit: int) -> list[Request]:
    """The list's other pages this page names, within ``portal``'s scope; none from page ``limit`` on."""
    if response.meta.get("nianbao_page", 1) >= limit:
        return []
    return [request for request in list_pages(response, limit) if portal.in_scope(request.url)]


def stated(response: Response, names: dict[str, Any]) -> tuple[int, int, int]:
    """(entries, pages, rows) a list page states (``crawler.roles.stated_size``); a JSON answer its total."""
    return stated_size(response, names) if is_markup(response) else (json_total(json_body(response)), 0, 0)


def render_reason(portal: Portal, response: Response) -> str | None:
    """Why this list page needs a browser (crawler.roles, or the registry), or None.

    Never a later page of a list (the first one's browser walks them), nor a frame whose
    column is rendered (the column's browser draws its frames)."""
    meta = response.meta
    if portal.hints.render is False or meta.get("nianbao_page", 1) > 1 or meta.get("nianbao_drawn_with"):
        return None
    if portal.hints.render is True:
        return "the registry says render: true"
    return script_driven_reason(response)
