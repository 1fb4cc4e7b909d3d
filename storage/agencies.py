"""Canonical agency names: one body, one name, across years and portals.

A body often prints its name without its region (二七区统计局 on the 郑州 portal). The
archive keys reports by the name with the region prefix completed from the portal, and
keeps every printed form as an alias. The rules, in order:

1. whitespace inside a name is layout, not name: ``郑州市 二七区统计局`` is one name;
2. a province in front of its city adds nothing (河南省郑州市二七区统计局 is
   郑州市二七区统计局), while a provincial body (河南省统计局) keeps its province;
3. a name that already starts with its city or province, in full or short (郑州, 河南),
   stays as printed;
4. a name that starts with the portal's district (二七区统计局) takes the city in front
   (a municipality's, 北京市, where the province is one), since districts and counties
   are not unique nationally; a county-level city (新郑市) is unique and stays as
   printed (the rule of ``parsers.agency``).

A name that starts with no place at all (统计局) is left as printed: the portal alone
cannot tell a district's bureau from the city's.
"""

from __future__ import annotations

import re

from parsers.agency import canonical_agency as _complete_district
from parsers.model import Region

_WHITESPACE = re.compile(r"\s+")
_PROVINCE_SUFFIX = re.compile(r"(?:省|市|自治区|壮族自治区|回族自治区|维吾尔自治区|特别行政区)$")
_CITY_SUFFIX = re.compile(r"(?:市|地区|自治州|州|盟)$")


def canonical_agency(name: str, region: Region | None) -> str:
    """二七区统计局 + {city: 郑州市, district: 二七区} -> 郑州市二七区统计局."""
    name = _WHITESPACE.sub("", name)
    if region is None:
        return name
    name = _drop_province_before_city(name, region)
    if _starts_with_city_or_province(name, region):
        return name
    return _complete_district(name, _with_municipality_as_city(region)) or name


def short_place(place: str) -> str:
    """河南省 -> 河南, 郑州市 -> 郑州; a name too short to shorten stays whole."""
    suffix = _PROVINCE_SUFFIX.search(place) or _CITY_SUFFIX.search(place)
    short = place[: suffix.start()] if suffix else place
    return short if len(short) >= 2 else place


def _drop_province_before_city(name: str, region: Region) -> str:
    province, city = region.province, region.city
    if province and city and province != city and name.startswith(province + city):
        return name[len(province) :]
    return name


def _with_municipality_as_city(region: Region) -> Region:
    # 北京市朝阳区: a municipality's districts sit directly under the province-level city.
    province = region.province
    if region.city is None and province and province.endswith("市"):
        return Region(province, province, region.district)
    return region


def _starts_with_city_or_province(name: str, region: Region) -> bool:
    places = [place for place in (region.province, region.city) if place]
    prefixes = places + [short_place(place) for place in places]
    return any(name.startswith(prefix) for prefix in prefixes)
