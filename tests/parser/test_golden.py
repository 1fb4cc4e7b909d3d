"""Every text fixture parses to its whole expected record; spec layouts to their spec."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fixtures.reports.specs import NAMED_SPECS
from parsers.parse_file import parse
from tests.conftest import FIXTURES, SHARED

REPORTS = FIXTURES / "reports"
GOLDEN = sorted(
    path
    for folder in ("layouts", "handmade")
    for path in (REPORTS / folder).iterdir()
    if not path.name.endswith(".expected.json")
)
ONLY_TOTAL_PRINTED = {"disclosed", "partially_disclosed"}


def _record(path: Path) -> dict:
    """The record the product makes of the file's bytes (``nianbao parse``, the crawl)."""
    return parse(path.read_bytes()).to_dict()


@pytest.mark.parametrize("path", GOLDEN, ids=lambda path: path.name)
def test_fixture_parses_to_its_expected_record(path: Path) -> None:
    expected = json.loads(path.with_name(path.name + ".expected.json").read_text(encoding="utf-8"))
    assert _record(path) == expected


@pytest.mark.parametrize("path", [p for p in GOLDEN if "__" in p.name], ids=lambda path: path.name)
def test_layout_gives_back_every_number_of_its_spec(path: Path) -> None:
    spec_name, layout = path.stem.split("__")
    spec = NAMED_SPECS[spec_name]()
    record = _record(path)
    assert (record["agency"], record["year"], record["format_version"]) == (
        spec["agency"],
        spec["year"],
        spec["format_version"],
    )
    if layout == "flattened":
        prose = {section["number"]: section["text"] for section in spec["sections"] if section["number"] in (1, 5, 6)}
        assert {
            section["number"]: section["text"] for section in record["sections"] if section["number"] in prose
        } == prose
        # glued cells: split only where one split fits every rule, else null; never another number
        placed = [
            (t, r, c, v) for t, rows in record["tables"].items() for r, cells in rows.items() for c, v in cells.items()
        ]
        assert all(str(spec["tables"][t][r][c]) == str(v) for t, r, c, v in placed if v is not None)
        return
    for table, rows in spec["tables"].items():
        for row, cells in rows.items():
            if layout == "spaces" and _has_blank(spec, table, row):
                # a blank cell vanishes between spaces: the row cannot be placed, so none of it is
                assert set(record["tables"][table][row].values()) == {None}
            elif layout == "total_only" and row in ONLY_TOTAL_PRINTED:
                assert record["tables"][table][row]["total"] == cells["total"]
                assert {v for c, v in record["tables"][table][row].items() if c != "total"} == {None}
            else:
                assert record["tables"][table][row] == cells, (table, row)
    for table, rows in spec["raw"].items():
        for row, cells in rows.items():
            if not (layout == "spaces" and _has_blank(spec, table, row)):
                assert record["raw"][table][row] == cells


def _has_blank(spec: dict, table: str, row: str) -> bool:
    cells = spec["raw"].get(table, {}).get(row, {})
    return any(cell["meaning"] == "empty" for cell in cells.values())


SEEDS = sorted((SHARED / "seeds").glob("*.txt")) if (SHARED / "seeds").is_dir() else []


@pytest.mark.skipif(not SEEDS, reason="../shared/seeds is absent")
@pytest.mark.parametrize("seed", SEEDS, ids=lambda path: path.name[:3])
def test_seed_parses_to_its_expected_record(seed: Path) -> None:
    expected_path = REPORTS / "seeds" / f"{seed.name}.expected.json"
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    assert _record(seed) == expected
