"""Helpers for the format readers' tests: the fixture documents, their specs, and the
lookup of a printed table row by its label."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from fixtures.render.document import load_spec
from fixtures.reports.labels import ACTIVE_BLOCKS_2019, ACTIVE_BLOCKS_2021, APPLICATION_LABELS
from fixtures.reports.layouts import printed
from parsers import tables as keys
from parsers.cells import normalize
from parsers.document import Document, Paragraph, Table

DOCUMENTS = Path(__file__).resolve().parents[2] / "fixtures" / "documents"
INDEX = json.loads((DOCUMENTS / "index.json").read_text(encoding="utf-8"))


def documents(fmt: str) -> list[tuple[Path, dict]]:
    """(path, spec) of every fixture document in the folder of one format (the variants folder holds
    documents whose quirks their spec does not describe, so it is never one format's)."""
    return [(DOCUMENTS / name, load_spec(entry["spec"])) for name, entry in INDEX.items() if name.split("/")[0] == fmt]


def ids(items: list[tuple[Path, dict]]) -> list[str]:
    return [path.name for path, _ in items]


def tables_of(document: Document) -> list[list[list[str]]]:
    return [block.rows for block in document.blocks if isinstance(block, Table)]


def find_row(document: Document, label: str) -> list[str]:
    """The first table row with a cell whose text is ``label`` (white space ignored)."""
    wanted = normalize(label)
    for rows in tables_of(document):
        for row in rows:
            if any(normalize(cell) == wanted for cell in row):
                return row
    raise LookupError(f"no table row labelled {label}")


def _active_labels(spec: dict) -> dict[str, str]:
    blocks = ACTIVE_BLOCKS_2019 if spec["format_version"] == "2019" else ACTIVE_BLOCKS_2021
    return {key: label for _, _, rows in blocks for key, label in rows}


def expected_rows(spec: dict) -> Iterator[tuple[str, str, list[str], slice]]:
    """(table, label, printed values, where the values stand in the found row)."""
    active = _active_labels(spec)
    for row, cells in spec["tables"][keys.ACTIVE].items():
        values = [printed(spec, keys.ACTIVE, row, column) for column in cells]
        yield keys.ACTIVE, active[row], values, slice(1, 1 + len(values))
    for row, cells in spec["tables"][keys.APPLICATIONS].items():
        values = [printed(spec, keys.APPLICATIONS, row, column) for column in cells]
        yield keys.APPLICATIONS, APPLICATION_LABELS[row][-1], values, slice(-len(values), None)


def table_mismatches(document: Document, spec: dict) -> list[str]:
    """Every spec number not found in its grid cell, as readable lines (empty when all match)."""
    problems = []
    for table, label, values, where in expected_rows(spec):
        try:
            found = find_row(document, label)[where]
        except LookupError as error:
            problems.append(f"{table}: {error}")
            continue
        if found != values:
            problems.append(f"{table} {label}: {found} != {values}")
    review = [rows[-1] for rows in tables_of(document) if any("行政复议" in cell for cell in rows[0])]
    wanted = [printed(spec, keys.REVIEW_LITIGATION, "all", column) for column in keys.REVIEW_COLUMNS]
    if not review or review[0][-15:] != wanted:
        problems.append(f"review_litigation: {review[:1]} != {wanted}")
    return problems


def paragraphs(document: Document) -> list[str]:
    return [block.text for block in document.blocks if isinstance(block, Paragraph)]


def missing_in_order(document: Document, spec: dict) -> list[str]:
    """Section titles and texts of the spec that do not come, in order, as paragraphs."""
    texts = [normalize(text) for text in paragraphs(document)]
    wanted = [part for section in spec["sections"] for part in (section["title"], section["text"]) if part]
    missing, at = [], 0
    for part in wanted:
        target = normalize(part)
        hit = next((i for i in range(at, len(texts)) if texts[i] == target), None)
        if hit is None:
            missing.append(part)
        else:
            at = hit + 1
    return missing
