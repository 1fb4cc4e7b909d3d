"""The canonical table keys of docs/RECORD.md and the matching of printed labels.

Printed labels vary (full- and half-width brackets, inner spaces, 社会组织 for
社会公益组织, 其他法律法规 for 其他法律行政法规, typos), so a label is matched by the
few characters that identify its row, after its numbering is stripped.
"""

from __future__ import annotations

import re

from parsers.cells import normalize

ACTIVE = "active"
APPLICATIONS = "applications"
REVIEW_LITIGATION = "review_litigation"
TABLE_KEYS = (ACTIVE, APPLICATIONS, REVIEW_LITIGATION)

APPLICANT_COLUMNS = (
    "natural_person",
    "commercial",
    "research",
    "social_welfare",
    "legal_service",
    "other_org",
    "total",
)

APPLICATION_ROWS_2021 = (
    "new",
    "carried_over",
    "disclosed",
    "partially_disclosed",
    "withheld.state_secret",
    "withheld.prohibited_by_law",
    "withheld.security_stability",
    "withheld.third_party",
    "withheld.internal_affairs",
    "withheld.process_info",
    "withheld.enforcement_file",
    "withheld.admin_query",
    "unable.not_held",
    "unable.needs_creation",
    "unable.unclear",
    "not_processed.complaint",
    "not_processed.duplicate",
    "not_processed.publication",
    "not_processed.excessive",
    "not_processed.reconfirm",
    "other.no_correction",
    "other.fee_unpaid",
    "other.other",
    "total",
    "carried_forward",
)
OTHER_SUBROWS = ("other.no_correction", "other.fee_unpaid", "other.other")
APPLICATION_ROWS_2019 = tuple(
    "other" if row == "other.no_correction" else row for row in APPLICATION_ROWS_2021 if row not in OTHER_SUBROWS[1:]
)

REVIEW_GROUPS = ("review", "litigation_direct", "litigation_after_review")
REVIEW_OUTCOMES = ("upheld", "corrected", "other", "pending", "total")
REVIEW_COLUMNS = tuple(f"{group}.{outcome}" for group in REVIEW_GROUPS for outcome in REVIEW_OUTCOMES)

MONEY_COLUMNS = frozenset({"amount"})
SIGNED_COLUMNS = frozenset({"change"})

# Row groups of table 三 whose sub-rows are numbered 1., 2., ... under a group label.
_APPLICATION_GROUPS = {
    "不予公开": "withheld",
    "无法提供": "unable",
    "不予处理": "not_processed",
    "其他处理": "other",
}

# (row key, fragments that must all appear in the stripped label). Order matters: the
# first match wins, so the more specific patterns come first.
_APPLICATION_PATTERNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("new", ("本年新收",)),
    ("carried_over", ("上年结转",)),
    ("carried_forward", ("结转下年",)),
    ("partially_disclosed", ("部分公开",)),
    ("withheld.state_secret", ("国家秘密",)),
    ("withheld.prohibited_by_law", ("其他法律",)),
    ("withheld.prohibited_by_law", ("禁止公开",)),
    ("withheld.security_stability", ("三安全一稳定",)),
    ("withheld.security_stability", ("危及",)),
    ("withheld.third_party", ("第三方",)),
    ("withheld.internal_affairs", ("内部事务",)),
    ("withheld.process_info", ("过程性",)),
    ("withheld.enforcement_file", ("执法案卷",)),
    ("withheld.admin_query", ("行政查询",)),
    ("unable.not_held", ("不掌握",)),
    ("unable.needs_creation", ("另行制作",)),
    ("unable.unclear", ("不明确",)),
    ("not_processed.complaint", ("信访",)),
    ("not_processed.duplicate", ("重复申请",)),
    ("not_processed.publication", ("出版物",)),
    ("not_processed.excessive", ("大量反复",)),
    ("not_processed.reconfirm", ("重新出具",)),
    ("not_processed.reconfirm", ("确认",)),
    ("other.no_correction", ("不补正",)),
    ("other.fee_unpaid", ("缴纳费用",)),
    ("other.fee_unpaid", ("收费通知",)),
    ("disclosed", ("予以公开",)),
    ("total", ("总计",)),
)

_ACTIVE_ROW_PATTERNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("normative_documents", ("规范性文件",)),
    ("rules", ("规章",)),
    ("other_services", ("其他对外管理服务",)),
    ("licensing", ("行政许可",)),
    ("penalty", ("行政处罚",)),
    ("coercion", ("行政强制",)),
    ("fees", ("行政事业性收费",)),
    ("fees", ("事业性收费",)),
    ("procurement", ("集中采购",)),
)

_ACTIVE_COLUMN_PATTERNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("issued", ("制发",)),
    ("repealed", ("废止",)),
    ("repealed", ("度止",)),
    ("in_force", ("现行有效",)),
    ("new_made", ("新制作",)),
    ("new_published", ("新公开",)),
    ("total_published", ("公开总数",)),
    ("previous_count", ("上一年",)),
    ("change", ("增",)),
    ("projects", ("采购项目",)),
    ("amount", ("金额",)),
    ("decisions", ("处理决定",)),
)

ACTIVE_COLUMNS_2021 = {
    "rules": ("issued", "repealed", "in_force"),
    "normative_documents": ("issued", "repealed", "in_force"),
    "licensing": ("decisions",),
    "penalty": ("decisions",),
    "coercion": ("decisions",),
    "fees": ("amount",),
}
ACTIVE_COLUMNS_2019 = {
    "rules": ("new_made", "new_published", "total_published"),
    "normative_documents": ("new_made", "new_published", "total_published"),
    "licensing": ("previous_count", "change", "decisions"),
    "other_services": ("previous_count", "change", "decisions"),
    "penalty": ("previous_count", "change", "decisions"),
    "coercion": ("previous_count", "change", "decisions"),
    "fees": ("previous_count", "change"),
    "procurement": ("projects", "amount"),
}

_NUMBERING = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.]|[(][一二三四五六七八九十\d]+[)]|\d+[、.)]|第[一二三四五六七八九十]+[、.])"
)
_DECORATION = str.maketrans("", "", "“”\"'‘’「」《》:：,，、。")


def is_numbered(text: str) -> bool:
    """The text opens with an item's numbering (一、 （三） 2. 第一、): a label of its own."""
    return bool(_NUMBERING.match(normalize(text)))


def core_label(text: str) -> str:
    """The label without white space, numbering prefixes and decoration."""
    label = normalize(text)
    while True:
        stripped = _NUMBERING.sub("", label, count=1)
        if stripped == label:
            break
        label = stripped
    return label.translate(_DECORATION)


def _first_match(core: str, patterns: tuple[tuple[str, tuple[str, ...]], ...]) -> str | None:
    for key, fragments in patterns:
        if all(fragment in core for fragment in fragments):
            return key
    return None


def application_group(text: str) -> str | None:
    """The row group a label opens (（三）不予公开 -> withheld), if it is a group label."""
    core = core_label(text)
    for fragment, group in _APPLICATION_GROUPS.items():
        if core.startswith(fragment):
            return group
    return None


def application_row(text: str, group: str | None) -> str | None:
    core = core_label(text)
    if not core:
        return None
    if core in {"其他", "其它"}:
        # Only （六）3.其他 is a bare 其他; its group label is sometimes lost in conversion.
        numbered_third = normalize(text).startswith("3")
        return "other.other" if group == "other" or (group is None and numbered_third) else None
    return _first_match(core, _APPLICATION_PATTERNS)


def active_row(text: str) -> str | None:
    return _first_match(core_label(text), _ACTIVE_ROW_PATTERNS)


def active_column(text: str) -> str | None:
    core = core_label(text)
    if core in {"信息内容", ""}:
        return None
    return _first_match(core, _ACTIVE_COLUMN_PATTERNS)


TOP_LEVEL_APPLICATION_ROWS = frozenset(
    {"new", "carried_over", "disclosed", "partially_disclosed", "total", "carried_forward"}
)
