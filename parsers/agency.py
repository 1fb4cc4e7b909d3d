"""Region inference and canonical agency names.

A body often prints its name without the region prefix (二七区统计局 on the 郑州 portal);
the canonical name completes it from the portal's region so that the same body is one
agency across years and portals.
"""

from __future__ import annotations

import re

from parsers.model import Region

_PROVINCE = re.compile(r"^(?P<p>.{2,3}?(?:省|自治区)|北京市|天津市|上海市|重庆市)")
_CITY_THEN_DISTRICT = re.compile(r"^(?P<c>[^市]{2,6}?(?:市|州|盟))(?P<d>[^区县旗]{1,6}?(?:区|县|旗))")
_DISTRICT = re.compile(r"^(?P<d>[^区县旗市]{1,6}?(?:区|县|旗))")


def infer_region(agency: str | None) -> Region:
    """What the name itself says of its region; nothing is guessed beyond it."""
    if not agency:
        return Region()
    name = agency
    province = _PROVINCE.match(name)
    if province:
        name = name[province.end() :]
    city_district = _CITY_THEN_DISTRICT.match(name)
    if city_district:
        return Region(province and province["p"], city_district["c"], city_district["d"])
    district = _DISTRICT.match(name)
    return Region(province and province["p"], None, district["d"] if district else None)


def merge_regions(known: Region | None, inferred: Region) -> Region:
    """The portal's region where it has one, the name's elsewhere."""
    if known is None:
        return inferred
    return Region(
        known.province or inferred.province,
        known.city or inferred.city,
        known.district or inferred.district,
    )


def canonical_agency(agency: str | None, region: Region) -> str | None:
    """二七区统计局 with {city: 郑州市, district: 二七区} -> 郑州市二七区统计局."""
    if not agency:
        return None
    prefixes = [part for part in (region.province, region.city) if part]
    if any(agency.startswith(prefix) for prefix in prefixes):
        return agency
    # A county-level city (新郑市) is named without its prefecture; districts and counties
    # are not unique nationally and take the city in front.
    district = region.district
    if district and region.city and agency.startswith(district) and not district.endswith("市"):
        return region.city + agency
    return agency
