"""What researchers filter the archive by, checked before any query runs.

Every function here is pure: it turns what a person typed into typed filters, or raises
:class:`BadFilter` with one line that says what is wrong and what would be right.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from research import codebook

FORMAT_VERSIONS = ("2021", "2019", "pre2019", "unknown")
RULES = tuple(codebook.RULES)  # R1-R5 judged by the parser, R6 by the archive; no other rule exists
FIRST_YEAR, LAST_YEAR = 2000, 2100  # the regulation dates from 2008; anything far outside is a typo
SUGGESTIONS = 5
SUGGESTION_CUTOFF = 40  # rapidfuzz WRatio, 0-100: below it a name shares too little to suggest

_YEAR = re.compile(r"^(\d{4})(?:\s*[-–~]\s*(\d{4}))?$")


class BadFilter(ValueError):
    """A filter a person typed that cannot be understood; the message is one line."""


@dataclass(frozen=True, slots=True)
class Filters:
    agency: str | None = None
    region: str | None = None
    years: tuple[int, ...] = ()
    format_versions: tuple[str, ...] = ()
    failed_rules: tuple[str, ...] = ()


def parse_years(values: Iterable[str]) -> tuple[int, ...]:
    """``2023``, ``2021-2023``: the years named, sorted; anything else is a BadFilter."""
    years: set[int] = set()
    for value in values:
        match = _YEAR.match(value.strip())
        if not match:
            raise BadFilter(f"not a year or a range of years: {value!r} (try 2023 or 2021-2023)")
        first, last = int(match[1]), int(match[2] or match[1])
        if first > last or first < FIRST_YEAR or last > LAST_YEAR:
            raise BadFilter(f"not a plausible year range: {value!r} (years run {FIRST_YEAR}-{LAST_YEAR})")
        years.update(range(first, last + 1))
    return tuple(sorted(years))


def parse_year(value: str | int) -> int:
    years = parse_years([str(value)])
    if len(years) != 1:
        raise BadFilter(f"one year expected, not a range: {value!r}")
    return years[0]


def parse_format_versions(values: Iterable[str]) -> tuple[str, ...]:
    chosen = tuple(value.strip() for value in values)
    for value in chosen:
        if value not in FORMAT_VERSIONS:
            raise BadFilter(f"unknown format version {value!r} (one of: {', '.join(FORMAT_VERSIONS)})")
    return chosen


def parse_rules(values: Iterable[str]) -> tuple[str, ...]:
    chosen = tuple(value.strip().upper() for value in values)
    for value in chosen:
        if value not in RULES:
            raise BadFilter(f"unknown rule {value!r} (one of: {', '.join(RULES)})")
    return chosen


def parse_filters(
    *,
    agency: str | None = None,
    region: str | None = None,
    years: Sequence[str] = (),
    format_versions: Sequence[str] = (),
    failed: Sequence[str] = (),
) -> Filters:
    return Filters(
        agency=_blank_is_none(agency),
        region=_blank_is_none(region),
        years=parse_years(years),
        format_versions=parse_format_versions(format_versions),
        failed_rules=parse_rules(failed),
    )


def _blank_is_none(value: str | None) -> str | None:
    return value.strip() or None if value is not None else None


def matching_agencies(query: str, names: Iterable[str]) -> list[str]:
    """Names equal to ``query``, else those containing it (case-insensitive for ASCII)."""
    wanted = query.strip().casefold()
    pool = list(dict.fromkeys(names))
    exact = [name for name in pool if name.casefold() == wanted]
    return exact or [name for name in pool if wanted in name.casefold()]


def closest_agencies(query: str, names: Iterable[str], limit: int = SUGGESTIONS) -> list[str]:
    """The names nearest ``query`` in spelling, best first (for "did you mean")."""
    pool = list(dict.fromkeys(names))
    found = process.extract(query, pool, scorer=fuzz.WRatio, limit=limit, score_cutoff=SUGGESTION_CUTOFF)
    return [name for name, _score, _index in found]


def resolve_agency(query: str, names: Iterable[str]) -> str:
    """The one agency ``query`` names (its canonical name or a unique substring of it)."""
    pool = list(names)
    matches = matching_agencies(query, pool)
    if len(matches) == 1:
        return matches[0]
    if matches:
        shown = "、".join(matches[:SUGGESTIONS]) + ("…" if len(matches) > SUGGESTIONS else "")
        raise BadFilter(f"{query!r} names {len(matches)} agencies: {shown}; be more specific")
    raise BadFilter(unknown_agency_message(query, pool))


def unknown_agency_message(query: str, names: Iterable[str]) -> str:
    pool = list(names)
    if not pool:
        return f"no agency {query!r} in the archive (it holds no report yet)"
    suggestions = closest_agencies(query, pool)
    if not suggestions:
        return f"no agency {query!r} in the archive, nor any name close to it"
    return f"no agency {query!r} in the archive; closest: {'、'.join(suggestions)}"


def require_year(year: int, archived: Iterable[int], agency: str) -> None:
    years = sorted(set(archived))
    if year not in years:
        listed = ", ".join(str(y) for y in years) or "none"
        raise BadFilter(f"{agency} has no report for {year} in the archive; archived years: {listed}")
