"""Agency, year and publication date from a report's title lines and page metadata."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from parsers.cells import normalize
from parsers.document import Document, Paragraph

_CHINESE_DIGITS = str.maketrans("〇零一二三四五六七八九○Ｏ", "0012345678900")
_TITLE = re.compile(
    r"^(?P<before>.*?)(?P<year>(?:19|20)\d{2})年度?(?P<between>.*?)"
    r"(?:政府)?(?:信息公开|政务公开)(?:工作)?(?:年度)?(?:报告|年报)"
)
_OTHER_DOCUMENT_WORDS = ("公报", "要点", "决算", "预算")
_AGENCY_SUFFIXES = (
    "局", "委", "委员会", "办", "办公室", "政府", "院", "中心", "室", "处", "会", "所", "队",
    "站", "馆", "厅", "部", "署", "区", "县", "市", "镇", "乡", "街道", "办事处", "公司", "集团",
)  # fmt: skip
_PUBLISHED = re.compile(
    r"(?:发布|公开|成文)(?:日期|时间)[:：]?\s*(?P<y>\d{4})[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})"
)
_TITLE_SEARCH_LIMIT = 12
_TITLE_TAIL = re.compile(r"[(（【\[]?(?:更正版|修订版|修正版|更新版|全文|正文|文字版|PDF版|\d{4}年?)?[)）】\]]?[。.]?")
_LABEL_PREFIX = re.compile(r"^(?:标题|题目|名称)[:：]")


@dataclass(slots=True)
class TitleInfo:
    agency: str | None
    year: int | None
    title_line: str | None


def compact_year_text(text: str) -> str:
    """The line without spaces, full-width forms, and with 二〇二二 written as 2022."""
    compact = normalize(text)
    return re.sub(r"[〇零一二三四五六七八九○]{4}(?=年)", lambda m: m[0].translate(_CHINESE_DIGITS), compact)


def find_title(document: Document, before_block: int) -> TitleInfo:
    """The title among the first paragraphs (the agency may stand on the line above)."""
    paragraphs = [block.text for block in document.blocks[:before_block] if isinstance(block, Paragraph)][
        :_TITLE_SEARCH_LIMIT
    ]
    candidates = [*paragraphs, document.title or ""]
    for index, line in enumerate(candidates):
        info = parse_title_line(line)
        if info is None and index + 1 < len(paragraphs) and parse_title_line(paragraphs[index + 1]) is None:
            info = parse_title_line(line + paragraphs[index + 1])  # a title broken over two lines
        if info is None:
            continue
        if info.agency is None and 0 < index < len(paragraphs):
            info.agency = _agency_line(paragraphs[index - 1])
        if info.agency is None and document.title and line != document.title:
            other = parse_title_line(document.title)
            info.agency = other.agency if other else None
        return info
    return TitleInfo(None, None, None)


def parse_title_line(line: str) -> TitleInfo | None:
    compact = _LABEL_PREFIX.sub("", compact_year_text(line))
    if not compact or len(compact) > 80:
        return None
    match = _TITLE.search(compact)
    if not match or not _TITLE_TAIL.fullmatch(compact[match.end() :]):
        return None  # 「…年度报告编制培训会」 is news about a report, not a report
    agency = match["before"] or match["between"] or None
    if agency:
        agency = agency.strip("《》“”\"'「」()（）:：-—")
    return TitleInfo(agency or None, int(match["year"]), line.strip())


def looks_like_other_document(document: Document) -> str | None:
    """The title of a document that is clearly something else (统计公报, 工作要点 …)."""
    for block in document.blocks[:_TITLE_SEARCH_LIMIT]:
        if isinstance(block, Paragraph):
            compact = normalize(block.text)
            if len(compact) <= 60 and any(word in compact for word in _OTHER_DOCUMENT_WORDS):
                return block.text.strip()
    return None


def _agency_line(line: str) -> str | None:
    compact = normalize(line)
    if 2 <= len(compact) <= 40 and compact.endswith(_AGENCY_SUFFIXES) and "。" not in compact:
        return compact
    return None


def find_published_at(document: Document) -> date | None:
    if document.published_at:
        return document.published_at
    for block in document.blocks[:_TITLE_SEARCH_LIMIT]:
        if isinstance(block, Paragraph):
            match = _PUBLISHED.search(normalize(block.text))
            if match:
                return _safe_date(int(match["y"]), int(match["m"]), int(match["d"]))
    return None


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None
