"""Imported by a parse worker (see tests.broken_reader): its reader raises TypeError on the
bytes whose sha256 is in ``PLANTED_BUG_SHA256``, as a reader's unforeseen bug would."""

from __future__ import annotations

import hashlib
import os
from typing import Any

import parsers.parse_file

_extract = parsers.parse_file.extract


def extract(data: bytes) -> Any:
    if hashlib.sha256(data).hexdigest() in os.environ.get("PLANTED_BUG_SHA256", ""):
        raise TypeError("a planted reader bug")
    return _extract(data)


parsers.parse_file.extract = extract
