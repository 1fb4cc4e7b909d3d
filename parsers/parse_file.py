"""The whole parser in one call: bytes of any format -> Report."""

from __future__ import annotations

from parsers.extract import extract
from parsers.model import Region, Report
from parsers.report import parse


def parse_bytes(data: bytes, *, region: Region | None = None) -> Report:
    return parse(extract(data), region=region)
