"""An archive filled with reports parsed from rendered specs: agencies × years, plus corrections.

Every stored report keeps its spec, so tests check what the commands print against the
numbers that were written into the documents.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from fixtures.reports.layouts import LAYOUTS
from fixtures.reports.specs import continued, make_spec
from parsers.extract.text import read_text
from parsers.report import parse
from storage.archive import Archive
from storage.engine import open_engine
from tests.research.reports import with_section_text

AGENCIES = (
    ("郑州市二七区统计局", {"province": "河南省", "city": "郑州市", "district": "二七区"}),
    ("郑州市二七区教育局", {"province": "河南省", "city": "郑州市", "district": "二七区"}),
    ("郑州市金水区统计局", {"province": "河南省", "city": "郑州市", "district": "金水区"}),
    ("洛阳市西工区教育局", {"province": "河南省", "city": "洛阳市", "district": "西工区"}),
)
YEARS = (2021, 2022, 2023)

# 五、 of 郑州市二七区统计局: 2023 copies 26 of its 52 characters verbatim from 2022.
PROBLEMS_2022 = "我局高度重视政府信息公开工作。全年召开专题会议三次！公开内容不够全面；建议加强培训。"
PROBLEMS_2023 = (
    "我局高度重视政府信息公开工作。全年召开专题会议三次！公开内容仍然不够全面和及时；今年新建了公开专栏网页。"
)
CARRIED_OVER_2023 = 26 / 52
SEARCH_WORD = "政务新媒体矩阵"  # printed in one report only: 郑州市金水区统计局 2022


@dataclass
class FilledArchive:
    url: str
    raw_dir: Path
    specs: dict[tuple[str, int, int], dict[str, Any]] = field(default_factory=dict)  # (agency, year, version)

    def engine(self):
        return open_engine(self.url)

    def spec(self, agency: str, year: int, version: int = 1) -> dict[str, Any]:
        return self.specs[(agency, year, version)]


# Each body's years follow on from each other (R6 holds) but this one's 2022, whose carried-over
# applications were drawn without looking at 2021.
R6_BREAK = (1, 2022)


def spec_for(agency_index: int, year: int) -> dict[str, Any]:
    name, region = AGENCIES[agency_index]
    spec = copy.deepcopy(make_spec(100 * agency_index + year, "2021"))
    if year > YEARS[0] and (agency_index, year) != R6_BREAK:
        spec = continued(spec, spec_for(agency_index, year - 1))
    spec.update(agency=name, region=dict(region), year=year)
    spec["sections"][0]["text"] = f"{year}年，本机关认真贯彻落实《中华人民共和国政府信息公开条例》，扎实推进政务公开。"
    if (agency_index, year) == (0, 2022):
        spec = with_section_text(spec, 5, PROBLEMS_2022)
    if (agency_index, year) == (0, 2023):
        spec = with_section_text(spec, 5, PROBLEMS_2023)
    if (agency_index, year) == (2, 2022):
        spec = with_section_text(spec, 6, f"本年度开通了{SEARCH_WORD}，无其他需要报告的事项。")
    if (agency_index, year) == (3, 2023):
        spec["tables"]["applications"]["new"]["natural_person"] += 1  # R1 and R3 fail
    return spec


def correction_of(spec: dict[str, Any]) -> dict[str, Any]:
    """A 更正版: one more application disclosed, and the totals that follow from it."""
    corrected = copy.deepcopy(spec)
    applications = corrected["tables"]["applications"]
    for row in ("new", "disclosed", "total"):
        applications[row]["natural_person"] += 1
        applications[row]["total"] += 1
    return corrected


def fill(url: str, raw_dir: Path, agencies: int = len(AGENCIES), years: tuple[int, ...] = YEARS) -> FilledArchive:
    """Store each agency's report for each year through the archive's API (PostgreSQL: upgraded first)."""
    filled = FilledArchive(url, raw_dir)
    with Archive.open(url, raw_dir, upgrade=True) as archive:
        for index in range(agencies):
            for year in years:
                spec = spec_for(index, year)
                _store(archive, filled, spec, 1, date(year + 1, 1, 20))
                if (index, year) == (0, 2023):
                    _store(archive, filled, correction_of(spec), 2, date(year + 1, 3, 2))
    return filled


def fill_eras(url: str, raw_dir: Path) -> FilledArchive:
    """One body's report on 2020 in the 2019 format and on 2021 in the 2021 format."""
    filled = FilledArchive(url, raw_dir)
    name, region = AGENCIES[0]
    with Archive.open(url, raw_dir, upgrade=True) as archive:
        for year, era in ((2020, "2019"), (2021, "2021")):
            spec = copy.deepcopy(make_spec(year, era))
            spec.update(agency=name, region=dict(region), year=year)
            _store(archive, filled, spec, 1, date(year + 1, 1, 20))
    return filled


def _store(archive: Archive, filled: FilledArchive, spec: dict, version: int, published: date) -> None:
    document = LAYOUTS["tabs"](spec).encode("utf-8")
    report = parse(read_text(document.decode("utf-8")))
    report.published_at = published
    archive.store_report(
        report,
        sha256=archive.store_bytes(document),
        media_type="text/plain",
        source_url=f"http://example.invalid/{spec['year']}/{version}.txt",
        fetched_at=datetime(published.year, published.month, published.day, 9, tzinfo=UTC),
    )
    filled.specs[(spec["agency"], spec["year"], version)] = spec
