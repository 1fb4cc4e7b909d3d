"""The entries of a JSON list answer, whatever its shape.

List APIs nest their rows anywhere (``articles``, ``data.list``, ``custom.data.infolist``,
``result.records``, a bare array) and name their fields as they like (``title``,
``DOCTITLE``, ``infoname``; ``url``, ``docpuburl``, ``link``; ``id``, ``infoid``). The rows
are found as the array of objects that most often carry a title and a URL or an id; the
total as the shallowest count-named number outside them (``total``, ``recordCount``,
``totalCount`` …). An entry without a URL is opened through a detail URL shape the page's
script builds (``crawler.scripts``), filled with the entry's field.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urljoin

from scrapy.http import Response, TextResponse

from crawler.jsread import fill, gaps

MAX_DEPTH = 6
_TOTAL_KEYS = {"total", "totalcount", "recordcount", "totalrecord", "totalrecords", "totalelements", "totalnum"}
_TOTAL_KEYS |= {"total_count", "totalrows", "rowcount", "count", "totalsize", "totalhits", "records_total"}
_NOT_URL = ("img", "pic", "thumb", "icon", "cover", "logo", "video", "photo")
_TAG = re.compile(r"<[^>]+>")


def json_body(response: Response) -> Any:
    """The decoded body of a JSON answer (object or array), or None."""
    if not isinstance(response, TextResponse) or not response.text.lstrip().startswith(("{", "[")):
        return None
    try:
        return json.loads(response.text)
    except ValueError:
        return None


def json_entries(data: Any) -> list[dict[str, Any]]:
    """The rows of a list answer: the array of objects carrying the most titles with a URL or id."""
    best: list[dict[str, Any]] = []
    best_score = 0
    for array in _arrays(data, 0):
        rows = [item for item in array if isinstance(item, dict)]
        score = sum(1 for row in rows if _title_key(row) and (_url_key(row) or _id_keys(row)))
        if score > best_score and score * 2 >= len(rows):
            best, best_score = rows, score
    return best


def _arrays(value: Any, depth: int) -> list[list[Any]]:
    if depth > MAX_DEPTH:
        return []
    if isinstance(value, list):
        found = [value] if value and isinstance(value[0], dict) else []
        return found + [array for item in value[:3] for array in _arrays(item, depth + 1)]
    if isinstance(value, dict):
        return [array for item in value.values() for array in _arrays(item, depth + 1)]
    if isinstance(value, str) and value.lstrip().startswith(("{", "[")):
        try:  # Epoint answers nest a JSON text inside the JSON
            return _arrays(json.loads(value), depth + 1)
        except ValueError:
            return []
    return []


def array_sizes(data: Any, depth: int = 0) -> list[int]:
    """The length of every array in a JSON answer (the first rows of each looked into): none is
    not a list; all 0 is a list at its end."""
    if depth > MAX_DEPTH:
        return []
    if isinstance(data, list):
        return [len(data)] + [size for item in data[:3] for size in array_sizes(item, depth + 1)]
    if isinstance(data, dict):
        return [size for item in data.values() for size in array_sizes(item, depth + 1)]
    return []


def json_total(data: Any) -> int:
    """The entries the list says it holds (the shallowest count-named number), or 0."""
    level: list[Any] = [data] if isinstance(data, dict) else []
    for _ in range(MAX_DEPTH):
        for container in level:
            for key, value in container.items():
                if key.lower() in _TOTAL_KEYS and _number(value):
                    return int(value)
        level = [v for c in level for v in c.values() if isinstance(v, dict)]
        level += [json.loads(v) for c in level for v in c.values() if _json_object_text(v)]
        if not level:
            break
    return 0


def _json_object_text(value: Any) -> bool:
    if not (isinstance(value, str) and value.lstrip().startswith("{")):
        return False
    try:
        return isinstance(json.loads(value), dict)
    except ValueError:
        return False


def _number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return (isinstance(value, int) and value >= 0) or (isinstance(value, str) and value.isdigit())


# -- one entry -------------------------------------------------------------------------


def _title_key(row: dict[str, Any]) -> str | None:
    for key, value in row.items():
        lower = key.lower()
        if isinstance(value, str) and value.strip() and ("title" in lower or lower in {"name", "bt", "infoname"}):
            return key
    return None


def _url_key(row: dict[str, Any]) -> str | None:
    for key, value in row.items():
        lower = key.lower()
        if not (isinstance(value, str) and value.strip()) or any(word in lower for word in _NOT_URL):
            continue
        if "url" in lower or "link" in lower or "href" in lower or lower == "path":
            return key
    return None


def _id_keys(row: dict[str, Any]) -> list[str]:
    keys = [key for key in row if key.lower() == "id" or key.lower().endswith(("id", "guid"))]
    return [key for key in keys if isinstance(row[key], str | int) and not isinstance(row[key], bool)]


def entry_title(row: dict[str, Any]) -> str:
    key = _title_key(row)
    return re.sub(r"\s+", "", _TAG.sub("", row[key])) if key else ""


def entry_url(row: dict[str, Any], base: str, detail: list[str]) -> str | None:
    """Where an entry's page is: its URL field, or a detail shape filled with its id."""
    key = _url_key(row)
    if key:
        return urljoin(base, row[key].strip())
    lowered = {name.lower(): value for name, value in row.items()}
    for shape in detail:
        names = gaps(shape)
        value = row.get(names[0], lowered.get(names[0].lower())) if names else None
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value):
            return urljoin(base, fill(shape, {names[0]: value}))
    return None


def entry_date(row: dict[str, Any]) -> date | None:
    """An ISO date or an epoch (seconds or milliseconds) in a date- or time-named field."""
    for key, value in row.items():
        lower = key.lower()
        if "date" not in lower and "time" not in lower:
            continue
        if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
            return datetime.fromtimestamp(value / 1000 if value > 1e11 else value, UTC).date()
        if isinstance(value, str) and re.match(r"\d{4}-\d{2}-\d{2}", value):
            try:
                return date.fromisoformat(value[:10])
            except ValueError:
                continue
    return None
