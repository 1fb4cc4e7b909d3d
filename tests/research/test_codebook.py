"""The codebook: docs/CODEBOOK.md is what ``nianbao codebook`` prints, and it covers every cell key."""

from __future__ import annotations

import json

from click.testing import CliRunner

from nianbao.cli import main
from parsers import tables as keys
from research import codebook
from research.codebook_doc import markdown
from research.metrics import NAMES
from tests.conftest import PROJECT


def test_the_document_is_the_command_output() -> None:
    result = CliRunner().invoke(main, ["codebook"])
    assert result.exit_code == 0
    written = (PROJECT / "docs" / "CODEBOOK.md").read_text(encoding="utf-8")
    assert written == result.output == markdown(), "regenerate: nianbao codebook > docs/CODEBOOK.md"


def test_every_key_the_parser_writes_has_a_label_a_unit_and_an_era() -> None:
    active = {
        (keys.ACTIVE, row, col)
        for by_row in (keys.ACTIVE_COLUMNS_2021, keys.ACTIVE_COLUMNS_2019)
        for row, cols in by_row.items()
        for col in cols
    }
    rows = {*keys.APPLICATION_ROWS_2021, *keys.APPLICATION_ROWS_2019}
    applications = {(keys.APPLICATIONS, row, col) for row in rows for col in keys.APPLICANT_COLUMNS}
    review = {(keys.REVIEW_LITIGATION, "all", col) for col in keys.REVIEW_COLUMNS}
    assert {(c.table, c.row, c.column) for c in codebook.CELLS} == active | applications | review
    for cell in codebook.CELLS:
        assert cell.row_zh and cell.column_zh and cell.title_en and cell.unit and cell.eras, cell


def test_units_and_eras_of_known_cells() -> None:
    assert codebook.unit_of("active", "fees", "amount") == "万元"
    assert codebook.unit_of("applications", "new", "total") == "件"
    assert codebook.cell("applications", "other.fee_unpaid", "total").eras == ("2021",)
    assert codebook.cell("applications", "other", "total").eras == ("2019",)
    assert codebook.cell("applications", "withheld.state_secret", "natural_person").title_zh == (
        "（三）不予公开 1.属于国家秘密：自然人"
    )


def test_json_form_names_every_cell_and_measure() -> None:
    document = json.loads(CliRunner().invoke(main, ["codebook", "--format", "json"]).output)
    assert len(document["cells"]) == len(codebook.CELLS)
    assert [measure["name"] for measure in document["measures"]] == list(NAMES)
    assert set(document["rules"]) == {"R1", "R2", "R3", "R4", "R5", "R6"}
