"""The waits a polite crawl imposes on itself, said in the progress line.

A polite crawl spends much of its time waiting: a host that answered with a block page
is left alone for minutes, robots.txt's Crawl-delay spaces a host's requests, a failed
request waits before its retry. None of that moves a count, so a crawl that waits looked
hung. A :class:`Wait` says on which host, why, how long and until when; a component that
starts one sends the signal :data:`wait_started` with it (the retry middleware does), and
``crawler.extensions.CrawlProgress`` adds the back-offs and Crawl-delays that
``HostPoliteness`` holds, then prints :func:`describe` of them all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

wait_started = object()  # signal, sent with wait=Wait(...)


@dataclass(frozen=True, slots=True)
class Wait:
    host: str
    reason: str  # "block page back-off", "robots.txt Crawl-delay", "retry"
    seconds: float
    until: float  # wall-clock time, as time.time() gives it


def describe(waits: Iterable[Wait], now: float) -> list[str]:
    """One line per host and reason: how long, until when, how much is left (and how many, for retries)."""
    grouped: dict[tuple[str, str], list[Wait]] = {}
    for wait in waits:
        if wait.until > now:
            grouped.setdefault((wait.host, wait.reason), []).append(wait)
    lines = []
    for (host, reason), same in sorted(grouped.items()):
        last = max(same, key=lambda wait: wait.until)
        count = f"{len(same)} × " if len(same) > 1 else ""
        until = datetime.fromtimestamp(last.until).strftime("%H:%M:%S")
        lines.append(f"{host}: {count}{reason} {last.seconds:g} s, until {until} ({last.until - now:.0f} s left)")
    return lines
