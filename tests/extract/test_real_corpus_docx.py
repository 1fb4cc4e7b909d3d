"""The blank annual-report template (a DOCX with every table cell empty): all null.

Skipped when the shared corpus is not beside the project.
"""

from __future__ import annotations

import json

import pytest

from parsers.parse_file import parse
from tests.conftest import SHARED

CORPUS = SHARED / "corpus" / "real"
pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="shared/corpus/real is not beside the project")


def test_the_blank_template_gives_every_truth_cell_null() -> None:
    truth = json.loads((CORPUS / "truth" / "政务公开年报模版.docx.json").read_text(encoding="utf-8"))
    record = parse((CORPUS / truth["file"]).read_bytes())
    expected = {"applications": truth["table3_canonical"], "active": truth["table2_canonical"]}
    expected["review_litigation"] = {"all": truth["table4_canonical"]}
    cells = [(table, row, column) for table, rows in expected.items() for row, cols in rows.items() for column in cols]
    assert len(cells) == 200
    assert [cell for cell in cells if record.tables.get(cell[0], {}).get(cell[1], {}).get(cell[2]) is not None] == []
    assert record.format_version == truth["format_version"]
