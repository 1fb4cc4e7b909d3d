"""Alerts as text, JSON lines or an Atom feed (RFC 4287): what ``nianbao alerts`` and the web view print."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from xml.etree.ElementTree import Element, SubElement, tostring

from research.alerts import Alert

ATOM = "http://www.w3.org/2005/Atom"
FEED_ID = "tag:nianbao.invalid,2025:alerts"  # a tag URI names the feed without claiming a host


def as_text(alerts: Sequence[Alert]) -> str:
    if not alerts:
        return "no alerts"
    blocks = []
    for alert in alerts:
        lines = [f"{alert.at:%Y-%m-%d %H:%M} {alert.kind:<8} {alert.subject}: {alert.summary}"]
        lines += [f"    {line}" for line in alert.evidence]
        blocks.append("\n".join(lines))
    return "\n".join(blocks)


def as_json_lines(alerts: Sequence[Alert]) -> str:
    return "\n".join(json.dumps(alert.to_json(), ensure_ascii=False) for alert in alerts)


def as_atom(alerts: Sequence[Alert], *, now: datetime, link: str | None = None) -> str:
    """An Atom feed, newest entry first; ``link`` is the page the feed stands for."""
    feed = Element("feed", xmlns=ATOM)
    SubElement(feed, "id").text = FEED_ID
    SubElement(feed, "title").text = "nianbao alerts"
    SubElement(feed, "updated").text = (alerts[-1].at if alerts else now).isoformat()
    SubElement(SubElement(feed, "author"), "name").text = "nianbao"
    if link:
        SubElement(feed, "link", href=link)
    for alert in reversed(alerts):
        entry = SubElement(feed, "entry")
        SubElement(entry, "id").text = f"{FEED_ID}:{alert.key}"
        SubElement(entry, "title").text = f"{alert.kind}: {alert.subject}: {alert.summary}"
        SubElement(entry, "updated").text = alert.at.isoformat()
        SubElement(entry, "category", term=alert.kind)
        SubElement(entry, "content", type="text").text = "\n".join(alert.evidence)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + tostring(feed, encoding="unicode") + "\n"
