"""Filters as typed: years and ranges, rules, format versions, agency names and suggestions."""

from __future__ import annotations

import pytest

from research.filters import (
    BadFilter,
    closest_agencies,
    parse_filters,
    parse_years,
    require_year,
    resolve_agency,
)

NAMES = ["郑州市二七区统计局", "郑州市二七区教育局", "洛阳市西工区教育局", "郑州市金水区人民政府办公室"]


def test_years_and_ranges() -> None:
    assert parse_years(["2023"]) == (2023,)
    assert parse_years(["2021-2023", "2019"]) == (2019, 2021, 2022, 2023)
    assert parse_years([" 2020 ~ 2021 "]) == (2020, 2021)


@pytest.mark.parametrize("value", ["20x3", "23", "2023-2021", "1800", "2023,2024", ""])
def test_malformed_years_are_one_line(value: str) -> None:
    with pytest.raises(BadFilter) as error:
        parse_years([value])
    assert "\n" not in str(error.value)


def test_rules_and_formats() -> None:
    filters = parse_filters(failed=["r1", "R3"], format_versions=["2019"], agency="  ", region="郑州")
    assert filters.failed_rules == ("R1", "R3") and filters.format_versions == ("2019",)
    assert filters.agency is None and filters.region == "郑州"
    with pytest.raises(BadFilter, match="unknown rule 'R9'"):
        parse_filters(failed=["R9"])
    with pytest.raises(BadFilter, match="unknown format version"):
        parse_filters(format_versions=["2020"])


def test_agency_by_canonical_name_or_unique_part() -> None:
    assert resolve_agency("郑州市二七区统计局", NAMES) == "郑州市二七区统计局"
    assert resolve_agency("西工区", NAMES) == "洛阳市西工区教育局"
    with pytest.raises(BadFilter, match="names 2 agencies"):
        resolve_agency("二七区", NAMES)


def test_unknown_agency_suggests_the_closest_names() -> None:
    with pytest.raises(BadFilter) as error:
        resolve_agency("二七区税务局", NAMES)
    assert "closest: 郑州市二七区统计局" in str(error.value)
    assert closest_agencies("金水区政府办公室", NAMES)[0] == "郑州市金水区人民政府办公室"


def test_a_year_not_archived_lists_the_archived_ones() -> None:
    with pytest.raises(BadFilter, match="archived years: 2021, 2023"):
        require_year(2022, [2023, 2021], "郑州市二七区统计局")


def test_only_a_rule_the_parser_or_the_archive_judges_can_be_filtered_on() -> None:
    """A filter on a rule no report is ever judged by would list nothing and say nothing."""
    from parsers.checks import run_checks
    from tests.research.reports import report_from_spec, year_pair

    judged = {check.rule for check in run_checks(report_from_spec(year_pair()[0]).tables)}
    assert set(parse_filters(failed=sorted(judged)).failed_rules) == judged
    assert parse_filters(failed=["R6"]).failed_rules == ("R6",)  # judged across years by the archive
    with pytest.raises(BadFilter, match="unknown rule 'R7'"):
        parse_filters(failed=["R7"])
