"""The archive: what the crawler pipelines call to keep every report, version by version.

Example::

    archive = Archive.open("sqlite:///demo/archive.db", Path("demo/archive"))
    run = archive.start_run(["zz-erqi"])
    sha256 = archive.store_bytes(body)                      # raw bytes first, always
    capture = archive.record_capture(url, fetched_at=now, status=200, headers=headers,
                                     sha256=sha256, warc=ref, run_id=run)
    result = archive.store_report(report, sha256=sha256, media_type="application/pdf",
                                  source_url=url, fetched_at=now, capture_id=capture)
    archive.finish_run(run, stats)

Rules it keeps: raw bytes are written (and synced) before any row points at them; each
version is one transaction, so a crash leaves no half version; the same bytes again only
record a sighting; nothing is overwritten or deleted. Failures surface as
:class:`ArchiveError` (or :class:`VersionConflict`) with a one-line message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache, partial
from pathlib import Path
from typing import Any, BinaryIO, Required, TypedDict, TypeVar, Unpack

from sqlalchemy import Connection, Engine, Select, bindparam, func, insert, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from parsers import PARSER_VERSION
from parsers.model import Region, Report
from storage import migrate
from storage.engine import open_engine, writer
from storage.errors import ArchiveError
from storage.models import CaptureRow, CoverageFindingRow, CrawlRunRow, clip
from storage.rawstore import RawStore
from storage.retry import one_line, run_retrying
from storage.versions import (
    ReportKey,
    Sighting,
    StoreResult,
    agency_id_for,
    ensure_alias,
    ensure_document,
    finish_captures,
    prepare,
    report_key,
    store_version,
)
from storage.warc import PriorRecord, WarcRef
from storage.warc_http import header_value

T = TypeVar("T")
Clock = Callable[[], datetime]
Headers = Sequence[tuple[str, str]]
_INSERT_CAPTURE = insert(CaptureRow).returning(CaptureRow.id)  # built once, values bound: a crawl adds a row an answer
LOOKUP_BATCH = 500  # URLs in one validator query: far below any database's limit of parameters


@dataclass(frozen=True, slots=True)
class Validators:
    """What a conditional GET of a URL sends, from its latest full response."""

    etag: str | None
    last_modified: str | None
    sha256: str | None
    warc: PriorRecord | None  # what a 304's revisit record refers to


@dataclass(frozen=True, slots=True)
class UnfinishedCapture:
    """A capture whose report was never stored, and what parsing it needs."""

    id: int
    url: str
    sha256: str
    fetched_at: datetime
    media_type: str | None
    referer: str | None
    portal_id: str | None
    hints: Mapping[str, Any]

    @classmethod
    def of(cls, row: CaptureRow) -> UnfinishedCapture:
        sha256 = row.sha256 or ""  # an unfinished capture always has its bytes
        hints = (row.hints or {}) | (row.unfinished or {})
        return cls(row.id, row.url, sha256, row.fetched_at, row.content_type, row.referer, row.portal_id, hints)


class CaptureFields(TypedDict, total=False):
    """What a capture row records of a request and its outcome (``Archive.record_capture``).

    ``hints``: what the portal said of the document (``parsers.parse_file.Hints.to_json``).
    ``unfinished``: the response carries a report still to be parsed and stored, with what
    parsing it needs; until then it is no validator.
    """

    fetched_at: Required[datetime]
    status: int | None
    headers: Headers
    sha256: str | None  # of its stored body
    warc: WarcRef | None
    fault: str | None
    reason: str | None
    run_id: int | None
    referer: str | None
    portal_id: str | None
    method: str
    unfinished: Mapping[str, Any] | None
    hints: Mapping[str, Any] | None


def capture_columns(url: str, **fields: Unpack[CaptureFields]) -> dict[str, Any]:
    """The columns of a capture row."""
    headers = fields.get("headers", ())
    unfinished, hints = fields.get("unfinished"), fields.get("hints")
    return {
        "url": url,
        "method": fields.get("method", "GET"),
        "fetched_at": fields["fetched_at"],
        "status": fields.get("status"),
        "headers": [list(pair) for pair in headers],
        "etag": header_value(headers, "ETag"),
        "last_modified": header_value(headers, "Last-Modified"),
        "content_type": header_value(headers, "Content-Type"),
        "sha256": fields.get("sha256"),
        "fault": clip(fields.get("fault"), CaptureRow.fault),
        "fault_reason": fields.get("reason"),
        "crawl_run_id": fields.get("run_id"),
        "referer": fields.get("referer"),
        "portal_id": fields.get("portal_id"),
        "unfinished": dict(unfinished) if unfinished else None,
        "hints": dict(hints) if hints else None,
    } | _warc_columns(fields.get("warc"))


class Archive:
    def __init__(self, engine: Engine, raw: RawStore, *, clock: Clock | None = None) -> None:
        self.engine = engine
        self.raw = raw
        self.clock = clock or (lambda: datetime.now(UTC))
        self.parser_version = PARSER_VERSION
        self._writer = writer(engine)
        self._known_agencies: dict[str, int] = {}
        self._known_aliases: set[tuple[str, str]] = set()

    @classmethod
    def open(
        cls, db_url: str, archive_dir: Path | str, *, upgrade: bool | None = None, clock: Clock | None = None
    ) -> Archive:
        """Open (and create) an archive. ``upgrade``: run missing migrations; by default on
        SQLite and on an empty database, while an older PostgreSQL schema is an error."""
        raw = RawStore.open(Path(archive_dir))
        engine = open_engine(db_url, create_folder=True)
        _ready(engine, lambda: _prepare_schema(engine, upgrade))
        return cls(engine, raw, clock=clock)

    @classmethod
    def open_existing(cls, db_url: str, archive_dir: Path | str) -> Archive:
        """An archive to read: nothing is created and no migration runs. ArchiveError when
        there is no archive there, or SchemaMismatch (saying what to run) when its schema
        is not the newest."""
        engine = open_engine(db_url)
        database = engine.url.database if engine.dialect.name == "sqlite" else None
        if database and database != ":memory:" and not database.startswith("file:") and not Path(database).is_file():
            engine.dispose()
            raise ArchiveError(f"no archive database at {database}: `make demo` or `nianbao crawl` makes one")
        _ready(engine, lambda: migrate.check(engine))
        return cls(engine, RawStore(Path(archive_dir)))

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def warc_dir(self) -> Path:
        return self.raw.root / "warc"

    # Crawl runs

    def start_run(self, portals: Sequence[str]) -> int:
        started = self.clock()
        return self.transact(
            "start a crawl run",
            lambda session: _added_id(session, CrawlRunRow(started_at=started, portals=list(portals))),
        )

    def finish_run(self, run_id: int, stats: Mapping[str, Any], portals: Sequence[str] | None = None) -> None:
        """The run's end and stats; ``portals``: the ones it turned out to crawl, when not those it started with."""
        values: dict[str, Any] = {"finished_at": self.clock(), "stats": _json_ready(stats)}
        if portals is not None:
            values["portals"] = list(portals)
        statement = update(CrawlRunRow).where(CrawlRunRow.id == run_id).values(**values)
        self.transact("finish a crawl run", lambda session: session.execute(statement))

    def record_coverage(self, rows: Sequence[CoverageFindingRow]) -> None:
        """Lists that stated more entries than a run reached (crawler.coverage), both numbers kept."""
        self.transact("record coverage findings", lambda session: session.add_all(rows))

    # Raw bytes

    def store_bytes(self, data: bytes | BinaryIO) -> str:
        """Write raw bytes to the content-addressed folder; their sha256."""
        return self.raw.put(data).sha256

    def raw_path(self, sha256: str) -> Path:
        return self.raw.path(sha256)

    def read_bytes(self, sha256: str) -> bytes:
        return self.raw.read(sha256)

    # Captures

    def record_capture(self, url: str, *, finishes: bool = False, **fields: Unpack[CaptureFields]) -> int:
        """One request and its outcome: a response (``sha256`` of its stored body) or a fault.

        ``finishes``: this row (a parse fault) is the outcome of the unfinished captures of
        ``sha256`` at ``url``. The fields are those of :class:`CaptureFields`.
        """
        columns = capture_columns(url, **fields)
        sha256 = columns["sha256"]
        size = None if sha256 is None else self._raw_size(sha256)

        def insert(session: Session) -> int:
            connection = session.connection()
            if sha256 is not None and size is not None:
                relative = self.raw.relative_path(sha256)
                ensure_document(connection, sha256, columns["content_type"], size, relative, self.clock())
                if finishes:
                    finish_captures(connection, url, sha256)
            added: int = connection.execute(_INSERT_CAPTURE, columns).scalar_one()
            return added

        return self.transact(f"record the capture of {url}", insert)

    def record_confirmations(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Captures that confirm bytes the archive holds (``304`` answers), columns from
        :func:`capture_columns`, in one transaction. Their document rows are not looked at:
        each points at the bytes of the capture whose validators it answered, whose
        document row was committed with it."""
        if rows:
            self.transact(f"record {len(rows)} confirmed captures", lambda s: s.execute(insert(CaptureRow), rows))

    def latest_validators(self, url: str) -> Validators | None:
        """ETag, Last-Modified and sha256 of the latest full (200) response from ``url``."""
        return self.latest_validators_of([url]).get(url)

    def latest_validators_of(self, urls: Iterable[str]) -> dict[str, Validators]:
        """``latest_validators`` of many URLs in a query per ``LOOKUP_BATCH`` of them: a URL
        that has none is left out."""
        found: dict[str, Validators] = {}
        wanted = sorted(set(urls))
        with self.engine.connect() as connection:
            for start in range(0, len(wanted), LOOKUP_BATCH):
                batch = {"urls": wanted[start : start + LOOKUP_BATCH]}
                rows = connection.execute(_latest_full_responses(), batch).all()
                # a 304 to an unfinished capture would leave its report unparsed for good
                finished = [row for row in rows if not row.pending]
                revisited = {row.payload_digest for row in finished if _is_revisit(row)}
                priors = _first_responses(connection, revisited)
                for row in finished:
                    warc = _prior(row)
                    if _is_revisit(row):
                        warc = priors.get(row.payload_digest) or warc  # point at the full response
                    found[row.url] = Validators(row.etag, row.last_modified, row.sha256, warc)
        return found

    def finish_captures(self, url: str, sha256: str) -> None:
        """The unfinished captures of ``sha256`` at ``url`` need nothing more (bytes that are no report)."""
        finish = partial(_finish_captures_in, url=url, sha256=sha256)
        self.transact(f"finish the captures of {url}", finish)

    def unfinished_captures(self) -> list[UnfinishedCapture]:
        """Captures whose report was never stored, oldest first: what ``storage.repair`` parses."""
        query = select(CaptureRow).where(CaptureRow.unfinished.is_not(None)).order_by(CaptureRow.id)
        with Session(self.engine) as session:
            return [UnfinishedCapture.of(row) for row in session.scalars(query)]

    def prior_record(self, payload_digest: str) -> PriorRecord | None:
        """The first response record with this payload, for an identical-payload revisit."""
        with self.engine.connect() as connection:
            return _first_responses(connection, {payload_digest}).get(payload_digest)

    # Reports

    def store_report(
        self,
        report: Report,
        *,
        sha256: str,
        source_url: str,
        fetched_at: datetime,
        media_type: str | None = None,
        size: int | None = None,
        list_url: str | None = None,
        portal_id: str | None = None,
        region: Region | None = None,
        capture_id: int | None = None,
        parser_version: str | None = None,
    ) -> StoreResult:
        """Store a parsed report: a new version if its bytes are new to it, else a sighting."""
        key = report_key(report, region)
        stored_size = self._raw_size(sha256)
        size = stored_size if size is None else size
        sighting = Sighting(sha256, source_url, _as_utc(fetched_at), list_url, portal_id, capture_id)
        now = self.clock()
        prepared = prepare(report, key, parser_version=parser_version or self.parser_version, now=now)

        def store(session: Session) -> StoreResult:
            connection = session.connection()
            ensure_document(connection, sha256, media_type, size, self.raw.relative_path(sha256), now)
            agency_id = self._agency_id(connection, key, portal_id, now)
            return store_version(connection, prepared, sighting, agency_id)

        result = self.transact(f"store {key.agency} {key.year}", store)
        self._known_agencies[key.agency] = result.agency_id
        if key.printed != key.agency:
            self._known_aliases.add((key.agency, key.printed))
        return result

    # Internals

    def transact(self, what: str, work: Callable[[Session], T]) -> T:
        """``work(session)`` in one write transaction, retried on collisions with other writers."""

        def attempt() -> T:
            with Session(self._writer) as session, session.begin():
                return work(session)

        return run_retrying(attempt, what=what)

    def _raw_size(self, sha256: str) -> int:
        """The size of stored raw bytes; they must be stored before any row points at them."""
        try:
            return self.raw.path(sha256).stat().st_size
        except FileNotFoundError:
            raise ArchiveError(f"raw bytes {sha256} are not in {self.raw.root}: store_bytes() comes first") from None

    def _agency_id(self, connection: Connection, key: ReportKey, portal_id: str | None, now: datetime) -> int:
        # Agencies are never deleted, so an id seen committed stays right: spare the lookups.
        agency_id = self._known_agencies.get(key.agency) or agency_id_for(connection, key, portal_id, now)
        if key.printed != key.agency and (key.agency, key.printed) not in self._known_aliases:
            ensure_alias(connection, agency_id, key.printed, portal_id, now)
        return agency_id


def _ready(engine: Engine, prepare: Callable[[], None]) -> None:
    """``prepare()`` the engine's schema; any failure disposes of the engine and is one ArchiveError."""
    try:
        prepare()
    except SQLAlchemyError as error:
        engine.dispose()
        safe = engine.url.render_as_string(hide_password=True)
        raise ArchiveError(f"cannot open database {safe}: {one_line(error)}") from error
    except ArchiveError:
        engine.dispose()
        raise


def _prepare_schema(engine: Engine, upgrade: bool | None) -> None:
    current = migrate.current_revision(engine)
    if upgrade is None:
        upgrade = engine.dialect.name == "sqlite" or current is None
    if upgrade and current != migrate.head_revision():
        migrate.upgrade(engine)
    migrate.check(engine)


def _finish_captures_in(session: Session, *, url: str, sha256: str) -> None:
    finish_captures(session.connection(), url, sha256)


def _added_id(session: Session, row: Any) -> int:
    session.add(row)
    session.flush()
    added: int = row.id
    return added


def _warc_columns(warc: WarcRef | None) -> dict[str, Any]:
    if warc is None:
        return {}
    return {
        "warc_file": warc.filename,
        "warc_offset": warc.offset,
        "warc_record_id": warc.record_id,
        "warc_record_type": warc.record_type,
        "warc_date": warc.date,
        "payload_digest": warc.payload_digest,
    }


def _prior(capture: Any) -> PriorRecord | None:
    """The record a capture row (or a row of its columns) points at, as a revisit names it."""
    if capture.warc_record_id is None or capture.warc_date is None:
        return None
    return PriorRecord(capture.url, capture.warc_date, capture.warc_record_id, capture.payload_digest)


def _is_revisit(row: Any) -> bool:
    return row.warc_record_type == "revisit" and bool(row.payload_digest)


@cache
def _latest_full_responses() -> Select[Any]:
    """Per URL of the expanding parameter ``urls``, the columns of its latest full (200)
    response: one ranked query, only the columns a validator needs (a capture's headers and
    hints are JSON not worth decoding). Built once: building it costs more than running it."""
    rank = func.row_number().over(
        partition_by=CaptureRow.url, order_by=(CaptureRow.fetched_at.desc(), CaptureRow.id.desc())
    )
    ranked = (
        select(
            *_record_columns(),
            CaptureRow.etag,
            CaptureRow.last_modified,
            CaptureRow.sha256,
            CaptureRow.warc_record_type,
            CaptureRow.unfinished.is_not(None).label("pending"),
            rank.label("rank"),
        )
        .where(CaptureRow.url.in_(bindparam("urls", expanding=True)))
        .where(CaptureRow.status == 200, CaptureRow.sha256.is_not(None))
        .subquery()
    )
    return select(ranked).where(ranked.c.rank == 1)


@cache
def _first_response_records() -> Select[Any]:
    """Per payload digest of the expanding parameter ``digests``, its first response record."""
    rank = func.row_number().over(partition_by=CaptureRow.payload_digest, order_by=CaptureRow.id)
    ranked = (
        select(*_record_columns(), rank.label("rank"))
        .where(CaptureRow.payload_digest.in_(bindparam("digests", expanding=True)))
        .where(CaptureRow.warc_record_type == "response")
        .subquery()
    )
    return select(ranked).where(ranked.c.rank == 1)


def _record_columns() -> tuple[Any, ...]:
    return (CaptureRow.url, CaptureRow.warc_date, CaptureRow.warc_record_id, CaptureRow.payload_digest)


def _first_responses(connection: Connection, digests: set[str]) -> dict[str, PriorRecord]:
    """Per payload digest, the first response record that holds it."""
    if not digests:
        return {}
    rows = connection.execute(_first_response_records(), {"digests": sorted(digests)}).all()
    return {row.payload_digest: prior for row in rows if (prior := _prior(row)) is not None}


def _as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _json_ready(stats: Mapping[str, Any]) -> dict[str, Any]:
    # Scrapy's stats hold datetimes (start_time, finish_time); JSON holds their ISO text.
    return {key: value.isoformat() if isinstance(value, datetime) else value for key, value in stats.items()}
