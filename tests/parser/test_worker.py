"""Parsing in a limited child process: the same record, and a named fault when over a limit."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from nianbao.cli import main
from parsers.errors import NotAnnualReport, ParseError
from parsers.model import Region
from parsers.parse_file import Hints, parse
from parsers.worker import Limits, Worker, WorkerPool, _cpu_seconds
from tests.conftest import FIXTURES

LAYOUT = FIXTURES / "reports" / "layouts" / "inconsistent-2021__tabs.txt"
SCANNED = FIXTURES / "documents" / "pdf" / "report-2021-scanned.pdf"  # OCR: many CPU seconds


def test_a_worker_gives_the_record_the_parser_gives() -> None:
    hints = Hints(title="某局年报", published=date(2024, 1, 31), region=Region("河南省", "郑州市", "二七区"))
    pool = WorkerPool(2)
    try:
        assert pool.parse(LAYOUT.read_bytes(), hints) == parse(LAYOUT.read_bytes(), hints)
    finally:
        pool.close()


def test_a_reader_error_comes_back_as_itself() -> None:
    worker = Worker()
    try:
        with pytest.raises(ParseError) as raised:
            worker.parse(b"%PDF-1.7\n1 0 obj <<")
        assert raised.value.reason == "truncated"
        with pytest.raises(NotAnnualReport):
            worker.parse((FIXTURES / "reports" / "invalid" / "bulletin.txt").read_bytes())
    finally:
        worker.close()


def test_a_document_over_its_time_is_a_timeout_and_the_worker_is_replaced() -> None:
    worker = Worker(Limits(timeout=2.0))
    try:
        with pytest.raises(ParseError) as raised:
            worker.parse(SCANNED.read_bytes())
        assert raised.value.reason == "timeout"
        assert worker.parse(LAYOUT.read_bytes()).year == 2023
    finally:
        worker.close()


def test_a_worker_over_its_memory_is_a_memory_fault() -> None:
    worker = Worker(Limits(memory_bytes=8 * 2**20))  # less than the interpreter already holds
    try:
        with pytest.raises(ParseError) as raised:
            worker.parse(LAYOUT.read_bytes())
        assert raised.value.reason == "memory"
    finally:
        worker.close()


def one_line_error(*args: str) -> str:
    result = CliRunner().invoke(main, ["parse", *args])
    lines = result.output.strip().splitlines()
    assert result.exit_code == 2 and len(lines) == 1, result.output
    return lines[0]


def test_parse_refuses_a_device_before_reading_it() -> None:
    assert "(not_a_file)" in one_line_error("/dev/zero")


def test_parse_refuses_a_fifo_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "report.pdf"
    os.mkfifo(fifo)
    assert "(not_a_file)" in one_line_error(str(fifo))


def test_parse_over_its_time_is_one_line() -> None:
    assert "(timeout)" in one_line_error(str(SCANNED), "--timeout", "1")


def test_the_cpu_of_the_processes_a_worker_waited_for_is_its_own_too() -> None:
    """A workbook's reader and a converter run in processes of their own: a worker's CPU counts them."""
    before = _cpu_seconds(os.getpid(), with_children=True) - _cpu_seconds(os.getpid())
    spin = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass"
    subprocess.run([sys.executable, "-c", spin], check=True)
    after = _cpu_seconds(os.getpid(), with_children=True) - _cpu_seconds(os.getpid())
    assert after - before >= 0.25
