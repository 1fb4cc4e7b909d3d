"""Measures researchers compute from the reports: rates of disclosure, correction and backlog.

One row per agency and year, from the report's latest version. Every measure is null
when a cell it needs is blank (a blank is never a zero) or its denominator is 0. The
definitions, in the record's keys (docs/RECORD.md), are :data:`MEASURES`; the codebook
prints them, and the command, the web view and the exports all compute them here.

Deadlines (``days_after_deadline``): :func:`parsers.deadlines.deadline`, shared with the alerts
and the crawl schedule. The 2019 Regulation (art. 49) has departments
publish the previous year's report by 31 January and governments (a name ending in
人民政府) by 31 March; reports on a year before 2019 fall under the 2007 Regulation,
31 March for every body.

Example::

    with engine.connect() as connection:
        for row in metric_rows(connection, parse_filters(region="郑州市", years=["2023"])):
            print(row.agency, row.year, row.values["disclosure_rate"])
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, select, tuple_

from parsers.deadlines import deadline
from research.filters import Filters
from research.queries import find_versions_or_suggest
from research.rows import VersionInfo
from research.text_diff import carried_over
from research.views import RECORDS, REPORTS, view

Value = int | float | None
BATCH = 500


@dataclass(frozen=True, slots=True)
class Measure:
    name: str
    title_zh: str
    title_en: str
    definition: str  # in the record's cell keys
    unit: str  # 件, 天, or "ratio" (0-1)
    type: str  # Frictionless field type: integer or number


MEASURES = (
    Measure("applications_new", "本年新收申请数量", "new applications", "applications.new.total", "件", "integer"),
    Measure(
        "applications_handled", "办理结果总计", "applications handled", "applications.total.total", "件", "integer"
    ),
    Measure(
        "disclosure_rate",
        "公开率（予以公开与部分公开占办理总数）",
        "disclosure rate",
        "(applications.disclosed.total + applications.partially_disclosed.total) / applications.total.total",
        "ratio",
        "number",
    ),
    Measure(
        "natural_person_share",
        "自然人申请占比",
        "share of applications by natural persons",
        "applications.new.natural_person / applications.new.total",
        "ratio",
        "number",
    ),
    Measure(
        "backlog_rate",
        "结转下年度继续办理比例",
        "backlog rate",
        "applications.carried_forward.total / (applications.new.total + applications.carried_over.total)",
        "ratio",
        "number",
    ),
    Measure(
        "review_correction_rate",
        "行政复议结果纠正率",
        "administrative review correction rate",
        "review_litigation.all.review.corrected / review_litigation.all.review.total",
        "ratio",
        "number",
    ),
    Measure(
        "litigation_correction_rate",
        "行政诉讼结果纠正率",
        "litigation correction rate",
        "(litigation_direct.corrected + litigation_after_review.corrected)"
        " / (litigation_direct.total + litigation_after_review.total), in review_litigation.all",
        "ratio",
        "number",
    ),
    Measure(
        "days_after_deadline",
        "发布日期晚于法定期限天数（负数为提前）",
        "days published after the deadline (negative: before)",
        "published_at - (31 January of year + 1 for departments, 31 March for governments and before 2019)",
        "天",
        "integer",
    ),
    Measure(
        "text_carried_over",
        "沿用上年文字比例",
        "share of the text repeated from the previous year's report",
        "share of the characters of this year's sections in sentences printed verbatim the year before",
        "ratio",
        "number",
    ),
)
NAMES = tuple(measure.name for measure in MEASURES)


@dataclass(frozen=True, slots=True)
class MetricRow:
    version_id: int
    agency: str
    region: str
    year: int
    version: int
    values: dict[str, Value]


def record_text(record: dict[str, Any]) -> str:
    """The report's sections as one text (what the diff's carried-over share compares)."""
    return "\n".join(section["text"] for section in record.get("sections", []))


def measures(
    record: dict[str, Any], agency: str, year: int, published_at: date | None, previous_text: str | None
) -> dict[str, Value]:
    """Every measure of one version's record (the JSON form, docs/RECORD.md)."""
    tables = record.get("tables", {})

    def cell(table: str, row: str, column: str) -> int | None:
        value = tables.get(table, {}).get(row, {}).get(column)
        return value if isinstance(value, int) else None  # money (a string) is no count

    def apps(row: str, column: str = "total") -> int | None:
        return cell("applications", row, column)

    def review(column: str) -> int | None:
        return cell("review_litigation", "all", column)

    late = None if published_at is None else (published_at - deadline(agency, year)).days
    repeated = None if previous_text is None else carried_over(previous_text, record_text(record))
    return {
        "applications_new": apps("new"),
        "applications_handled": apps("total"),
        "disclosure_rate": ratio([apps("disclosed"), apps("partially_disclosed")], [apps("total")]),
        "natural_person_share": ratio([apps("new", "natural_person")], [apps("new")]),
        "backlog_rate": ratio([apps("carried_forward")], [apps("new"), apps("carried_over")]),
        "review_correction_rate": ratio([review("review.corrected")], [review("review.total")]),
        "litigation_correction_rate": ratio(
            [review("litigation_direct.corrected"), review("litigation_after_review.corrected")],
            [review("litigation_direct.total"), review("litigation_after_review.total")],
        ),
        "days_after_deadline": late,
        "text_carried_over": None if repeated is None else round(repeated, 4),
    }


def ratio(numerator: list[int | None], denominator: list[int | None]) -> float | None:
    """sum(numerator) / sum(denominator), rounded to 4 places; None when a term is blank or the denominator is 0."""
    if None in numerator or None in denominator:
        return None
    total = sum(value for value in denominator if value is not None)
    if total == 0:
        return None
    return round(sum(value for value in numerator if value is not None) / total, 4)


def metric_rows(connection: Connection, filters: Filters) -> Iterator[MetricRow]:
    """The measures of every report matching ``filters`` (latest versions), by agency and year;
    a name or year that matches nothing is a BadFilter with the closest names or the years archived."""
    infos = find_versions_or_suggest(connection, filters)
    for start in range(0, len(infos), BATCH):
        batch = infos[start : start + BATCH]
        previous = _previous_versions(connection, batch)
        records = _records(connection, [info.version_id for info in batch] + list(previous.values()))
        for info in batch:
            before = previous.get((info.agency, info.year - 1))
            previous_text = None if before is None else record_text(records[before])
            values = measures(records[info.version_id], info.agency, info.year, info.published_at, previous_text)
            yield MetricRow(info.version_id, info.agency, info.region, info.year, info.version, values)


def _previous_versions(connection: Connection, infos: Iterable[VersionInfo]) -> dict[tuple[str, int], int]:
    """The latest version of each agency's year before, where the archive has one."""
    reports = view(connection, REPORTS)
    wanted = list({(info.agency, info.year - 1) for info in infos})
    statement = select(reports.c.agency, reports.c.year, reports.c.version_id).where(
        reports.c.is_latest == 1, tuple_(reports.c.agency, reports.c.year).in_(wanted)
    )
    return {(agency, int(year)): version_id for agency, year, version_id in connection.execute(statement)}


def _records(connection: Connection, version_ids: list[int]) -> dict[int, dict[str, Any]]:
    records = view(connection, RECORDS)
    statement = select(records.c.version_id, records.c.record).where(records.c.version_id.in_(version_ids))
    return {version_id: record for version_id, record in connection.execute(statement)}


def body_rows(connection: Connection, agency: str) -> list[MetricRow]:
    """The measures of one body's every year, by its canonical name (the filter alone matches
    every name containing it: 人民政府 is part of 人民政府办公室)."""
    return [row for row in metric_rows(connection, Filters(agency=agency)) if row.agency == agency]
