"""The archive's tables, as typed SQLAlchemy 2.x models.

Nothing a crawl stores is ever overwritten or deleted: raw documents, captures and
versions only accumulate. The few columns that are updated are bookkeeping (when a
version was last seen) or derived from the versions (their published order, which one
is the latest, the parsed data that ``nianbao reparse`` rebuilds).

Each class is named for its table with ``Row`` after it (``ReportRow`` is a row of
``report``), so that none is mistaken for the parser's records (``parsers.model.Report``,
``parsers.document.Document``) or the crawler's items (``crawler.items.Capture``).

Alembic is the only way the schema changes: edit these models, then add a revision
under ``storage/migrations/versions``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only aliases ROWID (and so auto-increments) for a column typed exactly INTEGER.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """A moment, always returned as an aware UTC datetime.

    PostgreSQL keeps the zone (timestamptz); SQLite keeps text without one, so the value
    is converted to UTC before it is written. A naive value is taken to be UTC already.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return moment.replace(tzinfo=None) if dialect.name == "sqlite" else moment

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


TRUNCATED = "…[truncated]"


def clip(value: str | None, column: Any) -> str | None:
    """``value`` cut to fit a ``String(n)`` column, its end marked, so a server's absurd
    header is kept as far as it fits instead of failing the row (PostgreSQL enforces n)."""
    limit = getattr(column.type, "length", None)
    if value is None or limit is None or len(value) <= limit:
        return value
    return value[: limit - len(TRUNCATED)] + TRUNCATED


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    # A missing JSON value is SQL NULL, not the JSON text 'null': "hints IS NULL" means what it says.
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(none_as_null=True),
        list[Any]: JSON(none_as_null=True),
    }


class AgencyRow(Base):
    """A government body under its canonical name (region prefix completed)."""

    __tablename__ = "agency"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    province: Mapped[str | None] = mapped_column(String(50))
    city: Mapped[str | None] = mapped_column(String(50))
    district: Mapped[str | None] = mapped_column(String(50))
    portal_id: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime]


class AgencyAliasRow(Base):
    """A name the body was printed under (二七区统计局 for 郑州市二七区统计局)."""

    __tablename__ = "agency_alias"
    __table_args__ = (UniqueConstraint("agency_id", "alias"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    alias: Mapped[str] = mapped_column(String(200), index=True)
    portal_id: Mapped[str | None] = mapped_column(String(100))
    first_seen_at: Mapped[datetime]


class CrawlRunRow(Base):
    __tablename__ = "crawl_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    portals: Mapped[list[Any]]
    stats: Mapped[dict[str, Any] | None]


class CoverageFindingRow(Base):
    """A list that stated more entries than a crawl run reached from it (crawler.coverage)."""

    __tablename__ = "coverage_finding"

    id: Mapped[int] = mapped_column(primary_key=True)
    crawl_run_id: Mapped[int] = mapped_column(ForeignKey("crawl_run.id"), index=True)
    portal_id: Mapped[str] = mapped_column(String(100))
    list_url: Mapped[str] = mapped_column(Text)
    stated: Mapped[int] = mapped_column(Integer)
    reached: Mapped[int] = mapped_column(Integer)


class DocumentRow(Base):
    """Raw bytes in the content-addressed folder, named by their sha256."""

    __tablename__ = "document"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    media_type: Mapped[str | None] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(BigInteger)
    path: Mapped[str] = mapped_column(String(200))
    stored_at: Mapped[datetime]


class ReportRow(Base):
    """One agency's report for one year: the key every version hangs under."""

    __tablename__ = "report"
    __table_args__ = (UniqueConstraint("agency_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    year: Mapped[int] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime]


class VersionRow(Base):
    """One distinct content of a report.

    ``number`` is the order the archive met the versions in and never changes.
    ``ordinal`` is their order by when the body published them (``sort_date``: the
    page's publication date where it shows one, else the day first seen); the version
    with the highest ordinal is the latest (``is_latest``). Both are derived and are
    recomputed whenever a version is added or reparsed.
    """

    __tablename__ = "version"
    __table_args__ = (
        UniqueConstraint("report_id", "number"),
        UniqueConstraint("report_id", "content_sha256"),
        Index("ix_version_latest_report", "is_latest", "report_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id"))
    number: Mapped[int] = mapped_column(Integer)
    content_sha256: Mapped[str] = mapped_column(ForeignKey("document.sha256"), index=True)
    ordinal: Mapped[int] = mapped_column(Integer)
    is_latest: Mapped[bool]
    published_at: Mapped[date | None] = mapped_column(Date)
    sort_date: Mapped[date] = mapped_column(Date)
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    source_url: Mapped[str] = mapped_column(Text)
    list_url: Mapped[str | None] = mapped_column(Text)
    portal_id: Mapped[str | None] = mapped_column(String(100))
    agency_printed: Mapped[str | None] = mapped_column(String(200))
    format_version: Mapped[str] = mapped_column(String(16))
    parser_version: Mapped[str] = mapped_column(String(32))
    parsed_at: Mapped[datetime]
    record: Mapped[dict[str, Any]]
    text: Mapped[str] = mapped_column(Text)


class VersionSourceRow(Base):
    """Every URL a version was found at, and when."""

    __tablename__ = "version_source"
    __table_args__ = (UniqueConstraint("version_id", "url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("version.id"))
    url: Mapped[str] = mapped_column(Text)
    list_url: Mapped[str | None] = mapped_column(Text)
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    seen_count: Mapped[int] = mapped_column(Integer)


class CaptureRow(Base):
    """One request and what came of it: a response (with its WARC record) or a fault."""

    __tablename__ = "capture"
    __table_args__ = (Index("ix_capture_url_fetched_at", "url", "fetched_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    method: Mapped[str] = mapped_column(String(10))
    fetched_at: Mapped[datetime]
    status: Mapped[int | None] = mapped_column(Integer)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    content_type: Mapped[str | None] = mapped_column(Text)
    headers: Mapped[list[Any] | None]
    sha256: Mapped[str | None] = mapped_column(ForeignKey("document.sha256"), index=True)
    payload_digest: Mapped[str | None] = mapped_column(String(64), index=True)
    warc_file: Mapped[str | None] = mapped_column(String(200))
    warc_offset: Mapped[int | None] = mapped_column(BigInteger)
    warc_record_id: Mapped[str | None] = mapped_column(String(100))
    warc_record_type: Mapped[str | None] = mapped_column(String(20))
    warc_date: Mapped[str | None] = mapped_column(String(40))
    fault: Mapped[str | None] = mapped_column(String(40))
    fault_reason: Mapped[str | None] = mapped_column(Text)
    crawl_run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_run.id"), index=True)
    portal_id: Mapped[str | None] = mapped_column(String(100))
    referer: Mapped[str | None] = mapped_column(Text)
    version_id: Mapped[int | None] = mapped_column(ForeignKey("version.id"), index=True)
    # What parsing this capture still needs (crawler.pipelines.parse_hints) until its report
    # or parse fault is stored; NULL once it is. Never a validator while set.
    unfinished: Mapped[dict[str, Any] | None]
    # What the portal said of a document that carries a report (parsers.parse_file.Hints),
    # kept for good so that a reparse is told what the crawl was told.
    hints: Mapped[dict[str, Any] | None]


class CellRow(Base):
    """One table cell in long form, for one-line SQL across agencies and years.

    ``value`` is numeric for arithmetic in SQL; ``value_exact`` is the number exactly as
    the record holds it (``"7730.28"``, ``"12"``) and ``value_kind`` says whether it is a
    count (``int``) or money (``decimal``): that pair is what the archive reads back,
    since SQLite would turn a decimal into a float. A cell that is not a plain number has
    no value and keeps its printed text and meaning (``empty``, ``na``, ...).

    The key is the cell's place, so a version's cells lie together (on SQLite the table
    is clustered on it: ``WITHOUT ROWID``). A year's cells are reached through its
    reports and their latest versions (``research.queries.year_cells``); an index on
    ``(year, table, row, column)`` would cost more per stored version than the rest of
    the cell writes together, and ``agency_id`` and ``year`` are here to read, not to seek.
    """

    __tablename__ = "cell"
    __table_args__ = ({"sqlite_with_rowid": False},)

    version_id: Mapped[int] = mapped_column(ForeignKey("version.id"), primary_key=True)
    table_key: Mapped[str] = mapped_column(String(40), primary_key=True)
    row_key: Mapped[str] = mapped_column(String(80), primary_key=True)
    column_key: Mapped[str] = mapped_column(String(80), primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    year: Mapped[int] = mapped_column(Integer)
    value: Mapped[float | None] = mapped_column(Numeric(asdecimal=False))
    value_exact: Mapped[str | None] = mapped_column(String(40))
    value_kind: Mapped[str | None] = mapped_column(String(8))
    raw_text: Mapped[str | None] = mapped_column(Text)
    meaning: Mapped[str | None] = mapped_column(String(20))


class CheckResultRow(Base):
    """One consistency rule (勾稽关系) judged on one version."""

    __tablename__ = "check_result"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("version.id"), index=True)
    rule: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(12))
    detail: Mapped[str] = mapped_column(Text)
