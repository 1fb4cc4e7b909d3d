"""End to end: ``nianbao parse --json`` on every fixture document gives its whole expected record.

The expected records sit beside the documents (``<name>.expected.json``, written by
``python -m fixtures.documents.expected`` and reviewed against the specs), so a change in
any reader or in the parser that moves one value, warning or section shows up here.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from fixtures.documents.expected import DOCUMENTS, INDEX, expected_path
from nianbao.cli import main
from tests.conftest import skip_or_fail

NEEDS_LIBREOFFICE = {"doc", "wps", "et"}
INDEXED = json.loads(INDEX.read_text(encoding="utf-8"))


def test_every_fixture_document_has_an_expected_record() -> None:
    assert [name for name in INDEXED if not expected_path(DOCUMENTS / name).exists()] == []


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(INDEXED))
def test_parse_prints_the_expected_record(name: str) -> None:
    if INDEXED[name]["format"] in NEEDS_LIBREOFFICE and not shutil.which("soffice"):
        skip_or_fail("LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui")
    document: Path = DOCUMENTS / name
    expected = json.loads(expected_path(document).read_text(encoding="utf-8"))
    result = CliRunner().invoke(main, ["parse", str(document), "--json"])
    if "error" in expected:
        assert result.exit_code == 2 and f"({expected['error']})" in result.stderr
    else:
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout) == expected
