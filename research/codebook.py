"""The codebook: every table cell of the record with its printed label, unit and format era.

One place for what a key means to a researcher. ``nianbao codebook`` prints it,
docs/CODEBOOK.md is its Markdown (a test keeps the two equal), the exports' Frictionless
``datapackage.json`` takes each field's titles, unit and type from it, and the web view
labels its tables with it. The keys themselves are the parser's (:mod:`parsers.tables`);
this module adds only what they mean.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from parsers import tables as keys

COUNT_UNIT, MONEY_UNIT = "件", "万元"
ERA_2021, ERA_2019 = "2021", "2019"


@dataclass(frozen=True, slots=True)
class Table:
    key: str
    title_zh: str
    title_en: str


@dataclass(frozen=True, slots=True)
class Label:
    """A cell's row and column labels as one format era's table prints them."""

    era: str
    row_zh: str
    column_zh: str

    @property
    def title_zh(self) -> str:
        return f"{self.row_zh}：{self.column_zh}"


@dataclass(frozen=True, slots=True)
class Cell:
    """One cell key of the record: ``table.row.column``."""

    table: str
    row: str
    column: str
    labels: tuple[Label, ...]  # one per format era whose table has this cell, the newest first
    title_en: str
    unit: str  # 件, 项, 万元, or "as printed" where the format names none

    @property
    def key(self) -> str:
        return f"{self.table}.{self.row}.{self.column}"

    @property
    def eras(self) -> tuple[str, ...]:
        return tuple(label.era for label in self.labels)

    def printed(self, era: str | None = None) -> Label:
        """The labels of ``era``'s table; the newest era's when ``era`` lacks the cell (pre2019, unknown)."""
        return next((label for label in self.labels if label.era == era), self.labels[0])

    def other_wordings(self, era: str | None, eras: Iterable[str]) -> list[Label]:
        """The labels of ``eras`` that differ from ``era``'s: a secondary line where one cell spans eras."""
        shown = self.printed(era).title_zh
        wanted = set(eras)
        return [label for label in self.labels if label.era in wanted and label.title_zh != shown]

    @property
    def row_zh(self) -> str:
        return self.labels[0].row_zh

    @property
    def column_zh(self) -> str:
        return self.labels[0].column_zh

    @property
    def title_zh(self) -> str:
        return self.labels[0].title_zh

    @property
    def money(self) -> bool:
        return self.column in keys.MONEY_COLUMNS


TABLES = (
    Table(keys.ACTIVE, "二、主动公开政府信息情况", "information disclosed on the body's own initiative"),
    Table(keys.APPLICATIONS, "三、收到和处理政府信息公开申请情况", "applications received and how they were handled"),
    Table(
        keys.REVIEW_LITIGATION,
        "四、政府信息公开行政复议、行政诉讼情况",
        "administrative reviews and lawsuits about disclosure",
    ),
)

_ACTIVE_ROWS = {
    "rules": ("规章", "rules (guizhang)"),
    "normative_documents": ("行政规范性文件", "normative documents"),
    "licensing": ("行政许可", "administrative licensing"),
    "other_services": ("其他对外管理服务事项", "other administrative services"),
    "penalty": ("行政处罚", "administrative penalties"),
    "coercion": ("行政强制", "administrative coercion"),
    "fees": ("行政事业性收费", "administrative fees"),
    "procurement": ("政府集中采购", "centralised government procurement"),
}
_ACTIVE_COLUMNS = {
    "issued": ("本年制发件数", "issued this year", COUNT_UNIT),
    "repealed": ("本年废止件数", "repealed this year", COUNT_UNIT),
    "in_force": ("现行有效件数", "in force", COUNT_UNIT),
    "decisions": ("本年处理决定数量", "decisions this year", COUNT_UNIT),
    "new_made": ("本年新制作数量", "newly made this year", COUNT_UNIT),
    "new_published": ("本年新公开数量", "newly published this year", COUNT_UNIT),
    "total_published": ("对外公开总数量", "published in all", COUNT_UNIT),
    "previous_count": ("上一年项目数量", "items the year before", "项"),
    "change": ("本年增/减", "change this year (signed)", "项"),
    "projects": ("采购项目数量", "procurement projects", "项"),
}
# Where the 2019 format words a row or column of table 二 otherwise than the 2021 one.
_ACTIVE_WORDING_2019 = {"行政规范性文件": "规范性文件", "本年处理决定数量": "处理决定数量"}
# The article of the Regulation (条例第二十条) each row of table 二 is printed under.
ACTIVE_ARTICLES = {
    "rules": "第二十条第（一）项",
    "normative_documents": "第二十条第（一）项",
    "licensing": "第二十条第（五）项",
    "other_services": "第二十条第（五）项",
    "penalty": "第二十条第（六）项",
    "coercion": "第二十条第（六）项",
    "fees": "第二十条第（八）项",
    "procurement": "第二十条第（九）项",
}
# Money columns differ by row: the 2021 fee amount is printed in 万元, the 2019
# procurement amount in whatever unit the report prints beside it.
_ACTIVE_AMOUNTS = {
    "fees": ("本年收费金额（单位：万元）", "fees collected this year", MONEY_UNIT),
    "procurement": ("采购总金额", "procurement amount", "as printed"),
}

_APPLICATION_ROWS = {
    "new": ("一、本年新收政府信息公开申请数量", "new applications this year"),
    "carried_over": ("二、上年结转政府信息公开申请数量", "carried over from last year"),
    "disclosed": ("三、本年度办理结果（一）予以公开", "disclosed"),
    "partially_disclosed": ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", "partially disclosed"),
    "withheld.state_secret": ("（三）不予公开 1.属于国家秘密", "withheld: state secret"),
    "withheld.prohibited_by_law": ("（三）不予公开 2.其他法律行政法规禁止公开", "withheld: prohibited by other laws"),
    "withheld.security_stability": ("（三）不予公开 3.危及“三安全一稳定”", "withheld: endangers security or stability"),
    "withheld.third_party": ("（三）不予公开 4.保护第三方合法权益", "withheld: third-party rights"),
    "withheld.internal_affairs": ("（三）不予公开 5.属于三类内部事务信息", "withheld: internal affairs"),
    "withheld.process_info": ("（三）不予公开 6.属于四类过程性信息", "withheld: information in process"),
    "withheld.enforcement_file": ("（三）不予公开 7.属于行政执法案卷", "withheld: enforcement file"),
    "withheld.admin_query": ("（三）不予公开 8.属于行政查询事项", "withheld: administrative query"),
    "unable.not_held": ("（四）无法提供 1.本机关不掌握相关政府信息", "cannot provide: not held"),
    "unable.needs_creation": ("（四）无法提供 2.没有现成信息需要另行制作", "cannot provide: would need creating"),
    "unable.unclear": ("（四）无法提供 3.补正后申请内容仍不明确", "cannot provide: unclear after correction"),
    "not_processed.complaint": ("（五）不予处理 1.信访举报投诉类申请", "not processed: petition or complaint"),
    "not_processed.duplicate": ("（五）不予处理 2.重复申请", "not processed: duplicate"),
    "not_processed.publication": ("（五）不予处理 3.要求提供公开出版物", "not processed: asks for a publication"),
    "not_processed.excessive": ("（五）不予处理 4.无正当理由大量反复申请", "not processed: excessive and repeated"),
    "not_processed.reconfirm": (
        "（五）不予处理 5.要求行政机关确认或重新出具已获取信息",
        "not processed: asks to confirm or reissue information held",
    ),
    "other.no_correction": (
        "（六）其他处理 1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        "other: not corrected in time",
    ),
    "other.fee_unpaid": (
        "（六）其他处理 2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        "other: fee not paid",
    ),
    "other.other": ("（六）其他处理 3.其他", "other: other"),
    "other": ("（六）其他处理", "other handling (one row)"),
    "total": ("（七）总计", "handled in all"),
    "carried_forward": ("四、结转下年度继续办理", "carried forward to next year"),
}
_APPLICANTS = {
    "natural_person": ("自然人", "natural persons"),
    "commercial": ("法人或其他组织：商业企业", "commercial enterprises"),
    "research": ("法人或其他组织：科研机构", "research institutions"),
    "social_welfare": ("法人或其他组织：社会公益组织", "public-interest organisations"),
    "legal_service": ("法人或其他组织：法律服务机构", "legal service organisations"),
    "other_org": ("法人或其他组织：其他", "other organisations"),
    "total": ("总计", "all applicants"),
}
REVIEW_GROUP_LABELS = {
    "review": ("行政复议", "administrative review"),
    "litigation_direct": ("行政诉讼：未经复议直接起诉", "lawsuit without prior review"),
    "litigation_after_review": ("行政诉讼：复议后起诉", "lawsuit after review"),
}
REVIEW_OUTCOME_LABELS = {
    "upheld": ("结果维持", "upheld"),
    "corrected": ("结果纠正", "corrected"),
    "other": ("其他结果", "other outcome"),
    "pending": ("尚未审结", "pending"),
    "total": ("总计", "total"),
}

CELL_MEANINGS = {
    "empty": "nothing printed: a blank cell (a blank is never a zero)",
    "na": "a dash, 无, 不适用 or /",
    "missing": "no cell at all where the row should have one",
    "unit": "a number printed with its unit (251000元)",
    "ambiguous": "numbers that could not be placed in their columns",
    "text": "anything else",
}
ACROSS_YEARS = "R6"  # the rule judged by the archive (reports_view), not by the parser
RULES = {
    "R1": "applications: new + carried_over = total + carried_forward, in every column",
    "R2": "applications: total = disclosed + partially_disclosed + every withheld.*, unable.* and not_processed.* row"
    " + (other or its three sub-rows, never both), in every column",
    "R3": "applications: each row's total = the sum of its six applicant columns",
    "R4": "review_litigation: each group's total = upheld + corrected + other + pending",
    "R5": "every count is a whole number >= 0 and every amount >= 0 (the 2019 change column is signed)",
    "R6": "across years, judged in the archive: applications.carried_forward of year N = applications.carried_over"
    " of year N+1 for the same body, in every column (the latest version of each; mergers break it legitimately)",
}
RULE_TITLES_ZH = {
    "R1": "表三：第一项加第二项之和等于第三项加第四项之和",
    "R2": "表三：办理结果各项之和等于（七）总计",
    "R3": "表三：各类申请人之和等于总计",
    "R4": "表四：各项结果之和等于总计",
    "R5": "数量为非负整数，金额不为负",
    "R6": "跨年：上年报告的结转下年度继续办理等于本年报告的上年结转",
}
ERA_NAMES_ZH = {
    ERA_2021: "2021年格式",
    ERA_2019: "2019年格式",
    "pre2019": "2019年以前（旧条例）",
    "unknown": "未识别",
}
ERAS = {
    ERA_2021: "the tables of 国办公开办函〔2021〕30号, for reports on 2021 and later",
    ERA_2019: "the tables of 国办公开办函〔2019〕60号, for reports on 2019 and 2020",
    "pre2019": "free-form reports under the 2007 Regulation (2008-2018): sections, and whatever cells were parsed",
}


def _eras(in_2021: bool, in_2019: bool) -> tuple[str, ...]:
    return tuple(era for era, present in ((ERA_2021, in_2021), (ERA_2019, in_2019)) if present)


def _active_cells() -> list[Cell]:
    found = []
    for table, row, column in _ordered_active():
        row_zh, row_en = _ACTIVE_ROWS[row]
        column_zh, column_en, unit = _ACTIVE_AMOUNTS[row] if column == "amount" else _ACTIVE_COLUMNS[column]
        eras = _eras(column in keys.ACTIVE_COLUMNS_2021.get(row, ()), column in keys.ACTIVE_COLUMNS_2019.get(row, ()))
        labels = tuple(_active_label(era, row_zh, column_zh) for era in eras)
        found.append(Cell(table, row, column, labels, f"{row_en}: {column_en}", unit))
    return found


def _active_label(era: str, row_zh: str, column_zh: str) -> Label:
    if era != ERA_2019:
        return Label(era, row_zh, column_zh)
    return Label(era, _ACTIVE_WORDING_2019.get(row_zh, row_zh), _ACTIVE_WORDING_2019.get(column_zh, column_zh))


def _ordered_active() -> list[tuple[str, str, str]]:
    pairs = (keys.ACTIVE_COLUMNS_2021, keys.ACTIVE_COLUMNS_2019)
    return list(
        dict.fromkeys((keys.ACTIVE, row, col) for by_row in pairs for row, cols in by_row.items() for col in cols)
    )


def _merged(newer: tuple[str, ...], older: tuple[str, ...]) -> tuple[str, ...]:
    """Both eras' rows in printed order: a row only the older table has goes after the row it follows there."""
    merged = list(newer)
    for before, row in zip((None, *older), older, strict=False):
        if row not in merged:
            merged.insert(merged.index(before) + 1 if before else 0, row)
    return tuple(merged)


# Table 三's rows of both eras: the 2019 format's one （六）其他处理 row before the 2021 format's three.
APPLICATION_ROWS = _merged(keys.APPLICATION_ROWS_2021, keys.APPLICATION_ROWS_2019)


def _application_cells() -> list[Cell]:
    found = []
    for row in APPLICATION_ROWS:
        row_zh, row_en = _APPLICATION_ROWS[row]
        eras = _eras(row in keys.APPLICATION_ROWS_2021, row in keys.APPLICATION_ROWS_2019)
        for column in keys.APPLICANT_COLUMNS:
            column_zh, column_en = _APPLICANTS[column]
            labels = tuple(Label(era, row_zh, column_zh) for era in eras)
            found.append(Cell(keys.APPLICATIONS, row, column, labels, f"{row_en}: {column_en}", COUNT_UNIT))
    return found


def _review_cells() -> list[Cell]:
    found = []
    for group in keys.REVIEW_GROUPS:
        group_zh, group_en = REVIEW_GROUP_LABELS[group]
        for outcome in keys.REVIEW_OUTCOMES:
            outcome_zh, outcome_en = REVIEW_OUTCOME_LABELS[outcome]
            column, title = f"{group}.{outcome}", f"{group_en}: {outcome_en}"
            labels = tuple(Label(era, group_zh, outcome_zh) for era in (ERA_2021, ERA_2019))
            found.append(Cell(keys.REVIEW_LITIGATION, "all", column, labels, title, COUNT_UNIT))
    return found


CELLS: tuple[Cell, ...] = (*_active_cells(), *_application_cells(), *_review_cells())
BY_KEY = {cell.key: cell for cell in CELLS}


def wording_note(labels: Iterable[Label]) -> str:
    """Other eras' wordings of a label, for its secondary line: `` · 2019年格式：行政许可：处理决定数量``."""
    return "".join(f" · {label.era}年格式：{label.title_zh}" for label in labels)


def cell(table: str, row: str, column: str) -> Cell | None:
    """The codebook's entry of a cell key, or None for a key the formats do not print."""
    return BY_KEY.get(f"{table}.{row}.{column}")


def unit_of(table: str, row: str, column: str) -> str | None:
    found = cell(table, row, column)
    return found.unit if found else None


def row_label(table: str, row: str, era: str | None = None) -> str:
    """The printed label of a row in ``era``'s table (see :meth:`Cell.printed`)."""
    found = [c for c in CELLS if c.table == table and c.row == row]
    if not found:
        return row
    return next((c for c in found if era in c.eras), found[0]).printed(era).row_zh


def column_label(table: str, row: str, column: str, era: str | None = None) -> str:
    found = cell(table, row, column)
    return found.printed(era).column_zh if found else column
