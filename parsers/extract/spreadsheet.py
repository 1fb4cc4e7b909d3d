"""XLS / XLSX (and Kingsoft ET) -> Document: each visible sheet's name, then its table.

python-calamine reads all three (it sniffs the content) and gives merged ranges for
xlsx and xls, which become the Document grid: text at the top-left, ``""`` where a
merge covers. Hidden sheets are skipped with a warning: the report is what prints.

calamine runs in a child process under a memory cap and a timeout: on damaged files it
panics (a ``BaseException``) or tries to allocate tens of gigabytes and aborts the
interpreter, which in the reader's own process would end it with no word of why. The
child is a fork of the process that reads, with calamine already imported: it may map
``MAX_READER_MEMORY`` more than that process had, and keeps its caps (a parse worker's
``RLIMIT_DATA``). A workbook's read so costs about 9 ms of CPU; in a new interpreter
(``python -m``) it cost 125 ms, ten times the rest of the workbook's parse.

Numbers come back as floats without their number format (calamine does not expose
it), so they are written as they print in the default format: an integer-valued float
3.0 as "3", a decimal at up to 15 significant digits, so that 7730.280000000001 (a
formula's float noise) reads "7730.28". A format that pads decimals ("12.3400") is
not reproduced; the value is the same number.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import faulthandler
import io
import os
import pickle
import re
import resource
import select
import signal
import tempfile
import traceback
from decimal import Decimal
from typing import IO, NoReturn

import python_calamine as calamine

from parsers.document import Block, Document, Paragraph, Table
from parsers.errors import ExtractionError
from parsers.extract.grid import Grid, clean_text
from parsers.extract.limits import CONVERT_TIMEOUT_SECONDS, check_size, open_zip

Value = int | float | str | bool | dt.time | dt.date | dt.datetime | dt.timedelta
Range = tuple[tuple[int, int], tuple[int, int]]
# (name, "visible" | "hidden" | "other", values, merged ranges)
RawSheet = tuple[str, str, list[list[Value]], list[Range]]

# What the child may map beyond its parent: 2 GB less what a new interpreter with
# calamine held (27 MB) when that was the child, under a 2 GB RLIMIT_AS.
MAX_READER_MEMORY = 2000 * 1024**2
MAX_SHEET_CELLS = 5_000_000
_PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
_LIBC = ctypes.CDLL(None, use_errno=True)
_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def read(data: bytes) -> Document:
    return read_workbook(data, "xlsx" if data.startswith(b"PK") else "xls")


def read_workbook(data: bytes, source_format: str, *, timeout: float = CONVERT_TIMEOUT_SECONDS) -> Document:
    check_size(data)
    if data.startswith(b"PK"):
        with open_zip(data, scan_xml=True):
            pass  # caps checked before calamine unpacks anything
    blocks: list[Block] = []
    warnings: list[str] = []
    for name, state, values, merges in _load_isolated(data, timeout):
        if state == "hidden":
            warnings.append(f"hidden sheet {name!r} skipped")
        rows = sheet_rows(values, merges) if state == "visible" else []
        if rows:
            blocks += [Paragraph(name), *sheet_blocks(rows)]
    return Document(blocks=blocks, source_format=source_format, warnings=warnings)


def sheet_blocks(rows: list[list[str]]) -> list[Block]:
    """A sheet's rows as tables, with its lines of prose as paragraphs between them.

    Some portals put a whole report in one sheet: title, section headings and text each
    in the first cell of a row, the tables between. Read as one table, the headings
    could not divide it and table 二 ran into table 三. A row whose only text is in its
    first cell and reads as prose (a numbered heading 二、…, a sentence with 。, or a
    line too long for a label) is a paragraph; a table's own one-cell rows
    (第二十条第（一）项) stay in the table.
    """
    blocks: list[Block] = []
    table: list[list[str]] = []
    for row in rows:
        if _is_prose_row(row):
            if table:
                blocks.append(Table(_trim(table)))
                table = []
            blocks.append(Paragraph(row[0].strip()))
        else:
            table.append(row)
    if table:
        blocks.append(Table(_trim(table)))
    return blocks


def _is_prose_row(row: list[str]) -> bool:
    text = row[0].strip()
    if not text or len(row) < 2 or any(cell.strip() for cell in row[1:]):
        return False
    return bool(_PROSE.search(text)) or len(text) >= _PROSE_LENGTH


_PROSE = re.compile(r"^[一二三四五六七八九十]+、|。|年度报告$")
_PROSE_LENGTH = 40


def _load_isolated(data: bytes, timeout: float) -> list[RawSheet]:
    """:func:`load_sheets` in a forked child; its crash and its overrun as named errors."""
    with tempfile.TemporaryFile() as answer, tempfile.TemporaryFile() as stderr:
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:
            _child(data, answer, stderr, parent)
        status = _exit_status(pid, timeout)
        answer.seek(0)  # the child moved the offset both share to the end of what it wrote
        stderr.seek(0)
        if status != 0:
            line = _crash_line(stderr.read())
            reason = "too_large" if "memory allocation" in line else "corrupt"
            raise ExtractionError(reason, f"the workbook crashed its reader: {line}")
        outcome = pickle.load(answer)  # written by _child below, never by the input
    if outcome[0] == "error":
        raise ExtractionError(outcome[1], outcome[2])
    sheets: list[RawSheet] = outcome[1]
    return sheets


def _exit_status(pid: int, timeout: float) -> int:
    """The child's wait status once it ended; ``timeout`` (and killed) past ``timeout`` s."""
    ended = os.pidfd_open(pid)
    try:
        if not select.select([ended], [], [], timeout)[0]:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            raise ExtractionError("timeout", f"the workbook took over {timeout:g} s to read")
    finally:
        os.close(ended)
    return os.waitpid(pid, 0)[1]


def _crash_line(stderr: bytes) -> str:
    lines = stderr.decode("utf-8", errors="replace").strip().splitlines()
    telling = [line for line in lines if "PanicException" in line or "memory allocation" in line]
    return (telling or lines or ["no message"])[-1][:300]


def load_sheets(data: bytes) -> list[RawSheet]:
    """Every sheet's raw values and merges, read by calamine in this process."""
    try:
        workbook = calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        return [_raw_sheet(workbook, meta) for meta in workbook.sheets_metadata]
    except calamine.PasswordError as error:
        raise ExtractionError("encrypted", f"password-protected workbook: {error}") from error
    except calamine.CalamineError as error:
        raise ExtractionError("corrupt", f"not a readable workbook: {error}") from error


def _raw_sheet(workbook: calamine.CalamineWorkbook, meta: calamine.SheetMetadata) -> RawSheet:
    if meta.typ != calamine.SheetTypeEnum.WorkSheet:
        return meta.name, "other", [], []
    if meta.visible != calamine.SheetVisibleEnum.Visible:
        return meta.name, "hidden", [], []
    sheet = workbook.get_sheet_by_name(meta.name)
    end = sheet.end or (0, 0)
    if (end[0] + 1) * (end[1] + 1) > MAX_SHEET_CELLS:
        raise ExtractionError("too_large", f"sheet {meta.name!r} spans {end[0] + 1} x {end[1] + 1} cells")
    return meta.name, "visible", sheet.to_python(skip_empty_area=False), sheet.merged_cell_ranges or []


def sheet_rows(values: list[list[Value]], merges: list[Range]) -> list[list[str]]:
    if not merges:  # the grid is the values themselves: skip the span bookkeeping
        return _trim([[cell_text(value) for value in row] for row in values])
    return _trim(_merged_rows(values, merges))


def _merged_rows(values: list[list[Value]], merges: list[Range]) -> list[list[str]]:
    spans: dict[tuple[int, int], tuple[int, int]] = {}
    covered: set[tuple[int, int]] = set()
    for (top, left), (bottom, right) in merges:
        spans[(top, left)] = (bottom - top + 1, right - left + 1)
        covered.update((r, c) for r in range(top, bottom + 1) for c in range(left, right + 1))
    grid = Grid()
    width = max((len(row) for row in values), default=0)
    height = max(len(values), *(bottom + 1 for _, (bottom, _) in merges))
    for r in range(height):
        row = values[r] if r < len(values) else []
        for c in range(max(width, len(row))):
            if (r, c) in covered and (r, c) not in spans:
                continue
            rowspan, colspan = spans.get((r, c), (1, 1))
            grid.place(r, c, cell_text(row[c]) if c < len(row) else "", rowspan, colspan)
    return grid.rows()


def _trim(rows: list[list[str]]) -> list[list[str]]:
    """Without the empty rows around the data and the empty columns left of it."""
    while rows and not any(rows[-1]):
        rows.pop()
    while rows and not any(rows[0]):
        rows.pop(0)
    if not rows:
        return []
    lead = min((next(i for i, text in enumerate(row) if text) for row in rows if any(row)), default=0)
    return [row[lead:] for row in rows]


def cell_text(value: Value) -> str:
    """A cell as it prints in the default number format."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return _number_text(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, str):
        return clean_text(value)
    return str(value)


def _number_text(value: float) -> str:
    if value != value or value in (float("inf"), float("-inf")):
        return str(value)
    if value.is_integer():
        return str(int(value))
    text = format(value, ".15g")
    return format(Decimal(text), "f") if "e" in text else text


def _child(data: bytes, answer: IO[bytes], stderr: IO[bytes], parent: int) -> NoReturn:
    """The forked child: pickle the workbook's sheets (or the named error) to ``answer``.

    It never returns into its parent's stack. What calamine prints before it aborts, and
    an exception the child does not name (calamine's PanicException), go to ``stderr``
    for the parent, and the child ends with status 1.
    """
    status = 1
    try:
        # a parse worker killed over its time takes its reader with it: an orphan had no clock
        _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # it died before the line above
            raise SystemExit("the reading process ended")
        os.dup2(stderr.fileno(), 2)
        faulthandler.disable()  # an abort is the parent's to report, not a dump on its terminal
        # Unset, Rust resolves a backtrace when an allocation fails: 50 MB for a bomb's last words.
        os.environ["RUST_BACKTRACE"] = "0"
        limit = _mapped_bytes() + MAX_READER_MEMORY
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        try:
            outcome: tuple[str, ...] | tuple[str, list[RawSheet]] = ("ok", load_sheets(data))
        except ExtractionError as error:
            outcome = ("error", error.reason, error.message)
        pickle.dump(outcome, answer)
        answer.flush()
        status = 0
    finally:
        if status:
            os.write(2, traceback.format_exc().encode())
        os._exit(status)


def _mapped_bytes() -> int:
    """This process's address space (VmSize), what RLIMIT_AS counts."""
    with open("/proc/self/statm", "rb") as statm:
        return int(statm.read().split()[0]) * _PAGE_BYTES
