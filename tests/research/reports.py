"""Reports for the researchers' side: parsed from rendered specs, as the archive holds them."""

from __future__ import annotations

import copy
from typing import Any

from fixtures.reports.layouts import LAYOUTS
from fixtures.reports.specs import make_spec
from parsers.extract.text import read_text
from parsers.model import Report
from parsers.report import parse

Spec = dict[str, Any]


def report_from_spec(spec: Spec, layout: str = "tabs") -> Report:
    return parse(read_text(LAYOUTS[layout](spec)))


def year_pair(seed: int = 1, format_version: str = "2021") -> tuple[Spec, Spec]:
    """Last year's and this year's spec of one agency: this year's numbers come from another seed."""
    old = make_spec(seed, format_version)
    new = copy.deepcopy(make_spec(seed + 3, format_version))  # seed + 3: the same agency (three agencies cycle)
    new["year"] = old["year"] + 1
    return old, new


def with_section_text(spec: Spec, number: int, text: str) -> Spec:
    spec = copy.deepcopy(spec)
    spec["sections"][number - 1]["text"] = text
    return spec
