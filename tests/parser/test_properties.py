"""Random tables rendered in each text layout parse back to the same numbers."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fixtures.reports.layouts import LAYOUTS
from fixtures.reports.specs import make_spec
from parsers.extract.text import read_text
from parsers.report import parse

LOSSLESS = sorted(set(LAYOUTS) - {"total_only", "flattened"})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(min_value=0, max_value=10_000_000),
    format_version=st.sampled_from(["2019", "2021"]),
    layout=st.sampled_from(LOSSLESS),
)
def test_rendered_tables_parse_back(seed: int, format_version: str, layout: str) -> None:
    spec = make_spec(seed, format_version)
    record = parse(read_text(LAYOUTS[layout](spec))).to_dict()
    assert record["tables"] == spec["tables"]
    assert record["format_version"] == format_version
    assert [check["status"] for check in record["checks"]] == ["pass"] * len(record["checks"])


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(min_value=0, max_value=10_000_000), bump=st.integers(min_value=1, max_value=50))
def test_a_changed_number_is_reported_not_repaired(seed: int, bump: int) -> None:
    spec = make_spec(seed, "2021")
    spec["tables"]["applications"]["carried_forward"]["research"] += bump
    record = parse(read_text(LAYOUTS["tabs"](spec))).to_dict()
    assert (
        record["tables"]["applications"]["carried_forward"]["research"]
        == spec["tables"]["applications"]["carried_forward"]["research"]
    )
    failed = {(check["rule"], check["detail"].split(":")[0]) for check in record["checks"] if check["status"] == "fail"}
    assert ("R1", "applications.research") in failed
    assert ("R3", "applications.carried_forward") in failed
