"""One body, one name: every stored record's agency_canonical is the archive's agency name,
and the JSONL and CSV exports name the body the same way (both databases)."""

from __future__ import annotations

import copy
import csv
import io
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from fixtures.reports.layouts import LAYOUTS
from fixtures.reports.specs import make_spec
from parsers.extract.text import read_text
from parsers.model import Region
from parsers.parse_file import Hints
from parsers.parse_file import parse as parse_bytes
from parsers.report import parse
from research.export import exporter
from storage.archive import Archive
from tests.parser.test_agency import printed_forms
from tests.storage.conftest import T0
from tests.storage.reports import document_bytes, make_report
from tests.storage.reports import exported as exported_versions

ERQI = Region("河南省", "郑州市", "二七区")
CHAOYANG = Region("北京市", None, "朝阳区")
SHUANGLIU = Region("四川省", "成都市", "双流区")

# (as the report prints its name, the region of the portal that published it, the one name)
PRINTED = [
    ("河南省郑州市二七区统计局", ERQI, "郑州市二七区统计局"),
    ("二七区统计局", ERQI, "郑州市二七区统计局"),
    ("朝阳区统计局", CHAOYANG, "北京市朝阳区统计局"),
    ("四川省成都市双流区教育局", SHUANGLIU, "成都市双流区教育局"),
    ("双流区教育局", SHUANGLIU, "成都市双流区教育局"),
]


def crawled(archive: Archive, printed: str, region: Region, year: int) -> None:
    """A report as the crawl stores it: parsed with the portal's region, stored under the record's."""
    spec = copy.deepcopy(make_spec(year, "2021"))
    spec.update(agency=printed, year=year)
    data = LAYOUTS["tabs"](spec).encode("utf-8")
    report = parse(read_text(data.decode("utf-8")), region=region)
    url = f"http://127.0.0.1/{year}/{printed}.txt"
    sha256 = archive.store_bytes(data)
    archive.store_report(report, sha256=sha256, source_url=url, fetched_at=T0, region=report.region)


def exported_as(archive: Archive, format_name: str) -> bytes:
    out = io.BytesIO()
    exporter(format_name)(exported_versions(archive), out)
    return out.getvalue()


@pytest.mark.parametrize(("printed", "region", "canonical"), PRINTED)
def test_a_crawled_report_is_named_alike_in_record_archive_and_exports(
    archive: Archive, printed: str, region: Region, canonical: str
) -> None:
    crawled(archive, printed, region, 2023)
    records = [json.loads(line) for line in exported_as(archive, "jsonl").splitlines()]
    rows = list(csv.DictReader(io.StringIO(exported_as(archive, "csv").decode("utf-8"))))
    assert [record["agency_canonical"] for record in records] == [canonical]
    assert [row["agency"] for row in rows] == [canonical]
    assert [version.info.agency for version in exported_versions(archive)] == [canonical]


def test_a_record_stored_under_another_region_takes_the_archive_key(archive: Archive) -> None:
    report = make_report("郑州市 二七区统计局", region=ERQI)  # printed with a space, canonicalised by no parser
    sha256 = archive.store_bytes(document_bytes(report))
    archive.store_report(report, sha256=sha256, source_url="http://127.0.0.1/a", fetched_at=T0, region=ERQI)
    (version,) = exported_versions(archive)
    assert version.record["agency_canonical"] == version.info.agency == "郑州市二七区统计局"


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(printed_forms())
def test_every_printed_form_crawled_from_its_portal_is_one_agency_in_record_and_archive(
    case: tuple[Region, str, list[str]],
) -> None:
    """A body printed bare, with its city, with province and city, spaced anywhere, on a
    portal of its region: parsed as the crawl parses (bytes and the portal's hints) and
    stored as it stores, every record's agency_canonical is the one agency the archive has."""
    region, body, forms = case
    expected = f"{region.city or region.province}{region.district}{body}"
    with tempfile.TemporaryDirectory() as folder, Archive.open(f"sqlite:///{folder}/a.sqlite", Path(folder)) as archive:
        for year, printed in enumerate(forms, 2021):
            spec = copy.deepcopy(make_spec(year, "2021"))
            spec.update(agency=printed, year=year)
            data = LAYOUTS["tabs"](spec).encode("utf-8")
            report = parse_bytes(data, Hints(region=region))
            sha256 = archive.store_bytes(data)
            url = f"http://127.0.0.1/{year}.txt"
            archive.store_report(report, sha256=sha256, source_url=url, fetched_at=T0, region=report.region)
        versions = exported_versions(archive)
    assert sorted((v.info.agency, v.record["agency_canonical"], v.info.year) for v in versions) == [
        (expected, expected, year) for year in (2021, 2022, 2023)
    ]
