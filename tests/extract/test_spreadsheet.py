"""Workbooks: one table per visible sheet, merges on the grid, numbers as printed."""

from __future__ import annotations

import datetime as dt
import io
import mmap
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest

from fixtures.render.grid import TABLE_TITLES
from parsers.document import Paragraph, Table
from parsers.errors import ExtractionError
from parsers.extract import spreadsheet
from tests.conftest import PROJECT, wait_for
from tests.extract.conftest import DOCUMENTS, documents, ids, table_mismatches

# One sheet per table; the whole-report-in-one-sheet layout (tables as wide as the sheet,
# prose rows between) is proven by its expected record in test_parse_golden.
BOOKS = [(path, spec) for path, spec in documents("xlsx") + documents("xls") if "one-sheet" not in path.name]


def _xlsx(build) -> bytes:
    workbook = openpyxl.Workbook()
    build(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(("path", "spec"), BOOKS, ids=ids(BOOKS))
def test_every_spec_number_in_its_cell(path: Path, spec: dict) -> None:
    document = spreadsheet.read(path.read_bytes())
    assert table_mismatches(document, spec) == []
    assert document.source_format == path.suffix.lstrip(".")


@pytest.mark.parametrize(("path", "spec"), BOOKS, ids=ids(BOOKS))
def test_sheet_names_come_before_their_tables(path: Path, spec: dict) -> None:
    blocks = spreadsheet.read(path.read_bytes()).blocks
    assert [type(block) for block in blocks] == [Paragraph, Table] * 3
    assert [block.text for block in blocks[::2]] == list(TABLE_TITLES.values())
    assert blocks[1].rows[0][0] == f"{spec['agency']}{TABLE_TITLES['active']}"  # the merged title row


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (3.0, "3"),
        (-2.0, "-2"),
        (7730.280000000001, "7730.28"),
        (0.1 + 0.2, "0.3"),
        (12.3456, "12.3456"),
        (1e-7, "0.0000001"),
        (1e20, "100000000000000000000"),
        (42, "42"),
        (True, "TRUE"),
        (dt.datetime(2024, 1, 20), "2024-01-20"),
        (dt.datetime(2024, 1, 20, 9, 30), "2024-01-20 09:30:00"),
        (dt.date(2024, 1, 20), "2024-01-20"),
        ("商业\n企业", "商业企业"),
        ("", ""),
    ],
)
def test_cells_as_printed(value, text: str) -> None:
    assert spreadsheet.cell_text(value) == text


def test_merged_ranges_and_float_noise() -> None:
    def build(workbook) -> None:
        sheet = workbook.active
        sheet.title = "表三"
        sheet["B2"], sheet["D2"] = "申请人情况", "总计"
        sheet.merge_cells("B2:C2")
        sheet.merge_cells("D2:D3")
        sheet["B3"], sheet["C3"] = "自然人", 7730.280000000001
        sheet["B4"], sheet["C4"], sheet["D4"] = 37.0, None, "—"

    (title, table) = spreadsheet.read(_xlsx(build)).blocks
    assert title.text == "表三"
    assert table.rows == [["申请人情况", "", "总计"], ["自然人", "7730.28", ""], ["37", "", "—"]]


def test_hidden_sheets_are_skipped_with_a_warning() -> None:
    def build(workbook) -> None:
        workbook.active["A1"] = "shown"
        hidden = workbook.create_sheet("草稿")
        hidden["A1"] = "draft"
        hidden.sheet_state = "hidden"

    document = spreadsheet.read(_xlsx(build))
    assert "draft" not in document.text()
    assert document.warnings == ["hidden sheet '草稿' skipped"]


def test_damaged_workbooks() -> None:
    data = (DOCUMENTS / "xlsx" / "report-2021.xlsx").read_bytes()
    with pytest.raises(ExtractionError) as error:
        spreadsheet.read(data[: len(data) // 2])
    assert error.value.reason == "truncated"
    xls = (DOCUMENTS / "xls" / "report-2021.xls").read_bytes()
    with pytest.raises(ExtractionError) as error:
        spreadsheet.read(xls[:512] + bytes(2048))
    assert error.value.reason == "corrupt"


def test_a_reader_crash_is_a_named_error() -> None:
    """calamine panics on XLS files that lose their last sectors; the child process turns
    that into ``corrupt`` instead of a BaseException in the crawler."""
    xls = (DOCUMENTS / "xls" / "report-2021.xls").read_bytes()
    messages = []
    for lost in (1200, 900, 600):
        with pytest.raises(ExtractionError) as error:
            spreadsheet.read(xls[:-lost])
        assert error.value.reason == "corrupt"
        messages.append(error.value.message)
    assert any("crashed its reader" in message for message in messages)


def test_a_reader_over_its_time_is_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    """The child is killed at ``timeout`` seconds and the workbook is ``timeout``."""
    monkeypatch.setattr(spreadsheet, "load_sheets", lambda data: time.sleep(60))
    xls = (DOCUMENTS / "xls" / "report-2021.xls").read_bytes()
    with pytest.raises(ExtractionError) as error:
        spreadsheet.read_workbook(xls, "xls", timeout=0.5)
    assert error.value.reason == "timeout"


def test_a_reader_dies_with_the_process_that_forked_it(tmp_path: Path) -> None:
    """A parse worker killed over its time (SIGKILL) while its workbook's reader runs takes
    the reader with it; it was left running with no clock to stop it."""
    pid_file = tmp_path / "reader.pid"
    script = f"""
import os, time
from parsers.extract import spreadsheet
def never_ends(data):
    open({str(pid_file)!r}, "w").write(str(os.getpid()))
    time.sleep(600)
spreadsheet.load_sheets = never_ends
spreadsheet.read_workbook(open({str(DOCUMENTS / "xls" / "report-2021.xls")!r}, "rb").read(), "xls")
"""
    worker = subprocess.Popen([sys.executable, "-c", script], cwd=PROJECT)
    try:
        wait_for(lambda: pid_file.exists() and pid_file.read_text(), "the reader's start")
    finally:
        worker.kill()
        worker.wait()
    reader = Path(f"/proc/{pid_file.read_text()}/stat")
    # gone, or a zombie waiting for whoever adopted it
    wait_for(lambda: not reader.exists() or reader.read_text().split(") ")[1].startswith("Z"), "the reader's end")


def test_a_reader_may_not_map_more_than_its_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    """The child may map MAX_READER_MEMORY beyond its parent, and a mapping over that is
    refused (mapped, never touched: without the cap the test would cost no memory)."""
    too_much = spreadsheet.MAX_READER_MEMORY + 2**20
    monkeypatch.setattr(spreadsheet, "load_sheets", lambda data: mmap.mmap(-1, too_much))
    xls = (DOCUMENTS / "xls" / "report-2021.xls").read_bytes()
    with pytest.raises(ExtractionError) as error:
        spreadsheet.read(xls)
    assert error.value.reason == "corrupt"
    assert "Cannot allocate memory" in error.value.message


def test_huge_sheets_are_refused() -> None:
    """calamine allocates the whole used range: a cell at XFD1048576 would take 512 GB."""

    def build(workbook) -> None:
        workbook.active["A1"] = "top"
        workbook.active["XFD1048576"] = "far away"

    with pytest.raises(ExtractionError) as error:
        spreadsheet.read(_xlsx(build))
    assert error.value.reason == "too_large"


def test_a_whole_report_in_one_sheet_keeps_its_headings_and_text_as_paragraphs():
    # Read as one table, the section headings could not divide it and table 二 ran into 三.
    rows = [
        ["府谷县人民政府2021年政府信息公开工作年度报告", "", ""],
        ["二、主动公开政府信息情况", "", ""],
        ["第二十条第（一）项", "", ""],
        ["信息内容", "本年制发件数", "本年废止件数"],
        ["规章", "1", "2"],
        ["三、收到和处理政府信息公开申请情况", "", ""],
        ["申请人情况", "自然人", "总计"],
    ]
    blocks = spreadsheet.sheet_blocks(rows)
    assert [type(block).__name__ for block in blocks] == ["Paragraph", "Paragraph", "Table", "Paragraph", "Table"]
    assert blocks[2].rows[0] == ["第二十条第（一）项", "", ""]  # a table's own one-cell row stays in it
