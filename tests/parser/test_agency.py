"""Canonical agency names: one body, one name, across years, portals and printed forms."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parsers.agency import canonical_agency, infer_region, short_place
from parsers.model import Region

ERQI = Region("河南省", "郑州市", "二七区")
HONGZE = Region("江苏省", "淮安市", "洪泽区")
CHAOYANG = Region("北京市", None, "朝阳区")
XINZHENG = Region("河南省", "郑州市", "新郑市")


@pytest.mark.parametrize(
    ("printed", "region", "canonical"),
    [
        ("二七区统计局", ERQI, "郑州市二七区统计局"),
        ("洪泽区人民政府", HONGZE, "淮安市洪泽区人民政府"),
        ("郑州市二七区统计局", ERQI, "郑州市二七区统计局"),
        ("河南省郑州市二七区统计局", ERQI, "郑州市二七区统计局"),
        ("郑州市 二七区统计局", ERQI, "郑州市二七区统计局"),
        ("河南省统计局", ERQI, "河南省统计局"),
        ("郑州航空港经济综合实验区管委会", ERQI, "郑州航空港经济综合实验区管委会"),
        ("新郑市人民政府", XINZHENG, "新郑市人民政府"),
        ("朝阳区人民政府", CHAOYANG, "北京市朝阳区人民政府"),
        ("朝阳区统计局", CHAOYANG, "北京市朝阳区统计局"),
        ("二七区 统计局", ERQI, "郑州市二七区统计局"),
        ("统计局", ERQI, "统计局"),
        ("金水区统计局", ERQI, "金水区统计局"),
        ("二七区统计局", None, "二七区统计局"),
        ("郑州市 二七区统计局", None, "郑州市二七区统计局"),
        (" ", ERQI, None),
        (None, ERQI, None),
    ],
)
def test_canonical_names(printed: str | None, region: Region | None, canonical: str | None) -> None:
    assert canonical_agency(printed, region) == canonical


def test_short_place_names() -> None:
    assert [short_place(p) for p in ("河南省", "郑州市", "广西壮族自治区", "市")] == ["河南", "郑州", "广西", "市"]


def test_a_spaced_name_states_the_same_region_as_the_unspaced_one() -> None:
    assert infer_region("郑州市 二七区统计局") == infer_region("郑州市二七区统计局") == Region(None, "郑州市", "二七区")


# Portals of several regions: a prefecture's district, a county, a municipality's district.
REGIONS = [ERQI, HONGZE, CHAOYANG, Region("四川省", "成都市", "双流区"), Region("浙江省", "温州市", "永嘉县")]
BODIES = ["统计局", "人民政府办公室", "教育局", "市场监督管理局", "财政局"]


@st.composite
def printed_forms(draw: st.DrawFn) -> tuple[Region, str, list[str]]:
    """One body of one region, printed bare, with its city, with province and city, spaced anywhere."""
    region, body = draw(st.sampled_from(REGIONS)), draw(st.sampled_from(BODIES))
    city = region.city or region.province
    bare = [region.district, body]
    prefixed = [city, region.district, body]
    full = [region.province, region.city, region.district, body] if region.city else prefixed
    forms = []
    for parts in (bare, prefixed, full):
        spaces = draw(st.lists(st.sampled_from(["", " ", "\u3000", "  "]), min_size=len(parts), max_size=len(parts)))
        forms.append("".join(space + part for space, part in zip(spaces, parts, strict=True)))
    return region, body, forms


@given(printed_forms())
def test_every_printed_form_of_a_body_is_one_canonical_name(case: tuple[Region, str, list[str]]) -> None:
    region, body, forms = case
    city = region.city or region.province
    assert {canonical_agency(form, region) for form in forms} == {f"{city}{region.district}{body}"}


names = st.text(alphabet="郑州市二七区统计局河南省人民政府 北京朝阳县", min_size=1, max_size=14).filter(str.strip)


@given(names, st.sampled_from([*REGIONS, XINZHENG, None]))
def test_a_canonical_name_is_its_own_canonical_name(name: str, region: Region | None) -> None:
    once = canonical_agency(name, region)
    assert canonical_agency(once, region) == once
