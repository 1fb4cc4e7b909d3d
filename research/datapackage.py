"""A Frictionless ``datapackage.json`` beside the CSV and Parquet exports, so a data set can be
published and cited as it is: each field's type, unit, Chinese title and English description.

The titles and units come from :mod:`research.codebook` and :mod:`research.metrics`. A
folder that already holds a ``datapackage.json`` keeps its other resources: exporting the
wide and the long form into one folder describes both.

Money is exact: in CSV a decimal string (type ``string`` with a decimal pattern, so no
reader turns it into a float), in Parquet a decimal128 (type ``number``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from research import codebook
from research.metrics import MEASURES
from research.tabular import LONG_COLUMNS, wide_columns

NAME = "datapackage.json"
DECIMAL_PATTERN = r"-?[0-9]+(\.[0-9]+)?"
MEDIA_TYPES = {"csv": "text/csv", "parquet": "application/vnd.apache.parquet", "jsonl": "application/jsonl"}

_META = {
    "version_id": ("integer", "版本编号", "the version's id in the archive"),
    "agency": ("string", "机关", "the body, by its canonical name"),
    "region": ("string", "地区", "province, city and district"),
    "year": ("integer", "报告年度", "the year reported on"),
    "version": ("integer", "版本", "the version's place in the order published, 1 = first"),
    "is_latest": ("boolean", "是否最新版本", "whether this is the report's latest version"),
    "format_version": ("string", "表格格式", "2021, 2019, pre2019 or unknown"),
    "failed_rules": ("string", "未通过的勾稽规则", "the consistency rules the report fails, comma-separated"),
    "published_at": ("date", "发布日期", "the publication date the page shows"),
    "source_url": ("string", "来源网址", "where the document was first fetched"),
    "sha256": ("string", "原始文件SHA-256", "hash of the raw document, its name in the archive folder"),
    "table": ("string", "表", "table key (codebook)"),
    "row": ("string", "行", "row key (codebook)"),
    "column": ("string", "列", "column key (codebook)"),
    "value": ("number", "数值", "the cell as a number (blank when not a number)"),
    "value_exact": ("string", "精确数值", "the cell exactly as printed, a decimal string"),
    "unit": ("string", "单位", "the cell's unit (件, 项, 万元)"),
    "raw_text": ("string", "原文", "what the report printed where the cell is not a number"),
    "meaning": ("string", "含义", "empty, na, missing, unit, ambiguous or text (codebook)"),
}


def resource(path: str, format_name: str, *, long: bool) -> dict[str, Any]:
    """The Data Package resource describing an export file ``path`` (relative to its folder)."""
    columns = list(LONG_COLUMNS) if long else wide_columns()
    fields = [_field(name, format_name) for name in columns]
    name = Path(path).stem.lower().replace(" ", "-")
    return {
        "name": name,
        "path": path,
        "format": format_name,
        "mediatype": MEDIA_TYPES[format_name],
        "encoding": "utf-8",
        "title": "每个表格单元格一行" if long else "每个报告版本一行",
        "description": "one row per table cell" if long else "one row per report version, a column per cell",
        "schema": {"fields": fields},
    }


def _field(name: str, format_name: str) -> dict[str, Any]:
    measures = {measure.name: measure for measure in MEASURES}
    if name in _META:
        kind, title, description = _META[name]
        return {"name": name, "type": kind, "title": title, "description": description}
    if name in measures:
        measure = measures[name]
        unit = "ratio 0-1" if measure.unit == "ratio" else measure.unit
        return {"name": name, "type": measure.type, "title": measure.title_zh, "description": measure.definition} | {
            "unit": unit
        }
    cell = codebook.BY_KEY[name]
    field: dict[str, Any] = {"name": name, "type": "integer", "title": cell.title_zh, "description": cell.title_en}
    labels = {label.era: label.title_zh for label in cell.labels}  # the wording of each era's table
    field |= {"unit": cell.unit, "eras": list(cell.eras), "labels": labels}
    if cell.money:
        field |= {"type": "string", "format": "default", "constraints": {"pattern": DECIMAL_PATTERN}}
        if format_name == "parquet":
            field = {key: value for key, value in field.items() if key not in {"format", "constraints"}}
            field["type"] = "number"
    return field


def write_datapackage(folder: Path, described: dict[str, Any]) -> Path:
    """``folder/datapackage.json`` with ``described`` added (or replacing the resource of the same path)."""
    target = folder / NAME
    package: dict[str, Any] = {
        "name": "nianbao-annual-reports",
        "title": "政府信息公开工作年度报告",
        "description": "Chinese government information-disclosure annual reports, parsed by nianbao; "
        "keys, labels and units as in its codebook (nianbao codebook).",
        "resources": [],
    }
    if target.exists():
        package = json.loads(target.read_text(encoding="utf-8"))
    others = [item for item in package.get("resources", []) if item.get("path") != described["path"]]
    package["resources"] = [*others, described]
    target.write_text(json.dumps(package, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return target
