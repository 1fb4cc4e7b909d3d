"""Canonical agency names: one body, one name, across years and portals."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parsers.model import Region
from storage.agencies import canonical_agency, short_place

ERQI = Region("河南省", "郑州市", "二七区")
HONGZE = Region("江苏省", "淮安市", "洪泽区")


@pytest.mark.parametrize(
    ("printed", "region", "canonical"),
    [
        ("二七区统计局", ERQI, "郑州市二七区统计局"),
        ("洪泽区人民政府", HONGZE, "淮安市洪泽区人民政府"),
        ("郑州市二七区统计局", ERQI, "郑州市二七区统计局"),
        ("河南省郑州市二七区统计局", ERQI, "郑州市二七区统计局"),
        ("河南省统计局", ERQI, "河南省统计局"),
        ("郑州航空港经济综合实验区管委会", ERQI, "郑州航空港经济综合实验区管委会"),
        ("新郑市人民政府", Region("河南省", "郑州市", "新郑市"), "新郑市人民政府"),
        ("朝阳区人民政府", Region("北京市", None, "朝阳区"), "北京市朝阳区人民政府"),
        ("二七区 统计局", ERQI, "郑州市二七区统计局"),
        ("统计局", ERQI, "统计局"),
        ("金水区统计局", ERQI, "金水区统计局"),
        ("二七区统计局", None, "二七区统计局"),
    ],
)
def test_canonical_names(printed: str, region: Region | None, canonical: str) -> None:
    assert canonical_agency(printed, region) == canonical


def test_short_place_names() -> None:
    assert [short_place(p) for p in ("河南省", "郑州市", "广西壮族自治区", "市")] == ["河南", "郑州", "广西", "市"]


names = st.text(alphabet="郑州市二七区统计局河南省人民政府 金水", min_size=1, max_size=12).filter(str.strip)


@given(names)
def test_canonical_is_idempotent(name: str) -> None:
    once = canonical_agency(name, ERQI)
    assert canonical_agency(once, ERQI) == once
