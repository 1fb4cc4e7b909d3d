"""Every request and response in WARC 1.1 files, through a thin layer on warcio.

One writer per crawler process. Each exchange becomes, in this order:

- a ``response`` record; or a ``revisit`` record when the answer adds no new payload:
  profile ``server-not-modified`` for a ``304``, ``identical-payload-digest`` when the
  body hashes to a payload already archived (this run, or ``prior`` from the database);
- the ``request`` record, ``WARC-Concurrent-To`` the first;
- a ``metadata`` record only when the HTTP block had to be normalised (a removed
  ``Transfer-Encoding``, a corrected ``Content-Length``; see ``storage.warc_http``).

Files are gzipped record by record (so readers can seek to any offset), written as
``*.warc.gz.open`` and renamed when closed, and rolled once they pass ``max_bytes``;
each starts with a ``warcinfo`` record. The result replays in pywb as it is.

Example::

    with WarcWriter(archive.warc_dir) as warc:
        ref = warc.write_exchange(HttpRequest(url), HttpResponse(200, headers, body))
        archive.record_capture(url, fetched_at=now, status=200, warc=ref, ...)
"""

from __future__ import annotations

import os
import uuid
import zlib
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import BinaryIO

from warcio.recordbuilder import RecordBuilder
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

from storage.errors import ArchiveUnwritable
from storage.rawstore import describe_os_error
from storage.warc_http import HttpRequest, HttpResponse, normalise, payload_digest, request_headers, request_target

PROFILE_URL = "http://netpreserve.org/warc/1.1/revisit/"
IDENTICAL_PAYLOAD = "identical-payload-digest"
NOT_MODIFIED = "server-not-modified"
MAX_BYTES = 1_000_000_000  # Heritrix and StormCrawler roll at about 1 GB
OPEN_SUFFIX = ".open"  # a file being written; recover_open_files closes one a killed writer left
_CHUNK = 1 << 20
DEDUP_MEMORY = 100_000  # payload digests remembered for revisits within a run


@dataclass(frozen=True, slots=True)
class PriorRecord:
    """An earlier response record that a revisit refers to."""

    uri: str
    date: str  # its WARC-Date
    record_id: str
    payload_digest: str | None = None


@dataclass(frozen=True, slots=True)
class WarcRef:
    """Where an exchange's main record landed, for the capture row."""

    filename: str
    offset: int
    length: int
    record_id: str
    record_type: str  # response | revisit
    profile: str | None  # identical-payload-digest | server-not-modified | None
    payload_digest: str | None
    date: str
    refers_to: str | None = None


class WarcWriter:
    def __init__(
        self,
        directory: Path,
        *,
        prefix: str = "nianbao",
        max_bytes: int = MAX_BYTES,
        clock: Callable[[], datetime] | None = None,
        make_id: Callable[[], str] | None = None,
        info: Mapping[str, str] | None = None,
    ) -> None:
        self.directory = Path(directory)
        self.prefix = prefix
        self.max_bytes = max_bytes
        self._clock = clock or (lambda: datetime.now(UTC))
        self._make_id = make_id or (lambda: f"<urn:uuid:{uuid.uuid4()}>")
        self._info = dict(info or {})
        self._builder = RecordBuilder(warc_version="1.1")
        self._seen: OrderedDict[str, PriorRecord] = OrderedDict()
        self._file: BinaryIO | None = None
        self._name = ""
        self._serial = 0
        self.closed_files: list[str] = []

    def write_exchange(
        self,
        request: HttpRequest,
        response: HttpResponse,
        *,
        prior: PriorRecord | None = None,
        ip: str | None = None,
        extra: Mapping[str, str] | None = None,
    ) -> WarcRef:
        """Write one request and its response (or revisit); returns where the main record is.

        ``extra`` WARC headers go on both records: a browser's exchanges carry Browsertrix's
        ``WARC-Page-ID`` and ``WARC-Resource-Type`` there. The records are flushed before
        this returns, so a row that points at them never outlives them when the process is
        killed. ArchiveUnwritable when the folder is full or read-only.
        """
        try:
            ref = self._write_exchange(request, response, prior, ip, dict(extra or {}))
            self._current_file().flush()
        except OSError as error:
            reason = describe_os_error(error)
            raise ArchiveUnwritable(f"cannot write WARC records to {self.directory}: {reason}") from error
        return ref

    def _write_exchange(
        self,
        request: HttpRequest,
        response: HttpResponse,
        prior: PriorRecord | None,
        ip: str | None,
        extra: dict[str, str],
    ) -> WarcRef:
        if self._file is not None and self._file.tell() >= self.max_bytes:
            self.close()  # roll between exchanges, never inside one
        self._current_file()  # a new file's warcinfo comes before this exchange's records
        normal = normalise(response)
        digest = payload_digest(normal.body)
        date, main_id = self._warc_date(), self._make_id()
        headers = {"WARC-Record-ID": main_id, "WARC-Date": date} | ({"WARC-IP-Address": ip} if ip else {}) | extra
        profile, original = self._revisit_of(response.status, digest, prior)
        http = StatusAndHeaders(normal.status_line, normal.headers, protocol=response.protocol)
        if profile is None:
            headers["WARC-Payload-Digest"] = digest
            record = self._record(request.url, "response", headers, normal.body, http)
        else:
            record = self._record(request.url, "revisit", headers | _refers_to(profile, original, digest), None, http)
        offset, length = self._write(record)
        self._write(self._request_record(request, date, main_id, extra))
        if normal.notes:
            self._write(self._metadata_record(request.url, date, main_id, normal.notes))
        known_digest = None if profile == NOT_MODIFIED else digest
        ref = WarcRef(self._name, offset, length, main_id, record.rec_type, profile, known_digest, date)
        if original is not None:
            ref = replace(ref, refers_to=original.record_id)
        self._remember(request.url, response.status, normal.body, ref)
        return ref

    def close(self) -> None:
        """Finish the current file: flush, close, drop the ``.open`` suffix."""
        if self._file is None:
            return
        self._file.close()
        os.replace(self.directory / (self._name + OPEN_SUFFIX), self.directory / self._name)
        self.closed_files.append(self._name)
        self._file = None

    def __enter__(self) -> WarcWriter:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _revisit_of(self, status: int, digest: str, prior: PriorRecord | None) -> tuple[str | None, PriorRecord | None]:
        if status == 304:
            return NOT_MODIFIED, prior
        if prior is not None and prior.payload_digest == digest:
            return IDENTICAL_PAYLOAD, prior
        remembered = self._seen.get(digest)
        return (IDENTICAL_PAYLOAD, remembered) if remembered else (None, None)

    def _remember(self, uri: str, status: int, body: bytes, ref: WarcRef) -> None:
        # Only full 200 responses with a body are worth pointing a later revisit at.
        if ref.record_type != "response" or status != 200 or not body:
            return
        self._seen[ref.payload_digest or ""] = PriorRecord(uri, ref.date, ref.record_id, ref.payload_digest)
        if len(self._seen) > DEDUP_MEMORY:
            self._seen.popitem(last=False)

    def _request_record(
        self, request: HttpRequest, date: str, concurrent_to: str, extra: dict[str, str]
    ) -> ArcWarcRecord:
        line = f"{request.method} {request_target(request.url)} {request.protocol}"
        http = StatusAndHeaders(line, request_headers(request), is_http_request=True)
        headers = {"WARC-Record-ID": self._make_id(), "WARC-Date": date, "WARC-Concurrent-To": concurrent_to} | extra
        return self._record(request.url, "request", headers, request.body, http)

    def _metadata_record(self, uri: str, date: str, refers_to: str, notes: list[str]) -> ArcWarcRecord:
        fields = "".join(f"nianbao-normalised: {note}\r\n" for note in notes).encode("utf-8")
        headers = {"WARC-Record-ID": self._make_id(), "WARC-Date": date, "WARC-Refers-To": refers_to}
        return self._record(uri, "metadata", headers, fields, content_type="application/warc-fields")

    def _record(
        self,
        uri: str,
        record_type: str,
        headers: dict[str, str],
        payload: bytes | None,
        http: StatusAndHeaders | None = None,
        content_type: str = "",
    ) -> ArcWarcRecord:
        body = {} if payload is None else {"payload": BytesIO(payload), "length": len(payload)}
        return self._builder.create_warc_record(
            uri, record_type, warc_headers_dict=headers, http_headers=http, warc_content_type=content_type, **body
        )

    def _write(self, record: ArcWarcRecord) -> tuple[int, int]:
        handle = self._current_file()
        offset = handle.tell()
        WARCWriter(handle, gzip=True, warc_version="1.1").write_record(record)
        return offset, handle.tell() - offset

    def _current_file(self) -> BinaryIO:
        return self._file or self._open_next()

    def _open_next(self) -> BinaryIO:
        self.directory.mkdir(parents=True, exist_ok=True)
        self._serial += 1
        opened = self._clock().astimezone(UTC)
        self._name = f"{self.prefix}-{opened:%Y%m%d%H%M%S}-{os.getpid()}-{self._serial:05d}.warc.gz"
        self._file = open(self.directory / (self._name + OPEN_SUFFIX), "xb")  # noqa: SIM115 (stays open across calls)
        fields = {"software": _software(), "format": "WARC File Format 1.1"} | self._info
        payload = "".join(f"{name}: {value}\r\n" for name, value in fields.items()).encode("utf-8")
        headers = {"WARC-Record-ID": self._make_id(), "WARC-Date": _warc_date(opened), "WARC-Filename": self._name}
        self._write(self._record("", "warcinfo", headers, payload))
        return self._file

    def _warc_date(self) -> str:
        return _warc_date(self._clock())


def _warc_date(moment: datetime) -> str:
    date: str = datetime_to_iso_date(moment.astimezone(UTC).replace(tzinfo=None), use_micros=True)
    return date


def _refers_to(profile: str, original: PriorRecord | None, digest: str) -> dict[str, str]:
    headers = {"WARC-Profile": PROFILE_URL + profile}
    if profile == IDENTICAL_PAYLOAD:
        headers["WARC-Payload-Digest"] = digest
    if original is not None:
        headers |= {
            "WARC-Refers-To": original.record_id,
            "WARC-Refers-To-Target-URI": original.uri,
            "WARC-Refers-To-Date": original.date,
        }
    return headers


def _software() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"nianbao/{version('nianbao')} warcio/{version('warcio')}"
    except PackageNotFoundError:
        return "nianbao"


def recover_open_files(directory: Path) -> list[str]:
    """Close the ``*.warc.gz.open`` files that writers killed mid-crawl left behind.

    Each record is its own gzip member, so a file is cut just after its last whole member
    (a record half-written when the process died is dropped; no row points at it, since
    rows are written after their records are flushed) and loses its ``.open``. A file
    whose writer (the pid in its name) still runs is left alone. Returns the names closed.
    """
    closed = []
    for path in sorted(Path(directory).glob(f"*.warc.gz{OPEN_SUFFIX}")):
        if _writer_running(path.name):
            continue
        with path.open("r+b") as handle:
            handle.truncate(_whole_members_end(handle))
        final = path.with_name(path.name.removesuffix(OPEN_SUFFIX))
        os.replace(path, final)
        closed.append(final.name)
    return closed


def _writer_running(name: str) -> bool:
    """Whether the process that named this file (``prefix-time-pid-serial``) still runs."""
    parts = name.split("-")
    pid = int(parts[-2]) if len(parts) >= 3 and parts[-2].isdigit() else None
    if pid is None or pid == os.getpid():
        return False  # this process has not opened it: it is from an earlier one of the same pid
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _whole_members_end(handle: BinaryIO) -> int:
    """The offset just past the last complete gzip member, read in bounded chunks."""
    end = position = 0
    decompressor = zlib.decompressobj(31)
    while chunk := handle.read(_CHUNK):
        data = chunk
        while data:
            try:
                decompressor.decompress(data, _CHUNK)
            except zlib.error:
                return end
            rest = decompressor.unused_data if decompressor.eof else decompressor.unconsumed_tail
            position += len(data) - len(rest)
            if decompressor.eof:
                end = position
                decompressor = zlib.decompressobj(31)
            data = rest
    return end
