"""The measures: each formula on hand-made tables, blanks and zero denominators, then over an archive."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from nianbao.cli import main
from parsers.deadlines import deadline
from research.compare import diff_years
from research.filters import parse_filters
from research.metrics import NAMES, measures, metric_rows
from tests.research.archive import FilledArchive

STATS = "郑州市二七区统计局"


def record(applications: dict, review: dict | None = None, text: str = "") -> dict:
    tables = {"applications": applications, "review_litigation": {"all": review or {}}}
    return {"tables": tables, "sections": [{"number": 1, "title": "一、总体情况", "text": text}]}


APPLICATIONS = {
    "new": {"natural_person": 30, "total": 40},
    "carried_over": {"total": 10},
    "disclosed": {"total": 20},
    "partially_disclosed": {"total": 5},
    "total": {"total": 45},
    "carried_forward": {"total": 5},
}
REVIEW = {
    "review.corrected": 1,
    "review.total": 4,
    "litigation_direct.corrected": 1,
    "litigation_direct.total": 3,
    "litigation_after_review.corrected": 0,
    "litigation_after_review.total": 2,
}


def test_each_formula_on_known_cells() -> None:
    values = measures(record(APPLICATIONS, REVIEW, "甲。乙。"), "某县统计局", 2023, date(2024, 2, 3), "甲。丙。")
    assert values == {
        "applications_new": 40,
        "applications_handled": 45,
        "disclosure_rate": round(25 / 45, 4),
        "natural_person_share": 0.75,
        "backlog_rate": 0.1,
        "review_correction_rate": 0.25,
        "litigation_correction_rate": 0.2,
        "days_after_deadline": 3,
        "text_carried_over": 0.5,
    }


def test_a_blank_cell_or_a_zero_denominator_makes_a_blank_measure() -> None:
    blank = {**APPLICATIONS, "partially_disclosed": {"total": None}, "carried_over": {}}
    zero = {"review.corrected": 0, "review.total": 0}
    values = measures(record(blank, zero), "某县统计局", 2023, None, None)
    assert values["disclosure_rate"] is None and values["backlog_rate"] is None
    assert values["review_correction_rate"] is None and values["litigation_correction_rate"] is None
    assert values["days_after_deadline"] is None and values["text_carried_over"] is None
    assert values["applications_new"] == 40 and values["natural_person_share"] == 0.75


cells = st.one_of(st.none(), st.integers(min_value=0, max_value=50))


@given(new=cells, disclosed=cells, partial=cells, handled=cells)
def test_a_rate_is_blank_exactly_when_an_operand_is_blank_or_the_denominator_zero(new, disclosed, partial, handled):
    applications = {
        "new": {"total": new},
        "disclosed": {"total": disclosed},
        "partially_disclosed": {"total": partial},
        "total": {"total": handled},
    }
    rate = measures(record(applications), "某局", 2022, None, None)["disclosure_rate"]
    undefined = None in (disclosed, partial, handled) or handled == 0
    assert (rate is None) == undefined
    if not undefined:
        assert rate == round((disclosed + partial) / handled, 4)


@pytest.mark.parametrize(
    ("agency", "year", "due"),
    [
        ("郑州市二七区统计局", 2023, date(2024, 1, 31)),
        ("郑州市二七区人民政府", 2023, date(2024, 3, 31)),
        ("郑州市二七区人民政府办公室", 2019, date(2020, 1, 31)),  # the government's office is a department
        ("郑州市二七区统计局", 2018, date(2019, 3, 31)),  # the 2007 Regulation: 31 March for every body
    ],
)
def test_the_deadline_depends_on_the_kind_of_body_and_the_regulation(agency: str, year: int, due: date) -> None:
    assert deadline(agency, year) == due


def test_metric_rows_over_the_archive(archive: FilledArchive) -> None:
    engine = archive.engine()
    with engine.connect() as connection:
        rows = list(metric_rows(connection, parse_filters(agency=STATS)))
        carried = diff_years(connection, STATS, 2023).carried_over
    engine.dispose()
    assert [(row.year, row.version) for row in rows] == [(2021, 1), (2022, 1), (2023, 2)]  # latest versions
    latest = rows[-1].values
    corrected = archive.spec(STATS, 2023, 2)["tables"]["applications"]
    assert latest["applications_new"] == corrected["new"]["total"]
    assert latest["days_after_deadline"] == (date(2024, 3, 2) - date(2024, 1, 31)).days
    assert latest["text_carried_over"] == round(carried, 4) and rows[0].values["text_carried_over"] is None


def run(archive: FilledArchive, *args: str):
    return CliRunner().invoke(main, ["metrics", "--db", archive.url, *args])


def test_metrics_command_formats(archive: FilledArchive) -> None:
    table = csv.DictReader(io.StringIO(run(archive, "--region", "二七区", "--year", "2023", "--format", "csv").output))
    lines = list(table)
    assert [line["agency"] for line in lines] == ["郑州市二七区教育局", STATS]
    assert table.fieldnames is not None and table.fieldnames[-len(NAMES) :] == list(NAMES)
    as_json = json.loads(run(archive, "--agency", STATS, "--year", "2023", "--format", "json").output)
    assert [str(as_json[0][name]) if as_json[0][name] is not None else "" for name in NAMES] == [
        lines[1][name] for name in NAMES
    ]
    text = run(archive, "--year", "2021").output
    assert "4 reports" in text and "%" in text


def test_metrics_command_unknown_agency(archive: FilledArchive) -> None:
    result = run(archive, "--agency", "二七区税务局")
    assert result.exit_code == 2 and "closest" in result.output
