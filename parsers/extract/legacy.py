"""DOC and WPS (OLE2 Word binaries) and Kingsoft ET -> Document, through LibreOffice.

No Python library reads Word 97 tables faithfully (antiword drops the rows of merged
tables, catdoc garbles paragraphs: deps.md §2), so DOC and WPS are converted offline by
``soffice --headless --convert-to docx`` and read by the DOCX reader. ET is BIFF8 in
OLE2, which calamine reads directly; LibreOffice (to xlsx) is only the fallback.

Each conversion runs in a private temporary folder with its own LibreOffice profile
(``-env:UserInstallation``), so parallel workers never share a profile lock, and in its
own process group, so a timeout kills soffice.bin and its children, not just the
wrapper script. Errors: ``converter_missing`` (no soffice), ``timeout``, ``encrypted``
(the Word file says so in its FIB), ``corrupt`` (LibreOffice made nothing).
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

import olefile

from parsers.document import Document
from parsers.errors import ExtractionError
from parsers.extract.detect import detect_format
from parsers.extract.docx import read_docx
from parsers.extract.limits import CONVERT_TIMEOUT_SECONDS, check_size
from parsers.extract.spreadsheet import read_workbook

# what LibreOffice is asked to make, and the name the input is given so its filter
# detection starts from the right family
_TARGETS = {"doc": ("docx", "input.doc"), "wps": ("docx", "input.doc"), "et": ("xlsx", "input.xls")}
_FIB_FLAGS_OFFSET = 0x0A
_FIB_ENCRYPTED = 0x0100


def read(data: bytes, *, timeout: float = CONVERT_TIMEOUT_SECONDS, soffice: str | None = None) -> Document:
    check_size(data)
    kind = detect_format(data)
    if kind not in _TARGETS:
        raise ExtractionError("unsupported", f"the legacy reader takes doc, wps and et, not {kind}")
    if kind == "et":
        return _read_et(data, timeout=timeout, soffice=soffice)
    _reject_encrypted_word(data)
    converted = convert(data, kind, timeout=timeout, soffice=soffice)
    return read_docx(converted, source_format=kind)


def _read_et(data: bytes, *, timeout: float, soffice: str | None) -> Document:
    try:
        return read_workbook(data, source_format="et")
    except ExtractionError as error:
        if error.reason != "corrupt":
            raise
    converted = convert(data, "et", timeout=timeout, soffice=soffice)
    return read_workbook(converted, source_format="et")


def convert(data: bytes, kind: str, *, timeout: float = CONVERT_TIMEOUT_SECONDS, soffice: str | None = None) -> bytes:
    """The bytes LibreOffice makes of ``data`` (docx for doc/wps, xlsx for et)."""
    target, name = _TARGETS[kind]
    return convert_file(data, name, target, timeout=timeout, soffice=soffice)


def convert_file(
    data: bytes,
    input_name: str,
    target: str,
    *,
    timeout: float = CONVERT_TIMEOUT_SECONDS,
    soffice: str | None = None,
) -> bytes:
    """``soffice --convert-to target`` of ``data`` saved as ``input_name``, in a private
    folder and profile that are removed afterwards; the converted bytes."""
    program = soffice or shutil.which("soffice") or shutil.which("libreoffice")
    if program is None or not os.access(program, os.X_OK):
        raise ExtractionError("converter_missing", "LibreOffice (soffice) is not installed")
    with tempfile.TemporaryDirectory(prefix="nianbao-soffice-") as folder:
        work = Path(folder)
        source = work / input_name
        source.write_bytes(data)
        command = [
            program,
            f"-env:UserInstallation={(work / 'profile').as_uri()}",
            "--headless", "--norestore", "--nologo", "--nodefault", "--nolockcheck",
            "--convert-to", target, "--outdir", str(work / "out"), str(source),
        ]  # fmt: skip
        _run(command, timeout, cwd=work)
        result = work / "out" / f"{source.stem}.{target.split(':')[0]}"
        if not result.exists():
            raise ExtractionError("corrupt", f"LibreOffice could not convert {input_name} to {target}")
        return result.read_bytes()


def _run(command: list[str], timeout: float, cwd: Path) -> None:
    env = {**os.environ, "HOME": str(cwd), "SAL_USE_VCLPLUGIN": "svp"}
    with subprocess.Popen(
        command,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group, so the timeout reaches soffice.bin
    ) as process:
        try:
            _, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired as error:
            _kill_group(process)
            raise ExtractionError("timeout", f"LibreOffice took over {timeout:g} s") from error
    if process.returncode != 0:
        message = stderr.decode("utf-8", errors="replace").strip()[-300:]
        raise ExtractionError("corrupt", f"LibreOffice failed ({process.returncode}): {message}")


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):  # the group may be gone already
        os.killpg(process.pid, signal.SIGKILL)
    process.communicate()


def _reject_encrypted_word(data: bytes) -> None:
    """``encrypted`` when the Word FIB says so: LibreOffice would only fail on it later."""
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            fib = ole.openstream("WordDocument").read(_FIB_FLAGS_OFFSET + 2)
    except (OSError, ValueError, IndexError) as error:
        raise ExtractionError("corrupt", f"damaged Word binary: {error}") from error
    if len(fib) >= _FIB_FLAGS_OFFSET + 2:
        flags = int.from_bytes(fib[_FIB_FLAGS_OFFSET : _FIB_FLAGS_OFFSET + 2], "little")
        if flags & _FIB_ENCRYPTED:
            raise ExtractionError("encrypted", "password-protected Word document")
