"""The codebook as a document: Markdown (docs/CODEBOOK.md, ``nianbao codebook``) or JSON."""

from __future__ import annotations

import json
from dataclasses import asdict

from research import codebook
from research.metrics import MEASURES

PRINTED_ERAS = (codebook.ERA_2021, codebook.ERA_2019)

INTRO = """\
# Codebook

Every table cell nianbao reads from a report, with the label each format era's official
table prints for it (row：column; – where that era's table has no such cell) and its unit;
then what a cell that is not a number means, the consistency rules, and the measures
`nianbao metrics` computes. A cell's key is `table.row.column`, as in the wide export's
columns and the long export's `table`, `row` and `column`. This file is what
`nianbao codebook` prints; the exports' `datapackage.json` carries the same labels and
units field by field.

Eras:
"""


def markdown() -> str:
    eras = [f"- `{era}` {codebook.ERA_NAMES_ZH[era]}: {text}" for era, text in codebook.ERAS.items()]
    parts = [INTRO, *eras, ""]
    for table in codebook.TABLES:
        parts += [f"## `{table.key}`: {table.title_zh}", "", table.title_en, ""]
        parts += ["| key | 2021年格式 | 2019年格式 | unit | English |", "|---|---|---|---|---|"]
        parts += [
            f"| `{c.key}` | {' | '.join(_era_label(c, era) for era in PRINTED_ERAS)} | {c.unit} | {c.title_en} |"
            for c in codebook.CELLS
            if c.table == table.key
        ]
        parts.append("")
    parts += ["## Cells that are not numbers", "", "In `raw` (and the long export's `meaning`):", ""]
    parts += ["| meaning | the report printed |", "|---|---|"]
    parts += [f"| `{name}` | {text} |" for name, text in codebook.CELL_MEANINGS.items()]
    parts += [
        "",
        "## Consistency rules (勾稽关系)",
        "",
        "Each is `pass`, `fail`, or `uncertain` when an operand is blank.",
        "",
    ]
    parts += ["| rule | 中文 | what must hold |", "|---|---|---|"]
    parts += [f"| {rule} | {codebook.RULE_TITLES_ZH[rule]} | {text} |" for rule, text in codebook.RULES.items()]
    parts += ["", "## Measures (`nianbao metrics`)", "", "Blank when a cell a measure needs is blank or its"]
    parts += ["denominator is 0; ratios run from 0 to 1.", ""]
    parts += ["| measure | 中文 | unit | definition |", "|---|---|---|---|"]
    parts += [f"| `{m.name}` | {m.title_zh} | {m.unit} | {m.definition} |" for m in MEASURES]
    return "\n".join(parts) + "\n"


def _era_label(cell: codebook.Cell, era: str) -> str:
    return cell.printed(era).title_zh if era in cell.eras else "–"


def as_json() -> str:
    document = {
        "eras": codebook.ERAS,
        "tables": [asdict(table) for table in codebook.TABLES],
        "cells": [
            asdict(cell) | {"key": cell.key, "eras": cell.eras, "title_zh": cell.title_zh} for cell in codebook.CELLS
        ],
        "cell_meanings": codebook.CELL_MEANINGS,
        "rules": codebook.RULES,
        "rules_zh": codebook.RULE_TITLES_ZH,
        "era_names_zh": codebook.ERA_NAMES_ZH,
        "measures": [asdict(measure) for measure in MEASURES],
    }
    return json.dumps(document, ensure_ascii=False, indent=1) + "\n"
