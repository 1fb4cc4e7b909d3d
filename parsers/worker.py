"""Parsing in child processes, each with a memory limit and a time limit per document.

A reader meets whatever a portal served, and a few kilobytes can ask for gigabytes (an
OFD whose glyph advances expand, a PDF page the size of a field rendered for OCR). The
readers carry budgets for every such case they know of; this is the wall behind them.
Each :class:`Worker` is a process whose memory is capped, and the caller lets it spend at
most ``timeout`` seconds of CPU on a document (and four times that on the clock, for a
worker stuck waiting). The cap is ``RLIMIT_DATA`` (heap and private mappings: what can
become resident) rather than ``RLIMIT_AS``: onnxruntime's threads reserve address space
they never touch, and under an address-space cap OCR fails on a page it reads in 400 MB.
CPU time rather than the clock, because a crawl shares its machine: on a loaded one a
scanned page waits for a core, which is no fault of the document. A worker that runs out of
memory, dies or overruns is killed and replaced, and the document gets the named
``ParseError`` (``memory``, ``timeout``); whoever asked goes on with the next document.
An exception a reader did not name (a bug: a ``TypeError`` on a damaged image) comes
back as ``ReaderCrash`` with its type, message and place, and the worker goes on.

Workers are forked from a forkserver that imported the parsers once, so a new worker
costs a fork, not an interpreter start, and never inherits the threads of the process
that asks (the crawl's reactor and thread pools).
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import resource
import signal
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from parsers.errors import ParseError, ReaderCrash

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    from parsers.model import Report
    from parsers.parse_file import Hints

MEMORY_LIMIT_BYTES = 1400 * 1024 * 1024
TIMEOUT_SECONDS = 180.0
WALL_FACTOR = 4
_POLL_SECONDS = 0.1
_TICKS = os.sysconf("SC_CLK_TCK")
_OUT_OF_MEMORY = ("bad_alloc", "Cannot allocate memory", "failed to map segment")
_CONTEXT = multiprocessing.get_context("forkserver")
_CONTEXT.set_forkserver_preload(["parsers.parse_file"])  # imported once, shared by every worker


@dataclass(slots=True)
class Usage:
    """CPU seconds the workers of this process spent, counted as each is closed: they are
    grandchildren (forked by the forkserver), so ``os.times`` never sees them. With the
    processes a worker's readers ran and waited for (a workbook's reader, a converter)."""

    cpu_seconds: float = 0.0


USAGE = Usage()


class ParseFault(ParseError):
    """What the worker, not the reader, says of a document: ``memory`` or ``timeout``."""


@dataclass(frozen=True, slots=True)
class Limits:
    memory_bytes: int = MEMORY_LIMIT_BYTES
    timeout: float = TIMEOUT_SECONDS


class Worker:
    """One child process that parses documents one at a time, started on first use."""

    def __init__(self, limits: Limits = Limits()) -> None:
        self.limits = limits
        self._child: _Child | None = None

    def parse(self, data: bytes, hints: Hints | None = None) -> Report:
        child = self._start()
        child.conn.send((data, hints))
        self._wait(child)
        try:
            outcome = child.conn.recv()
        except (EOFError, OSError):
            raise ParseFault("memory", f"the reader's process died ({self._death(child)})") from None
        if outcome[0] == "report":
            report: Report = outcome[1]
            return report
        if outcome[0] == "crash":
            raise ReaderCrash(outcome[1])
        if outcome[0] == "memory":
            self.close()  # what a MemoryError interrupted may have left half done
            raise ParseFault("memory", outcome[1])
        raise outcome[1]

    def _wait(self, child: _Child) -> None:
        """Until the worker answers; ``timeout`` when it spent its CPU or clock allowance."""
        cpu_deadline = _cpu_seconds(child.process.pid) + self.limits.timeout
        clock_deadline = time.monotonic() + WALL_FACTOR * self.limits.timeout
        while not child.conn.poll(_POLL_SECONDS):
            if _cpu_seconds(child.process.pid) > cpu_deadline or time.monotonic() > clock_deadline:
                self.close()
                raise ParseFault("timeout", f"not read within {self.limits.timeout:g} s")

    def close(self) -> None:
        if self._child is not None:
            USAGE.cpu_seconds += _cpu_seconds(self._child.process.pid, with_children=True)
            self._child.process.kill()
            self._child.process.join()
            self._child.conn.close()
            self._child = None

    def _start(self) -> _Child:
        if self._child is None:
            parent, end = _CONTEXT.Pipe()
            process = _CONTEXT.Process(target=_serve, args=(end, self.limits.memory_bytes), daemon=True)
            process.start()
            end.close()
            self._child = _Child(process, parent)
        return self._child

    def _death(self, child: _Child) -> str:
        child.process.join()
        code = child.process.exitcode
        self.close()
        return f"killed by {signal.Signals(-code).name}" if code and code < 0 else f"exit status {code}"


@dataclass(frozen=True, slots=True)
class _Child:
    process: Any  # a forkserver context's Process
    conn: Connection


class WorkerPool:
    """``size`` workers; :meth:`parse` takes a free one, so at most ``size`` parse at once."""

    def __init__(self, size: int, limits: Limits = Limits()) -> None:
        self._workers = [Worker(limits) for _ in range(max(1, size))]
        self._free: queue.SimpleQueue[Worker] = queue.SimpleQueue()
        for worker in self._workers:
            self._free.put(worker)

    def parse(self, data: bytes, hints: Hints | None = None) -> Report:
        worker = self._free.get()
        try:
            return worker.parse(data, hints)
        finally:
            self._free.put(worker)

    def close(self) -> None:
        for worker in self._workers:
            worker.close()


def _cpu_seconds(pid: int, *, with_children: bool = False) -> float:
    """User and system CPU time of a live process, all its threads (proc(5) stat fields 14-15),
    ``with_children``: and of the children it has waited for (fields 16-17).

    A process that has just died reads as 0 (its answer, or its end, is in the pipe)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(field) for field in fields[11 : 15 if with_children else 13]) / _TICKS


def _serve(conn: Connection, memory_bytes: int) -> None:
    """The worker's loop: documents in, records (or the reader's named error) out."""
    from parsers.parse_file import NO_HINTS, describe_error, parse

    resource.setrlimit(resource.RLIMIT_DATA, (memory_bytes, memory_bytes))
    # A worker tells its caller through the pipe, never the terminal: a reader's chatter
    # (RapidOCR's warnings) would break the one line a command prints.
    quiet = os.open(os.devnull, os.O_WRONLY)
    os.dup2(quiet, 1)
    os.dup2(quiet, 2)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the process that asked
    while True:
        try:
            data, hints = conn.recv()
        except EOFError:
            return
        try:
            outcome: tuple[Any, ...] = ("report", parse(data, hints or NO_HINTS))
        except ParseError as error:
            outcome = ("error", error)
        except MemoryError:
            outcome = ("memory", f"over the {memory_bytes // 2**20} MB memory limit")
        except Exception as error:  # a reader's bug: told to the caller, not the worker's end
            described = describe_error(error)
            if any(words in described for words in _OUT_OF_MEMORY):  # C++ and the loader's words for it
                outcome = ("memory", described)
            else:
                outcome = ("crash", described)
        conn.send(outcome)
