"""Document -> Report: metadata, the six sections, the three tables and their checks.

``parse`` is a pure function: the same document always gives the same record, and it
never invents a number (see ``parsers.table_reader``).
"""

from __future__ import annotations

import re
from dataclasses import replace

from parsers import tables as keys
from parsers.agency import canonical_agency, infer_region, merge_regions
from parsers.cells import is_value_text, normalize
from parsers.checks import run_checks
from parsers.document import Block, Document, Table
from parsers.errors import NotAnnualReport
from parsers.glued import MIN_ROWS, glued_rows
from parsers.metadata import find_published_at, find_title, looks_like_other_document
from parsers.model import CellValue, FormatVersion, RawCell, Region, Report, Section, TableData
from parsers.sections import CANONICAL_TITLES, SectionSpan, find_sections, section_text, split_inline_headings
from parsers.table_reader import TableResult, has_number, read_active, read_applications, read_review

_SECTION_TABLES = {2: keys.ACTIVE, 3: keys.APPLICATIONS, 4: keys.REVIEW_LITIGATION}
_MIN_SECTIONS_WITHOUT_TITLE = 3
# labels only table 三 prints: its heading, its first rows, or its group rows when a page
# break or a sheet of its own cut it off from them
_APPLICATION_MARKS = (
    *("申请人情况", "本年新收", "上年结转", "本年度办理结果", "结转下年度"),
    *("不予公开", "无法提供", "不予处理", "其他处理"),
)
_MAX_LABEL_LENGTH = 70  # the longest official row label with its group prefix is about 50
_PAGE_NUMBER = re.compile(r"[-—–－\s]*(?:第\s*)?\d{1,3}\s*(?:页)?(?:\s*/\s*共?\s*\d{1,3}\s*页?)?[-—–－\s]*")


def parse(document: Document, *, region: Region | None = None) -> Report:
    """The structured record of one annual report; NotAnnualReport for anything else."""
    spans = find_sections(document.blocks)
    if len(spans) < _MIN_SECTIONS_WITHOUT_TITLE:
        unflattened = split_inline_headings(document.blocks)
        if len(find_sections(unflattened)) > len(spans):
            document = replace(document, blocks=unflattened)
            spans = find_sections(document.blocks)
    title = find_title(document, spans[0].start if spans else len(document.blocks))
    _require_annual_report(document, title.title_line, spans)
    warnings = list(document.warnings)
    year = title.year
    if year is None:
        warnings.append("no title with a year found")
    report_region = merge_regions(region, infer_region(title.agency))
    sections = _sections(document.blocks, spans, warnings)
    version, tables, raw = _tables(document.blocks, spans, year, warnings)
    return Report(
        agency=title.agency,
        agency_canonical=canonical_agency(title.agency, report_region),
        region=report_region,
        year=year,
        published_at=find_published_at(document),
        format_version=version,
        sections=sections,
        tables=tables,
        raw=raw,
        checks=run_checks(tables),
        warnings=warnings,
        source_format=document.source_format,
        ocr_confidence=document.ocr_confidence,
        text=document.text(),
    )


def _require_annual_report(document: Document, title_line: str | None, spans: list[SectionSpan]) -> None:
    if not any(isinstance(b, Table) or b.text.strip() for b in document.blocks):
        raise NotAnnualReport("the document has no text")
    other = looks_like_other_document(document)
    if title_line is None and not other and _canonical_tables_present(document) >= 2:
        return  # a 附表 attachment: the statistics tables alone, titled on the report page
    if title_line is None and (other or len(spans) < _MIN_SECTIONS_WITHOUT_TITLE):
        what = f"its title reads {other!r}" if other else "no report title and too few standard sections"
        raise NotAnnualReport(f"not a government information-disclosure annual report: {what}")


def _canonical_tables_present(document: Document) -> int:
    return len({_guess_table(block) for block in document.blocks if isinstance(block, Table)} - {None})


def _sections(blocks: list[Block], spans: list[SectionSpan], warnings: list[str]) -> list[Section]:
    found = {span.number for span in spans}
    for number, title in enumerate(CANONICAL_TITLES, start=1):
        if number not in found:
            warnings.append(f"section {title} not found")
    return [Section(span.number, span.title, section_text(blocks, span)) for span in spans if span.number <= 6]


def _tables(
    blocks: list[Block], spans: list[SectionSpan], year: int | None, warnings: list[str]
) -> tuple[FormatVersion, dict[str, TableData], dict[str, dict[str, dict[str, RawCell]]]]:
    rows = _rows_by_table(blocks, spans, warnings)
    if year is not None and year < 2019:
        return "pre2019", {}, {}
    default_version: FormatVersion = "2019" if year in (2019, 2020) else "2021"
    defaults = keys.ACTIVE_COLUMNS_2019 if default_version == "2019" else keys.ACTIVE_COLUMNS_2021
    results = {
        keys.ACTIVE: read_active(rows[keys.ACTIVE], defaults),
        keys.APPLICATIONS: read_applications(rows[keys.APPLICATIONS]),
        keys.REVIEW_LITIGATION: read_review(rows[keys.REVIEW_LITIGATION]),
    }
    for table, result in results.items():
        warnings.extend(result.warnings)
        if not result.data:
            warnings.append(f"table {table} not found")
    tables = {table: result.data for table, result in results.items()}
    raw = {table: result.raw for table, result in results.items() if result.raw}
    version = _format_version(results, default_version)
    if version == "unknown" and year is not None and {2, 3, 4} <= {span.number for span in spans}:
        warnings.append(f"tables unreadable; format version {default_version} is the one in force for {year}")
        version = default_version
    warnings.extend(_missing_rows(version, tables, raw, warnings))
    return version, tables, raw


def _missing_rows(
    version: FormatVersion, tables: dict[str, TableData], raw: dict[str, dict[str, dict[str, RawCell]]], said: list[str]
) -> list[str]:
    """A warning for each row of a found table that the format prints and the record
    holds no value of, unless a warning names it already: however a reader's paths left
    it null, the record says which rows it lacks. A row printed blank is read (its raw
    cells say so)."""
    if version not in ("2019", "2021"):
        return []
    active = keys.ACTIVE_COLUMNS_2019 if version == "2019" else keys.ACTIVE_COLUMNS_2021
    applications = keys.APPLICATION_ROWS_2019 if version == "2019" else keys.APPLICATION_ROWS_2021
    expected = {keys.ACTIVE: tuple(active), keys.APPLICATIONS: applications, keys.REVIEW_LITIGATION: ("all",)}
    named = " ".join(said)
    warnings = []
    for table, rows in expected.items():
        for row in sorted(rows) if tables[table] else ():
            cells = tables[table].get(row)
            if f"{table}.{row}:" in named or _read(cells, raw.get(table, {}).get(row, {})):
                continue
            why = "no value read" if cells is not None else _why_not_found(version, tables[table], row)
            warnings.append(f"{table}.{row}: {why}; its cells are null")
    return warnings


def _why_not_found(version: FormatVersion, table: TableData, row: str) -> str:
    if version == "2021" and row in keys.OTHER_SUBROWS and "other" in table:
        return "row not found (（六）其他处理 printed as one row)"
    return "row not found"


def _read(cells: dict[str, CellValue] | None, raw: dict[str, RawCell]) -> bool:
    """The row holds a value, or every cell of it is printed blank."""
    if cells is None:
        return False
    blank = all(column in raw and raw[column].meaning == "empty" for column in cells)
    return blank or any(value is not None for value in cells.values())


def _format_version(results: dict[str, TableResult], default: FormatVersion) -> FormatVersion:
    if not any(result.data for result in results.values()):
        return "unknown"
    active_columns = {column for cells in results[keys.ACTIVE].data.values() for column in cells}
    active_rows = set(results[keys.ACTIVE].data)
    if active_columns & {"issued", "repealed", "in_force"}:
        return "2021"
    if active_columns & {"new_made", "new_published", "previous_count", "projects"} or active_rows & {
        "procurement",
        "other_services",
    }:
        return "2019"
    if set(results[keys.APPLICATIONS].data) & set(keys.OTHER_SUBROWS):
        return "2021"
    return default


def _rows_by_table(blocks: list[Block], spans: list[SectionSpan], warnings: list[str]) -> dict[str, list[list[str]]]:
    """Every table row and table-like paragraph, under the table of its section; a table
    with numbers that belongs to none is named in the warnings."""
    rows: dict[str, list[list[str]]] = {table: [] for table in keys.TABLE_KEYS}
    section_of = _section_index(blocks, spans)
    for index, block in enumerate(blocks):
        number = section_of[index]
        table = _SECTION_TABLES.get(number) if number else None
        if isinstance(block, Table):
            table = table or _guess_table(block)
            if table:
                rows[table].extend(block.rows)
            elif any(has_number(row) for row in block.rows):
                warnings.append(f"a table of {len(block.rows)} rows with numbers matches no standard table; not read")
        elif table:
            row = paragraph_row(block.text, table)
            if row:
                rows[table].append(row)
            else:
                rows[table].extend(glued_rows(block.text, 1 if table == keys.REVIEW_LITIGATION else MIN_ROWS))
    return rows


def _section_index(blocks: list[Block], spans: list[SectionSpan]) -> list[int | None]:
    owner: list[int | None] = [None] * len(blocks)
    for span in spans:
        for index in range(span.start + 1, span.end):
            owner[index] = span.number
    return owner


def _guess_table(table: Table) -> str | None:
    """A table outside the three table sections, told by what it prints."""
    text = normalize("".join(cell for row in table.rows for cell in row))
    if any(label in text for label in _APPLICATION_MARKS):
        return keys.APPLICATIONS
    if "信息内容" in text or "规范性文件" in text:
        return keys.ACTIVE
    if "行政复议" in text and "行政诉讼" in text:
        return keys.REVIEW_LITIGATION
    return None


def paragraph_row(text: str, table: str) -> list[str] | None:
    """A line of text that is a table row printed with spaces (``规章 0 0 0``), as cells."""
    if _PAGE_NUMBER.fullmatch(text.strip()):
        return None
    tokens = text.split()
    if table == keys.ACTIVE and tokens and normalize(tokens[0]) == "信息内容":
        return tokens
    values: list[str] = []
    while tokens and is_value_text(tokens[-1]):
        values.insert(0, tokens.pop())
    if not any(normalize(value).lstrip("+-").replace(".", "").isdigit() for value in values):
        return None
    label = "".join(tokens)
    if not label:
        return values
    if len(label) > _MAX_LABEL_LENGTH:
        return None  # prose or a whole flattened table, whose last token is no cell of this row
    if table == keys.REVIEW_LITIGATION or not _is_row_label(label, table):
        return None
    return [label, *values]


def _is_row_label(label: str, table: str) -> bool:
    if table == keys.ACTIVE:
        return keys.active_row(label) is not None
    return keys.application_row(label, None) is not None or keys.application_group(label) is not None
