"""The plain records that queries return: one per report version, and its documents.

Frozen dataclasses rather than ORM objects, so that callers (the CLI, the web view,
export) never touch a session after it closed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class VersionRow:
    version_id: int
    report_id: int
    agency: str
    region: str
    year: int
    version: int  # 1 = first published, as in nianbao export
    format_version: str
    failed_rules: tuple[str, ...]
    published_at: date | None
    first_seen: datetime | None
    source_url: str | None
    sha256: str | None
    is_latest: bool = True

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["failed_rules"] = list(self.failed_rules)
        data["published_at"] = self.published_at.isoformat() if self.published_at else None
        data["first_seen"] = self.first_seen.isoformat() if self.first_seen else None
        return data


@dataclass(frozen=True, slots=True)
class DocumentRow:
    sha256: str
    url: str | None
    media_type: str | None
    size: int | None


def region_label(province: str | None, city: str | None, district: str | None) -> str:
    """河南省郑州市二七区: the parts known, in order, without repeats."""
    parts: list[str] = []
    for part in (province, city, district):
        if part and part not in parts:
            parts.append(part)
    return "".join(parts)
