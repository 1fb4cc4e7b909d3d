"""Every truth file of ../shared/corpus/real, whatever its format: no cell read as a
different number, no blank read as a number (skipped when the corpus is absent).

The per-document tests (``test_real_corpus_pdf``, ``test_real_corpus_docx``,
``tests/parser/test_real_corpus_text``) pin which cells are exact and which stay null;
this one takes in a truth file added later without a test of its own.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from parsers.parse_file import parse
from tests.conftest import SHARED

CORPUS = SHARED / "corpus" / "real"
TRUTHS = sorted((CORPUS / "truth").glob("*.json")) if CORPUS.is_dir() else []
pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus/real is absent")


def _truth_cells(truth: dict):
    tables = {"applications": truth.get("table3_canonical") or {}, "active": truth.get("table2_canonical") or {}}
    if truth.get("table4_canonical"):
        tables["review_litigation"] = {"all": truth["table4_canonical"]}
    for table, rows in tables.items():
        for row, cells in rows.items():
            for column, value in cells.items():
                yield table, row, column, value


@pytest.mark.parametrize("path", TRUTHS, ids=lambda path: path.name[:24])
def test_no_truth_cell_is_read_as_another_number(path: Path) -> None:
    truth = json.loads(path.read_text(encoding="utf-8"))
    record = parse((CORPUS / truth["file"]).read_bytes())
    wrong = []
    for table, row, column, value in _truth_cells(truth):
        got = record.tables.get(table, {}).get(row, {}).get(column)
        if got is not None and (value is None or Decimal(str(got)) != Decimal(str(value))):
            wrong.append(f"{table}.{row}.{column}: printed {value}, read {got}")
    assert wrong == []
