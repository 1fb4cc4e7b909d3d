"""A fuzz target per reader: damaged documents end as a record or a named ParseError.

Each target mutates a small seed of its format (bytes flipped, cut, repeated, inserted)
and parses it in a worker (``parsers.worker``), as a crawl would: what comes back must be
a report or a ``ParseError``, never a reader's unexpected exception (``ReaderCrash``).
``make test`` runs a few examples each; ``make fuzz`` (``HYPOTHESIS_PROFILE=fuzz``) runs
many. The formats read through LibreOffice (DOC, WPS, ET) may cost a conversion (~1-2 s) an
example, so each profile gives them fewer.
"""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from parsers.errors import ParseError
from parsers.worker import Limits, Worker
from tests.conftest import FIXTURES, skip_or_fail

settings.register_profile(
    "quick", max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
settings.register_profile(
    "fuzz", max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "quick")
CONVERTED_EXAMPLES = {"quick": 3, "fuzz": 40}
DOCUMENTS = FIXTURES / "documents"


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("L", (48, 32), 255).save(buffer, "PNG")
    return buffer.getvalue()


def _tiff() -> bytes:
    """Two frames: a multi-page scan, whose second directory a cut can leave half there."""
    buffer = io.BytesIO()
    Image.new("L", (48, 32), 255).save(buffer, "TIFF", save_all=True, append_images=[Image.new("L", (48, 32), 0)])
    return buffer.getvalue()


SEEDS = {
    "text": lambda: (FIXTURES / "reports" / "layouts" / "consistent-2021__tabs.txt").read_bytes(),
    "html": lambda: (DOCUMENTS / "html" / "vsb-utf8-2019.html").read_bytes(),
    "pdf": lambda: (DOCUMENTS / "pdf" / "report-2021.pdf").read_bytes(),
    "docx": lambda: (DOCUMENTS / "docx" / "report-2021.docx").read_bytes(),
    "xlsx": lambda: (DOCUMENTS / "xlsx" / "report-2021.xlsx").read_bytes(),
    "ofd": lambda: (DOCUMENTS / "ofd" / "report-2021.ofd").read_bytes(),
    "xls": lambda: (DOCUMENTS / "xls" / "report-2021.xls").read_bytes(),
    "doc": lambda: (DOCUMENTS / "doc" / "report-2021.doc").read_bytes(),
    "wps": lambda: (DOCUMENTS / "wps" / "report-2021.wps").read_bytes(),
    "et": lambda: (DOCUMENTS / "et" / "report-2021.et").read_bytes(),
    "image": _png,
    "tiff": _tiff,
}
CONVERTED = {"doc", "wps", "et"}  # read by LibreOffice


@pytest.fixture(scope="module")
def worker() -> Iterator[Worker]:
    worker = Worker(Limits(timeout=30.0))
    yield worker
    worker.close()


@st.composite
def mutated(draw: st.DrawFn, seed: bytes) -> bytes:
    """``seed`` with one to four of: a byte range overwritten, a cut, a repeat, an insert."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        kind = draw(st.sampled_from(["overwrite", "cut", "repeat", "insert"]))
        chunk = draw(st.binary(min_size=1, max_size=16))
        if kind == "overwrite":
            data[at : at + len(chunk)] = chunk
        elif kind == "cut":
            del data[at:]
        elif kind == "repeat":
            data[at:at] = data[at : at + draw(st.integers(1, 4096))] * draw(st.integers(2, 64))
        else:
            data[at:at] = chunk
    return bytes(data)


def outcome(worker: Worker, data: bytes) -> str:
    """``parsed`` or the ParseError's reason; a ReaderCrash fails the test."""
    try:
        worker.parse(data)
    except ParseError as error:
        return error.reason
    return "parsed"


@pytest.mark.slow
@pytest.mark.parametrize("kind", sorted(SEEDS))
def test_a_damaged_document_is_a_record_or_a_named_error(worker: Worker, kind: str) -> None:
    converted = kind in CONVERTED
    if converted and not shutil.which("soffice"):
        skip_or_fail("LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui")
    seed = SEEDS[kind]()
    profile = settings.get_profile(PROFILE)
    if converted:
        profile = settings(profile, max_examples=CONVERTED_EXAMPLES.get(PROFILE, profile.max_examples))

    @settings(profile)
    @given(mutated(seed))
    def target(data: bytes) -> None:
        assert outcome(worker, data)

    target()
