"""Table rows whose cells were glued together when their separators were lost.

Text flattened from HTML by other archives prints a row as its label followed by all
its numbers with nothing between them: ``（一）予以公开7000007``. :func:`glued_rows`
cuts such a paragraph into rows of (label, run of digits), the run kept as a
:class:`Glued` cell. :func:`splits` lists every way to cut a run into the row's
columns that the digit rules allow (no leading zeros, one number a column) and that the
row's own sums keep (a total equal to its parts); the table readers then keep a split
only where exactly one fits every rule that touches the row and its columns, and leave
the row null otherwise. Nothing here guesses between two splits.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from parsers.cells import normalize

# a run of digits (stray spaces inside, left by &nbsp;), with any sign or decimal point in it
_RUN = re.compile(r"[-+]?\d(?:[\d \u00a0\u3000+-]|\.(?=\d))*")
_DIGITS = re.compile(r"\d+")
_UNITS = frozenset("%％元万件条个项次期年月日")  # a number with its unit is prose or an amount, no glued row
MAX_PART_DIGITS = 7  # counts in these tables stay below ten million
MAX_SPLITS = 2000  # beyond this many fitting splits a run is too ambiguous to search on
MIN_ROWS = 3  # a paragraph is a glued table when it yields this many rows (table 四 has one)


class Glued(str):
    """A cell holding a whole row's digits glued together."""

    __slots__ = ()


def glued_rows(text: str, min_rows: int = MIN_ROWS) -> list[list[str]]:
    """The paragraph as rows of [label, Glued digits]; [] when it is no glued table.

    A run followed by ``.`` and a character that is no digit ends in the next label's
    numbering (``00000002.其他法律…``): its last digit goes back to that label. A run
    with a decimal point or a unit after it is no glued row and stays in the label.
    """
    if "。" in text:
        return []  # sentences: prose with numbers in it, not a table
    rows: list[list[str]] = []
    label_start = 0
    for match in _RUN.finditer(text):
        run, end = match.group(0).rstrip(), match.start() + len(match.group(0).rstrip())
        after = text[end : end + 1]
        if after in (".", "．", "、"):  # the next label's numbering (1 to 8) ends the run
            run, end = run[:-1].rstrip(), end - 1
        if not normalize(run) or text[end:].lstrip()[:1] in _UNITS:
            continue
        label = text[label_start : match.start()].strip()
        if label:
            digits = normalize(run)
            # a sign or a decimal point is no glued row of counts: kept as printed, unread
            rows.append([label, Glued(digits) if _DIGITS.fullmatch(digits) else run])
        label_start = end
    return rows if len(rows) >= min_rows else []


def splits(digits: str, width: int, groups: int = 0) -> list[tuple[int, ...]] | None:
    """Every cut of ``digits`` into ``width`` numbers without leading zeros in which, when
    ``groups`` is set, each of that many equal groups ends in the sum of its other
    members (a row total, a 复议/诉讼 总计); None when there are more than MAX_SPLITS."""
    size = width // groups if groups else 0
    found: list[tuple[int, ...]] = []
    for cut in _cuts(digits, width, size):
        found.append(cut)
        if len(found) > MAX_SPLITS:
            return None
    return found


def _cuts(digits: str, width: int, size: int, prefix: tuple[int, ...] = ()) -> Iterator[tuple[int, ...]]:
    left = width - len(prefix)
    if left == 0:
        if not digits:
            yield prefix
        return
    longest = min(MAX_PART_DIGITS, len(digits) - (left - 1))
    for length in range(1, longest + 1):
        part = digits[:length]
        if length > 1 and part[0] == "0":
            break  # a leading zero: no longer part starting here is a number either
        cut = (*prefix, int(part))
        if size and len(cut) % size == 0 and sum(cut[-size:-1]) != cut[-1]:
            continue
        yield from _cuts(digits[length:], width, size, cut)


def glued_run(values: list[str]) -> str | None:
    """The row's glued digits, when its only printed value cell is a :class:`Glued` run."""
    printed = [text for text in values if text.strip()]
    if len(printed) == 1 and isinstance(printed[0], Glued):
        return str(printed[0])
    return None


def agreed(assignments: list[dict[str, tuple[int, ...]]], row: str) -> tuple[int, ...] | None:
    """The split of ``row`` when every assignment that fits the rules gives it the same one."""
    choices = {assignment[row] for assignment in assignments}
    return choices.pop() if len(choices) == 1 else None
