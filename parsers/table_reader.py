"""Rows of printed cells -> the canonical tables, placing every number or none.

Every format reader delivers a table as rows of cell texts, and text layouts deliver
the same rows (see ``parsers.extract.text``). A row is split into its label cells and
its value cells; the label names the row, and the value cells go to the columns by
position. Where the layout leaves a doubt (fewer or more numbers than columns) a row is
placed only when the layout itself decides it, and the placement is named in the
warnings; otherwise every cell of the row stays ``None`` and ``raw`` says why.

A number of more than ``MAX_DIGITS`` digits is no count or amount of an annual report
(a province's fees in 元 have ten) but digits run together, by a scan or a hostile file:
it is placed as text, so the record never holds a number none of the archive's columns
can (a 20-digit count failed the store).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from decimal import Decimal

from parsers import tables as keys
from parsers.cells import ParsedCell, is_value_text, normalize, parse_cell
from parsers.checks import run_checks
from parsers.glued import agreed, glued_run, splits
from parsers.model import CellValue, Check, RawCell, TableData

_MISSING = ParsedCell(None, RawCell("", "missing"))
MAX_DIGITS = 15  # what a float and a 64-bit integer both hold exactly
_LABEL_COLUMNS = 3  # table 三's label columns (三、本年度办理结果, its groups, the row's own)
_HEADER_LABELS = frozenset({"申请人情况", "自然人", "法人或其他组织", "商业企业", "科研机构"})


@dataclass(slots=True)
class TableResult:
    table: str
    data: dict[str, dict[str, CellValue]] = field(default_factory=dict)
    raw: dict[str, dict[str, RawCell]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def place(self, row: str, columns: tuple[str, ...], cells: list[ParsedCell]) -> None:
        cells = [_within_digits(f"{self.table}.{row}", cell, self.warnings) for cell in cells]
        values = [_as_column_type(column, cell.value) for column, cell in zip(columns, cells, strict=True)]
        if row in self.data:
            if [self.data[row].get(column) for column in columns] != values:
                self.warnings.append(f"{self.table}.{row}: printed twice with different numbers; kept the first")
            return
        self.data[row] = dict(zip(columns, values, strict=True))
        for column, cell in zip(columns, cells, strict=True):
            if cell.raw is not None:
                self.raw.setdefault(row, {})[column] = cell.raw


def _within_digits(where: str, cell: ParsedCell, warnings: list[str]) -> ParsedCell:
    digits = str(abs(cell.value)) if cell.value is not None else ""
    if sum(character.isdigit() for character in digits) <= MAX_DIGITS:
        return cell
    warnings.append(f"{where}: {digits[:20]}… has more digits than any count or amount; kept as text")
    return ParsedCell(None, RawCell(str(cell.value), "text"))


def split_row(cells: list[str]) -> tuple[list[str], list[str]]:
    """Label cells (the non-blank text up to the last one) and the value cells after them."""
    last_label = -1
    for index, text in enumerate(cells):
        if not is_value_text(text):
            last_label = index
    labels = [text.strip() for text in cells[: last_label + 1] if text.strip()]
    return labels, cells[last_label + 1 :]


def has_number(cells: list[str]) -> bool:
    return any(parse_cell(text).is_number for text in cells)


def fit_values(
    values: list[str], columns: tuple[str, ...], *, total_last: bool = False
) -> tuple[list[ParsedCell], str | None]:
    """The row's value cells placed in ``width`` columns, and a note when placement was a choice.

    With ``total_last`` a short row holding a single number is read as a row that prints
    only its total (the layout of 予以公开 rows in several portals' PDFs).
    """
    width = len(columns)
    cells = list(values)
    while len(cells) > width and not cells[-1].strip():
        cells.pop()
    while len(cells) > width and not cells[0].strip():
        cells.pop(0)
    parsed = [parse_cell(text) for text in cells]
    numbers = sum(cell.is_number for cell in parsed)
    if len(parsed) == width:
        return parsed, _blank_note(parsed, columns) if numbers else None
    if total_last and numbers == 1 and parsed and parsed[-1].is_number:
        placed = [cell for cell in parsed if cell.is_number or (cell.raw is not None and cell.raw.meaning != "empty")]
        if len(placed) == 1:
            return [_MISSING] * (width - 1) + placed, "only a total printed; read into the total column"
    printed = " ".join(text.strip() for text in values if text.strip())
    ambiguous = ParsedCell(None, RawCell(printed, "ambiguous"))
    return [ambiguous] * width, f"{numbers} numbers in {len(parsed)} cells for {width} columns; left null"


def _blank_note(parsed: list[ParsedCell], columns: tuple[str, ...]) -> str | None:
    notes = []
    for meaning, note in (("empty", "blank cell left null in"), ("uncertain", "OCR unsure of; left null:")):
        named = [col for col, cell in zip(columns, parsed, strict=True) if cell.raw and cell.raw.meaning == meaning]
        if named:
            notes.append(f"{note} {', '.join(named)}")
    return "; ".join(notes) or None


def read_applications(rows: list[list[str]]) -> TableResult:
    """Table 三: 25 (2021) or 23 (2019) rows of seven applicant columns."""
    result = TableResult(keys.APPLICATIONS)
    entries = _application_entries(rows, result.warnings)
    glued: dict[str, str] = {}
    for key, values in _place_unlabeled(entries, result.warnings):
        run = glued_run(values)
        if run is not None:
            glued.setdefault(key, run)
            continue
        cells_placed, note = fit_values(values, keys.APPLICANT_COLUMNS, total_last=True)
        if note:
            result.warnings.append(f"applications.{key}: {note}")
        result.place(key, keys.APPLICANT_COLUMNS, cells_placed)
    _place_glued(result, keys.APPLICANT_COLUMNS, glued, groups=1)
    return result


def _place_glued(result: TableResult, columns: tuple[str, ...], glued: dict[str, str], groups: int) -> None:
    """Each glued row cut where exactly one split fits the digit rules, its row's sums and,
    together with the table's other rows, every rule between rows that touches it (R1,
    R2, R4); null with its digits in ``raw`` otherwise. A rule the document itself breaks
    leaves null only the rows it touches."""
    if not glued:
        return
    table = result.table
    options = {row: splits(run, len(columns), groups) or [] for row, run in glued.items()}
    fitting, broken = _fitting_assignments(result, table, columns, options)
    for row, run in glued.items():
        split = agreed(fitting[row], row) if fitting.get(row) else None
        if split is None:
            why = "several fit every rule" if fitting.get(row) else "none fits every rule with the other rows"
            if broken.get(row) and not fitting.get(row):
                why += f" ({', '.join(sorted(f'{rule} {where}' for rule, where in broken[row]))} fails under each)"
            fit = len(options[row])
            result.warnings.append(f"{table}.{row}: glued digits {run!r}, {fit} splits fit the row, {why}; left null")
            result.place(row, columns, [ParsedCell(None, RawCell(run, "ambiguous"))] * len(columns))
            continue
        result.warnings.append(f"{table}.{row}: glued digits {run!r} split the one way every rule allows")
        result.place(row, columns, [ParsedCell(value, RawCell(run, "split")) for value in split])


_MAX_ASSIGNMENTS = 20_000
Assignment = dict[str, tuple[int, ...]]


def _fitting_assignments(
    result: TableResult, table: str, columns: tuple[str, ...], options: dict[str, list[tuple[int, ...]]]
) -> tuple[dict[str, list[Assignment]], dict[str, set[tuple[str, str]]]]:
    """For each row, every choice of one split a row under which no rule that touches
    that row fails, and the rules touching it that failed under some choice. A row no
    split fits stays out of the trials (null, so the rules it is in are uncertain, not
    failed)."""
    rows = [row for row in options if options[row]]
    total = 1
    for row in rows:
        total *= len(options[row])
    if total > _MAX_ASSIGNMENTS:
        return {}, {}
    touched = _rules_touching(result, table, columns, {row: options[row][0] for row in rows})
    fitting: dict[str, list[Assignment]] = {row: [] for row in rows}
    broken: dict[str, set[tuple[str, str]]] = {row: set() for row in rows}
    for choice in itertools.product(*(options[row] for row in rows)):
        assignment = dict(zip(rows, choice, strict=True))
        checks = run_checks({table: _trial(result, columns, assignment)})
        failed = {_rule_id(check) for check in checks if check.status == "fail"}
        for row in rows:
            if failed & touched[row]:
                broken[row] |= failed & touched[row]
            else:
                fitting[row].append(assignment)
    return fitting, broken


def _trial(result: TableResult, columns: tuple[str, ...], assignment: Assignment) -> TableData:
    trial: TableData = dict(result.data)
    for row, split in assignment.items():
        trial[row] = dict(zip(columns, split, strict=True))
    return trial


def _rules_touching(
    result: TableResult, table: str, columns: tuple[str, ...], assignment: Assignment
) -> dict[str, set[tuple[str, str]]]:
    """The rules each row is an operand of: those a blank in its place makes uncertain."""
    judged = {_rule_id(check): check.status for check in run_checks({table: _trial(result, columns, assignment)})}
    touched = {}
    for row in assignment:
        blanked: TableData = {**_trial(result, columns, assignment), row: dict.fromkeys(columns)}
        touched[row] = {
            _rule_id(check)
            for check in run_checks({table: blanked})
            if check.status == "uncertain" and judged.get(_rule_id(check)) != "uncertain"
        }
    return touched


def _rule_id(check: Check) -> tuple[str, str]:
    """A rule and where it is judged: ``("R2", "applications.natural_person")``."""
    return check.rule, check.detail.split(":")[0]


def _application_entries(rows: list[list[str]], warnings: list[str]) -> list[tuple[str | None, list[str]]]:
    """(row key, value cells) per numeric row; key None for a full row that lost its label."""
    entries: list[tuple[str | None, list[str]]] = []
    group: str | None = None
    pending: str | None = None
    total_column: int | None = None
    for cells in rows:
        labels, values = split_row(cells)
        if any(normalize(label) in _HEADER_LABELS for label in labels):
            pending = None  # the heading rows: their 总计 names a column, not the row （七）总计
            continue
        group = _group_after(labels, group)
        key = _application_key(labels, group)
        if not has_number(values):
            if key and _is_blank_row(values):
                entries.append((key, values))
                pending = None
            elif key:
                # a label alone on its line names the numbers on the next; 总计 standing
                # right of the label columns is a heading's column (an OCR'd heading
                # whose other labels came out garbled), no row's label
                pending = key if _first_text(cells) < _LABEL_COLUMNS else None
            continue
        if key is None and not labels and pending:
            key = pending
            warnings.append(f"applications.{key}: numbers on the line after the label")
        pending = None
        if key is not None:
            entries.append((key, values))
        elif len(_trim_blank_edges(values)) == len(keys.APPLICANT_COLUMNS):
            # a full row whose label names none (a converter cut it to a fragment, 行政机关
            # 不再处理其政府信息公) is a row without its label: placed only where it fills a gap
            if labels and not all(_names_a_group(label) for label in labels):
                warnings.append(f"applications: row {_describe(cells)} matches no canonical row")
            entries.append((None, values))
        elif labels and not all(_names_a_group(label) for label in labels):
            warnings.append(f"applications: row {_describe(cells)} matches no canonical row")
            entries.append((None, values))
        elif total_column is not None and _last_text(cells) == total_column:
            # the whole grid row, its label and first cells blank (a wider sheet pads it):
            # the seven cells ending in the column where the row above ends its total (a
            # converter that drops an empty column moves it left, so no column is assumed)
            entries.append((None, cells[total_column + 1 - len(keys.APPLICANT_COLUMNS) : total_column + 1]))
        else:
            warnings.append(f"applications: fragment {_describe(cells)} without a label; not placed")
            continue
        total_column = _last_text(cells) if _last_text(cells) >= len(keys.APPLICANT_COLUMNS) - 1 else None
    return _other_as_subrows(entries)


def _other_as_subrows(entries: list[tuple[str | None, list[str]]]) -> list[tuple[str | None, list[str]]]:
    """（六）其他处理 labels the 2019 form's one row and the group of the 2021 form's three
    sub-rows. Beside numbered sub-rows a row it labels is their group heading when blank
    and a sub-row that lost its own label when it has numbers; where the group holds more
    than one row without a numbered label (the label repeated on each row, as merged
    labels are repeated, or rows without a label right after it) every row it labels is
    one without its own label, and the count of the gap decides the form."""
    if any(key in keys.OTHER_SUBROWS for key, _ in entries):
        return [
            (None if key == "other" else key, values) for key, values in entries if key != "other" or has_number(values)
        ]
    if _other_group_size(entries) > 1:
        return [(None if key == "other" else key, values) for key, values in entries]
    return entries


def _other_group_size(entries: list[tuple[str | None, list[str]]]) -> int:
    """The rows labelled （六）其他处理 and the rows without a label right after one."""
    size = 0
    in_group = False
    for key, _ in entries:
        in_group = key == "other" or (key is None and in_group)
        size += in_group
    return size


def _first_text(cells: list[str]) -> int:
    return next((index for index, text in enumerate(cells) if text.strip()), len(cells))


def _last_text(cells: list[str]) -> int:
    return max((index for index, text in enumerate(cells) if text.strip()), default=-1)


def _is_blank_row(values: list[str]) -> bool:
    """A row as wide as the table (or wider, by a label's merged cells) whose every
    value cell is printed blank (zeros left blank)."""
    return len(values) >= len(keys.APPLICANT_COLUMNS) and all(not normalize(text) for text in values)


def _names_a_group(label: str) -> bool:
    """A label of the rows' groups only (三、本年度办理结果, （三）不予公开): a row with
    nothing else lost its own label, as merged labels repeated on every row leave it."""
    return keys.application_group(label) is not None or "本年度办理结果" in normalize(label)


def _place_unlabeled(entries: list[tuple[str | None, list[str]]], warnings: list[str]) -> list[tuple[str, list[str]]]:
    """Rows that lost their label, placed only where their count fills the gap between labels."""
    order = {key: index for index, key in enumerate(keys.APPLICATION_ROWS_2021)}
    order["other"] = order["other.no_correction"]
    labelled = {key for key, _ in entries if key}
    placed: list[tuple[str, list[str]]] = []
    run: list[list[str]] = []
    before: str | None = None
    for key, values in [*entries, ("", [])]:
        if key is None:
            run.append(values)
            continue
        if run:
            low = order.get(before, -1) if before else -1
            high = order.get(key, len(order)) if key else len(order)
            gap = [row for row in keys.APPLICATION_ROWS_2021[low + 1 : high] if row not in labelled]
            if "other" in labelled:  # the 2019 format: no sub-rows of （六）
                gap = [row for row in gap if row not in keys.OTHER_SUBROWS]
            placed += _fill_gap(gap, run, before, key, warnings)
            run = []
        if key:
            placed.append((key, values))
            before = key
    return placed


def _fill_gap(
    gap: list[str], run: list[list[str]], before: str | None, after: str, warnings: list[str]
) -> list[tuple[str, list[str]]]:
    where = f"between {before or 'the start'} and {after or 'the end'}"
    if len(gap) != len(run) and set(keys.OTHER_SUBROWS) <= set(gap):
        # the 2019 format prints （六）其他处理 as one row where 2021 has three
        gap = ["other" if row == keys.OTHER_SUBROWS[0] else row for row in gap if row not in keys.OTHER_SUBROWS[1:]]
    if len(gap) != len(run):
        warnings.append(f"applications: {len(run)} rows without labels {where}, {len(gap)} rows missing; not placed")
        return []
    for key in gap:
        warnings.append(f"applications.{key}: row without a label placed by its position {where}")
    return list(zip(gap, run, strict=True))


def _group_after(labels: list[str], group: str | None) -> str | None:
    for label in labels:
        opened = keys.application_group(label)
        if opened:
            group = opened
        elif keys.application_row(label, group) in keys.TOP_LEVEL_APPLICATION_ROWS:
            group = None
    return group


def _application_key(labels: list[str], group: str | None) -> str | None:
    """The row a row's labels name: the innermost label that names one (a label broken
    over two cells by a converter still names its row by the part that identifies it)."""
    for label in reversed(labels):
        key = keys.application_row(label, group)
        if key is not None:
            return key
    if labels and keys.application_group(labels[-1]) == "other":
        return "other"
    return None


def read_active(rows: list[list[str]], defaults: dict[str, tuple[str, ...]]) -> TableResult:
    """Table 二: blocks headed by 信息内容 rows that name their columns."""
    result = TableResult(keys.ACTIVE)
    header: tuple[str, ...] | None = None
    for cells in rows:
        labels, values = split_row(cells)
        if labels and keys.core_label(labels[0]) == "信息内容":
            header = _header_columns(cells)
            continue
        key = keys.active_row(labels[-1]) if labels else None
        if key is None:
            if has_number(values):
                result.warnings.append(f"active: row {_describe(cells)} matches no canonical row")
            continue
        columns = header if header else defaults.get(key, ())
        if not columns:
            result.warnings.append(f"active.{key}: no column header for this row; skipped")
            continue
        run = glued_run(values)
        if run is not None:
            _place_glued(result, columns, {key: run}, groups=0)
            continue
        cells_placed, note = fit_values(values, columns)
        if note:
            result.warnings.append(f"active.{key}: {note}")
        result.place(key, columns, cells_placed)
    return result


def _header_columns(cells: list[str]) -> tuple[str, ...]:
    columns = [keys.active_column(text) for text in cells[1:] if text.strip()]
    return tuple(column for column in columns if column)


def read_review(rows: list[list[str]]) -> TableResult:
    """Table 四: one row of fifteen numbers, however the layout breaks it up."""
    result = TableResult(keys.REVIEW_LITIGATION)
    width = len(keys.REVIEW_COLUMNS)
    value_rows = [split_row(cells)[1] for cells in rows if has_number(cells)]
    # a row of exactly fifteen cells is whole even when its edge cells are blank
    exact = [values for values in value_rows if width in (len(values), len(_trim_blank_edges(values)))]
    values = exact[-1] if exact else [text for row in value_rows for text in row if text.strip()]
    if not value_rows:  # every cell left blank: read the one row of fifteen blank cells
        blank = [cells for cells in rows if len(cells) == width and not any(normalize(text) for text in cells)]
        if not blank:
            return result
        values = blank[-1]
    run = glued_run(values)
    if run is not None:
        _place_glued(result, keys.REVIEW_COLUMNS, {"all": run}, groups=len(keys.REVIEW_GROUPS))
        return result
    cells_placed, note = fit_values(values, keys.REVIEW_COLUMNS)
    if note:
        result.warnings.append(f"review_litigation.all: {note}")
    result.place("all", keys.REVIEW_COLUMNS, cells_placed)
    return result


def _trim_blank_edges(values: list[str], *, leading: bool = True) -> list[str]:
    start, end = 0, len(values)
    while leading and start < end and not values[start].strip():
        start += 1
    while end > start and not values[end - 1].strip():
        end -= 1
    return values[start:end]


def _describe(cells: list[str]) -> str:
    return "'" + " | ".join(text.strip() for text in cells if text.strip())[:60] + "'"


def _as_column_type(column: str, value: CellValue) -> CellValue:
    if column in keys.MONEY_COLUMNS and isinstance(value, int):
        return Decimal(value)
    return value
