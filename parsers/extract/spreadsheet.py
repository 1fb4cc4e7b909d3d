"""XLS / XLSX (and Kingsoft ET) -> Document: each visible sheet's name, then its table.

python-calamine reads all three (it sniffs the content) and gives merged ranges for
xlsx and xls, which become the Document grid: text at the top-left, ``""`` where a
merge covers. Hidden sheets are skipped with a warning: the report is what prints.

calamine runs in a child process (``python -m parsers.extract.spreadsheet``) under a
memory cap and a timeout: on damaged files it panics (a ``BaseException``) or tries to
allocate tens of gigabytes and aborts the interpreter, which in the crawler's own
process would take the crawl down. The child costs about 0.1 s a workbook; workbooks
are rare attachments.

Numbers come back as floats without their number format (calamine does not expose
it), so they are written as they print in the default format: an integer-valued float
3.0 as "3", a decimal at up to 15 significant digits, so that 7730.280000000001 (a
formula's float noise) reads "7730.28". A format that pads decimals ("12.3400") is
not reproduced; the value is the same number.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import pickle
import re
import resource
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import python_calamine as calamine

from parsers.document import Block, Document, Paragraph, Table
from parsers.errors import ExtractionError
from parsers.extract.grid import Grid, clean_text
from parsers.extract.limits import CONVERT_TIMEOUT_SECONDS, check_size, open_zip

Value = int | float | str | bool | dt.time | dt.date | dt.datetime | dt.timedelta
Range = tuple[tuple[int, int], tuple[int, int]]
# (name, "visible" | "hidden" | "other", values, merged ranges)
RawSheet = tuple[str, str, list[list[Value]], list[Range]]

MAX_READER_MEMORY = 2 * 1024**3
MAX_SHEET_CELLS = 5_000_000
_PROJECT = Path(__file__).resolve().parents[2]


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
    path = os.pathsep.join(filter(None, [str(_PROJECT), os.environ.get("PYTHONPATH")]))
    try:
        child = subprocess.run(
            [sys.executable, "-m", "parsers.extract.spreadsheet"],
            input=data,
            capture_output=True,
            timeout=timeout,
            env={**os.environ, "PYTHONPATH": path, "RUST_BACKTRACE": "0"},
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise ExtractionError("timeout", f"the workbook took over {timeout:g} s to read") from error
    if child.returncode != 0:
        line = _crash_line(child.stderr)
        reason = "too_large" if "memory allocation" in line else "corrupt"
        raise ExtractionError(reason, f"the workbook crashed its reader: {line}")
    outcome = pickle.loads(child.stdout)  # written by _child_main below, never by the input
    if outcome[0] == "error":
        raise ExtractionError(outcome[1], outcome[2])
    sheets: list[RawSheet] = outcome[1]
    return sheets


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


def _child_main() -> None:
    """Read a workbook from stdin and pickle its sheets (or the named error) to stdout."""
    resource.setrlimit(resource.RLIMIT_AS, (MAX_READER_MEMORY, MAX_READER_MEMORY))
    try:
        outcome: tuple[str, ...] | tuple[str, list[RawSheet]] = ("ok", load_sheets(sys.stdin.buffer.read()))
    except ExtractionError as error:
        outcome = ("error", error.reason, error.message)
    sys.stdout.buffer.write(pickle.dumps(outcome))


if __name__ == "__main__":
    _child_main()
