"""Agency names: the region a name states, and the one canonical name of a body.

A body often prints its name without its region (二七区统计局 on the 郑州 portal). The
canonical name completes it from the region, so that one body is one agency across years,
portals and every output: the parser's record and the archive's key both come from
:func:`canonical_agency`, and nothing else canonicalises a name. The rules, in order:

1. whitespace inside a name is layout, not name: ``郑州市 二七区统计局`` is one name;
2. a province in front of its city adds nothing (河南省郑州市二七区统计局 is
   郑州市二七区统计局), while a provincial body (河南省统计局) keeps its province;
3. a name that already starts with its city or province, in full or short (郑州, 河南),
   stays as printed;
4. a name that starts with its district (二七区统计局) takes the city in front (a
   municipality's, 北京市, where the province is one), since districts and counties are
   not unique nationally; a county-level city (新郑市) is unique and stays as printed.

A name that starts with no place at all (统计局) is left as printed: the region alone
cannot tell a district's bureau from the city's. Canonical names are fixed points: a
canonical name canonicalises to itself under the same region.
"""

from __future__ import annotations

import re

from parsers.model import Region

_WHITESPACE = re.compile(r"\s+")
_PROVINCE = re.compile(r"^(?P<p>.{2,3}?(?:省|自治区)|北京市|天津市|上海市|重庆市)")
_CITY_THEN_DISTRICT = re.compile(r"^(?P<c>[^市]{2,6}?(?:市|州|盟))(?P<d>[^区县旗]{1,6}?(?:区|县|旗))")
_DISTRICT = re.compile(r"^(?P<d>[^区县旗市]{1,6}?(?:区|县|旗))")
_PROVINCE_SUFFIX = re.compile(r"(?:省|市|自治区|壮族自治区|回族自治区|维吾尔自治区|特别行政区)$")
_CITY_SUFFIX = re.compile(r"(?:市|地区|自治州|州|盟)$")


def infer_region(agency: str | None) -> Region:
    """What the name itself says of its region; nothing is guessed beyond it."""
    if not agency:
        return Region()
    name = _WHITESPACE.sub("", agency)
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


def canonical_agency(name: str | None, region: Region | None) -> str | None:
    """二七区统计局 + {city: 郑州市, district: 二七区} -> 郑州市二七区统计局 (the module's rules)."""
    if not name:
        return None
    name = _WHITESPACE.sub("", name)
    if region is None or not name:
        return name or None
    name = _drop_province_before_city(name, region)
    if _starts_with_city_or_province(name, region):
        return name
    return _with_city_before_district(name, _with_municipality_as_city(region))


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


def _starts_with_city_or_province(name: str, region: Region) -> bool:
    places = [place for place in (region.province, region.city) if place]
    prefixes = places + [short_place(place) for place in places]
    return any(name.startswith(prefix) for prefix in prefixes)


def _with_municipality_as_city(region: Region) -> Region:
    # 北京市朝阳区: a municipality's districts sit directly under the province-level city.
    province = region.province
    if region.city is None and province and province.endswith("市"):
        return Region(province, province, region.district)
    return region


def _with_city_before_district(name: str, region: Region) -> str:
    # A county-level city (新郑市) is named without its prefecture; districts and counties
    # are not unique nationally and take the city in front.
    district = region.district
    if district and region.city and name.startswith(district) and not district.endswith("市"):
        return region.city + name
    return name
