"""The six standard sections, found by their headings.

Headings slip in real reports: 2、 for 二、, markdown marks, inner spaces, a heading
printed twice across a page break, 行政机关/因/被 inserted into the title. A heading is
a short paragraph that starts with a section number (Chinese or Arabic numeral and a
separator) and names its section's subject; sections must come in order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from parsers.cells import normalize
from parsers.document import Block, Paragraph

CANONICAL_TITLES = (
    "一、总体情况",
    "二、主动公开政府信息情况",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
    "五、存在的主要问题及改进情况",
    "六、其他需要报告的事项",
)

_NUMERALS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8}
_HEADING = re.compile(r"^#*(?:第)?(?P<number>[一二三四五六七八]|[1-8])(?:部分)?[、.，,:：]?(?P<title>.{2,40})$")

# What the title of each section must mention (any one of the alternatives).
_SUBJECTS: dict[int, tuple[tuple[str, ...], ...]] = {
    1: (("总体情况",), ("概述",), ("基本情况",)),
    2: (("主动公开",),),
    3: (("收到和处理",), ("依申请公开",), ("申请情况",)),
    4: (("行政复议",), ("行政诉讼",)),
    5: (("存在", "问题"), ("主要问题",), ("改进",)),
    6: (("其他需要报告",), ("其他事项",), ("其它需要报告",)),
}
_MAX_HEADING_LENGTH = 45

# Titles that name one section whatever number is printed in front of them.
_UNMISTAKABLE: dict[int, tuple[str, ...]] = {
    2: ("主动公开政府信息情况",),
    3: ("收到和处理政府信息公开申请",),
    4: ("行政复议", "行政诉讼"),
    5: ("存在的主要问题", "改进"),
    6: ("其他需要报告",),
}


@dataclass(slots=True)
class SectionSpan:
    number: int
    title: str
    start: int  # index of the heading block
    end: int  # index one past the section's last block


def heading_number(text: str) -> int | None:
    """The section a paragraph is the heading of, or None."""
    compact = normalize(text)
    if len(compact) > _MAX_HEADING_LENGTH or compact.endswith(("。", "；")):
        return None
    match = _HEADING.match(compact)
    if not match:
        return None
    raw_number = match["number"]
    number = int(raw_number) if raw_number.isdigit() else _NUMERALS[raw_number]
    subjects = _SUBJECTS.get(number, ())
    if any(all(part in match["title"] for part in alternative) for alternative in subjects):
        return number
    return _number_by_subject(match["title"])


def _number_by_subject(title: str) -> int | None:
    """The section a misnumbered heading names unmistakably (一、主动公开政府信息情况 -> 2)."""
    named = [number for number, parts in _UNMISTAKABLE.items() if all(part in title for part in parts)]
    return named[0] if len(named) == 1 else None


def find_sections(blocks: list[Block]) -> list[SectionSpan]:
    """Section spans in order; a repeated or out-of-order heading is body text."""
    spans: list[SectionSpan] = []
    for index, block in enumerate(blocks):
        if not isinstance(block, Paragraph):
            continue
        number = heading_number(block.text)
        if number is None or (spans and number <= spans[-1].number):
            continue
        if spans:
            spans[-1].end = index
        spans.append(SectionSpan(number, block.text.strip().lstrip("#").strip(), index, len(blocks)))
    return spans


_INLINE_HEADING = re.compile(
    r"(?:第)?[一二三四五六七]、\s*(?:"
    r"总体情况|概述|主动公开政府信息情况|收到和处理政府信息公开申请情况|政府信息依申请公开(?:工作)?情况"
    r"|(?:因政府信息公开(?:申请|工作)?)?(?:被申请)?(?:政府信息公开)?行政(?:法)?复议[、和及](?:提起)?行政诉讼的?情况"
    r"|(?:政府信息公开工作)?存在的?主要问题[及和]改进(?:情况|措施)|主要问题和改进措施|其他需要报告的事项)"
)


def split_inline_headings(blocks: list[Block]) -> list[Block]:
    """Paragraphs cut at the standard headings glued inside them (text flattened from HTML)."""
    result: list[Block] = []
    for block in blocks:
        if not isinstance(block, Paragraph) or not _INLINE_HEADING.search(block.text):
            result.append(block)
            continue
        position = 0
        for match in _INLINE_HEADING.finditer(block.text):
            result += _paragraphs(block, block.text[position : match.start()], match.group(0))
            position = match.end()
        result += _paragraphs(block, block.text[position:])
    return result


def _paragraphs(block: Paragraph, *texts: str) -> list[Block]:
    return [Paragraph(text.strip(), block.page) for text in texts if text.strip()]


def section_text(blocks: list[Block], span: SectionSpan) -> str:
    lines = [
        block.text.strip()
        for block in blocks[span.start + 1 : span.end]
        if isinstance(block, Paragraph) and block.text.strip()
    ]
    return "\n".join(line for line in lines if heading_number(line) != span.number)
