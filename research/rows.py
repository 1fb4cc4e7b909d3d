"""The plain records the researchers' side returns: frozen dataclasses, never ORM rows.

Callers (the commands, the web view, exports) never touch a session after it closed, and
one read model serves them all: :class:`VersionInfo` is one row of ``reports_view``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import date, datetime
from typing import Any

from parsers.model import CellValue


@dataclass(frozen=True, slots=True)
class VersionInfo:
    """One version of one report, as ``reports_view`` shows it (field for column)."""

    version_id: int
    report_id: int
    agency: str  # the canonical name
    region: str  # 河南省郑州市二七区: the agency's province, city and district
    province: str | None
    city: str | None
    district: str | None
    year: int
    version: int  # 1 = first published, as in nianbao export
    arrival_number: int  # the order the archive met the versions in
    is_latest: bool
    format_version: str
    failed_rules: tuple[str, ...]
    published_at: date | None
    first_seen: datetime  # aware, UTC
    last_seen: datetime
    source_url: str
    sha256: str
    parser_version: str

    @classmethod
    def from_view(cls, row: Any) -> VersionInfo:
        """The dataclass of a ``reports_view`` row mapping."""
        values = {field.name: row[field.name] for field in fields(cls)}
        values["region"] = values["region"] or ""
        values["is_latest"] = bool(values["is_latest"])
        values["failed_rules"] = tuple(rule for rule in (values["failed_rules"] or "").split(",") if rule)
        values["format_version"] = values["format_version"] or "unknown"
        return cls(**values)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["failed_rules"] = list(self.failed_rules)
        for name in ("published_at", "first_seen", "last_seen"):
            moment = getattr(self, name)
            data[name] = moment.isoformat() if moment else None
        return data


@dataclass(frozen=True, slots=True)
class DocumentInfo:
    """A raw document of a version (the report itself or a capture that led to it)."""

    sha256: str
    url: str | None
    media_type: str | None
    size: int | None


@dataclass(frozen=True, slots=True)
class CellInfo:
    """One table cell of a version, with its exact value and, when not a number, its printed text."""

    agency: str
    year: int
    version_id: int
    table: str
    row: str
    column: str
    value: CellValue
    raw_text: str | None
    meaning: str | None


@dataclass(frozen=True, slots=True)
class ExportedVersion:
    info: VersionInfo
    record: dict[str, Any]


def region_label(province: str | None, city: str | None, district: str | None) -> str:
    """河南省郑州市二七区: the parts known, in order, without repeats."""
    parts: list[str] = []
    for part in (province, city, district):
        if part and part not in parts:
            parts.append(part)
    return "".join(parts)
