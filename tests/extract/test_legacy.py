"""DOC / WPS through LibreOffice, ET through calamine; timeouts and a missing converter.

Tests that run LibreOffice skip when ``soffice`` is not installed, except under CI,
where its absence fails them.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import olefile
import pytest

from parsers.errors import ExtractionError
from parsers.extract import legacy
from tests.conftest import skip_or_fail
from tests.extract.conftest import DOCUMENTS, documents, ids, missing_in_order, table_mismatches

WORD97 = documents("doc") + documents("wps")


@pytest.fixture
def soffice() -> str:
    program = shutil.which("soffice")
    if program is None:
        skip_or_fail("LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui")
    return program


@pytest.mark.slow
@pytest.mark.parametrize(("path", "spec"), WORD97, ids=ids(WORD97))
def test_word97_through_libreoffice(soffice: str, path: Path, spec: dict) -> None:
    document = legacy.read(path.read_bytes(), soffice=soffice)
    assert document.source_format == path.suffix.lstrip(".")
    assert missing_in_order(document, spec) == []
    assert table_mismatches(document, spec) == []


def test_et_is_read_without_libreoffice(tmp_path: Path) -> None:
    path, spec = documents("et")[0]
    document = legacy.read(path.read_bytes(), soffice=str(tmp_path / "no-soffice"))
    assert document.source_format == "et"
    assert table_mismatches(document, spec) == []


def _fake_converter(tmp_path: Path, script: str) -> str:
    program = tmp_path / "soffice"
    program.write_text(f"#!/bin/sh\n{script}\n")
    program.chmod(0o755)
    return str(program)


def test_timeout_kills_the_whole_process_group(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    # the wrapper starts a child, as soffice starts soffice.bin, and both hang
    sleep = shutil.which("sleep") or "/bin/sleep"
    program = _fake_converter(tmp_path, f"{sleep} 60 & echo $! > {pids}; echo $$ >> {pids}; pwd >> {pids}; wait")
    with pytest.raises(ExtractionError) as error:
        legacy.convert(b"doc", "doc", timeout=0.5, soffice=program)
    # The wrapper waits for its 60 s child: without the timeout it would end with another reason.
    assert error.value.reason == "timeout"
    child, wrapper, folder = pids.read_text().split()
    assert _gone(int(child))
    assert _gone(int(wrapper))
    assert not Path(folder).exists()  # the private folder and profile are gone


def _gone(pid: int, wait: float = 2.0) -> bool:
    """Dead within ``wait`` seconds (a zombie left to a parent that does not reap counts)."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return True
        if state == "Z":
            return True
        time.sleep(0.05)
    return False


def test_missing_converter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ExtractionError) as error:
        legacy.convert(b"doc", "doc", soffice=str(tmp_path / "absent"))
    assert error.value.reason == "converter_missing"
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(ExtractionError) as error:
        legacy.read((DOCUMENTS / "doc" / "report-2021.doc").read_bytes())
    assert error.value.reason == "converter_missing"


def test_converter_that_makes_nothing(tmp_path: Path) -> None:
    with pytest.raises(ExtractionError) as error:
        legacy.convert(b"doc", "doc", soffice=_fake_converter(tmp_path, "exit 0"))
    assert error.value.reason == "corrupt"
    with pytest.raises(ExtractionError) as error:
        legacy.convert(b"doc", "doc", soffice=_fake_converter(tmp_path, "echo broken >&2; exit 3"))
    assert error.value.reason == "corrupt"
    assert "broken" in error.value.message


def test_encrypted_word_file_is_refused_before_conversion(tmp_path: Path) -> None:
    path = tmp_path / "secret.doc"
    path.write_bytes((DOCUMENTS / "doc" / "report-2021.doc").read_bytes())
    with olefile.OleFileIO(str(path), write_mode=True) as ole:
        fib = bytearray(ole.openstream("WordDocument").read())
        fib[0x0B] |= 0x01  # fEncrypted
        ole.write_stream("WordDocument", bytes(fib))
    with pytest.raises(ExtractionError) as error:
        legacy.read(path.read_bytes(), soffice=str(tmp_path / "never-called"))
    assert error.value.reason == "encrypted"


def test_other_formats_are_not_legacy() -> None:
    with pytest.raises(ExtractionError) as error:
        legacy.read((DOCUMENTS / "docx" / "report-2021.docx").read_bytes())
    assert error.value.reason == "unsupported"
