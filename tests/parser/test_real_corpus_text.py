"""Real text and markdown conversions from ../shared/corpus/real against their truth files.

Skipped when the corpus is absent. Cells the document itself does not let a reader
place are listed as known nulls: the parser must leave them null, not guess.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from parsers import tables as keys
from parsers.errors import NotAnnualReport
from parsers.extract.text import read
from parsers.report import parse
from tests.conftest import SHARED

CORPUS = SHARED / "corpus" / "real"
pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus/real is absent")

# (truth file, cells that stay null because the document does not place them)
TEXT_TRUTHS = {
    # The 总计 of 结转下年度 is a stray "1" on a line of its own, far from its row.
    "kewei-2024-source.md.json": {("applications", "carried_forward", "total")},
}


def _truth(name: str) -> tuple[dict, Path]:
    truth = json.loads((CORPUS / "truth" / name).read_text(encoding="utf-8"))
    return truth, CORPUS / truth["file"]


def _as_decimal(value: object) -> object:
    return Decimal(str(value)) if isinstance(value, int | float | Decimal) else value


@pytest.mark.parametrize("name", sorted(TEXT_TRUTHS))
def test_every_truth_cell(name: str) -> None:
    truth, path = _truth(name)
    report = parse(read(path.read_bytes()))
    assert (report.agency, report.year, report.format_version) == (
        truth["agency"],
        truth["year"],
        truth["format_version"],
    )
    expected = {"applications": truth["table3_canonical"], "active": truth["table2_canonical"]}
    expected["review_litigation"] = {"all": truth["table4_canonical"]}
    for table, rows in expected.items():
        for row, cells in rows.items():
            for column, value in cells.items():
                got = report.tables[table][row][column]
                if (table, row, column) in TEXT_TRUTHS[name]:
                    assert got is None, (table, row, column)
                else:
                    assert _as_decimal(got) == _as_decimal(value), (table, row, column)


# (truth file, table) -> rows whose glued digits split more than one way: they stay null
GLUED_TRUTHS = {
    "80576_平潭综合实验区2019年度政府信息公开工作年度报告__page.txt.json": {
        # 898989, 3960181, 100153, 26480430, 126025 and 350 have several splits and no
        # rule between their columns; 13575394432.52元 holds a decimal point
        keys.ACTIVE: {
            "normative_documents",
            "licensing",
            "other_services",
            "penalty",
            "coercion",
            "fees",
            "procurement",
        },
    },
}


@pytest.mark.parametrize("name", sorted(GLUED_TRUTHS))
def test_glued_cells_split_where_the_rules_allow_one_split(name: str) -> None:
    """The 平潭 pages: "（一）予以公开7000007" — every truth cell exact, or null where
    several splits fit; every split cell marked ``split`` and named in the warnings."""
    truth, path = _truth(name)
    report = parse(read(path.read_bytes()))
    expected = {keys.APPLICATIONS: truth["table3_canonical"], keys.ACTIVE: truth["table2_canonical"]}
    expected[keys.REVIEW_LITIGATION] = {"all": truth["table4_canonical"]}
    exact = 0
    for table, rows in expected.items():
        for row, cells in rows.items():
            for column, value in cells.items():
                got = report.tables[table].get(row, {}).get(column)
                if row in GLUED_TRUTHS[name].get(table, set()):
                    assert got is None, (table, row, column)
                    continue
                assert _as_decimal(got) == _as_decimal(value), (table, row, column)
                assert report.raw[table][row][column].meaning == "split"
                exact += 1
    assert exact == 179
    assert any(warning.startswith("applications.new: glued digits '230000023' split") for warning in report.warnings)


def test_pre2019_county_report_metadata() -> None:
    truth, path = _truth("80725_平潭县人民政府2012年政府信息公开工作年度报告__page.txt.json")
    report = parse(read(path.read_bytes()))
    assert (report.agency, report.year, report.format_version) == ("平潭县人民政府", 2012, "pre2019")
    assert report.published_at is not None and report.published_at.isoformat() == truth["published_at"]
    assert report.tables == {}


def _manifest_rows(folder: str) -> list[dict[str, str]]:
    lines = (CORPUS / "MANIFEST.tsv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    rows = [dict(zip(header, line.split("\t"), strict=False)) for line in lines[1:]]
    return [row for row in rows if row["file"].startswith(folder)]


PINGTAN = "changwu__pingtan-gov-zwgk-archive"
PINGTAN_REPORTS = [row for row in _manifest_rows(PINGTAN) if "工作要点" not in row["file"]] if CORPUS.is_dir() else []


@pytest.mark.parametrize("row", PINGTAN_REPORTS, ids=lambda row: row["file"].split("/")[1][:5])
def test_flattened_archive_pages_keep_metadata_and_sections(row: dict[str, str]) -> None:
    """Text flattened from HTML: headings glued into one line, table cells glued together."""
    report = parse(read((CORPUS / row["file"]).read_bytes()))
    year = int(row["year"])
    assert (report.agency, report.year) == (row["agency"], year)
    assert report.format_version == ("pre2019" if year < 2019 else "2019" if year < 2021 else "2021")
    assert report.published_at is not None and report.published_at.year in (year, year + 1)
    assert report.sections and report.sections[0].number == 1
    # glued cells are split only where one split fits every rule: no rule may fail, and
    # every number of table 三 and 四 comes from such a split
    assert [check.detail for check in report.checks if check.status == "fail"] == []
    for table in (keys.APPLICATIONS, keys.REVIEW_LITIGATION):
        for row, cells in report.tables.get(table, {}).items():
            raw = report.raw.get(table, {}).get(row, {})
            assert all(raw[column].meaning == "split" for column, value in cells.items() if value is not None)


def test_a_work_points_letter_is_not_a_report() -> None:
    (row,) = [row for row in _manifest_rows(PINGTAN) if "工作要点" in row["file"]]
    with pytest.raises(NotAnnualReport):
        parse(read((CORPUS / row["file"]).read_bytes()))


def test_a_row_whose_label_was_cut_to_a_fragment_fills_the_gap_it_leaves() -> None:
    """The 上海 office's converter markdown: （五）5's label is pulled out of the table
    (its zeros stand alone) and （六）1's is cut to "行政机关不再处理其政府信息公", which
    names no row; the two rows fill the two missing between （五）4 and （六）2 (before,
    both were null). No truth file: every rule holds, and the cells as printed."""
    path = CORPUS / "zxj6827111-blip__KIROGOVCOMPARE" / "shanghai-office-sample-source.md"
    report = parse(read(path.read_bytes()))
    applications = report.tables[keys.APPLICATIONS]
    assert list(applications["other.no_correction"].values()) == [40, 1, 0, 0, 2, 0, 43]
    assert set(applications["not_processed.reconfirm"].values()) == {0}
    assert [value for cells in applications.values() for value in cells.values() if value is None] == []
    assert [check.detail for check in report.checks if check.status != "pass"] == []
